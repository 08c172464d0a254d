/**
 * Turns what a decider found (a verdict: reason, deciding rule, mapping)
 * into the `Decision` value of docs/design.md, Decisions, with its one-sentence message.
 * Shared by `compile` and by the reference decider in the tests, so both
 * speak the same words; what they decide they each work out alone.
 */
import { hostPort } from "../enforce/authority.js";
import type { Decision, Family, OperationKind, Protocol, Reason, Rule } from "../types.js";

/** The operation as decided: canonical host, and the rule kind it was checked against. */
export interface Subject {
  readonly op: OperationKind;
  /** Undefined for resolve. */
  readonly protocol: Protocol | undefined;
  /** Canonical IP text or canonical name. */
  readonly host: string;
  /** Undefined for resolve. */
  readonly port: number | undefined;
  /** `--allow-outbound`, `--allow-inbound` or `--allow-resolve`. */
  readonly flag: string;
}

/** What a decider found. */
export interface Verdict {
  readonly reason: Exclude<Reason, "invalid-input">;
  /** Policy position of the deciding rule (allowed, denied-by-rule, family). */
  readonly index?: number;
  /** Allowed name decisions: the only family the answers may have. */
  readonly family?: Family;
  readonly mapped?: NonNullable<Decision["mapped"]>;
  /** denied-by-rule: the deny rule matched the mapped target `host:port`, not the operation. */
  readonly mappedTarget?: string;
  /** no-rule: the bucket has no allow rule at all. */
  readonly noRules?: boolean;
}

function kindText(s: Subject): string {
  return s.protocol === undefined ? `${s.flag} rule` : `${s.flag} rule for ${s.protocol}`;
}

function message(s: Subject, rule: Rule | undefined, v: Verdict): string {
  const flag = rule?.source.flag ?? "";
  const target = hostPort(s.host, s.port);
  switch (v.reason) {
    case "allowed": {
      const m = v.mapped;
      if (m?.addresses !== undefined) return `allowed by ${flag}, answered with ${m.addresses.join(", ")}`;
      if (m?.host !== undefined) return `allowed by ${flag}, mapped to ${hostPort(m.host, m.port)}`;
      return v.family === undefined ? `allowed by ${flag}` : `allowed by ${flag}, ${v.family} answers only`;
    }
    case "denied-by-rule":
      return v.mappedTarget === undefined ? `denied by ${flag}` : `denied by ${flag} for the mapped target ${v.mappedTarget}`;
    case "family":
      return `${flag} allows only ${rule?.family ?? "one family of"} addresses, not ${s.host}`;
    case "not-resolved":
      return `${s.host} was not obtained by resolving a name that a ${kindText(s)} allows`;
    case "no-rule":
      return v.noRules === true ? `no ${kindText(s)}` : `no ${kindText(s)} matches ${target}`;
  }
}

/** Builds the decision for a verdict on a valid operation (fields in the documented order). */
export function toDecision(s: Subject, rules: readonly Rule[], v: Verdict): Decision {
  const rule = v.index === undefined ? undefined : rules[v.index];
  const d: Mutable<Decision> = { allowed: v.reason === "allowed", op: s.op };
  if (s.protocol !== undefined) d.protocol = s.protocol;
  d.host = s.host;
  if (s.port !== undefined) d.port = s.port;
  if (rule !== undefined) d.rule = { flag: rule.source.flag, index: rule.source.index, source: rule.source.origin };
  if (v.mapped !== undefined) d.mapped = v.mapped;
  if (v.family !== undefined) d.family = v.family;
  d.reason = v.reason;
  d.message = message(s, rule, v);
  return d as Decision;
}

type Mutable<T> = { -readonly [K in keyof T]?: T[K] };

const KINDS: readonly string[] = ["resolve", "connect", "bind", "send"];

/**
 * The decision for an operation that can not be decided (bad host, bad port,
 * unknown operation): denied, reason `invalid-input`, `why` as the message.
 */
export function invalidDecision(op: unknown, why: string): Decision {
  const o = (typeof op === "object" && op !== null ? op : {}) as Record<string, unknown>;
  const kind = typeof o["op"] === "string" && KINDS.includes(o["op"]) ? (o["op"] as OperationKind) : "connect";
  const protocol = o["protocol"] === "tcp" || o["protocol"] === "udp" ? { protocol: o["protocol"] as Protocol } : {};
  const port = typeof o["port"] === "number" && kind !== "resolve" ? { port: o["port"] } : {};
  const host = typeof o["host"] === "string" ? o["host"].slice(0, 300) : "";
  return { allowed: false, op: kind, ...protocol, host, ...port, reason: "invalid-input", message: why };
}
