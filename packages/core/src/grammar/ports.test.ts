import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { portRangeArb } from "../../test/arbitraries.js";
import { formatPorts, mergeRanges, parsePorts, portInSpec } from "./ports.js";

describe("parsePorts", () => {
  it("reads *, a port, a list and ranges, in the order written", () => {
    expect(parsePorts("*")).toBe("*");
    expect(parsePorts("80")).toEqual([{ from: 80, to: 80 }]);
    expect(parsePorts("443,80")).toEqual([
      { from: 443, to: 443 },
      { from: 80, to: 80 },
    ]);
    expect(parsePorts("21,35000-35999")).toEqual([
      { from: 21, to: 21 },
      { from: 35000, to: 35999 },
    ]);
    expect(parsePorts("0,65535")).toEqual([
      { from: 0, to: 0 },
      { from: 65535, to: 65535 },
    ]);
  });

  it("refuses 65536, signs, reversed ranges and stray commas with located errors", () => {
    expect(() => parsePorts("65536")).toThrow(expect.objectContaining({ code: "NETPERM_PORT", offset: 0, length: 5 }));
    expect(() => parsePorts("80,+1")).toThrow(expect.objectContaining({ code: "NETPERM_PORT", offset: 3 }));
    expect(() => parsePorts("80,90-85")).toThrow(expect.objectContaining({ code: "NETPERM_PORT_RANGE", offset: 3, length: 5 }));
    expect(() => parsePorts("80-90-100")).toThrow(expect.objectContaining({ code: "NETPERM_PORT" }));
    expect(() => parsePorts("000000080")).toThrow(expect.objectContaining({ code: "NETPERM_PORT" }));
  });

  it("refuses a port list of 10^5 commas by reporting the first empty item", () => {
    expect(() => parsePorts(",".repeat(100_000))).toThrow(expect.objectContaining({ code: "NETPERM_PORT", offset: 0 }));
  });
});

describe("portInSpec", () => {
  it("includes port 0 in * and only the listed ports otherwise", () => {
    expect(portInSpec("*", 0)).toBe(true);
    expect(portInSpec("*", 65535)).toBe(true);
    expect(portInSpec("*", 65536)).toBe(false);
    expect(portInSpec("*", 1.5)).toBe(false);
    const spec = parsePorts("21,35000-35999");
    expect([20, 21, 22, 34999, 35000, 35999, 36000].map((p) => portInSpec(spec, p))).toEqual([false, true, false, false, true, true, false]);
    expect(portInSpec(parsePorts("80"), 0)).toBe(false);
  });
});

describe("mergeRanges", () => {
  it("sorts, merges overlapping and adjacent ranges", () => {
    expect(
      mergeRanges([
        { from: 80, to: 80 },
        { from: 81, to: 90 },
        { from: 10, to: 20 },
        { from: 15, to: 16 },
      ]),
    ).toEqual([
      { from: 10, to: 20 },
      { from: 80, to: 90 },
    ]);
    expect(mergeRanges([])).toEqual([]);
  });

  it("keeps exactly the same ports, sorted, disjoint and non-adjacent (property, seed 42)", () => {
    fc.assert(
      fc.property(fc.array(portRangeArb, { maxLength: 8 }), fc.integer({ min: 0, max: 65535 }), (ranges, port) => {
        const merged = mergeRanges(ranges);
        expect(portInSpec(merged, port)).toBe(portInSpec(ranges, port));
        for (let i = 1; i < merged.length; i++) expect(merged[i]!.from).toBeGreaterThan(merged[i - 1]!.to + 1);
        for (const r of merged) expect(r.from).toBeLessThanOrEqual(r.to);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe("formatPorts", () => {
  it("prints single ports bare and ranges with a dash", () => {
    expect(formatPorts(parsePorts("21,35000-35999,80-80"))).toBe("21,35000-35999,80");
    expect(formatPorts("*")).toBe("*");
  });
});
