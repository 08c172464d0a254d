/**
 * `explain(policy, op)`: the decision, and every rule of the policy in policy
 * order with why it did or did not match (name label by label, address
 * against prefix, port against intervals, family, deny). The decision itself
 * comes from `compile`, so what explain says is what enforcement does.
 */
import { compile, type CompileOptions } from "../matcher/compile.js";
import { parseIp } from "../grammar/ip.js";
import { canonicalName } from "../grammar/names.js";
import type { ResolutionTable } from "../matcher/resolution-table.js";
import {
  addressAgainst,
  familyAgainst,
  impliesResolve,
  nameAgainst,
  portAgainst,
  ruleKindFor,
  subjectOf,
  type RuleStatus,
  type Subject,
} from "./rule-match.js";
import type { Decision, IpAddress, Operation, Rule, RuleSource } from "../types.js";

export interface ExplainStep {
  readonly rule: RuleSource;
  readonly effect: Rule["effect"];
  /** For a resolve operation: an outbound rule weighed for the resolve grant it implies. */
  readonly implied?: true;
  readonly status: RuleStatus;
  readonly why: readonly string[];
}

export interface Explanation {
  readonly decision: Decision;
  readonly steps: readonly ExplainStep[];
}

export interface ExplainOptions extends CompileOptions {
  /** The session's resolution table, as the enforcing host holds it. */
  readonly table?: ResolutionTable;
}

/** Explains one decision. Never throws for a bad operation: the decision says `invalid-input`. */
export function explain(policy: { readonly rules: readonly Rule[] }, op: Operation, options: ExplainOptions = {}): Explanation {
  const decision = compile(policy, options).decide(op, options.table);
  const names = op.op !== "resolve" ? [...(options.table?.namesFor(op.host) ?? []), ...(op.via ? [safeName(op.via)] : [])] : [];
  const subject = subjectOf(op.host, names.filter((n): n is string => n !== undefined), canonicalName);
  const interfaces = interfaceLookup(options);
  const steps = policy.rules.map((rule) => weigh(rule, op, subject, interfaces));
  return { decision, steps };
}

function safeName(name: string): string | undefined {
  try {
    return canonicalName(name);
  } catch {
    return undefined;
  }
}

function interfaceLookup(options: CompileOptions): (name: string) => readonly IpAddress[] | undefined {
  return (name) => {
    const entries = options.interfaces?.()[name];
    if (entries === undefined) return undefined;
    return entries.map((e) => parseIp(e.address)).filter((ip): ip is IpAddress => ip !== undefined);
  };
}

function weigh(
  rule: Rule,
  op: Operation,
  subject: Subject | undefined,
  interfaces: (name: string) => readonly IpAddress[] | undefined,
): ExplainStep {
  const base = { rule: rule.source, effect: rule.effect };
  const kind = ruleKindFor(op);
  const implied = kind.direction === "resolve" && rule.direction === "outbound" && impliesResolve(rule);
  if (!implied && (rule.direction !== kind.direction || (kind.protocol !== undefined && rule.protocol !== kind.protocol))) {
    const what = rule.protocol ? `${rule.direction} ${rule.protocol}` : rule.direction;
    return { ...base, status: "other-kind", why: [`a ${what} rule; ${op.op} is checked against ${kind.protocol ? `${kind.direction} ${kind.protocol}` : kind.direction} rules`] };
  }
  if (subject === undefined) return { ...base, status: "no-match", why: [`${op.host} is not a valid name or address`] };
  const why: string[] = implied ? [`implies --allow-resolve for its host`] : [];
  let ok = true;
  if (subject.kind === "name") {
    const m = nameAgainst(rule.host, subject.name);
    why.push(m.why);
    ok &&= m.ok;
    if (rule.effect === "deny" && rule.family !== undefined) why.push(`denies the name's ${rule.family} answers; other families stay as the allow rules say`);
    else if (rule.family !== undefined) why.push(`answers limited to ${rule.family}`);
  } else {
    const m = addressAgainst(rule.host, subject.ip, subject.names, interfaces);
    why.push(m.why);
    ok &&= m.ok;
    const f = familyAgainst(rule.family, subject.ip.family);
    if (rule.family !== undefined) why.push(f.why);
    ok &&= f.ok;
  }
  if (op.op !== "resolve") {
    const p = portAgainst(rule.ports, op.port);
    why.push(p.why);
    ok &&= p.ok;
  }
  return { ...base, ...(implied ? { implied: true as const } : {}), status: ok ? "matched" : "no-match", why };
}
