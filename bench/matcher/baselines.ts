/**
 * What the compiled matcher is measured against, in the same run:
 * - the naive reference decider the property tests use (it scans every rule
 *   of the policy for every decision), and
 * - for address-only policies, Node's `net.BlockList`: one list of the allow
 *   blocks and one of the deny blocks, allowed = in the first and not in the second.
 * Each baseline's answers are also compared with the compiled decider's, so a
 * ratio is never reported between two deciders that disagree unnoticed.
 */
import { BlockList } from "node:net";
import type { Decision, Operation, Policy, ResolutionTable } from "@netperm/core";
import { referenceDecide } from "../../packages/core/test/reference-decider.js";
import type { Decider } from "./harness.js";

/** The naive decider over `policy`, as a `Decider`. */
export function naiveDecider(policy: Policy, table?: ResolutionTable): Decider {
  return (op) => referenceDecide(policy, op, table).allowed;
}

/**
 * Node's BlockList holding the policy's outbound tcp address rules.
 *
 * @throws Error when the policy holds a rule that is not an outbound tcp address
 *   rule on every port (BlockList could not say the same thing).
 */
export function blockListDecider(policy: Policy): Decider {
  const allow = new BlockList();
  const deny = new BlockList();
  for (const rule of policy.rules) {
    const host = rule.host;
    if (rule.direction !== "outbound" || rule.protocol !== "tcp" || rule.ports !== "*" || host.kind !== "cidr" || rule.family !== undefined) {
      throw new Error(`not an address-only rule: ${rule.source.flag}`);
    }
    const list = rule.effect === "allow" ? allow : deny;
    const full = host.prefix === (host.family === "ipv4" ? 32 : 128);
    if (full) list.addAddress(host.address, host.family);
    else list.addSubnet(host.address, host.prefix, host.family);
  }
  return (op) => {
    const family = op.host.includes(":") ? "ipv6" : "ipv4";
    return allow.check(op.host, family) && !deny.check(op.host, family);
  };
}

/** How two deciders compared on a sample of operations. */
export interface Agreement {
  readonly compared: number;
  readonly disagreements: number;
  /** The first few operations decided differently, for the report. */
  readonly examples: readonly string[];
}

/**
 * Compares the compiled decision with a baseline's on each operation, in
 * order, until `budgetMs` has passed (at least 3): `allowed` always; for the
 * naive decider also `reason` and the deciding rule.
 */
export function agreement(
  compiled: (op: Operation) => Decision,
  baseline: (op: Operation) => Decision | boolean,
  ops: readonly Operation[],
  budgetMs: number,
): Agreement {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(budgetMs * 1e6));
  let compared = 0;
  let disagreements = 0;
  const examples: string[] = [];
  for (const op of ops) {
    if (compared >= 3 && process.hrtime.bigint() > deadline) break;
    compared++;
    const a = compiled(op);
    const b = baseline(op);
    const same =
      typeof b === "boolean" ? a.allowed === b : a.allowed === b.allowed && a.reason === b.reason && a.rule?.index === b.rule?.index;
    if (same) continue;
    disagreements++;
    if (examples.length < 3) {
      const theirs = typeof b === "boolean" ? String(b) : `${b.reason}@${b.rule?.index ?? "-"}`;
      examples.push(`${JSON.stringify(op)}: compiled ${a.reason}@${a.rule?.index ?? "-"}, baseline ${theirs}`);
    }
  }
  return { compared, disagreements, examples };
}

/** The raw naive decision, for `agreement`. */
export function naiveDecision(policy: Policy, table?: ResolutionTable): (op: Operation) => Decision {
  return (op) => referenceDecide(policy, op, table);
}
