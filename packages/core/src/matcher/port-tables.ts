/**
 * Port tables: for one host key (a trie node, an address block, `*`), the
 * ports its rules grant, merged into sorted disjoint intervals. Each interval
 * carries the best rule per slot, so a decision reads one interval by binary
 * search instead of looking at rules.
 *
 * Slots: the family class of a rule (no restriction / `#ipv4-only` /
 * `#ipv6-only`) times its effect (allow / deny). A slot holds the minimal
 * priority of the rules in it (see `allowPriority`), or `NONE`.
 *
 * All tables of one compiled bucket live in one `Int32Array` pool, `STRIDE`
 * numbers per interval: `lo, hi, a0, a4, a6, d0, d4, d6`.
 */
import type { Family, PortSpec, Rule } from "../types.js";

/** No rule in this slot. Larger than every priority, so `min` ignores it. */
export const NONE = 0x7fffffff;
/** Priorities of allow rules without a mapping start here (mapping rules decide first). */
export const UNMAPPED = 0x40000000;
/** Numbers per interval in a pool. */
export const STRIDE = 8;
/** Slot numbers are `effect * 3 + family class`: a0, a4, a6 (allow), d0, d4, d6 (deny). */
const A0 = 0;
const D0 = 3;
export const SLOTS = 6;

/** The slot of a rule: allow or deny, unrestricted or one family. */
export function slotOf(effect: Rule["effect"], family: Family | undefined): number {
  return (effect === "deny" ? D0 : A0) + (family === undefined ? 0 : family === "ipv4" ? 1 : 2);
}

/**
 * Allow rules are ranked first by whether a mapping applies (a mapping is
 * the user saying where this goes: it wins over a broader grant whatever the
 * order), then by policy index. Deny rules rank by index alone.
 */
export function allowPriority(index: number, mapped: boolean): number {
  return mapped ? index : UNMAPPED + index;
}

/** The policy index back from a priority. */
export function indexOfPriority(priority: number): number {
  return priority >= UNMAPPED ? priority - UNMAPPED : priority;
}

/** One rule's share of a table: its ports, in which slot, at which priority. */
export interface Contribution {
  readonly ports: PortSpec;
  readonly slot: number;
  readonly priority: number;
}

/** Where a table lives in its pool: first interval and interval count. */
export interface TableRef {
  readonly off: number;
  readonly len: number;
}

/** Receives the tables that apply to a host; the decision reads each at its port. */
export interface TableVisitor {
  table(off: number, len: number): void;
}

const ALL_PORTS = [{ from: 0, to: 65535 }] as const;

/** Grows one pool of intervals; `add` merges contributions into a new table. */
export class PoolBuilder {
  private data = new Int32Array(STRIDE * 64);
  private count = 0;

  /** Builds the merged table of `contributions` and returns where it lives. */
  add(contributions: readonly Contribution[]): TableRef {
    const off = this.count;
    const only = contributions.length === 1 ? contributions[0]! : undefined;
    if (only !== undefined && (only.ports === "*" || only.ports.length === 1)) {
      const r = only.ports === "*" ? ALL_PORTS[0] : only.ports[0]!;
      const at = this.push(r.from, r.to);
      this.data[at + 2 + only.slot] = only.priority;
      return { off, len: 1 };
    }
    this.merge(contributions);
    return { off, len: this.count - off };
  }

  /** The finished pool, trimmed to size. */
  finish(): Int32Array {
    return this.data.slice(0, this.count * STRIDE);
  }

  private push(lo: number, hi: number): number {
    if ((this.count + 1) * STRIDE > this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    const at = this.count * STRIDE;
    this.data[at] = lo;
    this.data[at + 1] = hi;
    this.data.fill(NONE, at + 2, at + STRIDE);
    this.count++;
    return at;
  }

  /**
   * Cuts the port line at every range edge into elementary intervals, paints
   * each interval's slots with the least priority that covers it, then joins
   * neighbours with equal slots.
   */
  private merge(contributions: readonly Contribution[]): void {
    const edges: number[] = [];
    for (const c of contributions) {
      for (const r of c.ports === "*" ? ALL_PORTS : c.ports) edges.push(r.from, r.to + 1);
    }
    edges.sort((a, b) => a - b);
    const cuts: number[] = [];
    for (const e of edges) if (cuts.length === 0 || cuts[cuts.length - 1] !== e) cuts.push(e);
    const n = cuts.length - 1;
    const slots = new Int32Array(n * SLOTS).fill(NONE);
    if (n * contributions.length <= SMALL) paintPlainly(contributions, cuts, slots);
    else paintInOrder(contributions, cuts, slots);
    let open = -1;
    for (let i = 0; i < n; i++) {
      let empty = true;
      for (let s = 0; s < SLOTS; s++) if (slots[i * SLOTS + s] !== NONE) empty = false;
      if (empty) {
        open = -1;
        continue;
      }
      if (open >= 0 && sameSlots(this.data, open, slots, i)) {
        this.data[open + 1] = cuts[i + 1]! - 1;
        continue;
      }
      open = this.push(cuts[i]!, cuts[i + 1]! - 1);
      for (let s = 0; s < SLOTS; s++) this.data[open + 2 + s] = slots[i * SLOTS + s]!;
    }
  }
}

/** Below this many (interval, contribution) pairs, painting every pair is quicker than ordering. */
const SMALL = 256;

/** Every contribution against every elementary interval: for small tables. */
function paintPlainly(contributions: readonly Contribution[], cuts: readonly number[], slots: Int32Array): void {
  for (const c of contributions) {
    for (const r of c.ports === "*" ? ALL_PORTS : c.ports) {
      for (let i = lowerBound(cuts, r.from); i < cuts.length - 1 && cuts[i]! <= r.to; i++) {
        const at = i * SLOTS + c.slot;
        if (c.priority < slots[at]!) slots[at] = c.priority;
      }
    }
  }
}

/**
 * Lowest priority first, each slot's intervals painted once: a skip list
 * over the unpainted intervals keeps large tables near linear.
 */
function paintInOrder(contributions: readonly Contribution[], cuts: readonly number[], slots: Int32Array): void {
  const n = cuts.length - 1;
  const order = [...contributions].sort((a, b) => a.priority - b.priority);
  const next = Array.from({ length: SLOTS }, () => Int32Array.from({ length: n + 1 }, (_, i) => i));
  const find = (skip: Int32Array, i: number): number => {
    let root = i;
    while (skip[root] !== root) root = skip[root]!;
    while (skip[i] !== root) {
      const up = skip[i]!;
      skip[i] = root;
      i = up;
    }
    return root;
  };
  for (const c of order) {
    const skip = next[c.slot]!;
    for (const r of c.ports === "*" ? ALL_PORTS : c.ports) {
      const last = lowerBound(cuts, r.to + 1);
      for (let i = find(skip, lowerBound(cuts, r.from)); i < last; i = find(skip, i)) {
        slots[i * SLOTS + c.slot] = c.priority;
        skip[i] = i + 1;
      }
    }
  }
}

function sameSlots(data: Int32Array, at: number, slots: Int32Array, i: number): boolean {
  for (let s = 0; s < SLOTS; s++) if (data[at + 2 + s] !== slots[i * SLOTS + s]) return false;
  return true;
}

/** First index in sorted `xs` whose value is >= `x`. */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The pool offset of the interval of table (`off`, `len`) that holds `port`,
 * or -1. Binary search: O(log len).
 */
export function findInterval(pool: Int32Array, off: number, len: number, port: number): number {
  let lo = off;
  let hi = off + len - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = mid * STRIDE;
    if (pool[at]! > port) hi = mid - 1;
    else if (pool[at + 1]! < port) lo = mid + 1;
    else return at;
  }
  return -1;
}
