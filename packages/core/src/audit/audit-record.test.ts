import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { policyArbOf } from "../../test/arbitraries.js";
import { aimedOperationArb, operationArb, tableEntriesArb, tableOf, vocabularyOf } from "../../test/operation-arbitraries.js";
import { auditLine, auditRecord } from "./audit-record.js";
import { compile } from "../matcher/compile.js";
import { decisionValue } from "../matcher/lazy-decisions.js";
import { parsePolicy } from "../grammar/parse.js";

const schema = JSON.parse(readFileSync(new URL("../../audit-record.schema.json", import.meta.url), "utf8"));
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

describe("the audit record", () => {
  it("holds the decision value, when, where and who, and nothing else when no socket was opened", () => {
    const policy = parsePolicy(["--allow-outbound=tcp://example.com:80"]);
    const decision = compile(policy).decide({ op: "connect", protocol: "tcp", host: "example.com", port: 80 });
    const record = auditRecord(decision, { point: "proxy", frontEnd: "socks5", client: "127.0.0.1:40000" }, undefined, Date.UTC(2026, 11, 2, 8, 0, 0, 5));
    expect(record).toStrictEqual({
      time: "2026-12-02T08:00:00.005Z",
      point: "proxy",
      frontEnd: "socks5",
      client: "127.0.0.1:40000",
      decision: decisionValue(decision),
    });
    expect(JSON.parse(auditLine(record)).decision.rule).toEqual({ flag: "--allow-outbound=tcp://example.com:80", index: 0, source: "flags" });
    expect(auditLine(record).endsWith("}\n")).toBe(true);
  });

  it("validates against the published schema for every decision of random policies", () => {
    const scenario = policyArbOf(8).chain((policy) => {
      const v = vocabularyOf(policy);
      return fc.record({ policy: fc.constant(policy), entries: tableEntriesArb(v), ops: fc.array(fc.oneof(operationArb(v), aimedOperationArb(policy, v)), { minLength: 1, maxLength: 10 }) });
    });
    let checked = 0;
    fc.assert(
      fc.property(scenario, ({ policy, entries, ops }) => {
        const compiled = compile(policy);
        const table = tableOf(entries);
        for (const op of ops) {
          const decision = compiled.decide(op, table);
          const connection = decision.allowed ? { remote: "127.0.0.1:80", bytesUp: 3, bytesDown: 0, durationMs: 1 } : undefined;
          const line = JSON.parse(auditLine(auditRecord(decision, { point: "wasi", frontEnd: "tcp", client: "wasi#1" }, connection)));
          expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
          checked++;
        }
      }),
      { seed: 20261202, numRuns: 150 },
    );
    expect(checked).toBeGreaterThan(300);
  });

  it("the schema rejects records of another shape", () => {
    const good = JSON.parse(auditLine(auditRecord({ allowed: false, op: "resolve", host: "example.com", reason: "no-rule" }, { point: "wasi", frontEnd: "lookup" })));
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, verdict: "deny" })).toBe(false);
    expect(validate({ ...good, point: "kernel" })).toBe(false);
    expect(validate({ ...good, decision: { ...good.decision, reason: "maybe" } })).toBe(false);
    expect(validate({ ...good, time: "yesterday" })).toBe(false);
  });
});
