/**
 * The compiled decider agrees with the reference decider (which reads every
 * rule) on random policies, random operations aimed at them, random
 * resolution tables and random interfaces: same allowed, reason, deciding
 * rule, mapping, family, host and port.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "../src/matcher/compile.js";
import { parsePolicy } from "../src/grammar/parse.js";
import { ResolutionTable } from "../src/matcher/resolution-table.js";
import type { Decision, Operation } from "../src/types.js";
import { policyArbOf } from "./arbitraries.js";
import { aimedOperationArb, interfacesArb, operationArb, tableEntriesArb, tableOf, vocabularyOf } from "./operation-arbitraries.js";
import { referenceDecide } from "./reference-decider.js";

/** What must agree (the message wording is shared code, so it is left out). */
function essence(d: Decision) {
  return {
    allowed: d.allowed,
    reason: d.reason,
    rule: d.rule?.index,
    mapped: d.mapped,
    family: d.family,
    op: d.op,
    protocol: d.protocol,
    host: d.host,
    port: d.port,
  };
}

const scenarioArb = policyArbOf(14).chain((policy) => {
  const v = vocabularyOf(policy);
  return fc.record({
    policy: fc.constant(policy),
    entries: tableEntriesArb(v),
    options: interfacesArb(v),
    ops: fc.array(fc.oneof(operationArb(v), aimedOperationArb(policy, v), aimedOperationArb(policy, v)), { minLength: 1, maxLength: 25 }),
  });
});

describe("compile(policy).decide agrees with the reference decider", () => {
  it("on random policies, operations, tables and interfaces", () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, entries, options, ops }) => {
        const table = tableOf(entries);
        const compiled = compile(policy, options);
        for (const op of ops) {
          const withTable = compiled.decide(op, table);
          expect(essence(withTable), JSON.stringify(op)).toEqual(essence(referenceDecide(policy, op, table, options)));
          expect(essence(compiled.decide(op))).toEqual(essence(referenceDecide(policy, op, undefined, options)));
          expect(withTable.message).toEqual(expect.any(String));
        }
      }),
      { numRuns: 400, seed: 0x6e657470 },
    );
  });

  it("on random seeds too (the seed is printed on failure)", () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, entries, options, ops }) => {
        const table = tableOf(entries);
        const compiled = compile(policy, options);
        for (const op of ops) expect(essence(compiled.decide(op, table))).toEqual(essence(referenceDecide(policy, op, table, options)));
      }),
      { numRuns: 200 },
    );
  });
});

describe("counterexamples found by the agreement property", () => {
  const agree = (flags: string[], op: Operation, table?: ResolutionTable) => {
    const policy = parsePolicy(flags);
    const d = compile(policy).decide(op, table);
    expect(essence(d)).toEqual(essence(referenceDecide(policy, op, table)));
    return d;
  };

  it("a family deny narrows an allowed name to the other family", () => {
    const d = agree(["--allow-outbound=tcp://example.com", "--deny-outbound=tcp://example.com#ipv6-only"], {
      op: "connect",
      protocol: "tcp",
      host: "example.com",
      port: 80,
    });
    expect({ allowed: d.allowed, family: d.family }).toEqual({ allowed: true, family: "ipv4" });
  });
});
