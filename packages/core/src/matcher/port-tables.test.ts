import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { portInSpec } from "../grammar/ports.js";
import { allowPriority, findInterval, indexOfPriority, NONE, PoolBuilder, SLOTS, STRIDE, type Contribution } from "./port-tables.js";
import type { PortSpec } from "../types.js";

/** The six slots a table holds at `port`, read by binary search. */
function slotsAt(contributions: Contribution[], port: number): number[] {
  const pool = new PoolBuilder();
  pool.add([{ ports: [{ from: 7, to: 7 }], slot: 0, priority: 99 }]); // a table before, so offsets are not all 0
  const ref = pool.add(contributions);
  const data = pool.finish();
  const at = findInterval(data, ref.off, ref.len, port);
  return at < 0 ? Array<number>(SLOTS).fill(NONE) : [...data.slice(at + 2, at + STRIDE)];
}

/** The plain meaning: per slot, the least priority of the contributions whose ports include `port`. */
function expected(contributions: Contribution[], port: number): number[] {
  const out = Array<number>(SLOTS).fill(NONE);
  for (const c of contributions) if (portInSpec(c.ports, port) && c.priority < out[c.slot]!) out[c.slot] = c.priority;
  return out;
}

const rangeArb = fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 40 })).map(([from, len]) => ({ from, to: Math.min(65535, from + len) }));
const specArb: fc.Arbitrary<PortSpec> = fc.oneof(fc.constant("*" as const), fc.array(rangeArb, { minLength: 1, maxLength: 4 }));
const contributionArb = fc.record({ ports: specArb, slot: fc.integer({ min: 0, max: SLOTS - 1 }), priority: fc.integer({ min: 0, max: 50 }) });

describe("merged port tables", () => {
  it("hold the least priority per slot at every port", () => {
    fc.assert(
      fc.property(fc.array(contributionArb, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 30 }), (cs, ports) => {
        const edges = cs.flatMap((c) => (c.ports === "*" ? [0, 65535] : c.ports.flatMap((r) => [r.from - 1, r.from, r.to, r.to + 1])));
        for (const port of [...ports, ...edges].filter((p) => p >= 0 && p <= 65535)) expect(slotsAt(cs, port)).toEqual(expected(cs, port));
      }),
      { seed: 41, numRuns: 300 },
    );
  });
  it("joins neighbouring intervals with equal slots", () => {
    const pool = new PoolBuilder();
    const ref = pool.add([
      { ports: [{ from: 80, to: 80 }, { from: 81, to: 90 }], slot: 0, priority: 3 },
      { ports: [{ from: 85, to: 100 }], slot: 0, priority: 5 },
    ]);
    const data = pool.finish();
    expect(ref.len).toBe(2);
    expect([...data.slice(0, 3)]).toEqual([80, 90, 3]);
    expect([...data.slice(STRIDE, STRIDE + 3)]).toEqual([91, 100, 5]);
  });
  it("finds no interval in a gap", () => {
    expect(slotsAt([{ ports: [{ from: 21, to: 21 }, { from: 35000, to: 35999 }], slot: 0, priority: 1 }], 22)).toEqual(Array(SLOTS).fill(NONE));
  });
  it("ranks mapping rules before others, then by index", () => {
    expect(allowPriority(9, true)).toBeLessThan(allowPriority(0, false));
    expect(indexOfPriority(allowPriority(9, true))).toBe(9);
    expect(indexOfPriority(allowPriority(9, false))).toBe(9);
  });
  it("merges a thousand single ports quickly and exactly", () => {
    const cs: Contribution[] = Array.from({ length: 1000 }, (_, i) => ({ ports: [{ from: i * 60, to: i * 60 }], slot: i % SLOTS, priority: i }));
    for (const port of [0, 59, 60, 600, 59940, 59941]) expect(slotsAt(cs, port)).toEqual(expected(cs, port));
  });
});
