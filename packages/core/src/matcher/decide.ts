/**
 * One decision (docs/design.md, Decisions) over a compiled policy: read the host once, visit
 * the port tables that apply to it (trie nodes for a name; address blocks,
 * interfaces and the names the address was resolved from for an address),
 * keep the best rule per slot, and read the verdict off the six slots.
 * O(labels + log blocks + nesting depth) table lookups of O(log ports) each.
 */
import { visitIpv4, visitIpv6 } from "./address-blocks.js";
import { bucketOf, RESOLVE, type Bucket, type Compiled } from "./compile.js";
import { hostPort } from "../enforce/authority.js";
import { invalidDecision, toDecision, type Subject, type Verdict } from "./decision-text.js";
import { addressText, readAddress, readHost, type AddressKey, type HostKey } from "./lookup-key.js";
import { visitName } from "./name-trie.js";
import { EndpointDecision, NameDecision, NO_ALLOW_RULE, NO_MATCH } from "./lazy-decisions.js";
import { findInterval, indexOfPriority, NONE, UNMAPPED, type TableVisitor } from "./port-tables.js";
import type { ResolutionTable } from "./resolution-table.js";
import type { Decision, Family, Operation, Rule } from "../types.js";

const NO_POOL = new Int32Array(0);

/** The best priority per slot among the tables visited at one port. */
class Slots implements TableVisitor {
  a0 = NONE;
  a4 = NONE;
  a6 = NONE;
  d0 = NONE;
  d4 = NONE;
  d6 = NONE;
  private pool: Int32Array = NO_POOL;
  private port = 0;

  /** Empties the slots for a decision at `port` over tables in `pool`. */
  reset(pool: Int32Array, port: number): this {
    this.pool = pool;
    this.port = port;
    this.a0 = this.a4 = this.a6 = this.d0 = this.d4 = this.d6 = NONE;
    return this;
  }

  table(off: number, len: number): void {
    const pool = this.pool;
    const at = findInterval(pool, off, len, this.port);
    if (at < 0) return;
    if (pool[at + 2]! < this.a0) this.a0 = pool[at + 2]!;
    if (pool[at + 3]! < this.a4) this.a4 = pool[at + 3]!;
    if (pool[at + 4]! < this.a6) this.a6 = pool[at + 4]!;
    if (pool[at + 5]! < this.d0) this.d0 = pool[at + 5]!;
    if (pool[at + 6]! < this.d4) this.d4 = pool[at + 6]!;
    if (pool[at + 7]! < this.d6) this.d6 = pool[at + 7]!;
  }
}

const NO_NAMES: readonly string[] = [];

/**
 * One `Slots` kept between decisions (most decisions need no other). Taken
 * while in use, so a decision made while another is under way (an
 * `interfaces` callback that decides) gets its own.
 */
let spare: Slots | undefined = new Slots();

function takeSlots(pool: Int32Array, port: number): Slots {
  const slots = spare ?? new Slots();
  spare = undefined;
  return slots.reset(pool, port);
}

/** Visits every table that applies to `host` (and, for an address, to the names it came from). */
function visit(c: Compiled, bucket: Bucket, host: HostKey, names: readonly string[], port: number): Slots {
  const slots = takeSlots(bucket.pool, port);
  if (host.kind === "name") {
    visitName(bucket.names, host.name, slots);
    if (bucket.anyName !== undefined) slots.table(bucket.anyName.off, bucket.anyName.len);
    if (bucket.localhostName !== undefined && host.name === "localhost") slots.table(bucket.localhostName.off, bucket.localhostName.len);
    return slots;
  }
  if (host.family === "ipv4") visitIpv4(bucket.v4, host.key, slots);
  else visitIpv6(bucket.v6, host.key, slots);
  if (bucket.interfaces.size > 0 && c.options.interfaces !== undefined) visitInterfaces(c, bucket, host, slots);
  for (let i = 0; i < names.length; i++) visitName(bucket.names, names[i]!, slots);
  return slots;
}

/** Interface rules: the interfaces are read when such a rule is weighed (docs/design.md, Grammar). */
function visitInterfaces(c: Compiled, bucket: Bucket, host: AddressKey, slots: Slots): void {
  const all = c.options.interfaces!();
  for (const [name, ref] of bucket.interfaces) {
    const entries = Object.hasOwn(all, name) ? all[name] : undefined;
    const on = entries?.some((e) => {
      const ip = readAddress(e.address);
      return ip !== undefined && ip.family === host.family && ip.text === host.text;
    });
    if (on === true) slots.table(ref.off, ref.len);
  }
}

const min = (a: number, b: number): number => (a < b ? a : b);

function noRule(bucket: Bucket): Verdict {
  return bucket.allows === 0 ? { reason: "no-rule", noRules: true } : { reason: "no-rule" };
}

/** Verdict for an address: deny, allow, allow but for the family, a name rule it was not resolved for, none. */
function addressVerdict(b: Slots, family: Family, bucket: Bucket, port: number | undefined): Verdict {
  const v4 = family === "ipv4";
  const deny = min(b.d0, v4 ? b.d4 : b.d6);
  if (deny !== NONE) return { reason: "denied-by-rule", index: deny };
  const allow = min(b.a0, v4 ? b.a4 : b.a6);
  if (allow !== NONE) return { reason: "allowed", index: indexOfPriority(allow) };
  const other = v4 ? b.a6 : b.a4;
  if (other !== NONE) return { reason: "family", index: indexOfPriority(other) };
  const names = bucket.namePorts;
  if (port !== undefined && names !== undefined && findInterval(bucket.pool, names.off, names.len, port) >= 0) return { reason: "not-resolved" };
  return noRule(bucket);
}

/**
 * Verdict for a name: only unrestricted deny rules deny it; a family deny
 * takes that family from its answers, and denies the name when no family is
 * left. `family` is set when the answers may have only one.
 */
function nameVerdict(b: Slots, bucket: Bucket): Verdict {
  if (b.d0 !== NONE) return { reason: "denied-by-rule", index: b.d0 };
  const g4 = min(b.a0, b.a4) !== NONE;
  const g6 = min(b.a0, b.a6) !== NONE;
  if (!g4 && !g6) return noRule(bucket);
  const c4 = g4 && b.d4 === NONE;
  const c6 = g6 && b.d6 === NONE;
  if (!c4 && !c6) return { reason: "denied-by-rule", index: min(g4 ? b.d4 : NONE, g6 ? b.d6 : NONE) };
  const index = indexOfPriority(min(b.a0, min(c4 ? b.a4 : NONE, c6 ? b.a6 : NONE)));
  return c4 && c6 ? { reason: "allowed", index } : { reason: "allowed", index, family: c4 ? "ipv4" : "ipv6" };
}

/** The deny that removes every family `family` leaves to a name, or NONE. */
function nameDeny(b: Slots, family: Family | undefined): number {
  if (b.d0 !== NONE) return b.d0;
  if (family !== undefined) return family === "ipv4" ? b.d4 : b.d6;
  return b.d4 !== NONE && b.d6 !== NONE ? min(b.d4, b.d6) : NONE;
}

/** Where a mapping rule sends an operation, or undefined when it has none. */
function mappedEndpoint(rule: Rule, host: HostKey, port: number): { host: string; port: number } | undefined {
  const map = rule.map;
  if (map === undefined) return undefined;
  const address = map.addresses?.[0];
  const ports = map.port;
  if (address === undefined && ports === undefined) return undefined;
  const to = ports !== undefined && port >= ports.from.from && port <= ports.from.to ? ports.to.from + (port - ports.from.from) : port;
  return { host: address !== undefined ? address.text : host.kind === "name" ? host.name : addressText(host), port: to };
}

/**
 * A resolve answered by a mapping: its addresses, less those of a family the
 * name may not have. When none is left, the family deny that took them decides.
 */
function resolveMapping(rule: Rule, verdict: Verdict, b: Slots): Verdict {
  const addresses = rule.map?.addresses;
  if (addresses === undefined || addresses.length === 0) return verdict;
  const kept = addresses.filter((a) => verdict.family === undefined || a.family === verdict.family);
  if (kept.length > 0) return { ...verdict, mapped: { addresses: kept.map((a) => a.text) } };
  const deny = min(addresses.some((a) => a.family === "ipv4") ? b.d4 : NONE, addresses.some((a) => a.family === "ipv6") ? b.d6 : NONE);
  return deny === NONE ? { reason: "family", index: verdict.index! } : { reason: "denied-by-rule", index: deny };
}

/** The names an address was obtained from: the table's unexpired answers and `via`. */
function namesOf(host: AddressKey, bucket: Bucket, table: ResolutionTable | undefined, via: string | undefined): readonly string[] {
  if (!bucket.byName || (table === undefined && via === undefined)) return NO_NAMES;
  const found = table === undefined ? NO_NAMES : table.namesFor(host.text);
  return via === undefined ? found : [...found, via];
}

/**
 * The common decisions, from the slots alone and the per-rule words: allowed
 * by an unmapped rule with no family, denied by a rule, or no rule. Undefined
 * for any other (family, not-resolved, a mapping), which `toDecision` makes.
 */
function commonDecision(c: Compiled, bucket: Bucket, op: Operation, text: string, host: HostKey, port: number | undefined, b: Slots): Decision | undefined {
  let allow: number;
  let deny: number;
  if (host.kind === "name") {
    deny = b.d0;
    if (deny === NONE) {
      const g4 = min(b.a0, b.a4) !== NONE;
      const g6 = min(b.a0, b.a6) !== NONE;
      if (g4 || g6) {
        const c4 = g4 && b.d4 === NONE;
        const c6 = g6 && b.d6 === NONE;
        if (!c4 && !c6) deny = min(g4 ? b.d4 : NONE, g6 ? b.d6 : NONE);
        else if (!c4 || !c6) return undefined;
      }
    }
    allow = deny === NONE ? min(b.a0, min(b.a4, b.a6)) : NONE;
  } else {
    const v4 = host.family === "ipv4";
    deny = min(b.d0, v4 ? b.d4 : b.d6);
    allow = min(b.a0, v4 ? b.a4 : b.a6);
    if (deny === NONE && allow === NONE) {
      if ((v4 ? b.a6 : b.a4) !== NONE) return undefined;
      const names = bucket.namePorts;
      if (port !== undefined && names !== undefined && findInterval(bucket.pool, names.off, names.len, port) >= 0) return undefined;
    }
  }
  if (deny === NONE && allow !== NONE && allow < UNMAPPED) return undefined;
  const index = deny !== NONE ? deny : allow !== NONE ? allow - UNMAPPED : bucket.allows === 0 ? NO_ALLOW_RULE : NO_MATCH;
  const reason = deny !== NONE ? "denied-by-rule" : allow !== NONE ? "allowed" : "no-rule";
  const allowed = deny === NONE && allow !== NONE;
  const source = index >= 0 ? c.cache : bucket.words;
  // A getter that gives undefined stands for an absent `rule` (its JSON has none).
  if (op.op === "resolve") return new NameDecision(allowed, text, reason, source, index) as Decision;
  return new EndpointDecision(allowed, op.op, op.protocol, text, port!, reason, source, index) as Decision;
}

/** Decides one operation; see `CompiledPolicy.decide`. Never throws. */
export function decide(c: Compiled, op: Operation, table?: ResolutionTable): Decision {
  try {
    return decideOrThrow(c, op, table);
  } catch (cause) {
    return invalidDecision(op, `NETPERM_INTERNAL: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

function decideOrThrow(c: Compiled, op: Operation, table: ResolutionTable | undefined): Decision {
  if (typeof op !== "object" || op === null) return invalidDecision(op, "an operation must be an object");
  const kind = op.op;
  if (kind !== "resolve" && kind !== "connect" && kind !== "bind" && kind !== "send") return invalidDecision(op, `unknown operation ${String(kind)}`);
  if (typeof op.host !== "string") return invalidDecision(op, "the host must be a string");
  const host = readHost(op.host);
  if (host === undefined) return invalidDecision(op, `${op.host.slice(0, 300)} is neither a valid IP address nor a valid name`);
  let bucket: Bucket;
  let via: string | undefined;
  if (kind === "resolve") bucket = c.buckets[RESOLVE]!;
  else {
    const { protocol, port } = op;
    if (protocol !== "tcp" && protocol !== "udp") return invalidDecision(op, `unknown protocol ${String(protocol)}`);
    if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) return invalidDecision(op, `port ${String(port)} is not in 0..65535`);
    if (port === 0 && kind !== "bind") return invalidDecision(op, `${kind} to port 0`);
    if (kind === "send" && protocol !== "udp") return invalidDecision(op, "send is a udp operation");
    if (op.via !== undefined) {
      const v = typeof op.via === "string" ? readHost(op.via) : undefined;
      if (v?.kind !== "name") return invalidDecision(op, `via ${String(op.via).slice(0, 300)} is not a valid name`);
      via = v.name;
    }
    bucket = c.buckets[bucketOf(kind === "bind" ? "inbound" : "outbound", protocol)]!;
  }
  const port = kind === "resolve" ? undefined : op.port;
  const text = host.kind === "name" ? host.name : host.text;
  const names = host.kind === "address" && kind !== "resolve" ? namesOf(host, bucket, table, via) : NO_NAMES;
  const slots = visit(c, bucket, host, names, port ?? 0);
  const quick = commonDecision(c, bucket, op, text, host, port, slots);
  if (quick !== undefined) {
    spare = slots;
    return quick;
  }
  const subject: Subject = { op: kind, protocol: kind === "resolve" ? undefined : op.protocol, host: text, port, flag: bucket.flag };
  const verdict = host.kind === "name" ? nameVerdict(slots, bucket) : addressVerdict(slots, host.family, bucket, port);
  if (verdict.reason !== "allowed") return toDecision(subject, c.rules, verdict);
  const rule = c.rules[verdict.index!]!;
  if (port === undefined) return toDecision(subject, c.rules, resolveMapping(rule, verdict, slots));
  const target = mappedEndpoint(rule, host, port);
  if (target === undefined) return toDecision(subject, c.rules, verdict);
  const mapped: Verdict = { ...verdict, mapped: target };
  if (target.host === subject.host && target.port === port) return toDecision(subject, c.rules, mapped);
  // The mapped target is itself checked against deny rules (docs/design.md, Decision order).
  const to = readHost(target.host)!;
  const toNames = to.kind === "name" ? NO_NAMES : [...(host.kind === "name" ? [host.name] : names), ...namesOf(to, bucket, table, undefined)];
  const t = visit(c, bucket, to, toNames, target.port);
  const deny = to.kind === "name" ? nameDeny(t, verdict.family) : min(t.d0, to.family === "ipv4" ? t.d4 : t.d6);
  if (deny === NONE) return toDecision(subject, c.rules, mapped);
  return toDecision(subject, c.rules, { reason: "denied-by-rule", index: deny, mappedTarget: hostPort(target.host, target.port) });
}
