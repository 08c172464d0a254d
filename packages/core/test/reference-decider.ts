/**
 * The reference decider lives in `@netperm/testkit` (tooling/testkit), where
 * the bench imports it by name. Core can not list testkit as a dependency
 * (testkit depends on core, and turbo refuses the cycle), so its tests reach
 * the same file by path.
 */
export { referenceDecide } from "../../../tooling/testkit/src/reference-decider.js";
