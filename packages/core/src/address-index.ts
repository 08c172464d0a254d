/**
 * Addresses as CIDR blocks sorted by start (IPv4 as uint32 numbers, IPv6 as
 * 32-hex-digit strings, whose string order is numeric order). CIDR blocks are
 * laminar: two blocks are either nested or disjoint. So the blocks form a
 * forest; each block keeps its parent, and the blocks that contain an
 * address are the innermost one and its ancestors.
 *
 * Lookup: binary search for the last block starting at or before the
 * address, climb parents until a block contains it, then visit that block
 * and every ancestor. O(log blocks + nesting depth), nesting depth at most
 * 33 (IPv4) or 129 (IPv6) whatever the number of rules.
 */
import { ipv4ToInt, ipv6ToHex } from "./ip.js";
import type { Contribution, PoolBuilder, TableVisitor } from "./port-set.js";
import type { Family } from "./types.js";

export interface AddressIndex<K extends number | string> {
  readonly starts: ArrayLike<K>;
  readonly ends: ArrayLike<K>;
  readonly parents: Int32Array;
  /** Per block: table off, table len. */
  readonly tables: Int32Array;
}

export type Ipv4Index = AddressIndex<number>;
export type Ipv6Index = AddressIndex<string>;

interface Block<K> {
  start: K;
  end: K;
  contributions: Contribution[];
}

/** The first and last address of an IPv4 block, as uint32 numbers. */
export function ipv4Range(address: string, prefix: number): [number, number] {
  const size = 2 ** (32 - prefix);
  const start = Math.floor(ipv4ToInt(address) / size) * size;
  return [start, start + size - 1];
}

/** The first and last address of an IPv6 block, as 32 hex digits. */
export function ipv6Range(address: string, prefix: number): [string, string] {
  const hex = ipv6ToHex(address);
  const whole = prefix >> 2;
  const rest = prefix & 3;
  let start = hex.slice(0, whole);
  let end = start;
  if (rest > 0) {
    const digit = parseInt(hex[whole]!, 16);
    const keep = (0xf << (4 - rest)) & 0xf;
    start += (digit & keep).toString(16);
    end += ((digit & keep) | (~keep & 0xf)).toString(16);
  }
  const pad = 32 - start.length;
  return [start + "0".repeat(pad), end + "f".repeat(pad)];
}

/** Collects rules by address block while compiling. */
export class AddressIndexBuilder {
  private readonly v4 = new Map<string, Block<number>>();
  private readonly v6 = new Map<string, Block<string>>();

  /** A rule for the block `address/prefix` (canonical address text). */
  add(family: Family, address: string, prefix: number, c: Contribution): void {
    if (family === "ipv4") {
      const [start, end] = ipv4Range(address, prefix);
      addTo(this.v4, `${start}/${prefix}`, start, end, c);
    } else {
      const [start, end] = ipv6Range(address, prefix);
      addTo(this.v6, `${start}/${prefix}`, start, end, c);
    }
  }

  build(pool: PoolBuilder): { v4: Ipv4Index; v6: Ipv6Index } {
    const v4 = layout([...this.v4.values()], pool);
    const v6 = layout([...this.v6.values()], pool);
    return {
      v4: { starts: Float64Array.from(v4.starts), ends: Float64Array.from(v4.ends), parents: v4.parents, tables: v4.tables },
      v6,
    };
  }
}

function addTo<K>(map: Map<string, Block<K>>, key: string, start: K, end: K, c: Contribution): void {
  const block = map.get(key);
  if (block === undefined) map.set(key, { start, end, contributions: [c] });
  else block.contributions.push(c);
}

function layout<K extends number | string>(blocks: Block<K>[], pool: PoolBuilder): AddressIndex<K> {
  // Outer blocks first among equal starts, so that a parent precedes its children.
  blocks.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.end > b.end ? -1 : a.end < b.end ? 1 : 0));
  const parents = new Int32Array(blocks.length);
  const tables = new Int32Array(blocks.length * 2);
  const stack: number[] = [];
  blocks.forEach((block, i) => {
    while (stack.length > 0 && blocks[stack[stack.length - 1]!]!.end < block.start) stack.pop();
    parents[i] = stack.length > 0 ? stack[stack.length - 1]! : -1;
    stack.push(i);
    const ref = pool.add(block.contributions);
    tables[i * 2] = ref.off;
    tables[i * 2 + 1] = ref.len;
  });
  return { starts: blocks.map((b) => b.start), ends: blocks.map((b) => b.end), parents, tables };
}

/**
 * Visits the table of every block containing `key` (an IPv4 uint32 or an
 * IPv6 hex string, matching the index), innermost first.
 */
export function visitAddress<K extends number | string>(index: AddressIndex<K>, key: K, visitor: TableVisitor): void {
  const { starts, ends, parents, tables } = index;
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= key) lo = mid + 1;
    else hi = mid;
  }
  let i = lo - 1;
  while (i >= 0 && ends[i]! < key) i = parents[i]!;
  for (; i >= 0; i = parents[i]!) visitor.table(tables[i * 2]!, tables[i * 2 + 1]!);
}
