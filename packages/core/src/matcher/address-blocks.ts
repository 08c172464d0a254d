/**
 * Addresses as CIDR blocks (IPv4 as uint32 numbers, IPv6 as four uint32
 * words compared in order). CIDR blocks are laminar: two blocks are either
 * nested or disjoint. So the blocks form a forest; each block keeps its
 * parent, and the blocks that contain an address are the innermost one and
 * its ancestors.
 *
 * The address line is cut at every block edge into segments, each knowing
 * its innermost block. Lookup: one binary search for the segment of the
 * address (for IPv4 within its /16 when the index is large), then visit that
 * block and every ancestor, with no walking over blocks that do not contain
 * it. O(log segments + nesting depth), nesting depth at most 33 (IPv4) or
 * 129 (IPv6) whatever the number of rules.
 */
import { fastIpv4 } from "./lookup-key.js";
import { ipv4ToInt, ipv6ToHex } from "../grammar/ip.js";
import { compareWords, type Words } from "./ipv6-words.js";
import type { Contribution, PoolBuilder, TableVisitor } from "./port-tables.js";
import type { Family } from "../types.js";

/**
 * The address line cut into segments at every block edge: segment `j` is
 * `[starts[j], starts[j + 1])` and lies in the same blocks throughout. Each
 * segment names its innermost block (-1: none); each block its table and
 * its parent, the smallest block around it.
 */
export interface AddressIndex {
  /** IPv4: one number per segment; IPv6: four words per segment. The first segment starts at 0. */
  readonly starts: Uint32Array;
  /** Per segment: the innermost block around it, or -1. */
  readonly blocks: Int32Array;
  /** Per block: table off, table len, parent block (-1: none). */
  readonly chain: Int32Array;
}

/**
 * IPv4 segments, and for large indexes a directory by the top 16 bits:
 * `directory[p]` is the first segment starting at or after `p << 16`, so a
 * search looks only at the segments that start inside the address's /16.
 */
export type Ipv4Index = AddressIndex & { readonly directory: Uint32Array | undefined };
export type Ipv6Index = AddressIndex;

/** Below this many segments a plain binary search is as quick as the directory. */
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

interface Block<K> {
  start: K;
  end: K;
  contributions: Contribution[];
}

/** The first and last address of an IPv4 block, as uint32 numbers. */
export function ipv4Range(address: string, prefix: number): [number, number] {
  const size = 2 ** (32 - prefix);
  // Rule addresses are canonical dotted quads: the fast reader, with the general one behind it.
  const n = fastIpv4(address);
  const start = Math.floor((n >= 0 ? n : ipv4ToInt(address)) / size) * size;
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
  /** By `start * 64 + prefix` (below 2^38: exact as a number, and no key string to build). */
  private readonly v4 = new Map<number, Block<number>>();
  private readonly v6 = new Map<string, Block<string>>();

  /** A rule for the block `address/prefix` (canonical address text). */
  add(family: Family, address: string, prefix: number, c: Contribution): void {
    if (family === "ipv4") {
      const [start, end] = ipv4Range(address, prefix);
      addTo(this.v4, start * 64 + prefix, start, end, c);
    } else {
      const [start, end] = ipv6Range(address, prefix);
      addTo(this.v6, `${start}/${prefix}`, start, end, c);
    }
  }

  build(pool: PoolBuilder): { v4: Ipv4Index; v6: Ipv6Index } {
    const v4 = layout(
      [...this.v4.values()],
      pool,
      (n) => n + 1,
      2 ** 32,
    );
    const v6 = layout(
      [...this.v6.values()].map((b) => ({ start: BigInt(`0x${b.start}`), end: BigInt(`0x${b.end}`), contributions: b.contributions })),
      pool,
      (n) => n + 1n,
      1n << 128n,
    );
    const v4starts = Uint32Array.from(v4.starts);
    const v6starts = new Uint32Array(v6.starts.length * 4);
    v6.starts.forEach((n, i) => {
      for (let w = 0; w < 4; w++) v6starts[i * 4 + w] = Number((n >> BigInt(96 - 32 * w)) & 0xffffffffn);
    });
    return {
      v4: { starts: v4starts, blocks: v4.blocks, chain: v4.chain, directory: v4starts.length >= DIRECTORY_FROM ? directoryOf(v4starts) : undefined },
      v6: { starts: v6starts, blocks: v6.blocks, chain: v6.chain },
    };
  }
}

function addTo<K, I>(map: Map<I, Block<K>>, key: I, start: K, end: K, c: Contribution): void {
  const block = map.get(key);
  if (block === undefined) map.set(key, { start, end, contributions: [c] });
  else block.contributions.push(c);
}

/**
 * Sorts the blocks (outer first among equal starts, so a parent precedes its
 * children), gives each its parent and table, and cuts the line into
 * segments with a sweep: a segment starts where a block opens (inside it) and
 * just past where one closes (inside whatever is still open).
 */
function layout<K extends number | bigint>(
  blocks: Block<K>[],
  pool: PoolBuilder,
  succ: (k: K) => K,
  limit: K,
): { starts: K[]; blocks: Int32Array; chain: Int32Array } {
  blocks.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.end > b.end ? -1 : a.end < b.end ? 1 : 0));
  const chain = new Int32Array(blocks.length * 3);
  const starts: K[] = [];
  const inner: number[] = [];
  const segment = (at: K, block: number): void => {
    if (starts.length > 0 && starts[starts.length - 1] === at) inner[inner.length - 1] = block;
    else if (inner.length > 0 && inner[inner.length - 1] === block) return;
    else {
      starts.push(at);
      inner.push(block);
    }
  };
  segment((typeof limit === "bigint" ? 0n : 0) as K, -1);
  const stack: number[] = [];
  const close = (before: K | undefined): void => {
    while (stack.length > 0 && (before === undefined || blocks[stack[stack.length - 1]!]!.end < before)) {
      const end = blocks[stack.pop()!]!.end;
      const after = succ(end);
      if (after < limit) segment(after, stack.length > 0 ? stack[stack.length - 1]! : -1);
    }
  };
  blocks.forEach((block, i) => {
    close(block.start);
    const ref = pool.add(block.contributions);
    chain[i * 3] = ref.off;
    chain[i * 3 + 1] = ref.len;
    chain[i * 3 + 2] = stack.length > 0 ? stack[stack.length - 1]! : -1;
    stack.push(i);
    segment(block.start, i);
  });
  close(undefined);
  return { starts, blocks: Int32Array.from(inner), chain };
}

/** Visits the table of every IPv4 block containing `key` (a uint32), innermost first. */
export function visitIpv4(index: Ipv4Index, key: number, visitor: TableVisitor): void {
  const { starts, directory } = index;
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
  visitChain(index.chain, index.blocks[lo - 1]!, visitor);
}

/** Visits the table of every IPv6 block containing `key`, innermost first. */
export function visitIpv6(index: Ipv6Index, key: Words, visitor: TableVisitor): void {
  const starts = index.starts;
  let lo = 0;
  let hi = index.blocks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareWords(key, starts, mid * 4) >= 0) lo = mid + 1;
    else hi = mid;
  }
  visitChain(index.chain, index.blocks[lo - 1]!, visitor);
}

function visitChain(chain: Int32Array, block: number, visitor: TableVisitor): void {
  for (let i = block; i >= 0; i = chain[i * 3 + 2]!) visitor.table(chain[i * 3]!, chain[i * 3 + 1]!);
}
