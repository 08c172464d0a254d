import { describe, expect, it } from "vitest";
import { Roster } from "./roster.js";

const members = <T extends object>(r: Roster<T>): T[] => [...r.members];

describe("Roster", () => {
  it("holds what was added and not deleted, each with its stamp, whatever the order of deletions", () => {
    const r = new Roster<{ id: number }>();
    const items = Array.from({ length: 6 }, (_, id) => ({ id }));
    items.forEach((item, i) => r.add(item, 100 + i));
    for (const gone of [items[2]!, items[0]!, items[5]!]) expect(r.delete(gone)).toBe(true);
    expect(r.size).toBe(3);
    expect(members(r).map((m) => m.id).sort()).toEqual([1, 3, 4]);
    for (const item of [items[1]!, items[3]!, items[4]!]) {
      expect(r.stampOf(item)).not.toBeUndefined();
      expect(r.stampOf(item)).toBe(100 + item.id);
      expect(r.stamps[r.members.indexOf(item)]).toBe(100 + item.id);
    }
    for (const item of [items[0]!, items[2]!, items[5]!]) {
      expect(r.stampOf(item)).toBeUndefined();
      expect(r.delete(item)).toBe(false);
    }
  });

  it("adds a member once, restamps only members, and can be emptied and refilled", () => {
    const r = new Roster<object>();
    const a = {};
    const b = {};
    r.add(a, 1);
    r.add(a, 2);
    expect(r.size).toBe(1);
    expect(r.stampOf(a)).toBe(1);
    r.restamp(a, 7);
    r.restamp(b, 9);
    expect(r.stampOf(a)).toBe(7);
    expect(r.stampOf(b)).toBeUndefined();
    r.delete(a);
    expect(r.size).toBe(0);
    r.add(b, 3);
    r.add(a, 4);
    expect(members(r)).toEqual([b, a]);
    expect([...r.stamps]).toEqual([3, 4]);
  });

  it("does not take another roster's member for its own, and refuses to share it", () => {
    const a = new Roster<object>();
    const b = new Roster<object>();
    const x = {};
    const y = {};
    a.add(x, 5);
    b.add(y, 6);
    expect(b.stampOf(x)).toBeUndefined();
    expect(b.delete(x)).toBe(false);
    b.restamp(x, 9);
    expect(() => b.add(x, 1)).toThrow(/another roster/);
    expect(a.stampOf(x)).toBe(5);
    expect(members(a)).toEqual([x]);
    expect(members(b)).toEqual([y]);
  });
});
