import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NameIndexBuilder, visitName, type NameIndex } from "./name-trie.js";
import { PoolBuilder, type TableVisitor } from "./port-tables.js";

/** Builds an index where each name's tables are told apart by their pool offset, and reports which offsets a name visits. */
function build(exact: string[], wild: string[]): { index: NameIndex; owner: Map<number, string> } {
  const b = new NameIndexBuilder();
  // One table per rule: priority = rule number, so the owner of a table is recoverable.
  exact.forEach((name, i) => b.addExact(name, { ports: "*", slot: 0, priority: i }));
  wild.forEach((suffix, i) => b.addWildcard(suffix, { ports: "*", slot: 0, priority: exact.length + i }));
  const pool = new PoolBuilder();
  const index = b.build(pool);
  const data = pool.finish();
  const owner = new Map<number, string>();
  for (let off = 0; off * 8 < data.length; off++) {
    const p = data[off * 8 + 2]!;
    owner.set(off, p < exact.length ? `=${exact[p]}` : `*.${wild[p - exact.length]}`);
  }
  return { index, owner };
}

function visited(built: { index: NameIndex; owner: Map<number, string> }, name: string): string[] {
  const out: string[] = [];
  const v: TableVisitor = { table: (off) => void out.push(built.owner.get(off)!) };
  visitName(built.index, name, v);
  return out.sort();
}

/** The plain meaning of exact and `*.` rules. */
function expected(exact: string[], wild: string[], name: string): string[] {
  return [...exact.filter((e) => e === name).map((e) => `=${e}`), ...wild.filter((w) => name.endsWith(`.${w}`)).map((w) => `*.${w}`)].sort();
}

/** The trie's label hash (FNV-1a over the label read backwards), to find colliding labels. */
function labelHash(label: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = label.length - 1; i >= 0; i--) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h;
}

/** Two distinct labels of one length with the same hash (a birthday search, deterministic). */
function collidingLabels(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const label = `k${i.toString(36)}`.padEnd(8, "q");
    const h = labelHash(label);
    const other = seen.get(h);
    if (other !== undefined && other !== label) return [other, label];
    seen.set(h, label);
  }
}

describe("reversed-label trie", () => {
  const built = build(["example.com", "a.b.example.com", "localhost", "com"], ["example.com", "b.example.com", "org"]);
  it("finds an exact name, never its wildcard", () => {
    expect(visited(built, "example.com")).toEqual(["=example.com"]);
  });
  it("finds every wildcard above a name, none at the name itself", () => {
    expect(visited(built, "a.b.example.com")).toEqual(["*.b.example.com", "*.example.com", "=a.b.example.com"]);
    expect(visited(built, "b.example.com")).toEqual(["*.example.com"]);
    expect(visited(built, "x.y.z.org")).toEqual(["*.org"]);
  });
  it("finds nothing for a name beside the rules", () => {
    expect(visited(built, "org")).toEqual([]);
    expect(visited(built, "wwwexample.com")).toEqual([]);
    expect(visited(built, "example.net")).toEqual([]);
  });
  it("agrees with the plain meaning on random names and rules", () => {
    const label = fc.constantFrom("a", "b", "c", "ab", "example", "com");
    const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join("."));
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 8 }), fc.uniqueArray(name, { maxLength: 8 }), fc.array(name, { maxLength: 10 }), (exact, wild, queries) => {
        const b = build(exact, wild);
        for (const q of queries) expect(visited(b, q)).toEqual(expected(exact, wild, q));
      }),
      { seed: 21, numRuns: 300 },
    );
  });
});

describe("label hash collisions", () => {
  const [x, y] = collidingLabels();
  it("found two colliding labels for the test", () => {
    expect(x).not.toBe(y);
    expect(labelHash(x)).toBe(labelHash(y));
  });
  it("keeps colliding sibling rules apart, both ways round", () => {
    for (const order of [[x, y], [y, x]]) {
      const b = build(order.map((l) => `${l}.example.com`), order.map((l) => `${l}.example.com`));
      expect(visited(b, `${x}.example.com`)).toEqual([`=${x}.example.com`]);
      expect(visited(b, `${y}.example.com`)).toEqual([`=${y}.example.com`]);
      expect(visited(b, `w.${y}.example.com`)).toEqual([`*.${y}.example.com`]);
    }
  });
  it("does not let a name that collides with a rule's name match it", () => {
    const b = build([`${x}.example.com`], [`${x}.example.com`]);
    expect(visited(b, `${y}.example.com`)).toEqual([]);
    expect(visited(b, `w.${y}.example.com`)).toEqual([]);
  });
});
