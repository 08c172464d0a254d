/**
 * One decision (DESIGN §3) over a compiled policy: read the host once, visit
 * the port tables that apply to it (trie nodes for a name; address blocks,
 * interfaces and the names the address was resolved from for an address),
 * keep the best rule per slot, and read the verdict off the six slots.
 * O(labels + log blocks + nesting depth) table lookups of O(log ports) each.
 */
import { visitAddress } from "./address-index.js";
import type { Bucket, Compiled } from "./compile.js";
import { endpointText, invalidDecision, toDecision, type Subject, type Verdict } from "./decision-text.js";
import { addressText, readAddress, readHost, type AddressKey, type HostKey } from "./host-key.js";
import { visitName } from "./name-index.js";
import { A0, A4, A6, D0, D4, D6, findInterval, indexOfPriority, NONE, type TableVisitor } from "./port-set.js";
import type { ResolutionTable } from "./resolution-table.js";
import type { Decision, Family, Operation, Rule } from "./types.js";

/** Keeps, per slot, the best priority among the tables visited at one port. */
class Slots implements TableVisitor {
  readonly best = [NONE, NONE, NONE, NONE, NONE, NONE];
  constructor(
    private readonly pool: Int32Array,
    private readonly port: number,
  ) {}

  table(off: number, len: number): void {
    const at = findInterval(this.pool, off, len, this.port);
    if (at < 0) return;
    const best = this.best;
    for (let s = 0; s < 6; s++) {
      const p = this.pool[at + 2 + s]!;
      if (p < best[s]!) best[s] = p;
    }
  }
}

/** The host of one check: a name, or an address with the names it was resolved from. */
type Target = { readonly host: HostKey; readonly names: readonly string[] };

function visit(c: Compiled, bucket: Bucket, t: Target, port: number): Slots {
  const slots = new Slots(bucket.pool, port);
  const host = t.host;
  if (host.kind === "name") {
    visitName(bucket.names, host.name, slots);
    if (bucket.anyName !== undefined) slots.table(bucket.anyName.off, bucket.anyName.len);
    if (host.name === "localhost" && bucket.localhostName !== undefined) {
      slots.table(bucket.localhostName.off, bucket.localhostName.len);
    }
    return slots;
  }
  if (host.family === "ipv4") visitAddress(bucket.v4, host.key, slots);
  else visitAddress(bucket.v6, host.key, slots);
  if (bucket.interfaces.size > 0 && c.options.interfaces !== undefined) visitInterfaces(c, bucket, host, slots);
  for (const name of t.names) visitName(bucket.names, name, slots);
  return slots;
}

function visitInterfaces(c: Compiled, bucket: Bucket, host: AddressKey, slots: Slots): void {
  const all = c.options.interfaces!();
  for (const [name, ref] of bucket.interfaces) {
    const entries = Object.hasOwn(all, name) ? all[name] : undefined;
    if (entries === undefined) continue;
    const on = entries.some((e) => {
      const ip = readAddress(e.address);
      return ip !== undefined && ip.family === host.family && ip.key === host.key;
    });
    if (on) slots.table(ref.off, ref.len);
  }
}

const min = (a: number, b: number): number => (a < b ? a : b);
const at = (p: number): number => indexOfPriority(p);

/** Verdict for an address of family `family`. */
function addressVerdict(b: number[], family: Family, bucket: Bucket, port: number | undefined): Verdict {
  const v4 = family === "ipv4";
  const deny = min(b[D0]!, v4 ? b[D4]! : b[D6]!);
  if (deny !== NONE) return { reason: "denied-by-rule", index: deny };
  const allow = min(b[A0]!, v4 ? b[A4]! : b[A6]!);
  if (allow !== NONE) return { reason: "allowed", index: at(allow) };
  const other = v4 ? b[A6]! : b[A4]!;
  if (other !== NONE) return { reason: "family", index: at(other) };
  const names = bucket.namePorts;
  if (port !== undefined && names !== undefined && findInterval(bucket.pool, names.off, names.len, port) >= 0) {
    return { reason: "not-resolved" };
  }
  return bucket.allows === 0 ? { reason: "no-rule", noRules: true } : { reason: "no-rule" };
}

/**
 * Verdict for a name: only unrestricted deny rules deny it; a family deny
 * takes that family from its answers, and denies the name when no family is
 * left. `family` is set when the answers may have only one.
 */
function nameVerdict(b: number[], bucket: Bucket): Verdict {
  if (b[D0]! !== NONE) return { reason: "denied-by-rule", index: b[D0]! };
  const g4 = min(b[A0]!, b[A4]!) !== NONE;
  const g6 = min(b[A0]!, b[A6]!) !== NONE;
  if (!g4 && !g6) return bucket.allows === 0 ? { reason: "no-rule", noRules: true } : { reason: "no-rule" };
  const c4 = g4 && b[D4]! === NONE;
  const c6 = g6 && b[D6]! === NONE;
  if (!c4 && !c6) return { reason: "denied-by-rule", index: min(g4 ? b[D4]! : NONE, g6 ? b[D6]! : NONE) };
  const best = min(b[A0]!, min(c4 ? b[A4]! : NONE, c6 ? b[A6]! : NONE));
  const family: Family | undefined = c4 && c6 ? undefined : c4 ? "ipv4" : "ipv6";
  return family === undefined ? { reason: "allowed", index: at(best) } : { reason: "allowed", index: at(best), family };
}

/** Where a mapping rule sends an operation, or undefined when it has none. */
function mappedEndpoint(rule: Rule, host: HostKey, port: number): { host: string; port: number } | undefined {
  const map = rule.map;
  const address = map?.addresses?.[0];
  const ports = map?.port;
  if (address === undefined && ports === undefined) return undefined;
  const to = ports !== undefined && port >= ports.from.from && port <= ports.from.to ? ports.to.from + (port - ports.from.from) : port;
  const h = address !== undefined ? address.text : host.kind === "name" ? host.name : addressText(host);
  return { host: h, port: to };
}

/** Reads the operation; a string is why it is invalid. */
function readOperation(op: Operation): { host: HostKey; port?: number; bucket: string; via?: string } | string {
  if (typeof op !== "object" || op === null) return "an operation must be an object";
  const kind = op.op;
  if (kind !== "resolve" && kind !== "connect" && kind !== "bind" && kind !== "send") return `unknown operation ${String(kind)}`;
  if (typeof op.host !== "string") return "the host must be a string";
  const host = readHost(op.host);
  if (host === undefined) return `${op.host.slice(0, 300)} is neither a valid IP address nor a valid name`;
  if (kind === "resolve") return { host, bucket: "resolve" };
  const { protocol, port, via } = op;
  if (protocol !== "tcp" && protocol !== "udp") return `unknown protocol ${String(protocol)}`;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) return `port ${String(port)} is not in 0..65535`;
  if (port === 0 && kind !== "bind") return `${kind} to port 0`;
  if (kind === "send" && protocol !== "udp") return "send is a udp operation";
  if (via !== undefined && (typeof via !== "string" || readHost(via)?.kind !== "name")) return `via ${String(via).slice(0, 300)} is not a valid name`;
  const read = { host, port, bucket: `${kind === "bind" ? "inbound" : "outbound"}/${protocol}` };
  return via === undefined ? read : { ...read, via };
}

/** The names an address was obtained from: the table's unexpired answers and `via`. */
function namesOf(host: AddressKey, bucket: Bucket, table: ResolutionTable | undefined, via: string | undefined): string[] {
  if (!bucket.byName) return [];
  const names = table === undefined ? [] : [...table.namesFor(host.text)];
  if (via !== undefined) {
    const v = readHost(via);
    if (v?.kind === "name") names.push(v.name);
  }
  return names;
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
  const read = readOperation(op);
  if (typeof read === "string") return invalidDecision(op, read);
  const bucket = c.buckets.get(read.bucket)!;
  const host = read.host;
  const subject: Subject = {
    op: op.op,
    ...(op.op === "resolve" ? {} : { protocol: op.protocol }),
    host: host.kind === "name" ? host.name : host.text,
    ...(read.port === undefined ? {} : { port: read.port }),
    flag: bucket.flag,
  };
  const port = read.port ?? 0;
  const names = host.kind === "address" && op.op !== "resolve" ? namesOf(host, bucket, table, read.via) : [];
  const slots = visit(c, bucket, { host, names }, port).best;
  const verdict = host.kind === "name" ? nameVerdict(slots, bucket) : addressVerdict(slots, host.family, bucket, read.port);
  if (verdict.reason !== "allowed") return toDecision(subject, c.rules, verdict);
  const rule = c.rules[verdict.index!]!;
  if (op.op === "resolve") return toDecision(subject, c.rules, resolveMapping(rule, verdict, slots));
  const target = mappedEndpoint(rule, host, port);
  if (target === undefined) return toDecision(subject, c.rules, verdict);
  const mapped = { ...verdict, mapped: target };
  if (target.host === subject.host && target.port === port) return toDecision(subject, c.rules, mapped);
  // The mapped target is itself checked against deny rules (DESIGN §3).
  const to = readHost(target.host)!;
  const via = host.kind === "name" ? [host.name] : names;
  const toNames = to.kind === "address" ? [...via, ...namesOf(to, bucket, table, undefined)] : [];
  const t = visit(c, bucket, { host: to, names: toNames }, target.port).best;
  const deny = to.kind === "name" ? nameDeny(t, verdict.family) : min(t[D0]!, to.family === "ipv4" ? t[D4]! : t[D6]!);
  if (deny === NONE) return toDecision(subject, c.rules, mapped);
  return toDecision(subject, c.rules, { reason: "denied-by-rule", index: deny, mappedTarget: endpointText(target.host, target.port) });
}

/** The deny that removes every family `family` leaves to a name, or NONE. */
function nameDeny(b: number[], family: Family | undefined): number {
  if (b[D0]! !== NONE) return b[D0]!;
  if (family === "ipv4") return b[D4]!;
  if (family === "ipv6") return b[D6]!;
  return b[D4]! !== NONE && b[D6]! !== NONE ? min(b[D4]!, b[D6]!) : NONE;
}

/**
 * A resolve answered by a mapping: its addresses, less those of a family the
 * name may not have. When none is left, the family deny that took them decides.
 */
function resolveMapping(rule: Rule, verdict: Verdict, slots: number[]): Verdict {
  const addresses = rule.map?.addresses;
  if (addresses === undefined || addresses.length === 0) return verdict;
  const kept = addresses.filter((a) => verdict.family === undefined || a.family === verdict.family);
  if (kept.length > 0) return { ...verdict, mapped: { addresses: kept.map((a) => a.text) } };
  const deny = min(addresses.some((a) => a.family === "ipv4") ? slots[D4]! : NONE, addresses.some((a) => a.family === "ipv6") ? slots[D6]! : NONE);
  return deny === NONE ? { reason: "family", index: verdict.index! } : { reason: "denied-by-rule", index: deny };
}
