/**
 * The common decisions made from cached per-rule words are, field for field
 * and word for word, the decisions `toDecision` writes: the whole decision
 * (message, `rule.flag`, `rule.source`, key order) equals the reference
 * decider's, on random policies and operations.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { policyArbOf } from "../test/arbitraries.js";
import { aimedOperationArb, operationArb, tableEntriesArb, tableOf, vocabularyOf } from "../test/operation-arbitraries.js";
import { referenceDecide } from "../test/reference-decider.js";
import { compile } from "./compile.js";
import { parsePolicy } from "./parse.js";

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
            expect(d).toStrictEqual(r);
            expect(Object.keys(d)).toEqual(Object.keys(r));
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
    expect(a).toStrictEqual({
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
    expect([none.reason, none.message]).toEqual(["no-rule", "no --allow-outbound rule for tcp matches 192.0.2.1:80"]);
  });
});
