/**
 * What the compiled matcher is measured against, in the same run:
 * - the naive reference decider the property tests use (it scans every rule
 *   of the policy for every decision), and
 * - for address-only policies, Node's `net.BlockList`: one list of the allow
 *   blocks and one of the deny blocks, allowed = in the first and not in the second.
 * Each baseline's answers are also compared with the compiled decider's
 * (`AgreementCounter`), so a ratio is never reported between two deciders
 * that disagree unnoticed.
 */
import { BlockList } from "node:net";
import type { Decision, Operation, Policy, ResolutionTable } from "@netperm/core";
import { referenceDecide } from "@netperm/testkit";

/** A baseline decider: the naive one answers a `Decision`, BlockList a boolean. */
export type Baseline = (op: Operation) => Decision | boolean;

/** The naive decider over `policy` (and the session's table). */
export function naiveDecider(policy: Policy, table?: ResolutionTable): Baseline {
  return (op) => referenceDecide(policy, op, table);
}

/**
 * Node's BlockList holding the policy's outbound tcp address rules.
 *
 * @throws Error when the policy holds a rule that is not an outbound tcp address
 *   rule on every port (BlockList could not say the same thing).
 */
export function blockListDecider(policy: Policy): Baseline {
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

/** Counts, operation by operation, where the compiled decider and a baseline disagree. */
export class AgreementCounter {
  private compared = 0;
  private disagreements = 0;
  private readonly examples: string[] = [];

  /** `allowed` always; for a `Decision` also `reason` and the deciding rule. */
  add(op: Operation, compiled: Decision, baseline: Decision | boolean): void {
    this.compared++;
    const b = baseline;
    const same =
      typeof b === "boolean" ? compiled.allowed === b : compiled.allowed === b.allowed && compiled.reason === b.reason && compiled.rule?.index === b.rule?.index;
    if (same) return;
    this.disagreements++;
    if (this.examples.length < 3) {
      const theirs = typeof b === "boolean" ? String(b) : `${b.reason}@${b.rule?.index ?? "-"}`;
      this.examples.push(`${JSON.stringify(op)}: compiled ${compiled.reason}@${compiled.rule?.index ?? "-"}, baseline ${theirs}`);
    }
  }

  result(): Agreement {
    return { compared: this.compared, disagreements: this.disagreements, examples: [...this.examples] };
  }
}
