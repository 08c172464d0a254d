/**
 * `netperm run --env / --dir / -- ARGS` end to end: the real CLI process
 * runs the `netops` guest, which reports what wasi:cli/environment and
 * wasi:filesystem show it, one JSON line per request.
 */
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { netopsWasm, transpileCache } from "./guest.js";
import { spawnCli, type CliResult } from "./run-cli.js";

let wasm: string;
beforeAll(async () => {
  wasm = await netopsWasm();
});

type Request = Record<string, unknown> | string;

interface GuestRun extends CliResult {
  /** The guest's result lines, parsed. */
  readonly results: Record<string, unknown>[];
}

/** `netperm run FLAGS netops.wasm -- REQUESTS...` (objects as JSON, strings as they are). */
async function run(flags: readonly string[], requests: readonly Request[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<GuestRun> {
  const args = requests.map((r) => (typeof r === "string" ? r : JSON.stringify(r)));
  const result = await spawnCli(["run", `--cache-dir=${transpileCache}`, ...flags, wasm, "--", ...args], options);
  const results = result.stdout.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ...result, results };
}

/** A fresh directory holding `hello.txt`, and a `secret.txt` beside it (outside it). */
async function hostDir(): Promise<{ root: string; dir: string }> {
  const root = await mkdtemp(join(tmpdir(), "netperm-run-dir-"));
  const dir = join(root, "shared");
  await mkdir(dir);
  await writeFile(join(dir, "hello.txt"), "hello from the host\n");
  await writeFile(join(root, "secret.txt"), "not for the guest\n");
  return { root, dir };
}

describe("netperm run --env", () => {
  it("gives the guest exactly the variables set, values taken after the first '='", async () => {
    const r = await run(["--env=FOO=bar", "--env=EMPTY=", "--env=EQ=a=b"], [{ op: "env" }]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.results).toEqual([{ ok: true, vars: [["FOO", "bar"], ["EMPTY", ""], ["EQ", "a=b"]], args: ["netops.wasm", '{"op":"env"}'], cwd: null }]);
  });

  it("--env=KEY passes the host's value; host variables not named (and named ones the host lacks) are not seen", async () => {
    const r = await run(["--env=FROM_HOST", "--env=NOT_IN_HOST_EITHER"], [{ op: "env" }], {
      env: { FROM_HOST: "host value", NOT_NAMED: "secret" },
    });
    expect(r.code).toBe(0);
    expect(r.results[0]).toMatchObject({ ok: true, vars: [["FROM_HOST", "host value"]] });
  });

  it("without --env the guest sees no variables and no working directory, whatever the host has", async () => {
    const r = await run([], [{ op: "env" }], { env: { NOT_NAMED: "secret" } });
    expect(r.code).toBe(0);
    expect(r.results[0]).toMatchObject({ ok: true, vars: [], cwd: null });
  });

  it("a variable given twice keeps the last value", async () => {
    const r = await run(["--env=FOO=1", "--env=FOO=2"], [{ op: "env" }]);
    expect(r.results[0]).toMatchObject({ ok: true, vars: [["FOO", "2"]] });
  });

  it.each(["--env=", "--env==x", "--env=1X=y", "--env=A-B=c", "--env=A B=c"])("%s exits 2 with NETPERM_USAGE before running the guest", async (flag) => {
    const r = await run([flag], [{ op: "env" }]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("NETPERM_USAGE: --env needs KEY=VALUE or KEY");
    expect(r.stdout).toBe("");
  });
});

describe("netperm run --dir", () => {
  it("--dir=HOST::/data lets the guest read and write files under HOST as /data/...", async () => {
    const { dir } = await hostDir();
    const r = await run([`--dir=${dir}::/data`], [
      { op: "preopens" },
      { op: "readFile", path: "/data/hello.txt" },
      { op: "writeFile", path: "/data/out.txt", text: "from the guest" },
      { op: "readFile", path: "/data/out.txt" },
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.results).toEqual([
      { ok: true, dirs: ["/data"] },
      { ok: true, text: "hello from the host\n" },
      { ok: true, written: 14 },
      { ok: true, text: "from the guest" },
    ]);
    expect(await readFile(join(dir, "out.txt"), "utf8")).toBe("from the guest");
  });

  it("the guest cannot leave the preopened directory with '..'", async () => {
    const { dir } = await hostDir();
    const r = await run([`--dir=${dir}::/data`], [{ op: "readFile", path: "/data/../secret.txt" }]);
    expect(r.results).toEqual([{ ok: false, stage: "open", error: "not-permitted" }]);
    expect(r.code).toBe(1);
  });

  it("without --dir the guest has no preopens and cannot read the file, by guest or host path", async () => {
    const { dir } = await hostDir();
    const r = await run([], [{ op: "preopens" }, { op: "readFile", path: "/data/hello.txt" }, { op: "readFile", path: join(dir, "hello.txt") }]);
    expect(r.results).toEqual([
      { ok: true, dirs: [] },
      { ok: false, stage: "preopen", error: "no-preopen" },
      { ok: false, stage: "preopen", error: "no-preopen" },
    ]);
    expect(r.code).toBe(1);
  });

  it("--dir=DIR preopens DIR under its own path", async () => {
    const { dir } = await hostDir();
    const r = await run([`--dir=${dir}`], [{ op: "preopens" }, { op: "readFile", path: `${dir}/hello.txt` }]);
    expect(r.code).toBe(0);
    expect(r.results).toEqual([
      { ok: true, dirs: [dir] },
      { ok: true, text: "hello from the host\n" },
    ]);
  });

  it("relative host directories are taken from the working directory; --dir=DIR keeps DIR as typed for the guest", async () => {
    const { root } = await hostDir();
    const r = await run(["--dir=shared", "--dir=shared::/data"], [
      { op: "preopens" },
      { op: "readFile", path: "shared/hello.txt" },
      { op: "readFile", path: "/data/hello.txt" },
    ], { cwd: root });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.results).toEqual([
      { ok: true, dirs: ["shared", "/data"] },
      { ok: true, text: "hello from the host\n" },
      { ok: true, text: "hello from the host\n" },
    ]);
  });

  it.each(["--dir=", "--dir=::/data", "--dir=/tmp::"])("%s (an empty side) exits 2 with NETPERM_USAGE", async (flag) => {
    const r = await run([flag], [{ op: "preopens" }]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("NETPERM_USAGE: --dir needs HOST::GUEST");
    expect(r.stdout).toBe("");
  });

  it("a host directory that does not exist exits 2 with NETPERM_USAGE, not a guest that sees no-entry", async () => {
    const { root } = await hostDir();
    const missing = join(root, "missing");
    const r = await run([`--dir=${missing}::/data`], [{ op: "readFile", path: "/data/hello.txt" }]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`netperm: NETPERM_USAGE: --dir: no such directory: ${missing}\n`);
    expect(r.stdout).toBe("");
  });

  it("a host file rather than a directory exits 2 with NETPERM_USAGE", async () => {
    const { dir } = await hostDir();
    const r = await run([`--dir=${dir}/hello.txt::/data`], [{ op: "preopens" }]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`NETPERM_USAGE: --dir: ${dir}/hello.txt is not a directory`);
    expect(r.stdout).toBe("");
  });

  it("the same guest directory twice exits 2 rather than dropping one", async () => {
    const { root, dir } = await hostDir();
    const r = await run([`--dir=${dir}::/data`, `--dir=${root}::/data`], [{ op: "preopens" }]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("NETPERM_USAGE: --dir names the guest directory '/data' twice");
  });
});

describe("netperm run: guest arguments and exit codes", () => {
  it("passes the words after -- to the guest untouched, the program name first", async () => {
    const r = await run(["--env=A=1"], [{ op: "env" }, "--env=B=2", "--dir=/", "plain word", ""]);
    expect(r.code).toBe(0);
    expect(r.results).toEqual([{ ok: true, vars: [["A", "1"]], args: ["netops.wasm", '{"op":"env"}', "--env=B=2", "--dir=/", "plain word", ""], cwd: null }]);
  });

  it("a failing run (run returns an error) exits 1, after the guest's output", async () => {
    const r = await run([], [{ op: "env" }, { op: "readFile", path: "/nowhere/file" }, { op: "preopens" }]);
    expect(r.code).toBe(1);
    expect(r.results.map((x) => x.ok)).toEqual([true, false, true]);
    expect(r.stderr).toBe("");
  });

  it.each([
    [{ op: "exit", code: 3 }, 3],
    [{ op: "exit", code: 255 }, 255],
    [{ op: "exit", code: 0 }, 0],
    [{ op: "exit", status: "err" }, 1],
    [{ op: "exit", status: "ok" }, 0],
  ])("wasi:cli/exit %j ends the guest at once with exit code %i", async (request, code) => {
    // The failing request after the exit would make the run fail if it ran.
    const r = await run([], [{ op: "preopens" }, request, { op: "readFile", path: "/nowhere" }]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(code);
    expect(r.results).toEqual([{ ok: true, dirs: [] }]);
  });
});
