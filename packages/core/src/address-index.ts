/**
 * Addresses as CIDR blocks sorted by start (IPv4 as uint32 numbers, IPv6 as
 * four uint32 words compared in order). CIDR blocks are
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
import { compareWords, hexToWords, type Words } from "./ipv6-words.js";
import type { Contribution, PoolBuilder, TableVisitor } from "./port-set.js";
import type { Family } from "./types.js";

/** Blocks sorted by start, outer first; a block's parent is the smallest block around it (-1: none). */
export interface AddressIndex<L> {
  /** IPv4: one number per block; IPv6: four words per block. */
  readonly starts: L;
  readonly ends: L;
  readonly parents: Int32Array;
  /** Per block: table off, table len. */
  readonly tables: Int32Array;
}

/**
 * IPv4 blocks, and for large indexes a directory by the top 16 bits:
 * `directory[p]` is the first block starting at or after `p << 16`, so a
 * search looks only at the blocks that start inside the address's /16.
 */
export type Ipv4Index = AddressIndex<Uint32Array> & { readonly directory: Uint32Array | undefined };

/** Below this many blocks a plain binary search is as quick as the directory. */
const DIRECTORY_FROM = 4096;

function directoryOf(starts: Uint32Array): Uint32Array {
  const dir = new Uint32Array(65537);
  let b = 0;
  for (let p = 0; p <= 65536; p++) {
    while (b < starts.length && starts[b]! < p * 65536) b++;
    dir[p] = b;
  }
  return dir;
}
export type Ipv6Index = AddressIndex<Uint32Array>;

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
    const words = (list: string[]): Uint32Array => {
      const out = new Uint32Array(list.length * 4);
      list.forEach((hex, i) => out.set(hexToWords(hex), i * 4));
      return out;
    };
    return {
      v4: {
        starts: Uint32Array.from(v4.starts),
        ends: Uint32Array.from(v4.ends),
        parents: v4.parents,
        tables: v4.tables,
        directory: v4.starts.length >= DIRECTORY_FROM ? directoryOf(Uint32Array.from(v4.starts)) : undefined,
      },
      v6: { starts: words(v6.starts), ends: words(v6.ends), parents: v6.parents, tables: v6.tables },
    };
  }
}

function addTo<K>(map: Map<string, Block<K>>, key: string, start: K, end: K, c: Contribution): void {
  const block = map.get(key);
  if (block === undefined) map.set(key, { start, end, contributions: [c] });
  else block.contributions.push(c);
}

function layout<K extends number | string>(blocks: Block<K>[], pool: PoolBuilder): AddressIndex<K[]> {
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

/** Visits the table of every IPv4 block containing `key` (a uint32), innermost first. */
export function visitIpv4(index: Ipv4Index, key: number, visitor: TableVisitor): void {
  const { starts, ends, parents, tables, directory } = index;
  let lo = 0;
  let hi = starts.length;
  if (directory !== undefined) {
    const p = key >>> 16;
    lo = directory[p]!;
    hi = directory[p + 1]!;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= key) lo = mid + 1;
    else hi = mid;
  }
  let i = lo - 1;
  while (i >= 0 && ends[i]! < key) i = parents[i]!;
  for (; i >= 0; i = parents[i]!) visitor.table(tables[i * 2]!, tables[i * 2 + 1]!);
}

/** Visits the table of every IPv6 block containing `key`, innermost first. */
export function visitIpv6(index: Ipv6Index, key: Words, visitor: TableVisitor): void {
  const { starts, ends, parents, tables } = index;
  let lo = 0;
  let hi = parents.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareWords(key, starts, mid * 4) >= 0) lo = mid + 1;
    else hi = mid;
  }
  let i = lo - 1;
  while (i >= 0 && compareWords(key, ends, i * 4) > 0) i = parents[i]!;
  for (; i >= 0; i = parents[i]!) visitor.table(tables[i * 2]!, tables[i * 2 + 1]!);
}
