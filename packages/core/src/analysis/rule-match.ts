/**
 * One rule against one operation, with the reason in words: what `explain`
 * shows for every rule it weighs. This is the slow, plain path (it looks at
 * one rule); decisions never go through it, `compile` does.
 */
import { formatHost } from "../grammar/rule-host.js";
import { cidrContains, isLoopback, parseIp } from "../grammar/ip.js";
import type { Family, HostPattern, IpAddress, Operation, PortSpec, Rule } from "../types.js";

/** The host of an operation, read once: an address, or a canonical name. */
export type Subject =
  | { readonly kind: "address"; readonly ip: IpAddress; readonly names: readonly string[] }
  | { readonly kind: "name"; readonly name: string };

export type RuleStatus = "matched" | "no-match" | "other-kind";

export interface RuleCheck {
  readonly status: RuleStatus;
  /** Why, in one short sentence per part checked. */
  readonly why: readonly string[];
}

/** Which rules an operation is checked against: `direction` and `protocol` (docs/design.md, Decisions). */
export function ruleKindFor(op: Operation): { direction: Rule["direction"]; protocol?: Rule["protocol"] } {
  if (op.op === "resolve") return { direction: "resolve" };
  return { direction: op.op === "bind" ? "inbound" : "outbound", protocol: op.protocol };
}

/** True when an outbound allow rule also grants resolving its host (docs/design.md, Grammar). */
export function impliesResolve(rule: Rule): boolean {
  return (
    rule.effect === "allow" &&
    rule.direction === "outbound" &&
    (rule.host.kind === "name" || rule.host.kind === "wildcard" || rule.host.kind === "localhost")
  );
}

/** A host pattern in words: as the canonical form writes it, interfaces named as such. */
export function describeHost(host: HostPattern): string {
  return host.kind === "interface" ? `interface ${host.name}` : formatHost(host, "outbound");
}

/** Matches a name against a name pattern, label by label, saying why. */
export function nameAgainst(host: HostPattern, name: string): { ok: boolean; why: string } {
  switch (host.kind) {
    case "any":
      return { ok: true, why: `* matches every name` };
    case "localhost":
      return name === "localhost"
        ? { ok: true, why: "the name localhost" }
        : { ok: false, why: `localhost matches only the name localhost, not ${name}` };
    case "name":
      return name === host.name
        ? { ok: true, why: `${name} is ${host.name}` }
        : { ok: false, why: `${name} is not ${host.name}` };
    case "wildcard": {
      if (name === host.suffix) return { ok: false, why: `*.${host.suffix} needs a label in front of ${host.suffix}: it does not match the apex` };
      if (name.endsWith(`.${host.suffix}`)) {
        const front = name.slice(0, -host.suffix.length - 1);
        return { ok: true, why: `${name} is ${front} in front of ${host.suffix}` };
      }
      return { ok: false, why: `${name} does not end in .${host.suffix}` };
    }
    case "cidr":
      return { ok: false, why: `an address rule never matches a name` };
    case "interface":
      return { ok: false, why: `an interface rule never matches a name` };
  }
}

/** Matches an address against a pattern, saying why. */
export function addressAgainst(
  host: HostPattern,
  ip: IpAddress,
  names: readonly string[],
  interfaces: ((name: string) => readonly IpAddress[] | undefined) | undefined,
): { ok: boolean; why: string } {
  switch (host.kind) {
    case "any":
      return { ok: true, why: "* matches every address" };
    case "localhost":
      return isLoopback(ip)
        ? { ok: true, why: `${ip.text} is a loopback address` }
        : { ok: false, why: `${ip.text} is not in 127.0.0.0/8 or ::1` };
    case "cidr": {
      const inside = cidrContains(host.family, host.address, host.prefix, ip);
      return { ok: inside, why: `${ip.text} is ${inside ? "" : "not "}in ${describeHost(host)}` };
    }
    case "interface": {
      const addresses = interfaces?.(host.name);
      if (addresses === undefined) return { ok: false, why: `no interface named ${host.name} on this host` };
      const on = addresses.some((a) => a.family === ip.family && a.text === ip.text);
      return { ok: on, why: `${ip.text} is ${on ? "" : "not "}an address of ${host.name}` };
    }
    case "name":
    case "wildcard": {
      if (names.length === 0) return { ok: false, why: `no lookup in this session resolved a name to ${ip.text}` };
      for (const name of names) {
        const m = nameAgainst(host, name);
        if (m.ok) return { ok: true, why: `${ip.text} was resolved from ${name}; ${m.why}` };
      }
      return { ok: false, why: `${ip.text} was resolved only from ${names.join(", ")}, which ${describeHost(host)} does not match` };
    }
  }
}

/** Whether `port` is in `ports`, saying why. */
export function portAgainst(ports: PortSpec, port: number): { ok: boolean; why: string } {
  if (ports === "*") return { ok: true, why: `port * includes ${port}` };
  const text = ports.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(",");
  const hit = ports.find((r) => port >= r.from && port <= r.to);
  return hit ? { ok: true, why: `port ${port} is in ${text}` } : { ok: false, why: `port ${port} is not in ${text}` };
}

/** Whether an address of `family` passes the rule's family restriction. */
export function familyAgainst(restriction: Family | undefined, family: Family): { ok: boolean; why: string } {
  if (restriction === undefined) return { ok: true, why: "any family" };
  return restriction === family
    ? { ok: true, why: `${family} as #${restriction}-only requires` }
    : { ok: false, why: `#${restriction}-only excludes ${family}` };
}

/** Reads the operation's host into a subject (undefined when it is invalid). */
export function subjectOf(host: string, names: readonly string[], canonicalName: (s: string) => string): Subject | undefined {
  const ip = parseIp(host);
  if (ip) return { kind: "address", ip, names };
  try {
    return { kind: "name", name: canonicalName(host) };
  } catch {
    return undefined;
  }
}
