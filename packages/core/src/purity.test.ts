import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("@netperm/core is pure (DESIGN §1)", () => {
  it("imports no node: module and touches no process, timers or fetch (the clock is injectable)", () => {
    const dir = import.meta.dirname;
    const offenders: string[] = [];
    for (const file of readdirSync(dir)) {
      if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
      const text = readFileSync(join(dir, file), "utf8");
      if (/from\s+["']node:|require\(|\bprocess\.|\bsetTimeout\(|\bfetch\(/.test(text)) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });
});
