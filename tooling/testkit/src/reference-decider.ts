/**
 * The reference decider: docs/design.md, Decisions written as plainly as possible. It reads
 * every rule of the policy for every operation, with no index, no fast path
 * and no precomputation. It is the oracle the property tests hold `compile`
 * to, and the baseline the benchmark measures `compile` against.
 *
 * It shares with `compile` only the wording of decisions (core's `toDecision`)
 * and the canonical readers of the grammar (`parseIp`, `canonicalName`).
 */
import {
  canonicalName,
  endsInNumber,
  hostPort,
  invalidDecision,
  ipv6ToHex,
  isLoopback,
  parseIp,
  portInSpec,
  toDecision,
  type CompileOptions,
  type Decision,
  type DecisionSubject as Subject,
  type DecisionVerdict as Verdict,
  type Family,
  type HostPattern,
  type IpAddress,
  type Operation,
  type Policy,
  type ResolutionTable,
  type Rule,
} from "@netperm/core";

type Host = { kind: "name"; name: string } | { kind: "address"; ip: IpAddress; value: bigint };

/** An address as one number (128 bits for IPv6, 32 for IPv4), read from canonical text. */
function valueOf(ip: IpAddress): bigint {
  if (ip.family === "ipv4") return ip.text.split(".").reduce((v, part) => (v << 8n) | BigInt(part), 0n);
  return BigInt(`0x${ipv6ToHex(ip.text)}`);
}

/** Reads a host the slow, canonical way: an IP literal, a name, or undefined. */
function readHost(text: string): Host | undefined {
  if (text.includes(":") || text.startsWith("[") || endsInNumber(text)) {
    const ip = parseIp(text);
    return ip === undefined ? undefined : { kind: "address", ip, value: valueOf(ip) };
  }
  try {
    return { kind: "name", name: canonicalName(text) };
  } catch {
    return undefined;
  }
}

function nameMatches(host: HostPattern, name: string): boolean {
  if (host.kind === "any") return true;
  if (host.kind === "localhost") return name === "localhost";
  if (host.kind === "name") return host.name === name;
  if (host.kind === "wildcard") {
    const front = name.length - host.suffix.length - 1;
    return front > 0 && name.endsWith(host.suffix) && name.charCodeAt(front) === 46;
  }
  return false;
}

/** A CIDR rule's network as a number, read once per rule (the scan itself stays plain). */
const networks = new WeakMap<HostPattern, bigint | number>();

/** Is the address in the block: do the first `prefix` bits agree? (IPv4 in plain numbers, IPv6 in BigInt.) */
function inBlock(host: Extract<HostPattern, { kind: "cidr" }>, ip: IpAddress, value: bigint): boolean {
  if (host.family !== ip.family) return false;
  let network = networks.get(host);
  if (network === undefined) {
    const v = valueOf({ family: host.family, text: host.address });
    network = host.family === "ipv4" ? Number(v) : v;
    networks.set(host, network);
  }
  if (typeof network === "number") {
    const size = 2 ** (32 - host.prefix);
    return Math.floor(Number(value) / size) === Math.floor(network / size);
  }
  const shift = BigInt(128 - host.prefix);
  return value >> shift === network >> shift;
}

/** Does an address match a rule's host, directly or through a name it was resolved from? */
function addressMatches(host: HostPattern, ip: IpAddress, value: bigint, names: string[], resolve: boolean, options: CompileOptions): boolean {
  if (host.kind === "any") return true;
  if (host.kind === "localhost" && !resolve) return isLoopback(ip);
  if (host.kind === "cidr") return inBlock(host, ip, value);
  if (host.kind === "interface") {
    if (options.interfaces === undefined) return false;
    const all = options.interfaces();
    const entries = Object.hasOwn(all, host.name) ? all[host.name] : undefined;
    for (const entry of entries ?? []) {
      const own = parseIp(entry.address);
      if (own !== undefined && own.family === ip.family && own.text === ip.text) return true;
    }
    return false;
  }
  for (const name of names) if (nameMatches(host, name)) return true;
  return false;
}

/** Is `rule` one of the rules an operation of this kind is checked against? */
function ofKind(rule: Rule, op: Operation): boolean {
  if (op.op === "resolve") {
    const implied = rule.effect === "allow" && rule.direction === "outbound" && ["name", "wildcard", "localhost"].includes(rule.host.kind);
    return rule.direction === "resolve" || implied;
  }
  return rule.direction === (op.op === "bind" ? "inbound" : "outbound") && rule.protocol === op.protocol;
}

/** Whether a rule's mapping applies to this kind of operation (mapping rules decide before others). */
function maps(rule: Rule, resolve: boolean): boolean {
  if (rule.effect !== "allow" || rule.map === undefined) return false;
  const addresses = (rule.map.addresses ?? []).length > 0;
  return resolve ? addresses : addresses || rule.map.port !== undefined;
}

/** The best of some allow rules: a mapping rule first, then the lowest index. */
function best(candidates: { rule: Rule; index: number }[], resolve: boolean): { rule: Rule; index: number } | undefined {
  let found: { rule: Rule; index: number } | undefined;
  for (const c of candidates) {
    if (found === undefined) found = c;
    else if (maps(c.rule, resolve) && !maps(found.rule, resolve)) found = c;
    else if (maps(c.rule, resolve) === maps(found.rule, resolve) && c.index < found.index) found = c;
  }
  return found;
}

function lowest(candidates: { index: number }[]): number | undefined {
  let low: number | undefined;
  for (const c of candidates) if (low === undefined || c.index < low) low = c.index;
  return low;
}

/** Everything needed to decide a host at a port against the rules of the operation. */
interface Check {
  policy: Policy;
  op: Operation;
  resolve: boolean;
  options: CompileOptions;
}

/** Every rule of the operation's kind matching host and port, read one by one. */
function matchesAt(check: Check, host: Host, names: string[], port: number): { rule: Rule; index: number }[] {
  const out: { rule: Rule; index: number }[] = [];
  const rules = check.policy.rules;
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index]!;
    if (!ofKind(rule, check.op)) continue;
    if (!check.resolve && !portInSpec(rule.ports, port)) continue;
    const hit = host.kind === "name" ? nameMatches(rule.host, host.name) : addressMatches(rule.host, host.ip, host.value, names, check.resolve, check.options);
    if (hit) out.push({ rule, index });
  }
  return out;
}

function decideName(check: Check, name: string, port: number): Verdict {
  const matched = matchesAt(check, { kind: "name", name }, [], port);
  const allows = matched.filter((m) => m.rule.effect === "allow");
  const denies = matched.filter((m) => m.rule.effect === "deny");
  const denyAll = lowest(denies.filter((m) => m.rule.family === undefined));
  if (denyAll !== undefined) return { reason: "denied-by-rule", index: denyAll };
  if (allows.length === 0) return noRule(check);
  const granted = new Set<Family>();
  for (const a of allows) for (const f of a.rule.family === undefined ? (["ipv4", "ipv6"] as const) : [a.rule.family]) granted.add(f);
  const left = [...granted].filter((f) => !denies.some((d) => d.rule.family === f));
  if (left.length === 0) return { reason: "denied-by-rule", index: lowest(denies.filter((d) => granted.has(d.rule.family!)))! };
  const winner = best(allows.filter((a) => a.rule.family === undefined || left.includes(a.rule.family)), check.resolve)!;
  return left.length === 1 ? { reason: "allowed", index: winner.index, family: left[0]! } : { reason: "allowed", index: winner.index };
}

function decideAddress(check: Check, ip: IpAddress, names: string[], port: number, resolve: boolean): Verdict {
  const matched = matchesAt(check, { kind: "address", ip, value: valueOf(ip) }, names, port);
  const fits = (r: Rule): boolean => r.family === undefined || r.family === ip.family;
  const deny = lowest(matched.filter((m) => m.rule.effect === "deny" && fits(m.rule)));
  if (deny !== undefined) return { reason: "denied-by-rule", index: deny };
  const allow = best(matched.filter((m) => m.rule.effect === "allow" && fits(m.rule)), check.resolve);
  if (allow !== undefined) return { reason: "allowed", index: allow.index };
  const family = best(matched.filter((m) => m.rule.effect === "allow"), check.resolve);
  if (family !== undefined) return { reason: "family", index: family.index };
  const named = check.policy.rules.some(
    (rule) => ofKind(rule, check.op) && rule.effect === "allow" && (rule.host.kind === "name" || rule.host.kind === "wildcard") && portInSpec(rule.ports, port),
  );
  if (!resolve && named) return { reason: "not-resolved" };
  return noRule(check);
}

function noRule(check: Check): Verdict {
  return check.policy.rules.some((rule) => ofKind(rule, check.op) && rule.effect === "allow") ? { reason: "no-rule" } : { reason: "no-rule", noRules: true };
}

/**
 * Decides `op` by reading every rule of `policy`: the same `Decision` as
 * `compile(policy, options).decide(op, table)`.
 */
export function referenceDecide(policy: Policy, op: Operation, table?: ResolutionTable, options: CompileOptions = {}): Decision {
  try {
    return decideOrThrow(policy, op, table, options);
  } catch (cause) {
    return invalidDecision(op, `NETPERM_INTERNAL: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

function decideOrThrow(policy: Policy, op: Operation, table: ResolutionTable | undefined, options: CompileOptions): Decision {
  if (typeof op !== "object" || op === null) return invalidDecision(op, "an operation must be an object");
  if (!["resolve", "connect", "bind", "send"].includes(op.op)) return invalidDecision(op, `unknown operation ${String(op.op)}`);
  if (typeof op.host !== "string") return invalidDecision(op, "the host must be a string");
  const host = readHost(op.host);
  if (host === undefined) return invalidDecision(op, `${op.host.slice(0, 300)} is neither a valid IP address nor a valid name`);
  let port = 0;
  let via: string | undefined;
  if (op.op !== "resolve") {
    if (op.protocol !== "tcp" && op.protocol !== "udp") return invalidDecision(op, `unknown protocol ${String(op.protocol)}`);
    if (!Number.isInteger(op.port) || op.port < 0 || op.port > 65535) return invalidDecision(op, `port ${String(op.port)} is not in 0..65535`);
    if (op.port === 0 && op.op !== "bind") return invalidDecision(op, `${op.op} to port 0`);
    if (op.op === "send" && op.protocol !== "udp") return invalidDecision(op, "send is a udp operation");
    if (op.via !== undefined) {
      const v = typeof op.via === "string" ? readHost(op.via) : undefined;
      if (v?.kind !== "name") return invalidDecision(op, `via ${String(op.via).slice(0, 300)} is not a valid name`);
      via = v.name;
    }
    port = op.port;
  }
  const resolve = op.op === "resolve";
  const check: Check = { policy, op, resolve, options };
  const subject: Subject = {
    op: op.op,
    protocol: resolve ? undefined : op.protocol,
    host: host.kind === "name" ? host.name : host.ip.text,
    port: resolve ? undefined : port,
    flag: `--allow-${resolve ? "resolve" : op.op === "bind" ? "inbound" : "outbound"}`,
  };
  let names: string[] = [];
  if (host.kind === "address" && !resolve) {
    names = [...(table?.namesFor(host.ip.text) ?? []), ...(via === undefined ? [] : [via])];
  }
  const verdict = host.kind === "name" ? decideName(check, host.name, port) : decideAddress(check, host.ip, names, port, resolve);
  if (verdict.reason !== "allowed") return toDecision(subject, policy.rules, verdict);
  const rule = policy.rules[verdict.index!]!;
  if (resolve) return toDecision(subject, policy.rules, resolveAnswer(check, rule, verdict, host));

  const address = rule.map?.addresses?.[0];
  const ports = rule.map?.port;
  if (address === undefined && ports === undefined) return toDecision(subject, policy.rules, verdict);
  const own = host.kind === "name" ? host.name : host.ip.zone === undefined ? host.ip.text : `${host.ip.text}%${host.ip.zone}`;
  const target = {
    host: address === undefined ? own : address.text,
    port: ports !== undefined && port >= ports.from.from && port <= ports.from.to ? ports.to.from + port - ports.from.from : port,
  };
  const mapped: Verdict = { ...verdict, mapped: target };
  if (target.host === subject.host && target.port === port) return toDecision(subject, policy.rules, mapped);
  // The mapped target must pass every deny rule too.
  const to = readHost(target.host)!;
  let deny: number | undefined;
  if (to.kind === "address") {
    const toNames = [...(host.kind === "name" ? [host.name] : names), ...(table?.namesFor(to.ip.text) ?? [])];
    const denies = matchesAt(check, to, toNames, target.port).filter((m) => m.rule.effect === "deny");
    deny = lowest(denies.filter((m) => m.rule.family === undefined || m.rule.family === to.ip.family));
  } else {
    const denies = matchesAt(check, to, [], target.port).filter((m) => m.rule.effect === "deny");
    const of = (f: Family | undefined) => lowest(denies.filter((m) => m.rule.family === f));
    deny = of(undefined);
    if (deny === undefined && verdict.family !== undefined) deny = of(verdict.family);
    if (deny === undefined && verdict.family === undefined && of("ipv4") !== undefined && of("ipv6") !== undefined) {
      deny = Math.min(of("ipv4")!, of("ipv6")!);
    }
  }
  if (deny === undefined) return toDecision(subject, policy.rules, mapped);
  return toDecision(subject, policy.rules, { reason: "denied-by-rule", index: deny, mappedTarget: hostPort(target.host, target.port) });
}

/** A lookup answered by a mapping: its addresses of the families the name may have. */
function resolveAnswer(check: Check, rule: Rule, verdict: Verdict, host: Host): Verdict {
  const addresses = rule.map?.addresses ?? [];
  if (addresses.length === 0 || host.kind !== "name") return verdict;
  const kept = addresses.filter((a) => verdict.family === undefined || a.family === verdict.family);
  if (kept.length > 0) return { ...verdict, mapped: { addresses: kept.map((a) => a.text) } };
  const families = new Set(addresses.map((a) => a.family));
  const denies = matchesAt(check, host, [], 0).filter((m) => m.rule.effect === "deny" && m.rule.family !== undefined && families.has(m.rule.family));
  const deny = lowest(denies);
  return deny === undefined ? { reason: "family", index: verdict.index! } : { reason: "denied-by-rule", index: deny };
}
