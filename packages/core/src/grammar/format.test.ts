import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { comparable, comparableRule, dottedQuad, ipSpellingsArb, policyArb, ruleArb } from "../../test/arbitraries.js";
import { format, formatRule } from "./format.js";
import { parsePolicy, parseRule } from "./parse.js";

const canon = (kind: Parameters<typeof parseRule>[0], value: string): string => formatRule(parseRule(kind, value));

describe("formatRule", () => {
  it.each([
    ["allow-outbound", "TCP://Example.COM.:080", "--allow-outbound=tcp://example.com:80"],
    ["allow-outbound", "tcp://*", "--allow-outbound=tcp://..."],
    ["allow-outbound", "tcp://*:*", "--allow-outbound=tcp://..."],
    ["allow-outbound", "udp://...#ipv6-only", "--allow-outbound=udp://...#ipv6-only"],
    ["allow-outbound", "tcp://example.com:*", "--allow-outbound=tcp://example.com"],
    ["allow-outbound", "tcp://127.1:80-80", "--allow-outbound=tcp://127.0.0.1:80"],
    ["allow-outbound", "tcp://10.1.2.3/8:443", "--allow-outbound=tcp://10.0.0.0/8:443"],
    ["allow-outbound", "tcp://[0:0::1]:22", "--allow-outbound=tcp://[::1]:22"],
    ["allow-outbound", "tcp://[::ffff:127.0.0.1]:22", "--allow-outbound=tcp://127.0.0.1:22"],
    ["allow-outbound", "tcp://[FE80::1%eth0]/64", "--allow-outbound=tcp://[fe80::]/64"],
    ["allow-outbound", "tcp://*.Bücher.Example", "--allow-outbound=tcp://*.xn--bcher-kva.example"],
    ["allow-outbound", "tcp://db->[::1]:5432->5433", "--allow-outbound=tcp://db->[::1]:5432->5433"],
    ["allow-inbound", "tcp://*:80->8888", "--allow-inbound=tcp://*:80->8888"],
    ["allow-inbound", "tcp://db.:80", "--allow-inbound=tcp://db.:80"],
    ["allow-inbound", "udp://eth0", "--allow-inbound=udp://eth0"],
    ["allow-resolve", "DB.internal.->172.17.0.14#ipv4-only", "--allow-resolve=db.internal->172.17.0.14#ipv4-only"],
    ["allow-resolve", "db->[fe80::1%eth0],0x7f000001", "--allow-resolve=db->fe80::1%eth0,127.0.0.1"],
    ["deny-resolve", "LOCALHOST.", "--deny-resolve=localhost"],
  ] as const)("%s %s prints as %s", (kind, value, expected) => {
    expect(canon(kind, value)).toBe(expected);
  });

  it("formats a policy in policy order", () => {
    const policy = parsePolicy(["--deny-outbound=tcp://10.0.0.0/8", "--allow-outbound", "tcp://*:443"]);
    expect(format(policy)).toEqual(["--deny-outbound=tcp://10.0.0.0/8", "--allow-outbound=tcp://*:443"]);
  });

  it("refuses to print a resolve rule with an IP host, which no flag can express", () => {
    const rule = { ...parseRule("allow-resolve", "example.com"), host: { kind: "cidr", family: "ipv4", address: "1.2.3.4", prefix: 32 } } as const;
    expect(() => formatRule(rule)).toThrow(expect.objectContaining({ code: "NETPERM_ARGUMENT" }));
  });
});

describe("canonical round trip (property, seed 42)", () => {
  it("parse(format(p)) equals p for random policies", () => {
    fc.assert(
      fc.property(policyArb, (p) => {
        expect(comparable(parsePolicy(format(p)))).toEqual(comparable(p));
      }),
      { seed: 42, numRuns: 400 },
    );
  });

  it("format is a fixed point: format(parse(format(p))) equals format(p)", () => {
    fc.assert(
      fc.property(policyArb, (p) => {
        expect(format(parsePolicy(format(p)))).toEqual(format(p));
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it("formatRule of a random rule reparses to the same rule", () => {
    fc.assert(
      fc.property(ruleArb, (r) => {
        const [kind, value] = formatRule(r).slice(2).split(/=(.*)/s) as [Parameters<typeof parseRule>[0], string];
        expect(comparableRule(parseRule(kind, value))).toEqual(comparableRule(r));
      }),
      { seed: 42, numRuns: 400 },
    );
  });
});

describe("IP spelling equivalence (property, seed 42)", () => {
  it("every spelling of one IP parses to the same rule host", () => {
    fc.assert(
      fc.property(ipSpellingsArb(), (ip) => {
        const hosts = ip.spellings.map((s) => parseRule("allow-outbound", `tcp://${ip.family === "ipv6" ? `[${s}]` : s}:80`).host);
        for (const h of hosts) expect(h).toEqual(hosts[0]);
        if (ip.family === "ipv4") {
          expect(hosts[0]).toEqual({ kind: "cidr", family: "ipv4", address: ip.canonical, prefix: 32 });
        } else {
          expect(hosts[0]).toMatchObject({ kind: "cidr", family: "ipv6", prefix: 128 });
        }
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it("a CIDR's host bits are zeroed, whatever the spelling (checked against an independent mask)", () => {
    fc.assert(
      fc.property(ipSpellingsArb("ipv4"), fc.integer({ min: 0, max: 32 }), (ip, prefix) => {
        if (ip.family !== "ipv4") return;
        const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
        const expected = { kind: "cidr", family: "ipv4", address: dottedQuad((ip.value & mask) >>> 0), prefix };
        for (const s of ip.spellings) expect(parseRule("deny-outbound", `tcp://${s}/${prefix}`).host).toEqual(expected);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
