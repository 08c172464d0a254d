/**
 * The non-network side of the host: each instance has its own environment,
 * arguments and preopens (the shim's process-wide ones are never used), no
 * initial working directory, and `wasi:cli/exit` ends the run, not the process.
 */
import { parsePolicy } from "@netperm/core";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCommand } from "../src/index.js";
import { buildGuests } from "./guests/build.js";
import { transpileCache } from "./helpers/cache.js";
import { netops } from "./helpers/guest.js";

async function dirWith(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "netperm-wasi-sandbox-"));
  await writeFile(join(dir, name), text);
  return dir;
}

describe("sandbox", () => {
  it("two instances, interleaved, each see only their own env, args and preopens", async () => {
    const a = await dirWith("a.txt", "A");
    const b = await dirWith("b.txt", "B");
    const first = await netops([], { env: { WHO: "first" }, args: ["one"], preopens: { "/data": a } });
    const second = await netops([], { env: { WHO: "second", ONLY: "2" }, args: ["two", "x"], preopens: { "/data": b, "/more": a } });
    expect(first.exec({ op: "env" })).toEqual({ ok: true, vars: [["WHO", "first"]], args: ["one"], cwd: null });
    expect(second.exec({ op: "env" })).toEqual({ ok: true, vars: [["WHO", "second"], ["ONLY", "2"]], args: ["two", "x"], cwd: null });
    expect(first.exec({ op: "preopens" })).toEqual({ ok: true, dirs: ["/data"] });
    expect(second.exec({ op: "preopens" })).toEqual({ ok: true, dirs: ["/data", "/more"] });
    expect(first.exec({ op: "readFile", path: "/data/a.txt" })).toEqual({ ok: true, text: "A" });
    expect(second.exec({ op: "readFile", path: "/data/b.txt" })).toEqual({ ok: true, text: "B" });
    expect(first.exec({ op: "readFile", path: "/data/b.txt" })).toEqual({ ok: false, stage: "open", error: "no-entry" });
    expect(second.exec({ op: "readFile", path: "/more/a.txt" })).toEqual({ ok: true, text: "A" });
    expect(first.exec({ op: "writeFile", path: "/data/w.txt", text: "by first" })).toEqual({ ok: true, written: 8 });
    expect(await readFile(join(a, "w.txt"), "utf8")).toBe("by first");
  });

  it("by default an instance has no variables, no preopens and no working directory, whatever the process has", async () => {
    process.env.NETPERM_SANDBOX_PROBE = "host only";
    try {
      const guest = await netops([]);
      expect(guest.exec({ op: "env" })).toEqual({ ok: true, vars: [], args: ["main"], cwd: null });
      expect(guest.exec({ op: "preopens" })).toEqual({ ok: true, dirs: [] });
    } finally {
      delete process.env.NETPERM_SANDBOX_PROBE;
    }
  });

  it("a preopen does not reach outside its directory", async () => {
    const root = await mkdtemp(join(tmpdir(), "netperm-wasi-sandbox-"));
    await mkdir(join(root, "inner"));
    await writeFile(join(root, "outside.txt"), "no");
    const guest = await netops([], { preopens: { "/data": join(root, "inner") } });
    expect(guest.exec({ op: "readFile", path: "/data/../outside.txt" })).toEqual({ ok: false, stage: "open", error: "not-permitted" });
    expect(guest.exec({ op: "readFile", path: "/data/inner/../../outside.txt" })).toMatchObject({ ok: false });
  });

  it.each([
    [{ op: "exit", code: 7 }, 7],
    [{ op: "exit", status: "err" }, 1],
    [{ op: "exit", status: "ok" }, 0],
    [{ op: "readFile", path: "/nowhere" }, 1],
    [{ op: "preopens" }, 0],
  ])("runCommand with %j resolves to exit code %i", async (request, code) => {
    const { netops: file } = await buildGuests();
    const traps: unknown[] = [];
    const exit = await runCommand(file, parsePolicy([]), { args: ["netops", JSON.stringify(request)], cacheDir: transpileCache, onTrap: (e) => traps.push(e) });
    expect(exit).toBe(code);
    expect(traps).toEqual([]);
  });
});
