/**
 * The resolution table (docs/design.md, Resolution table): which names a session's lookups turned
 * into which addresses, and until when. A rule whose host is a name matches
 * an address only through this table, so no address is ever allowed because
 * some other name resolved to it. Entries expire with the DNS TTL (60 s when
 * the answer has none); the table holds at most `maxEntries` name-address
 * pairs and forgets the oldest first. Time comes from an injected clock.
 */
import { NetpermError } from "../grammar/errors.js";
import { readAddress, readHost } from "./lookup-key.js";

/** A source of time in milliseconds, e.g. `{ now: () => Date.now() }`. */
export interface Clock {
  now(): number;
}

export interface ResolutionTableOptions {
  /** Defaults to the system clock (`Date.now`). */
  readonly clock?: Clock;
  /** TTL for answers recorded without one. Default 60 (seconds). */
  readonly defaultTtlSeconds?: number;
  /** Most name-address pairs held at once. Default 10 000. */
  readonly maxEntries?: number;
}

const SYSTEM_CLOCK: Clock = { now: () => Date.now() };
const SEPARATOR = " ";

/**
 * Name -> addresses with expiry, searchable both ways. Names are canonical
 * (IDNA ASCII, lower case), addresses canonical IP text (`127.1` and
 * `::ffff:127.0.0.1` are both `127.0.0.1`).
 *
 * @example
 * const table = new ResolutionTable({ clock: { now: () => 0 } });
 * table.record("Example.COM", ["93.184.216.34"], 300);
 * table.namesFor("93.184.216.34"); // ["example.com"]
 */
export class ResolutionTable {
  private readonly clock: Clock;
  private readonly defaultTtl: number;
  private readonly max: number;
  /** `name address` -> expiry (ms), in insertion order: the oldest is first. */
  private readonly pairs = new Map<string, number>();
  private readonly byAddress = new Map<string, Map<string, number>>();
  private readonly byName = new Map<string, Map<string, number>>();

  /** @throws NetpermError NETPERM_ARGUMENT for a negative or non-finite TTL or a size below 1. */
  constructor(options: ResolutionTableOptions = {}) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.defaultTtl = checkTtl(options.defaultTtlSeconds ?? 60);
    const max = options.maxEntries ?? 10_000;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new NetpermError("NETPERM_ARGUMENT", `maxEntries must be a positive integer, not ${String(max)}`);
    }
    this.max = max;
  }

  /**
   * Remembers that `name` resolved to `addresses`, for `ttlSeconds` (default:
   * the table's default TTL). Recording a pair again renews it. An entry is
   * valid up to and including its expiry instant.
   *
   * @throws NetpermError NETPERM_NAME (or another name code) for an invalid
   *   name, NETPERM_IP for an invalid address, NETPERM_ARGUMENT for a bad TTL;
   *   nothing is recorded then.
   */
  record(name: string, addresses: readonly string[], ttlSeconds?: number): void {
    const host = typeof name === "string" ? readHost(name) : undefined;
    if (host?.kind !== "name") throw new NetpermError("NETPERM_NAME", `not a valid name: ${String(name).slice(0, 300)}`);
    const ttl = ttlSeconds === undefined ? this.defaultTtl : checkTtl(ttlSeconds);
    const canonical = addresses.map((text) => {
      const ip = typeof text === "string" ? readAddress(text) : undefined;
      if (ip === undefined) throw new NetpermError("NETPERM_IP", `not a valid IP address: ${String(text).slice(0, 300)}`);
      return ip.text;
    });
    const expiry = this.clock.now() + ttl * 1000;
    for (const address of canonical) this.put(host.name, address, expiry);
  }

  /** The unexpired names that resolved to `address` (any spelling); [] for an invalid address. */
  namesFor(address: string): readonly string[] {
    const ip = typeof address === "string" ? readAddress(address) : undefined;
    return ip === undefined ? [] : this.live(this.byAddress, ip.text, 1);
  }

  /** The unexpired addresses `name` resolved to; [] for an invalid name. */
  addressesFor(name: string): readonly string[] {
    const host = typeof name === "string" ? readHost(name) : undefined;
    return host?.kind === "name" ? this.live(this.byName, host.name, 0) : [];
  }

  /** Number of name-address pairs held, expired ones included until they are swept. */
  get size(): number {
    return this.pairs.size;
  }

  private put(name: string, address: string, expiry: number): void {
    const key = name + SEPARATOR + address;
    this.pairs.delete(key);
    if (this.pairs.size >= this.max) this.sweep();
    while (this.pairs.size >= this.max) {
      const oldest = this.pairs.keys().next().value as string;
      this.remove(oldest);
    }
    this.pairs.set(key, expiry);
    side(this.byAddress, address).set(name, expiry);
    side(this.byName, name).set(address, expiry);
  }

  /** The keys of `index.get(key)` still valid now; drops the expired ones. */
  private live(index: Map<string, Map<string, number>>, key: string, keyIsAddress: 0 | 1): string[] {
    const entries = index.get(key);
    if (entries === undefined) return [];
    const now = this.clock.now();
    const out: string[] = [];
    for (const [other, expiry] of entries) {
      if (expiry >= now) out.push(other);
      else this.remove(keyIsAddress === 1 ? other + SEPARATOR + key : key + SEPARATOR + other);
    }
    return out;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, expiry] of this.pairs) if (expiry < now) this.remove(key);
  }

  private remove(key: string): void {
    this.pairs.delete(key);
    const at = key.indexOf(SEPARATOR);
    const name = key.slice(0, at);
    const address = key.slice(at + 1);
    drop(this.byAddress, address, name);
    drop(this.byName, name, address);
  }
}

function checkTtl(ttl: number): number {
  if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl < 0) {
    throw new NetpermError("NETPERM_ARGUMENT", `a TTL must be a finite number of seconds >= 0, not ${String(ttl)}`);
  }
  return ttl;
}

function side(index: Map<string, Map<string, number>>, key: string): Map<string, number> {
  let m = index.get(key);
  if (m === undefined) {
    m = new Map();
    index.set(key, m);
  }
  return m;
}

function drop(index: Map<string, Map<string, number>>, key: string, member: string): void {
  const m = index.get(key);
  if (m === undefined) return;
  m.delete(member);
  if (m.size === 0) index.delete(key);
}
