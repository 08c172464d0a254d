/**
 * Invariants of the matcher (docs/design.md, Testing): range union, wildcard apex, deny
 * wins in any order, monotonicity, IP spelling equivalence.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "../src/matcher/compile.js";
import { parsePolicy, parseRule } from "../src/grammar/parse.js";
import type { Decision, Operation, Policy, Rule } from "../src/types.js";
import { dottedQuad, flagArb, ipv4Spellings, ipv6Spellings, nameArb, policyArbOf, portRangeArb } from "./arbitraries.js";
import { aimedOperationArb, operationArb, tableEntriesArb, tableOf, vocabularyOf } from "./operation-arbitraries.js";

/** Re-indexes rules into a policy, in the order given. */
function policyOf(rules: readonly Rule[]): Policy {
  return { rules: rules.map((r, index) => ({ ...r, source: { ...r.source, index } })) };
}

/** `policy` with `rule` inserted at position `at` (modulo its length + 1). */
function inserted(policy: Policy, rule: Rule, at: number): Policy {
  const rules = [...policy.rules];
  rules.splice(at % (rules.length + 1), 0, rule);
  return policyOf(rules);
}

const verdict = (d: Decision) => ({ allowed: d.allowed, reason: d.reason });

const scenario = (maxRules: number) =>
  policyArbOf(maxRules).chain((policy) => {
    const v = vocabularyOf(policy);
    return fc.record({
      policy: fc.constant(policy),
      entries: tableEntriesArb(v),
      ops: fc.array(fc.oneof(operationArb(v), aimedOperationArb(policy, v)), { minLength: 1, maxLength: 15 }),
    });
  });

describe("range union", () => {
  it("a port is granted by `a,b-c` iff by one of its items, whatever the split and order", () => {
    const items = fc.array(portRangeArb, { minLength: 1, maxLength: 6 });
    const text = (rs: { from: number; to: number }[]) => rs.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(",");
    fc.assert(
      fc.property(items, fc.nat(), fc.array(fc.integer({ min: 1, max: 65535 }), { maxLength: 10 }), (ranges, cut, extra) => {
        const whole = compile(parsePolicy([`--allow-outbound=tcp://*:${text(ranges)}`]));
        const singles = ranges.map((r) => compile(parsePolicy([`--allow-outbound=tcp://*:${text([r])}`])));
        const k = 1 + (cut % ranges.length);
        const reversed = [...ranges].reverse();
        const split = compile(parsePolicy([`--allow-outbound=tcp://*:${text(reversed.slice(0, k))}`, ...(k < ranges.length ? [`--allow-outbound=tcp://*:${text(reversed.slice(k))}`] : [])]));
        const ports = [...extra, ...ranges.flatMap((r) => [r.from - 1, r.from, r.to, r.to + 1])].filter((p) => p >= 1 && p <= 65535);
        for (const port of ports) {
          const op: Operation = { op: "connect", protocol: "tcp", host: "192.0.2.1", port };
          const any = singles.some((s) => s.decide(op).allowed);
          expect(whole.decide(op).allowed).toBe(any);
          expect(split.decide(op).allowed).toBe(any);
        }
      }),
      { seed: 51, numRuns: 300 },
    );
  });
});

describe("wildcards", () => {
  it("*.x never matches x, and matches every name below x", () => {
    fc.assert(
      fc.property(nameArb, fc.constantFrom("a", "www", "a.b"), (x, front) => {
        const resolve = compile(parsePolicy([`--allow-resolve=*.${x}`]));
        const outbound = compile(parsePolicy([`--allow-outbound=tcp://*.${x}:443`]));
        expect(verdict(resolve.decide({ op: "resolve", host: x }))).toEqual({ allowed: false, reason: "no-rule" });
        expect(verdict(outbound.decide({ op: "connect", protocol: "tcp", host: x, port: 443 }))).toEqual({ allowed: false, reason: "no-rule" });
        expect(outbound.decide({ op: "resolve", host: x }).allowed).toBe(false);
        if (front.length + x.length + 1 <= 253) {
          expect(verdict(resolve.decide({ op: "resolve", host: `${front}.${x}` }))).toEqual({ allowed: true, reason: "allowed" });
          expect(outbound.decide({ op: "connect", protocol: "tcp", host: `${front}.${x}`, port: 443 }).allowed).toBe(true);
        }
      }),
      { seed: 52, numRuns: 300 },
    );
  });
});

describe("deny wins", () => {
  it("whatever the order of the rules (policies without mappings)", () => {
    const unmapped = scenario(10).map((s) => ({ ...s, policy: policyOf(s.policy.rules.filter((r) => r.map === undefined)) }));
    fc.assert(
      fc.property(unmapped, fc.infiniteStream(fc.nat()), ({ policy, entries, ops }, randoms) => {
        const shuffled = [...policy.rules];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = randoms.next().value % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const a = compile(policy);
        const b = compile(policyOf(shuffled));
        const table = tableOf(entries);
        for (const op of ops) expect(verdict(b.decide(op, table))).toEqual(verdict(a.decide(op, table)));
      }),
      { seed: 53, numRuns: 300 },
    );
  });

  it("a deny rule naming the operation, inserted anywhere, denies it", () => {
    fc.assert(
      fc.property(scenario(10), fc.nat(), ({ policy, ops }, at) => {
        for (const op of ops) {
          const d = compile(policy).decide(op);
          if (d.reason === "invalid-input") continue;
          // In inbound rules a bare word is an interface: a dotless name is written with its trailing dot.
          const bare = op.op === "bind" && /^[^.:]+$/.test(d.host) && d.host !== "localhost";
          const host = d.host.includes(":") ? `[${d.host}]` : bare ? `${d.host}.` : d.host;
          const deny =
            op.op === "resolve"
              ? d.host.includes(":") || /^[\d.]+$/.test(d.host) ? parseRule("deny-resolve", "*") : parseRule("deny-resolve", d.host)
              : parseRule(op.op === "bind" ? "deny-inbound" : "deny-outbound", `${op.protocol}://${host}:${op.port}`);
          const withDeny = inserted(policy, deny, at);
          const denied = compile(withDeny).decide(op);
          expect(verdict(denied)).toEqual({ allowed: false, reason: "denied-by-rule" });
          expect(withDeny.rules[denied.rule!.index]!.effect).toBe("deny");
        }
      }),
      { seed: 54, numRuns: 300 },
    );
  });
});

describe("monotonicity", () => {
  const added = (effect: "allow" | "deny") =>
    flagArb.filter(({ kind }) => kind.startsWith(effect)).map(({ kind, value }) => parseRule(kind, value));

  it("adding an allow rule without a mapping never denies more", () => {
    fc.assert(
      fc.property(scenario(10), added("allow").filter((r) => r.map === undefined), fc.nat(), ({ policy, entries, ops }, rule, at) => {
        const before = compile(policy);
        const after = compile(inserted(policy, rule, at));
        const table = tableOf(entries);
        for (const op of ops) if (before.decide(op, table).allowed) expect(after.decide(op, table).allowed).toBe(true);
      }),
      { seed: 55, numRuns: 300 },
    );
  });

  it("adding an allow rule with a mapping denies more only where its mapped target is denied", () => {
    fc.assert(
      fc.property(scenario(10), added("allow").filter((r) => r.map !== undefined), fc.nat(), ({ policy, entries, ops }, rule, at) => {
        const before = compile(policy);
        const after = compile(inserted(policy, rule, at));
        const table = tableOf(entries);
        for (const op of ops) {
          const d = after.decide(op, table);
          if (before.decide(op, table).allowed && !d.allowed) expect(d.message).toContain("mapped target");
        }
      }),
      { seed: 56, numRuns: 300 },
    );
  });

  it("adding a deny rule never allows more", () => {
    fc.assert(
      fc.property(scenario(10), added("deny"), fc.nat(), ({ policy, entries, ops }, rule, at) => {
        const before = compile(policy);
        const after = compile(inserted(policy, rule, at));
        const table = tableOf(entries);
        for (const op of ops) if (after.decide(op, table).allowed) expect(before.decide(op, table).allowed).toBe(true);
      }),
      { seed: 57, numRuns: 300 },
    );
  });
});

describe("IP spellings", () => {
  const same = (d: Decision) => ({ ...verdict(d), rule: d.rule?.index, host: d.host, mapped: d.mapped });

  it("every spelling of one IPv4 decides alike (WHATWG forms and IPv4-mapped IPv6)", () => {
    fc.assert(
      fc.property(scenario(10), fc.nat({ max: 0xffffffff }), fc.constantFrom("connect", "bind") , ({ policy, entries }, n, kind) => {
        const c = compile(policy);
        const table = tableOf([...entries, { name: "example.com", addresses: [dottedQuad(n)], ttl: 60 }]);
        const hex = (x: number) => x.toString(16);
        const spellings = [...ipv4Spellings(n), `::ffff:${dottedQuad(n)}`, `[::ffff:${hex(n >>> 16)}:${hex(n & 0xffff)}]`, `::FFFF:${dottedQuad(n)}`];
        const decisions = spellings.map((host) => same(c.decide({ op: kind, protocol: "tcp", host, port: 80 }, table)));
        for (const d of decisions) expect(d).toEqual(decisions[0]);
        expect(decisions[0]!.host).toBe(dottedQuad(n));
      }),
      { seed: 58, numRuns: 200 },
    );
  });

  it("every spelling of one IPv6 decides alike", () => {
    const groups = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(scenario(10), groups, ({ policy, entries }, g) => {
        const c = compile(policy);
        const table = tableOf(entries);
        const decisions = ipv6Spellings(g).flatMap((s) => [s, `[${s}]`]).map((host) => same(c.decide({ op: "connect", protocol: "tcp", host, port: 443 }, table)));
        for (const d of decisions) expect(d).toEqual(decisions[0]);
      }),
      { seed: 59, numRuns: 200 },
    );
  });
});
