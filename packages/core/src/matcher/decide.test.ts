/**
 * Decisions beyond the seed: invalid input, precedence between rules,
 * families, the resolution table's limits, and hostile input.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "./compile.js";
import { parsePolicy } from "../grammar/parse.js";
import { ResolutionTable } from "./resolution-table.js";
import type { Decision, Operation } from "../types.js";

const policy = (...flags: string[]) => compile(parsePolicy(flags));
const tcp = (host: string, port: number, via?: string): Operation =>
  via === undefined ? { op: "connect", protocol: "tcp", host, port } : { op: "connect", protocol: "tcp", host, port, via };
const brief = (d: Decision) => ({ allowed: d.allowed, reason: d.reason, rule: d.rule?.index });

describe("invalid input is denied, never thrown", () => {
  const c = policy("--allow-outbound=tcp://*:*", "--allow-outbound=udp://*:*", "--allow-inbound=tcp://*:*", "--allow-resolve=*");
  const cases: [string, unknown][] = [
    ["port -1", tcp("192.0.2.1", -1)],
    ["port 65536", tcp("192.0.2.1", 65536)],
    ["port 1.5", tcp("192.0.2.1", 1.5)],
    ["port as text", { op: "connect", protocol: "tcp", host: "192.0.2.1", port: "80" }],
    ["connect to port 0", tcp("192.0.2.1", 0)],
    ["send on tcp", { op: "send", protocol: "tcp", host: "192.0.2.1", port: 53 }],
    ["unknown protocol", { op: "connect", protocol: "sctp", host: "192.0.2.1", port: 80 }],
    ["unknown operation", { op: "listen", protocol: "tcp", host: "192.0.2.1", port: 80 }],
    ["null", null],
    ["a host that is a number", { op: "resolve", host: 42 }],
    ["a bad IPv4", tcp("1.2.3.256", 80)],
    ["a bad IPv6", tcp("[::g]", 80)],
    ["a wildcard as host", tcp("*.example.com", 80)],
    ["an empty host", tcp("", 80)],
    ["a NUL in the host", tcp("a\u0000.example.com", 80)],
    ["a 300-label name", tcp(`${"a.".repeat(300)}com`, 80)],
    ["a million-character host", tcp("x".repeat(1_000_000), 80)],
    ["via that is an address", tcp("192.0.2.1", 80, "192.0.2.1")],
    ["via that is not a name", tcp("192.0.2.1", 80, "a..b")],
  ];
  for (const [what, op] of cases) {
    it(`denies ${what} as invalid-input`, () => {
      const d = c.decide(op as Operation);
      expect({ allowed: d.allowed, reason: d.reason }).toEqual({ allowed: false, reason: "invalid-input" });
      expect(d.message).toEqual(expect.any(String));
      expect(d.host.length).toBeLessThanOrEqual(300);
    });
  }
  it("never throws, whatever it is given", () => {
    fc.assert(
      fc.property(fc.anything(), fc.record({ op: fc.constantFrom("resolve", "connect", "bind", "send", "x"), protocol: fc.anything(), host: fc.anything(), port: fc.anything(), via: fc.anything() }), (a, b) => {
        for (const op of [a, b]) expect(typeof c.decide(op as Operation).allowed).toBe("boolean");
      }),
      { seed: 61, numRuns: 500 },
    );
  });
  it("binding port 0 is valid: it asks for a free port", () => {
    expect(brief(c.decide({ op: "bind", protocol: "tcp", host: "0.0.0.0", port: 0 }))).toEqual({ allowed: true, reason: "allowed", rule: 2 });
  });
});

describe("which rule decides", () => {
  it("the lowest-index matching allow rule", () => {
    expect(brief(policy("--allow-outbound=tcp://*:443", "--allow-outbound=tcp://example.com:*").decide(tcp("example.com", 443)))).toEqual({ allowed: true, reason: "allowed", rule: 0 });
  });
  it("the lowest-index matching deny rule, whatever the allow rules", () => {
    const c = policy("--allow-outbound=tcp://*:*", "--deny-outbound=tcp://10.0.0.0/8:80", "--deny-outbound=tcp://10.1.0.0/16");
    expect(brief(c.decide(tcp("10.1.2.3", 80)))).toEqual({ allowed: false, reason: "denied-by-rule", rule: 1 });
    expect(brief(c.decide(tcp("10.1.2.3", 81)))).toEqual({ allowed: false, reason: "denied-by-rule", rule: 2 });
  });
  it("a rule with a mapping before a broader rule without one, whatever the order", () => {
    const c = policy("--allow-inbound=tcp://*:*", "--allow-inbound=tcp://*:80->8888");
    const d = c.decide({ op: "bind", protocol: "tcp", host: "0.0.0.0", port: 80 });
    expect(brief(d)).toEqual({ allowed: true, reason: "allowed", rule: 1 });
    expect(d.mapped).toEqual({ host: "0.0.0.0", port: 8888 });
    const r = policy("--allow-resolve=*", "--allow-resolve=db.internal->172.17.0.14").decide({ op: "resolve", host: "db.internal" });
    expect(r.mapped).toEqual({ addresses: ["172.17.0.14"] });
  });
});

describe("families", () => {
  it("a family deny takes that family from a name's answers", () => {
    const d = policy("--allow-resolve=example.com", "--deny-resolve=example.com#ipv6-only").decide({ op: "resolve", host: "example.com" });
    expect({ ...brief(d), family: d.family }).toEqual({ allowed: true, reason: "allowed", rule: 0, family: "ipv4" });
  });
  it("and denies the name when it takes the last family", () => {
    const d = policy("--allow-resolve=example.com#ipv6-only", "--deny-resolve=example.com#ipv6-only").decide({ op: "resolve", host: "example.com" });
    expect(brief(d)).toEqual({ allowed: false, reason: "denied-by-rule", rule: 1 });
  });
  it("filters a mapping's answers to the family left", () => {
    const d = policy("--allow-resolve=db.internal->10.0.0.1,[fd00::1]", "--deny-resolve=*#ipv6-only").decide({ op: "resolve", host: "db.internal" });
    expect(d.mapped).toEqual({ addresses: ["10.0.0.1"] });
    expect(d.family).toBe("ipv4");
  });
  it("reports family, not no-rule, when the family was the only obstacle", () => {
    const d = policy("--allow-outbound=tcp://example.com:443#ipv6-only").decide(tcp("192.0.2.1", 443, "example.com"));
    expect(brief(d)).toEqual({ allowed: false, reason: "family", rule: 0 });
    expect(d.message).toBe("--allow-outbound=tcp://example.com:443#ipv6-only allows only ipv6 addresses, not 192.0.2.1");
  });
});

describe("the resolution table", () => {
  const table = new ResolutionTable({ clock: { now: () => 0 } });
  table.record("localhost", ["10.9.9.9"]);
  table.record("evil.example", ["192.0.2.1"]);
  it("never lets localhost rules match an address a lookup of localhost gave", () => {
    expect(brief(policy("--allow-outbound=tcp://localhost:80").decide(tcp("10.9.9.9", 80), table))).toEqual({ allowed: false, reason: "no-rule", rule: undefined });
  });
  it("lets deny rules match through it too", () => {
    const c = policy("--allow-outbound=tcp://*:443", "--deny-outbound=tcp://evil.example");
    expect(brief(c.decide(tcp("192.0.2.1", 443), table))).toEqual({ allowed: false, reason: "denied-by-rule", rule: 1 });
    expect(brief(c.decide(tcp("192.0.2.1", 443)))).toEqual({ allowed: true, reason: "allowed", rule: 0 });
  });
  it("a family-restricted deny rule applies to a name's answers, not the name", () => {
    const c = policy("--allow-outbound=tcp://*:443", "--deny-outbound=tcp://evil.example#ipv4-only");
    expect(c.decide(tcp("evil.example", 443)).allowed).toBe(true);
    expect(brief(c.decide(tcp("192.0.2.1", 443), table))).toEqual({ allowed: false, reason: "denied-by-rule", rule: 1 });
  });
});

describe("counterexamples kept from the properties", () => {
  it("in inbound rules a dotless word is an interface, and `db.` is the name db", () => {
    const name = policy("--allow-inbound=udp://*:*", "--deny-inbound=udp://db.:80");
    expect(brief(name.decide({ op: "bind", protocol: "udp", host: "db", port: 80 }))).toEqual({ allowed: false, reason: "denied-by-rule", rule: 1 });
    const iface = policy("--allow-inbound=udp://*:*", "--deny-inbound=udp://db:80");
    expect(brief(iface.decide({ op: "bind", protocol: "udp", host: "db", port: 80 }))).toEqual({ allowed: true, reason: "allowed", rule: 0 });
  });
});

describe("hostile policies", () => {
  it("names such as __proto__ and constructor are ordinary names", () => {
    const c = policy("--allow-resolve=__proto__", "--allow-outbound=tcp://constructor.example:80");
    expect(c.decide({ op: "resolve", host: "__proto__" }).allowed).toBe(true);
    expect(c.decide({ op: "resolve", host: "toString" }).allowed).toBe(false);
    expect(c.decide(tcp("constructor.example", 80)).allowed).toBe(true);
  });
  it("an interface named __proto__ is looked up as an own property only", () => {
    const c = compile(parsePolicy(["--allow-inbound=tcp://hasOwnProperty:80"]), { interfaces: () => ({}) });
    expect(c.decide({ op: "bind", protocol: "tcp", host: "192.0.2.1", port: 80 }).allowed).toBe(false);
  });
  it("a port list of ten thousand items compiles and decides exactly", () => {
    // Longer than a flag may be (4096 characters), so the rule is built as data.
    const base = parsePolicy(["--allow-outbound=tcp://*:1"]).rules[0]!;
    const ports = Array.from({ length: 10_000 }, (_, i) => ({ from: i * 6 + 1, to: i * 6 + 1 })).reverse();
    const c = compile({ rules: [{ ...base, ports }] });
    expect(c.decide(tcp("192.0.2.1", 59995)).allowed).toBe(true);
    expect(c.decide(tcp("192.0.2.1", 59996)).allowed).toBe(false);
  });
});

describe("compile refuses rules it can not read", () => {
  const base = parsePolicy(["--allow-outbound=tcp://*:80"]).rules[0]!;
  for (const [what, rule] of [
    ["an unknown effect", { ...base, effect: "maybe" }],
    ["an unknown direction", { ...base, direction: "sideways" }],
    ["an unknown protocol", { ...base, protocol: "sctp" }],
    ["an unknown host kind", { ...base, host: { kind: "everything" } }],
    ["an unknown family", { ...base, family: "ipv5" }],
  ] as const) {
    it(`throws NETPERM_ARGUMENT for ${what}`, () => {
      expect(() => compile({ rules: [rule as never] })).toThrow(expect.objectContaining({ code: "NETPERM_ARGUMENT" }));
    });
  }
});
