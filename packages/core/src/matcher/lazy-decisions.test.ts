/**
 * The common decisions made from cached per-rule words are, field for field
 * and word for word, the decisions `toDecision` writes: the whole decision
 * (message, `rule.flag`, `rule.source`, key order) equals the reference
 * decider's, on random policies and operations.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { policyArbOf } from "../../test/arbitraries.js";
import { aimedOperationArb, operationArb, tableEntriesArb, tableOf, vocabularyOf } from "../../test/operation-arbitraries.js";
import { referenceDecide } from "../../test/reference-decider.js";
import { compile } from "./compile.js";
import { decisionValue } from "./lazy-decisions.js";
import { parsePolicy } from "../grammar/parse.js";
import type { Decision } from "../types.js";

const scenarioArb = policyArbOf(14).chain((policy) => {
  const v = vocabularyOf(policy);
  return fc.record({
    policy: fc.constant(policy),
    entries: tableEntriesArb(v),
    ops: fc.array(fc.oneof(operationArb(v), aimedOperationArb(policy, v), aimedOperationArb(policy, v)), { minLength: 1, maxLength: 25 }),
  });
});

describe("decisions made from cached words", () => {
  it("equal the reference decider's whole decisions, message and key order included", () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, entries, ops }) => {
        const table = tableOf(entries);
        const compiled = compile(policy);
        for (const op of ops) {
          // Twice: the second decision reads the rule value the first one cached.
          for (let k = 0; k < 2; k++) {
            const d = compiled.decide(op, table);
            const r = referenceDecide(policy, op, table);
            // Read field by field (the getters), as a plain value, and as JSON (key order included).
            for (const key of Object.keys(r) as (keyof Decision)[]) expect(d[key]).toStrictEqual(r[key]);
            expect(decisionValue(d)).toStrictEqual(r);
            expect(Object.keys(decisionValue(d))).toEqual(Object.keys(r));
            expect(JSON.stringify(d)).toBe(JSON.stringify(r));
          }
        }
      }),
      { numRuns: 300, seed: 0x77617264 },
    );
  });

  it("share one frozen rule value between decisions of the same rule", () => {
    const c = compile(parsePolicy(["--allow-outbound=tcp://10.0.0.0/8:80", "--deny-outbound=tcp://10.0.0.9"]));
    const a = c.decide({ op: "connect", protocol: "tcp", host: "10.1.2.3", port: 80 });
    const b = c.decide({ op: "connect", protocol: "tcp", host: "10.3.2.1", port: 80 });
    expect(decisionValue(a)).toStrictEqual({
      allowed: true,
      op: "connect",
      protocol: "tcp",
      host: "10.1.2.3",
      port: 80,
      rule: { flag: "--allow-outbound=tcp://10.0.0.0/8:80", index: 0, source: "flags" },
      reason: "allowed",
      message: "allowed by --allow-outbound=tcp://10.0.0.0/8:80",
    });
    expect(b.rule).toBe(a.rule);
    expect(Object.isFrozen(a.rule)).toBe(true);
    const d = c.decide({ op: "connect", protocol: "tcp", host: "10.0.0.9", port: 80 });
    expect([d.reason, d.message, d.rule?.index]).toEqual(["denied-by-rule", "denied by --deny-outbound=tcp://10.0.0.9", 1]);
    const none = c.decide({ op: "connect", protocol: "tcp", host: "192.0.2.1", port: 80 });
    expect([none.reason, none.message, none.rule]).toEqual(["no-rule", "no --allow-outbound rule for tcp matches 192.0.2.1:80", undefined]);
  });

  it("print, spread and inspect with rule and message, which are made when first read", () => {
    const c = compile(parsePolicy(["--allow-resolve=*.example.com", "--deny-resolve=bad.example.com"]));
    const ok = c.decide({ op: "resolve", host: "API.example.com" });
    const expected = { allowed: true, op: "resolve", host: "api.example.com", rule: { flag: "--allow-resolve=*.example.com", index: 0, source: "flags" }, reason: "allowed", message: "allowed by --allow-resolve=*.example.com" };
    expect(JSON.parse(JSON.stringify(ok))).toStrictEqual(expected);
    expect({ ...decisionValue(ok) }).toStrictEqual(expected);
    const inspect = Symbol.for("nodejs.util.inspect.custom");
    expect((ok as unknown as Record<symbol, () => unknown>)[inspect]!()).toStrictEqual(expected);
    const bad = c.decide({ op: "resolve", host: "bad.example.com" });
    expect(decisionValue(bad)).toMatchObject({ allowed: false, reason: "denied-by-rule", rule: { index: 1 }, message: "denied by --deny-resolve=bad.example.com" });
    expect(c.decide({ op: "resolve", host: "other.org" }).message).toBe("no --allow-resolve rule matches other.org");
    expect(compile(parsePolicy([])).decide({ op: "resolve", host: "other.org" }).message).toBe("no --allow-resolve rule");
  });
});
