import { describe, expect, it } from "vitest";
import { NetpermError } from "../grammar/errors.js";
import { ResolutionTable } from "./resolution-table.js";

function tableAt(start = 0, options: { defaultTtlSeconds?: number; maxEntries?: number } = {}) {
  let now = start;
  const table = new ResolutionTable({ clock: { now: () => now }, ...options });
  return { table, advance: (ms: number) => void (now += ms) };
}

describe("ResolutionTable", () => {
  it("answers both ways, canonicalising names and addresses", () => {
    const { table } = tableAt();
    table.record("Example.COM.", ["93.184.215.14", "2606:2800:21F:CB07::1", "::ffff:10.0.0.1"]);
    expect(table.namesFor("93.184.215.14")).toEqual(["example.com"]);
    expect(table.namesFor("2606:2800:21f:cb07:0:0:0:1")).toEqual(["example.com"]);
    expect(table.namesFor("10.1")).toEqual(["example.com"]);
    expect(table.namesFor("10.0.0.2")).toEqual([]);
    expect(table.namesFor("10.0.0.1")).toEqual(["example.com"]);
    expect(table.namesFor("0x0a000001")).toEqual(["example.com"]);
    expect(table.addressesFor("EXAMPLE.com")).toEqual(["93.184.215.14", "2606:2800:21f:cb07::1", "10.0.0.1"]);
  });
  it("keeps every name that resolved to one address", () => {
    const { table } = tableAt();
    table.record("a.example", ["192.0.2.1"]);
    table.record("b.example", ["192.0.2.1"]);
    expect([...table.namesFor("192.0.2.1")].sort()).toEqual(["a.example", "b.example"]);
  });
  it("expires answers after their TTL, and after 60 s by default", () => {
    const { table, advance } = tableAt(1_000);
    table.record("short.example", ["192.0.2.1"], 5);
    table.record("default.example", ["192.0.2.2"]);
    advance(5_000);
    expect(table.namesFor("192.0.2.1")).toEqual(["short.example"]);
    advance(1);
    expect(table.namesFor("192.0.2.1")).toEqual([]);
    expect(table.addressesFor("short.example")).toEqual([]);
    advance(55_000);
    expect(table.namesFor("192.0.2.2")).toEqual([]);
  });
  it("renews an answer recorded again", () => {
    const { table, advance } = tableAt();
    table.record("a.example", ["192.0.2.1"], 10);
    advance(9_000);
    table.record("a.example", ["192.0.2.1"], 10);
    advance(9_000);
    expect(table.namesFor("192.0.2.1")).toEqual(["a.example"]);
  });
  it("honours a custom default TTL; TTL 0 lasts only the instant of the answer", () => {
    const { table, advance } = tableAt(0, { defaultTtlSeconds: 1 });
    table.record("a.example", ["192.0.2.1"]);
    table.record("zero.example", ["192.0.2.9"], 0);
    expect(table.namesFor("192.0.2.9")).toEqual(["zero.example"]);
    advance(1);
    expect(table.namesFor("192.0.2.9")).toEqual([]);
    advance(1_000);
    expect(table.namesFor("192.0.2.1")).toEqual([]);
  });
  it("stays within maxEntries, forgetting expired pairs first, then the oldest", () => {
    const { table, advance } = tableAt(0, { maxEntries: 3 });
    table.record("old.example", ["192.0.2.1"], 1);
    table.record("a.example", ["192.0.2.2"]);
    table.record("b.example", ["192.0.2.3"]);
    advance(2_000);
    table.record("c.example", ["192.0.2.4"]);
    expect(table.size).toBe(3);
    expect(table.namesFor("192.0.2.2")).toEqual(["a.example"]);
    table.record("d.example", ["192.0.2.5"]);
    expect(table.size).toBe(3);
    expect(table.namesFor("192.0.2.2")).toEqual([]);
    expect(table.namesFor("192.0.2.5")).toEqual(["d.example"]);
  });
  it("holds a bounded number of pairs under a flood", () => {
    const { table } = tableAt(0, { maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) table.record(`n${i}.example`, [`10.0.${i >> 8}.${i & 255}`]);
    expect(table.size).toBe(100);
    expect(table.namesFor("10.0.39.15")).toEqual(["n9999.example"]);
    expect(table.namesFor("10.0.0.0")).toEqual([]);
  });
  it("refuses an invalid name, address or TTL with a NetpermError and records nothing", () => {
    const { table } = tableAt();
    const code = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return e instanceof NetpermError ? e.code : "not a NetpermError";
      }
      return "no error";
    };
    expect(code(() => table.record("a..b", ["192.0.2.1"]))).toBe("NETPERM_NAME");
    expect(code(() => table.record("192.0.2.1", ["192.0.2.1"]))).toBe("NETPERM_NAME");
    expect(code(() => table.record("ok.example", ["192.0.2.1", "300.1.1.1"]))).toBe("NETPERM_IP");
    expect(code(() => table.record("ok.example", ["192.0.2.1"], -1))).toBe("NETPERM_ARGUMENT");
    expect(code(() => table.record("ok.example", ["192.0.2.1"], Number.NaN))).toBe("NETPERM_ARGUMENT");
    expect(code(() => new ResolutionTable({ maxEntries: 0 }))).toBe("NETPERM_ARGUMENT");
    expect(table.size).toBe(0);
  });
  it("answers [] for garbage lookups", () => {
    const { table } = tableAt();
    table.record("__proto__", ["192.0.2.1"]);
    expect(table.namesFor("not an address")).toEqual([]);
    expect(table.addressesFor("1.2.3.4")).toEqual([]);
    expect(table.namesFor("192.0.2.1")).toEqual(["__proto__"]);
    expect(table.addressesFor("constructor")).toEqual([]);
  });
  it("uses the system clock by default", () => {
    const table = new ResolutionTable();
    table.record("a.example", ["192.0.2.1"]);
    expect(table.namesFor("192.0.2.1")).toEqual(["a.example"]);
  });
});
