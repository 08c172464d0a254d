/**
 * The law of every export: whatever the exported rule set allows (by the
 * reference evaluators in test/evaluate.ts), netperm's compile(policy).decide
 * allows too, for random policies, resolution tables and operations.
 */
import { compile, parsePolicy, ResolutionTable, type FlagKind, type Operation } from "@netperm/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ciliumAllows, k8sAllows, nftAllows } from "../test/evaluate.js";
import { exportPolicy, type ExportFormat } from "./index.js";
import { validPolicy } from "../test/valid-policy.js";

const NAMES = ["a.test", "b.a.test", "x.b.a.test", "c.test", "localhost"];
const HOSTS = ["*", "localhost", "a.test", "*.a.test", "*.test", "c.test", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.3", "127.0.0.1", "[::1]", "[2001:db8::]/32", "[2001:db8::5]", "192.168.1.10", "eth0"];
const PORTS = ["", ":*", ":80", ":443", ":80,443", ":1000-2000", ":0", ":22", ":5432", ":5433", ":8888"]; // the last two: the mapped targets of MAPPED
const FAMILIES = ["", "", "#ipv4-only", "#ipv6-only"];
const ADDRESSES = ["10.1.2.3", "10.2.0.1", "127.0.0.1", "::1", "2001:db8::5", "2001:db8:1::9", "192.168.1.10", "8.8.8.8", "0.0.0.0", "::"];
const OP_PORTS = [0, 22, 80, 443, 1500, 5432, 5433, 8888, 65535];
const MAPPED = ["tcp://a.test->127.0.0.5:5432->5433", "tcp://*:80->8888", "udp://c.test->10.1.2.3:53"];

const kindArb = fc.constantFrom<FlagKind>("allow-outbound", "allow-inbound", "allow-resolve", "deny-outbound", "deny-inbound", "deny-resolve");
const socketValue = fc
  .tuple(fc.constantFrom("tcp", "udp"), fc.constantFrom(...HOSTS), fc.constantFrom(...PORTS), fc.constantFrom(...FAMILIES))
  .map(([p, h, ports, f]) => `${p}://${h}${ports}${f}`);
const resolveValue = fc.tuple(fc.constantFrom("*", "a.test", "*.test", "*.a.test", "c.test", "a.test->10.1.2.3"), fc.constantFrom(...FAMILIES)).map(([h, f]) => `${h}${f}`);
const flagArb = fc.oneof(
  fc.tuple(kindArb, socketValue, resolveValue).map(([k, s, r]) => [k, k.endsWith("resolve") ? r : s] as const),
  fc.tuple(fc.constantFrom<FlagKind>("allow-outbound", "allow-inbound"), fc.constantFrom(...MAPPED)),
  fc.tuple(fc.constantFrom<FlagKind>("allow-outbound", "allow-inbound"), fc.constantFrom("tcp://...", "udp://...", "tcp://*:*")),
);

/** Random valid policies: candidate flags the parser refuses (e.g. a family that contradicts the host) are dropped. */
const policyArb = fc.array(flagArb, { maxLength: 8 }).map(validPolicy);

const tableArb = fc.uniqueArray(fc.tuple(fc.constantFrom(...NAMES.slice(0, 4)), fc.constantFrom(...ADDRESSES)), { maxLength: 6 });
const opArb: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ op: fc.constantFrom("connect" as const, "bind" as const), protocol: fc.constantFrom("tcp" as const, "udp" as const), host: fc.constantFrom(...ADDRESSES), port: fc.constantFrom(...OP_PORTS) }),
  fc.record({ op: fc.constant("send" as const), protocol: fc.constant("udp" as const), host: fc.constantFrom(...ADDRESSES), port: fc.constantFrom(...OP_PORTS) }),
  fc.record({ op: fc.constant("resolve" as const), host: fc.constantFrom(...NAMES, "d.c.test", "z.x.b.a.test") }),
);

function makeTable(pairs: readonly (readonly [string, string])[]): ResolutionTable {
  const table = new ResolutionTable();
  for (const [name, address] of pairs) table.record(name, [...new Set([...table.addressesFor(name), address])]);
  return table;
}

const INTERFACES = { interfaces: () => ({ eth0: [{ address: "192.168.1.10" }] }) };

describe("an exported policy never allows what netperm denies", () => {
  for (const format of ["k8s", "cilium", "nftables"] as const satisfies readonly ExportFormat[]) {
    it(`${format}: for random policies, tables and operations`, () => {
      let allowedByExport = 0;
      fc.assert(
        fc.property(policyArb, tableArb, fc.array(opArb, { minLength: 1, maxLength: 12 }), (policy, pairs, ops) => {
          const { text } = exportPolicy(policy, { format });
          const doc = format === "nftables" ? undefined : parse(text);
          const compiled = compile(policy, INTERFACES);
          for (const op of ops) {
            const table = makeTable(pairs);
            const exported = format === "k8s" ? k8sAllows(doc, op) : format === "cilium" ? ciliumAllows(doc, op, table) : nftAllows(text, op);
            if (!exported) continue;
            allowedByExport++;
            const decision = compiled.decide(op, table);
            expect({ op, table: pairs, policy: policy.rules.map((r) => r.source.flag), decision: decision.reason }).toEqual({
              op,
              table: pairs,
              policy: policy.rules.map((r) => r.source.flag),
              decision: "allowed",
            });
          }
        }),
        { numRuns: 1000 },
      );
      // The law must not hold vacuously: the exports did allow operations.
      expect(allowedByExport).toBeGreaterThan(50);
    });
  }
});

describe("a mapped rule whose mapped target is denied (found by the kernel test, seed 923858123)", () => {
  // netperm: udp to *:5001 is decided by the mapping rule (it decides before the plain allow), and its mapped
  // target *:5003 is denied. The exports leave the mapping out; the plain allow must not carry 5001 either.
  const policy = parsePolicy(["--deny-outbound=udp://*:5003", "--allow-outbound=udp://*", "--allow-outbound=udp://*:5001->5003", "--allow-outbound=tcp://*"]);
  const op: Operation = { op: "send", protocol: "udp", host: "10.88.0.1", port: 5001 };
  for (const format of ["k8s", "cilium", "nftables"] as const satisfies readonly ExportFormat[]) {
    it(`${format}: udp to port 5001 is denied by netperm and not allowed by the export; port 5002 stays allowed`, () => {
      const table = new ResolutionTable();
      expect(compile(policy).decide(op, table).allowed).toBe(false);
      const { text } = exportPolicy(policy, { format });
      const doc = format === "nftables" ? undefined : parse(text);
      const allows = (o: Operation) => (format === "k8s" ? k8sAllows(doc, o) : format === "cilium" ? ciliumAllows(doc, o, table) : nftAllows(text, o));
      expect(allows(op)).toBe(false);
      expect(allows({ ...op, port: 5002 })).toBe(true);
    });
  }
});
