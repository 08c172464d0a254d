/**
 * Every example in docs/ is executed, so the documentation cannot drift:
 * each ```netperm block holds policy flags followed by `allows OP TARGET` /
 * `denies OP TARGET` lines, and each line is run as `netperm check`.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const docsDir = resolve(import.meta.dirname, "../../../docs");

interface Example {
  readonly file: string;
  readonly line: number;
  readonly flags: readonly string[];
  readonly expect: "allows" | "denies";
  readonly op: string;
  readonly target: string;
}

export function extractExamples(file: string, text: string): Example[] {
  const examples: Example[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== "```netperm") continue;
    const flags: string[] = [];
    for (i++; i < lines.length && lines[i]!.trim() !== "```"; i++) {
      const line = lines[i]!.trim();
      if (line === "") continue;
      if (line.startsWith("--")) {
        flags.push(line);
        continue;
      }
      const m = /^(allows|denies) (\S+) (\S+)$/.exec(line);
      if (!m) throw new Error(`${file}:${i + 1}: cannot read example line '${line}'`);
      examples.push({ file, line: i + 1, flags: [...flags], expect: m[1] as "allows" | "denies", op: m[2]!, target: m[3]! });
    }
  }
  return examples;
}

const docs = readdirSync(docsDir).filter((f) => f.endsWith(".md"));
const all = docs.flatMap((f) => extractExamples(f, readFileSync(join(docsDir, f), "utf8")));

describe("documentation examples", () => {
  it("docs/policy.md holds examples to run", () => {
    expect(all.filter((e) => e.file === "policy.md").length).toBeGreaterThanOrEqual(35);
  });

  it.each(all.map((e) => [`${e.file}:${e.line} ${e.flags.join(" ")} ${e.expect} ${e.op} ${e.target}`, e] as const))("%s", async (_, e) => {
    const r = await runCli(["check", ...e.flags, e.op, e.target, "--json"]);
    expect(r.stderr).toBe("");
    const decision = JSON.parse(r.stdout) as { allowed: boolean };
    expect(decision.allowed).toBe(e.expect === "allows");
    expect(r.code).toBe(e.expect === "allows" ? 0 : 1);
  });
});
