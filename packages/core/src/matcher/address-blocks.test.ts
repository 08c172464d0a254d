import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AddressIndexBuilder, ipv4Range, ipv6Range, visitIpv4, visitIpv6 } from "./address-blocks.js";
import { cidrContains, hexToIpv6, intToIpv4, networkAddress } from "../grammar/ip.js";
import { textToWords } from "./ipv6-words.js";
import { PoolBuilder, type TableVisitor } from "./port-tables.js";
import type { Family } from "../types.js";

interface Block {
  family: Family;
  address: string;
  prefix: number;
}

/** Builds an index with one table per block; each table's single interval carries the block's number. */
function build(blocks: Block[]) {
  const b = new AddressIndexBuilder();
  blocks.forEach((block, i) => b.add(block.family, block.address, block.prefix, { ports: "*", slot: 0, priority: i }));
  const pool = new PoolBuilder();
  const index = b.build(pool);
  return { index, data: pool.finish() };
}

function visited(built: ReturnType<typeof build>, family: Family, text: string): number[] {
  const out: number[] = [];
  const v: TableVisitor = { table: (off) => void out.push(built.data[off * 8 + 2]!) };
  if (family === "ipv4") visitIpv4(built.index.v4, ipv4Range(text, 32)[0], v);
  else visitIpv6(built.index.v6, textToWords(text), v);
  return out.sort((a, b) => a - b);
}

/** Plain containment, block by block (the same block written twice counts once: it is one table). */
function expected(blocks: Block[], family: Family, text: string): number[] {
  const first = new Map<string, number>();
  blocks.forEach((b, i) => {
    const key = `${b.family}|${b.address}/${b.prefix}`;
    if (!first.has(key)) first.set(key, i);
  });
  return [...first.values()].filter((i) => cidrContains(blocks[i]!.family, blocks[i]!.address, blocks[i]!.prefix, { family, text })).sort((a, b) => a - b);
}

const v4Block = fc
  .tuple(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
  .map(([n, p]): Block => ({ family: "ipv4", address: networkAddress("ipv4", intToIpv4(n), p), prefix: p }));

describe("IPv4 blocks", () => {
  it("ranges cover exactly the block", () => {
    expect(ipv4Range("10.0.0.0", 8)).toEqual([0x0a000000, 0x0affffff]);
    expect(ipv4Range("0.0.0.0", 0)).toEqual([0, 0xffffffff]);
    expect(ipv4Range("192.0.2.7", 32)).toEqual([0xc0000207, 0xc0000207]);
  });
  it("visits every block containing an address, nested or not", () => {
    const blocks: Block[] = [
      { family: "ipv4", address: "0.0.0.0", prefix: 0 },
      { family: "ipv4", address: "10.0.0.0", prefix: 8 },
      { family: "ipv4", address: "10.1.0.0", prefix: 16 },
      { family: "ipv4", address: "10.1.2.3", prefix: 32 },
      { family: "ipv4", address: "10.2.0.0", prefix: 16 },
    ];
    const b = build(blocks);
    expect(visited(b, "ipv4", "10.1.2.3")).toEqual([0, 1, 2, 3]);
    expect(visited(b, "ipv4", "10.1.2.4")).toEqual([0, 1, 2]);
    expect(visited(b, "ipv4", "10.3.0.0")).toEqual([0, 1]);
    expect(visited(b, "ipv4", "11.0.0.0")).toEqual([0]);
  });
  it("agrees with plain containment on random blocks", () => {
    const probe = fc.nat({ max: 0xffffffff }).map(intToIpv4);
    fc.assert(
      fc.property(fc.array(v4Block, { maxLength: 30 }), fc.array(probe, { maxLength: 20 }), (blocks, probes) => {
        const b = build(blocks);
        const edges = blocks.flatMap((k) => ipv4Range(k.address, k.prefix)).flatMap((n) => [n - 1, n, n + 1]).filter((n) => n >= 0 && n <= 0xffffffff);
        for (const text of [...probes, ...edges.map(intToIpv4)]) expect(visited(b, "ipv4", text)).toEqual(expected(blocks, "ipv4", text));
      }),
      { seed: 31, numRuns: 200 },
    );
  });
  it("agrees with plain containment through the /16 directory of a large index", () => {
    // A seeded xorshift: fast-check's integers favour small values and repeat them too often here.
    let state = 0x2545f491;
    const next = (): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return state >>> 0;
    };
    const blocks: Block[] = Array.from({ length: 6000 }, () => {
      const p = next() % 4 === 0 ? next() % 33 : 18 + (next() % 15);
      return { family: "ipv4", address: networkAddress("ipv4", intToIpv4(next()), p), prefix: p };
    });
    const probes = Array.from({ length: 500 }, next);
    blocks.push({ family: "ipv4", address: "10.0.0.0", prefix: 8 }, { family: "ipv4", address: "10.20.30.40", prefix: 32 });
    const b = build(blocks);
    expect(b.index.v4.directory).toBeDefined();
    const edges = blocks.slice(0, 300).flatMap((k) => ipv4Range(k.address, k.prefix));
    for (const n of [...probes, ...edges, 0x0a141e28, 0x0a141e29, 0, 0xffffffff]) {
      const text = intToIpv4(n);
      expect(visited(b, "ipv4", text)).toEqual(expected(blocks, "ipv4", text));
    }
    // The plain reference scans all 6000 blocks per probe: slow on a loaded 2-core machine.
  }, 180_000);
});

describe("IPv6 blocks", () => {
  it("ranges cover exactly the block", () => {
    expect(ipv6Range("2001:db8::", 32)).toEqual(["20010db8000000000000000000000000", "20010db8ffffffffffffffffffffffff"]);
    expect(ipv6Range("fe80::", 10)).toEqual(["fe800000000000000000000000000000", "febfffffffffffffffffffffffffffff"]);
  });
  it("agrees with plain containment on random blocks", () => {
    const hex = fc.stringMatching(/^[0-9a-f]{32}$/);
    const block = fc.tuple(hex, fc.integer({ min: 0, max: 128 })).map(([h, p]): Block => ({ family: "ipv6", address: networkAddress("ipv6", hexToIpv6(h), p), prefix: p }));
    fc.assert(
      fc.property(fc.array(block, { maxLength: 20 }), fc.array(hex, { maxLength: 10 }), (blocks, probes) => {
        const b = build(blocks);
        const around = (h: string): string[] =>
          [-1n, 0n, 1n].map((d) => BigInt(`0x${h}`) + d).filter((n) => n >= 0n && n < 1n << 128n).map((n) => n.toString(16).padStart(32, "0"));
        // Each block's edges and the addresses just outside them, where segments start.
        const edges = blocks.flatMap((k) => ipv6Range(k.address, k.prefix)).flatMap(around);
        for (const h of [...probes, ...edges]) {
          const text = hexToIpv6(h);
          expect(visited(b, "ipv6", text)).toEqual(expected(blocks, "ipv6", text));
        }
      }),
      { seed: 33, numRuns: 200 },
    );
  });
});
