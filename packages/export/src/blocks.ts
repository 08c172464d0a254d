/**
 * Address blocks and port ranges as the exporters need them: the CIDR
 * blocks a rule's host stands for, whether one block holds another, and
 * port-range arithmetic (intersection, subtraction, merging). Blocks are
 * compared as BigInt intervals so IPv4 and IPv6 share one code path.
 */
import { ipv4ToInt, ipv6Groups, mergeRanges, type Family, type HostPattern, type PortRange, type PortSpec, type Rule } from "@netperm/core";

/** One CIDR block: canonical network address text and prefix length. */
export interface Block {
  readonly family: Family;
  readonly address: string;
  readonly prefix: number;
}

/** `10.0.0.0/8`, `::1/128`. */
export function blockText(b: Block): string {
  return `${b.address}/${b.prefix}`;
}

const BITS: Record<Family, number> = { ipv4: 32, ipv6: 128 };

/** The numeric value of a canonical address of `family`. */
export function addressValue(family: Family, text: string): bigint {
  if (family === "ipv4") return BigInt(ipv4ToInt(text));
  return ipv6Groups(text).reduce((n, g) => (n << 16n) | BigInt(g), 0n);
}

/** The inclusive interval `[first, last]` a block covers. */
export function blockRange(b: Block): readonly [bigint, bigint] {
  const host = BigInt(BITS[b.family] - b.prefix);
  const first = (addressValue(b.family, b.address) >> host) << host;
  return [first, first + (1n << host) - 1n];
}

/** Whether `outer` holds every address of `inner` (same family). */
export function blockContains(outer: Block, inner: Block): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  const [a, b] = blockRange(outer);
  const [c, d] = blockRange(inner);
  return a <= c && d <= b;
}

/** Whether two blocks share an address. CIDR blocks either nest or are disjoint. */
export function blocksOverlap(x: Block, y: Block): boolean {
  return blockContains(x, y) || blockContains(y, x);
}

/** Whether `address` (canonical text of `family`) lies in the block. */
export function blockHas(b: Block, family: Family, address: string): boolean {
  if (b.family !== family) return false;
  const [first, last] = blockRange(b);
  const v = addressValue(family, address);
  return first <= v && v <= last;
}

export const ANY_BLOCKS: readonly Block[] = [
  { family: "ipv4", address: "0.0.0.0", prefix: 0 },
  { family: "ipv6", address: "::", prefix: 0 },
];
export const LOOPBACK_BLOCKS: readonly Block[] = [
  { family: "ipv4", address: "127.0.0.0", prefix: 8 },
  { family: "ipv6", address: "::1", prefix: 128 },
];

/**
 * The blocks a host stands for when matched against an address, restricted
 * to `family` when the rule has one; `undefined` for hosts that are not
 * addresses (names, wildcards, interfaces).
 */
export function hostBlocks(host: HostPattern, family: Family | undefined): readonly Block[] | undefined {
  let blocks: readonly Block[];
  switch (host.kind) {
    case "any":
      blocks = ANY_BLOCKS;
      break;
    case "localhost":
      blocks = LOOPBACK_BLOCKS;
      break;
    case "cidr":
      blocks = [{ family: host.family, address: host.address, prefix: host.prefix }];
      break;
    default:
      return undefined;
  }
  return family === undefined ? blocks : blocks.filter((b) => b.family === family);
}

/** Blocks of one list that no other block of the list already holds (a disjoint cover). */
export function minimalBlocks(blocks: readonly Block[]): Block[] {
  const out: Block[] = [];
  blocks.forEach((b, i) => {
    const held = blocks.some((o, j) => j !== i && blockContains(o, b) && (!blockContains(b, o) || j < i));
    if (!held) out.push(b);
  });
  return out;
}

/** Every port, 0 included, as netperm's `*` says. */
export const ALL_PORTS: readonly PortRange[] = [{ from: 0, to: 65535 }];

/** A port spec as sorted, merged, disjoint ranges. */
export function portRanges(spec: PortSpec): PortRange[] {
  return mergeRanges(spec === "*" ? ALL_PORTS : spec);
}

/** The ports of `a` that are not in `b`. Both sorted and disjoint. */
export function subtractRanges(a: readonly PortRange[], b: readonly PortRange[]): PortRange[] {
  let rest = [...a];
  for (const cut of b) {
    const next: PortRange[] = [];
    for (const r of rest) {
      if (cut.to < r.from || cut.from > r.to) next.push(r);
      else {
        if (r.from < cut.from) next.push({ from: r.from, to: cut.from - 1 });
        if (cut.to < r.to) next.push({ from: cut.to + 1, to: r.to });
      }
    }
    rest = next;
  }
  return rest;
}

/** Whether two sorted range lists share a port. */
export function rangesOverlap(a: readonly PortRange[], b: readonly PortRange[]): boolean {
  return a.some((x) => b.some((y) => x.from <= y.to && y.from <= x.to));
}

/** Whether every port of `inner` is in `outer`. */
export function rangesCover(outer: readonly PortRange[], inner: readonly PortRange[]): boolean {
  return subtractRanges(inner, outer).length === 0;
}

/**
 * The ports a target can carry: 1..65535. Port 0 is never on the wire (an
 * outbound connect to it is invalid; an inbound bind to it asks the OS for a
 * free port whose number is unknown ahead), so it is dropped.
 */
export function wirePorts(ranges: readonly PortRange[]): PortRange[] {
  return subtractRanges(ranges, [{ from: 0, to: 0 }]);
}

/** Whether a port is in sorted ranges. */
export function rangesHave(ranges: readonly PortRange[], port: number): boolean {
  return ranges.some((r) => r.from <= port && port <= r.to);
}

/** Whether a rule's host is a DNS name pattern (exact name or `*.` wildcard). */
export function isNameHost(rule: Rule): boolean {
  return rule.host.kind === "name" || rule.host.kind === "wildcard";
}
