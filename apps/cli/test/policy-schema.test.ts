/**
 * The published JSON Schema (@netperm/core/policy.schema.json) against every
 * policy document in the docs, the README and examples/: each validates, and
 * each parses. And the schema rejects what the parser rejects in shape.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parsePolicy, type PolicyDocument } from "@netperm/core";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const schema = JSON.parse(readFileSync(join(root, "packages/core/policy.schema.json"), "utf8"));
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

function documentsIn(file: string): unknown[] {
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".json")) return [JSON.parse(text)];
  const blocks = [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!));
  return blocks.filter((b) => typeof b === "object" && b !== null && ("allow" in b || "deny" in b));
}

const files = [
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => join(root, "docs", f)),
  join(root, "README.md"),
  ...readdirSync(join(root, "examples")).filter((f) => f.endsWith(".json")).map((f) => join(root, "examples", f)),
];
const documents = files.flatMap((file) => documentsIn(file).map((doc, i) => [`${file.slice(root.length + 1)} #${i}`, doc] as const));

describe("the policy JSON Schema", () => {
  it("has documents to check", () => {
    expect(documents.length).toBeGreaterThanOrEqual(2);
  });

  it.each(documents)("validates and parses %s", (_, doc) => {
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(parsePolicy(doc as PolicyDocument).rules.length).toBeGreaterThan(0);
  });

  it.each([
    [{ allow: { outbond: ["tcp://*:80"] } }],
    [{ allow: { outbound: "tcp://*:80" } }],
    [{ allow: { outbound: [80] } }],
    [{ permit: {} }],
  ])("rejects a document of the wrong shape, as the parser does: %j", (doc) => {
    expect(validate(doc)).toBe(false);
    expect(() => parsePolicy(doc as unknown as PolicyDocument)).toThrow(expect.objectContaining({ code: "NETPERM_DOCUMENT" }));
  });
});
