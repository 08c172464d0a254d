import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** Every source file below `dir` (tests excluded), as paths relative to it. */
function sources(dir: string, prefix = ""): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...sources(dir, path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) files.push(path);
  }
  return files;
}

describe("@netperm/core is pure (docs/design.md, Packages)", () => {
  it("reads the sources of every folder of the pipeline", () => {
    const folders = new Set(sources(import.meta.dirname).map((file) => file.split("/").slice(0, -1).join("/")));
    expect([...folders].sort()).toEqual(expect.arrayContaining(["", "analysis", "audit", "grammar", "matcher"]));
  });

  it("imports no node: module and touches no process, timers or fetch (the clock is injectable)", () => {
    const dir = import.meta.dirname;
    const offenders: string[] = [];
    for (const file of sources(dir)) {
      const text = readFileSync(join(dir, file), "utf8");
      if (/from\s+["']node:|require\(|\bprocess\.|\bsetTimeout\(|\bfetch\(/.test(text)) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });
});
