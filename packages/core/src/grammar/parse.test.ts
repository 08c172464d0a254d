import { describe, expect, it } from "vitest";
import { parsePolicy, parseRule } from "./parse.js";
import type { Rule } from "../types.js";

const p = (from: number, to = from) => ({ from, to });
const structure = (rule: Rule): Omit<Rule, "source"> => {
  const { source: _source, ...rest } = rule;
  return rest;
};

/** Every line of docs/seed.md, with the structure it must parse to. */
const SEED: readonly [string, Omit<Rule, "source">][] = [
  ["--allow-outbound=tcp://example.com:80", { effect: "allow", direction: "outbound", protocol: "tcp", host: { kind: "name", name: "example.com" }, ports: [p(80)] }],
  ["--allow-inbound=tcp://localhost:80", { effect: "allow", direction: "inbound", protocol: "tcp", host: { kind: "localhost" }, ports: [p(80)] }],
  ["--allow-resolve=example.com", { effect: "allow", direction: "resolve", host: { kind: "name", name: "example.com" }, ports: "*" }],
  ["--allow-resolve=*.example.com", { effect: "allow", direction: "resolve", host: { kind: "wildcard", suffix: "example.com" }, ports: "*" }],
  ["--allow-resolve=*", { effect: "allow", direction: "resolve", host: { kind: "any" }, ports: "*" }],
  ["--allow-resolve=example.com#ipv4-only", { effect: "allow", direction: "resolve", host: { kind: "name", name: "example.com" }, ports: "*", family: "ipv4" }],
  ["--allow-resolve=example.com#ipv6-only", { effect: "allow", direction: "resolve", host: { kind: "name", name: "example.com" }, ports: "*", family: "ipv6" }],
  ["--allow-outbound=tcp://127.0.0.1:80", { effect: "allow", direction: "outbound", protocol: "tcp", host: { kind: "cidr", family: "ipv4", address: "127.0.0.1", prefix: 32 }, ports: [p(80)] }],
  ["--allow-outbound=tcp://127.0.0.1:*", { effect: "allow", direction: "outbound", protocol: "tcp", host: { kind: "cidr", family: "ipv4", address: "127.0.0.1", prefix: 32 }, ports: "*" }],
  ["--allow-outbound=tcp://*:80", { effect: "allow", direction: "outbound", protocol: "tcp", host: { kind: "any" }, ports: [p(80)] }],
  ["--allow-outbound=tcp://*:*", { effect: "allow", direction: "outbound", protocol: "tcp", host: { kind: "any" }, ports: "*" }],
  ["--allow-outbound=tcp://...#ipv4-only", { effect: "allow", direction: "outbound", protocol: "tcp", host: { kind: "any" }, ports: "*", family: "ipv4" }],
  ["--allow-outbound=tcp://...#ipv6-only", { effect: "allow", direction: "outbound", protocol: "tcp", host: { kind: "any" }, ports: "*", family: "ipv6" }],
  ["--allow-outbound=tcp://*:80,443", { effect: "allow", direction: "outbound", protocol: "tcp", host: { kind: "any" }, ports: [p(80), p(443)] }],
  ["--allow-outbound=tcp://*:21,35000-35999", { effect: "allow", direction: "outbound", protocol: "tcp", host: { kind: "any" }, ports: [p(21), p(35000, 35999)] }],
  ["--allow-outbound=udp://...", { effect: "allow", direction: "outbound", protocol: "udp", host: { kind: "any" }, ports: "*" }],
  ["--allow-inbound=tcp://eth0:80", { effect: "allow", direction: "inbound", protocol: "tcp", host: { kind: "interface", name: "eth0" }, ports: [p(80)] }],
  ["--allow-inbound=tcp://*:80", { effect: "allow", direction: "inbound", protocol: "tcp", host: { kind: "any" }, ports: [p(80)] }],
  ["--allow-inbound=tcp://*:0", { effect: "allow", direction: "inbound", protocol: "tcp", host: { kind: "any" }, ports: [p(0)] }],
  [
    "--allow-resolve=my-database.internal->172.17.0.14",
    { effect: "allow", direction: "resolve", host: { kind: "name", name: "my-database.internal" }, ports: "*", map: { addresses: [{ family: "ipv4", text: "172.17.0.14" }] } },
  ],
  [
    "--allow-inbound=tcp://*:80->8888",
    { effect: "allow", direction: "inbound", protocol: "tcp", host: { kind: "any" }, ports: [p(80)], map: { port: { from: p(80), to: p(8888) } } },
  ],
  [
    "--allow-outbound=tcp://my-database.internal->172.17.0.14:5432->5433",
    {
      effect: "allow",
      direction: "outbound",
      protocol: "tcp",
      host: { kind: "name", name: "my-database.internal" },
      ports: [p(5432)],
      map: { addresses: [{ family: "ipv4", text: "172.17.0.14" }], port: { from: p(5432), to: p(5433) } },
    },
  ],
];

describe("the seed grammar (docs/seed.md)", () => {
  it.each(SEED)("%s", (flag, expected) => {
    const [rule] = parsePolicy([flag]).rules;
    expect(rule).toBeDefined();
    expect(structure(rule!)).toEqual(expected);
    expect(rule!.source).toEqual({ flag, index: 0, origin: "flags" });
  });

  it("reads the whole seed as one policy, in order", () => {
    const policy = parsePolicy(SEED.map(([flag]) => flag));
    expect(policy.rules.map((r) => r.source.index)).toEqual(SEED.map((_, i) => i));
    expect(policy.rules.map(structure)).toEqual(SEED.map(([, s]) => s));
  });
});

describe("parseRule: hosts", () => {
  const host = (value: string, kind: Parameters<typeof parseRule>[0] = "allow-outbound") => parseRule(kind, value).host;

  it("reads `tcp://example.com` without a port as any port", () => {
    expect(parseRule("allow-outbound", "tcp://example.com").ports).toBe("*");
  });
  it("lower-cases names, removes one trailing dot and applies IDNA", () => {
    expect(host("tcp://WWW.Example.COM.:443")).toEqual({ kind: "name", name: "www.example.com" });
    expect(host("tcp://bücher.example")).toEqual({ kind: "name", name: "xn--bcher-kva.example" });
  });
  it("reads `localhost` in any case, with or without the trailing dot", () => {
    expect(host("tcp://LocalHost.:80")).toEqual({ kind: "localhost" });
    expect(host("LOCALHOST", "allow-resolve")).toEqual({ kind: "localhost" });
  });
  it("reads a single-label word as a name outbound and as an interface inbound", () => {
    expect(host("tcp://db:5432")).toEqual({ kind: "name", name: "db" });
    expect(host("tcp://db:5432", "allow-inbound")).toEqual({ kind: "interface", name: "db" });
    expect(host("tcp://db.:5432", "allow-inbound")).toEqual({ kind: "name", name: "db" });
    expect(host("tcp://en0", "allow-inbound")).toEqual({ kind: "interface", name: "en0" });
  });
  it("reads an inbound word with an ideographic full stop as a name, not an interface (once found by the rule arbitrary)", () => {
    expect(host("tcp://example。com:80", "allow-inbound")).toEqual({ kind: "name", name: "example.com" });
    expect(host("tcp://例え", "allow-inbound")).toEqual({ kind: "name", name: "xn--r8jz45g" });
  });
  it("decides __proto__ and constructor like any other word", () => {
    expect(host("tcp://__proto__:80")).toEqual({ kind: "name", name: "__proto__" });
    expect(host("constructor", "allow-resolve")).toEqual({ kind: "name", name: "constructor" });
    expect(host("tcp://__proto__", "allow-inbound")).toEqual({ kind: "interface", name: "__proto__" });
    expect(host("*.constructor", "deny-resolve")).toEqual({ kind: "wildcard", suffix: "constructor" });
  });
  it("reads every WHATWG IPv4 spelling as the same address", () => {
    for (const s of ["127.0.0.1", "127.1", "0x7f000001", "2130706433", "0177.0.0.1", "0x7F.0.0.1", "127.0.0.1."]) {
      expect(host(`tcp://${s}:80`)).toEqual({ kind: "cidr", family: "ipv4", address: "127.0.0.1", prefix: 32 });
    }
  });
  it("never reads a numeric host as a name", () => {
    expect(host("tcp://0xcafe:80")).toEqual({ kind: "cidr", family: "ipv4", address: "0.0.202.254", prefix: 32 });
    expect(() => host("tcp://example.123:80")).toThrow(expect.objectContaining({ code: "NETPERM_IP" }));
  });
  it("reads IPv6 in brackets, drops the zone for matching, and reads IPv4-mapped IPv6 as IPv4", () => {
    expect(host("tcp://[2001:DB8::1]:443")).toEqual({ kind: "cidr", family: "ipv6", address: "2001:db8::1", prefix: 128 });
    expect(host("tcp://[fe80::1%eth0]:80")).toEqual({ kind: "cidr", family: "ipv6", address: "fe80::1", prefix: 128 });
    expect(host("tcp://[::ffff:10.0.0.1]:80")).toEqual({ kind: "cidr", family: "ipv4", address: "10.0.0.1", prefix: 32 });
    expect(host("tcp://[::ffff:10.0.0.0]/104")).toEqual({ kind: "cidr", family: "ipv4", address: "10.0.0.0", prefix: 8 });
  });
  it("normalises a CIDR with host bits set to its network address", () => {
    expect(host("tcp://10.1.2.3/8:22")).toEqual({ kind: "cidr", family: "ipv4", address: "10.0.0.0", prefix: 8 });
    expect(host("tcp://0.0.0.0/0")).toEqual({ kind: "cidr", family: "ipv4", address: "0.0.0.0", prefix: 0 });
    expect(host("tcp://[2001:db8::ff]/120")).toEqual({ kind: "cidr", family: "ipv6", address: "2001:db8::", prefix: 120 });
    expect(host("tcp://[::1]/0")).toEqual({ kind: "cidr", family: "ipv6", address: "::", prefix: 0 });
  });
  it("reads `*.` wildcards and `*` in every direction", () => {
    expect(host("udp://*.Example.com:53", "deny-outbound")).toEqual({ kind: "wildcard", suffix: "example.com" });
    expect(host("tcp://*.local", "allow-inbound")).toEqual({ kind: "wildcard", suffix: "local" });
    expect(host("tcp://*", "allow-inbound")).toEqual({ kind: "any" });
  });
  it("accepts upper-case schemes", () => {
    expect(parseRule("allow-outbound", "UDP://...").protocol).toBe("udp");
  });
});

describe("parseRule: mappings", () => {
  it("maps a name to several addresses for resolve, IPv6 bare or bracketed", () => {
    const rule = parseRule("allow-resolve", "db.internal->10.0.0.1,::1,[fe80::2%eth1]");
    expect(rule.map).toEqual({
      addresses: [
        { family: "ipv4", text: "10.0.0.1" },
        { family: "ipv6", text: "::1" },
        { family: "ipv6", text: "fe80::2", zone: "eth1" },
      ],
    });
  });
  it("maps a single IP to another IP for outbound, without a port map", () => {
    const rule = parseRule("allow-outbound", "tcp://10.0.0.1->127.0.0.2:80");
    expect(rule.map).toEqual({ addresses: [{ family: "ipv4", text: "127.0.0.2" }] });
    expect(rule.ports).toEqual([p(80)]);
  });
  it("maps a port range onto a range of the same length", () => {
    const rule = parseRule("allow-outbound", "udp://*:8000-8009->9000-9009");
    expect(rule.map).toEqual({ port: { from: p(8000, 8009), to: p(9000, 9009) } });
  });
  it("keeps the family of a mapped rule", () => {
    const rule = parseRule("allow-outbound", "tcp://db->[::1]:5432#ipv6-only");
    expect(rule.family).toBe("ipv6");
    expect(rule.map?.addresses).toEqual([{ family: "ipv6", text: "::1" }]);
  });
});

describe("parseRule: source", () => {
  it("records the flag as typed, the index and the origin", () => {
    const rule = parseRule("deny-inbound", "udp://*:53", { index: 7, origin: "policy.json" });
    expect(rule.source).toEqual({ flag: "--deny-inbound=udp://*:53", index: 7, origin: "policy.json" });
  });
});
