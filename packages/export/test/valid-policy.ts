/**
 * A policy of the candidate flags the parser accepts: generated flags that
 * are not valid rules of the grammar (a family that contradicts the host,
 * say) are dropped, and the rest keep their order.
 */
import { parseRule, type FlagKind, type Policy, type Rule } from "@netperm/core";

export function validPolicy(flags: readonly (readonly [FlagKind, string])[]): Policy {
  const rules: Rule[] = [];
  for (const [kind, value] of flags) {
    try {
      rules.push(parseRule(kind, value, { index: rules.length }));
    } catch {
      // not a valid rule of the grammar: not part of this policy
    }
  }
  return { rules };
}
