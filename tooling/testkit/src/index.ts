export { installPacked, nodeEval, packWorkspacePackage, repoRoot } from "./pack.js";
export { capability, networkNamespaces, describeMissing, describeWhere, findOnPath, itWhere, requirementsEnforced, systemProgram, MISSING_LOG_ENV, REQUIRE_ENV } from "./system-programs.js";
export type { Requirement } from "./system-programs.js";
export { referenceDecide } from "./reference-decider.js";
export { alive, bypasses, execTempDirs, loopbackTargets, nodeConnectScript, processesMentioning, socksConnectScript, socksUdpScript, type Bypass, type LoopbackTargets } from "./isolation.js";
