/**
 * `compile(policy)`: builds, once, the structures that make a decision cheap
 * (docs/design.md, Packages), one bucket per rule kind (outbound tcp, outbound udp, inbound
 * tcp, inbound udp, resolve). Each bucket holds its allow and deny rules in
 * a reversed-label trie for names, sorted CIDR blocks for addresses, and
 * merged port tables under both; `decide.ts` reads them. No decision scans
 * the rule list.
 */
import { AddressIndexBuilder, type Ipv4Index, type Ipv6Index } from "./address-blocks.js";
import { decide } from "./decide.js";
import { bucketWords, DecisionCache, type BucketWords } from "./lazy-decisions.js";
import { NetpermError } from "../grammar/errors.js";
import { NameIndexBuilder, type NameIndex } from "./name-trie.js";
import { allowPriority, PoolBuilder, slotOf, type Contribution, type TableRef } from "./port-tables.js";
import type { ResolutionTable } from "./resolution-table.js";
import type { Decision, Operation, Policy, Protocol, Rule } from "../types.js";

/** What compiling needs from the outside world (core does no I/O itself). */
export interface CompileOptions {
  /**
   * The host's network interfaces, in the shape of `os.networkInterfaces()`;
   * called when an inbound interface rule (`tcp://eth0:80`) is weighed. Without
   * it, interface rules match no address.
   */
  readonly interfaces?: () => Readonly<Record<string, readonly { readonly address: string }[] | undefined>>;
}

/** A policy compiled for fast decisions. */
export interface CompiledPolicy {
  readonly policy: Policy;
  /**
   * Decides one operation (docs/design.md, Decisions). Never throws: invalid input is a
   * denied decision with reason `invalid-input`.
   *
   * The common decisions (allowed or denied by a rule matching the
   * operation, no rule) make `rule` and `message` when they are first read,
   * so a decision whose `allowed` alone is read costs no string: they are
   * getters, and `JSON.stringify`, `util.inspect` and `decisionValue(d)`
   * give the whole value. Spread or compare `decisionValue(d)`, not `d`.
   *
   * @param table the session's resolution table: an address matches a name
   *   rule only when a lookup that the table remembers gave it for a matching name.
   * @example compile(policy).decide({ op: "connect", protocol: "tcp", host: "example.com", port: 80 })
   */
  decide(op: Operation, table?: ResolutionTable): Decision;
}

/** The compiled rules of one kind (`outbound/tcp`, ..., `resolve`). */
export interface Bucket {
  /** `--allow-outbound`, `--allow-inbound` or `--allow-resolve`: for messages. */
  readonly flag: string;
  /** The bucket's words for decisions no rule decides. */
  readonly words: BucketWords;
  readonly pool: Int32Array;
  /** Name and `*.` wildcard rules (and, in the resolve bucket, `localhost`). */
  readonly names: NameIndex;
  /** `*` rules, as they apply to a name. */
  readonly anyName: TableRef | undefined;
  /** `localhost` rules, as they apply to the name `localhost`. */
  readonly localhostName: TableRef | undefined;
  /** CIDR and IP rules, `*` as /0 and `localhost` as 127.0.0.0/8 and ::1. */
  readonly v4: Ipv4Index;
  readonly v6: Ipv6Index;
  /** Interface rules by interface name. */
  readonly interfaces: ReadonlyMap<string, TableRef>;
  /** The ports of every name or wildcard allow rule: tells `not-resolved` from `no-rule`. */
  readonly namePorts: TableRef | undefined;
  /** Whether an address must be looked up by the names it was resolved from. */
  readonly byName: boolean;
  /** Number of allow rules (0: "no rule for this protocol at all"). */
  readonly allows: number;
}

export interface Compiled {
  readonly rules: readonly Rule[];
  /** By `bucketOf`: outbound tcp, outbound udp, inbound tcp, inbound udp, resolve. */
  readonly buckets: readonly Bucket[];
  readonly options: CompileOptions;
  /** Per-rule parts of decisions, made on first use. */
  readonly cache: DecisionCache;
}

/** The bucket resolve rules are in. */
export const RESOLVE = 4;

/** The bucket of a rule kind (`protocol` is ignored for resolve). */
export function bucketOf(direction: Rule["direction"], protocol: Protocol | undefined): number {
  if (direction === "resolve") return RESOLVE;
  return (direction === "inbound" ? 2 : 0) + (protocol === "udp" ? 1 : 0);
}

class BucketBuilder {
  readonly names = new NameIndexBuilder();
  readonly addresses = new AddressIndexBuilder();
  readonly anyName: Contribution[] = [];
  readonly localhostName: Contribution[] = [];
  readonly interfaces = new Map<string, Contribution[]>();
  readonly namePorts: Contribution[] = [];
  allows = 0;

  constructor(
    readonly flag: string,
    readonly protocol: Protocol | undefined,
  ) {}

  /** Files one rule under its host key; `resolve` buckets treat `localhost` as a name. */
  add(rule: Rule, c: Contribution, resolve: boolean): void {
    if (rule.effect === "allow") this.allows++;
    const host = rule.host;
    switch (host.kind) {
      case "any":
        this.anyName.push(c);
        this.addresses.add("ipv4", "0.0.0.0", 0, c);
        this.addresses.add("ipv6", "::", 0, c);
        return;
      case "localhost":
        if (resolve) {
          this.names.addExact("localhost", c);
          return;
        }
        this.localhostName.push(c);
        this.addresses.add("ipv4", "127.0.0.0", 8, c);
        this.addresses.add("ipv6", "::1", 128, c);
        return;
      case "name":
        this.names.addExact(host.name, c);
        if (rule.effect === "allow") this.namePorts.push(c);
        return;
      case "wildcard":
        this.names.addWildcard(host.suffix, c);
        if (rule.effect === "allow") this.namePorts.push(c);
        return;
      case "cidr":
        this.addresses.add(host.family, host.address, host.prefix, c);
        return;
      case "interface": {
        const list = this.interfaces.get(host.name);
        if (list === undefined) this.interfaces.set(host.name, [c]);
        else list.push(c);
        return;
      }
    }
  }

  build(): Bucket {
    const pool = new PoolBuilder();
    const table = (cs: Contribution[]): TableRef | undefined => (cs.length === 0 ? undefined : pool.add(cs));
    const byName = !this.names.empty;
    const names = this.names.build(pool);
    const { v4, v6 } = this.addresses.build(pool);
    const interfaces = new Map<string, TableRef>();
    for (const [name, cs] of this.interfaces) interfaces.set(name, pool.add(cs));
    const anyName = table(this.anyName);
    const localhostName = table(this.localhostName);
    const namePorts = table(this.namePorts);
    return {
      flag: this.flag,
      words: bucketWords(this.flag, this.protocol),
      pool: pool.finish(),
      names,
      anyName,
      localhostName,
      v4,
      v6,
      interfaces,
      namePorts,
      byName,
      allows: this.allows,
    };
  }
}

const HOST_KINDS: readonly string[] = ["any", "localhost", "name", "wildcard", "cidr", "interface"];

/** Refuses a rule that `parseRule` could not have made: a decision must never guess what it means. */
function checkRule(rule: Rule, index: number): void {
  const ok =
    typeof rule === "object" &&
    rule !== null &&
    (rule.effect === "allow" || rule.effect === "deny") &&
    (rule.direction === "resolve" || ((rule.direction === "outbound" || rule.direction === "inbound") && (rule.protocol === "tcp" || rule.protocol === "udp"))) &&
    typeof rule.host === "object" &&
    rule.host !== null &&
    HOST_KINDS.includes(rule.host.kind) &&
    (rule.ports === "*" || Array.isArray(rule.ports)) &&
    (rule.family === undefined || rule.family === "ipv4" || rule.family === "ipv6");
  if (!ok) throw new NetpermError("NETPERM_ARGUMENT", `rule ${index} is not a rule parseRule makes`, { input: String(rule?.source?.flag ?? "") });
}

/** Whether a rule's mapping changes anything for operations of this bucket. */
function mapsIn(rule: Rule, resolve: boolean): boolean {
  const map = rule.map;
  if (map === undefined || rule.effect !== "allow") return false;
  const addresses = (map.addresses?.length ?? 0) > 0;
  return resolve ? addresses : addresses || map.port !== undefined;
}

/**
 * Compiles a policy once for many decisions. Cost O(rules log rules); the
 * policy is kept as given (`compiled.policy`).
 *
 * @throws NetpermError NETPERM_ARGUMENT for a rule `parseRule` could not have
 *   made (unknown effect, direction, protocol, host kind or family).
 * @example
 * const policy = parsePolicy(["--allow-outbound=tcp://example.com:80"]);
 * compile(policy).decide({ op: "resolve", host: "example.com" }).allowed // true
 */
export function compile(policy: Policy, options: CompileOptions = {}): CompiledPolicy {
  const kinds = [
    ["outbound", "tcp"],
    ["outbound", "udp"],
    ["inbound", "tcp"],
    ["inbound", "udp"],
    ["resolve", undefined],
  ] as const;
  const builders = kinds.map(([d, protocol]) => new BucketBuilder(`--allow-${d}`, protocol));
  const rules = policy.rules;
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index]!;
    checkRule(rule, index);
    const resolve = rule.direction === "resolve";
    const builder = builders[bucketOf(rule.direction, rule.protocol)]!;
    const slot = slotOf(rule.effect, rule.family);
    const own = rule.effect === "allow" ? allowPriority(index, mapsIn(rule, resolve)) : index;
    builder.add(rule, { ports: resolve ? "*" : rule.ports, slot, priority: own }, resolve);
    // An outbound allow rule for a name also grants resolving that name (docs/design.md, Grammar).
    if (rule.effect === "allow" && rule.direction === "outbound") {
      const kind = rule.host.kind;
      if (kind === "name" || kind === "wildcard" || kind === "localhost") {
        const implied = { ports: "*" as const, slot, priority: allowPriority(index, mapsIn(rule, true)) };
        builders[RESOLVE]!.add(rule, implied, true);
      }
    }
  }
  const compiled: Compiled = { rules, buckets: builders.map((b) => b.build()), options, cache: new DecisionCache(rules) };
  return {
    policy,
    decide: (op, table) => decide(compiled, op, table),
  };
}
