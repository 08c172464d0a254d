/**
 * The one audit record (@netperm/core/audit-record.schema.json) against
 * every line that `netperm run`, `netperm proxy` and `netperm exec` write
 * with `--audit`: each command runs for real (the hello-db component on the
 * guarded host, a proxy process, a program under exec) against loopback
 * servers started here, with allowed and denied operations, and EVERY line
 * of each file must validate. `check --json` prints the decision part, so
 * its output validates against the schema's `decision` definition.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliDir, runCli, spawnCli } from "./run-cli.js";

const root = resolve(import.meta.dirname, "../../..");
const schema = JSON.parse(readFileSync(join(root, "packages/core/audit-record.schema.json"), "utf8")) as { $id: string };
const ajv = new Ajv2020({ strict: true, allErrors: true });
const validateRecord = ajv.compile(schema);
const validateDecision = ajv.getSchema(`${schema.$id}#/$defs/decision`)!;
const example = join(root, "examples/hello-db/hello-db.wasm");

/** Every line of an audit file, each checked against the schema (with its errors in the failure). */
function expectValidLines(file: string): Record<string, unknown>[] {
  const lines = readFileSync(file, "utf8").trim().split("\n");
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const [i, record] of records.entries()) {
    const ok = validateRecord(record);
    expect({ line: i + 1, record, errors: ok ? null : validateRecord.errors }).toMatchObject({ errors: null });
  }
  return records;
}

let origin: Server;
let port = 0;
beforeAll(async () => {
  origin = createServer((req, res) => res.end(`hello from ${req.url}\n`));
  await new Promise<void>((r) => origin.listen({ host: "127.0.0.1", port: 0 }, r));
  const a = origin.address();
  port = typeof a === "object" && a !== null ? a.port : 0;
});
afterAll(() => new Promise<void>((r) => origin.close(() => r())));

/** A free loopback port (listened on once, then closed). */
async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen({ host: "127.0.0.1", port: 0 }, r));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof a === "object" && a !== null ? a.port : 0;
}

/** A plain HTTP request through the proxy at `proxy` (`host:port`): forwarding, or CONNECT when `connect`. */
function viaProxy(proxy: string, target: string, connect: boolean): Promise<number> {
  const [host, p] = proxy.split(":") as [string, string];
  return new Promise((done, fail) => {
    const req = request(connect ? { host, port: Number(p), method: "CONNECT", path: target } : { host, port: Number(p), path: `http://${target}/` });
    req.once("connect", (res, socket) => {
      socket.destroy();
      done(res.statusCode ?? 0);
    });
    req.once("response", (res) => {
      res.resume();
      res.once("end", () => done(res.statusCode ?? 0));
    });
    req.once("error", fail);
    req.end();
  });
}

function startCli(args: readonly string[]): ChildProcess & { out: () => string } {
  const child = spawn(process.execPath, ["--conditions=@netperm/source", "--import", "tsx", resolve(cliDir, "src/bin.ts"), ...args], { cwd: cliDir, env: { ...process.env, NO_COLOR: "1" } });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.resume();
  return Object.assign(child, { out: () => out });
}

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("the audit record JSON Schema", () => {
  it("validates every line `netperm run` writes (hello-db: lookups, binds, connects; allowed and denied)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "netperm-audit-run-"));
    const audit = join(dir, "audit.jsonl");
    // The guest binds :5433 and connects to db.internal:5432; both are mapped to a free port, so parallel runs never collide.
    const real = await freePort();
    const result = await spawnCli(["run", `--allow-inbound=tcp://localhost:5433->${real}`, `--allow-outbound=tcp://db.internal->127.0.0.1:5432->${real}`, `--audit=${audit}`, `--cache-dir=${join(dir, "cache")}`, example]);
    expect(result.code).toBe(0);
    const records = expectValidLines(audit);
    expect(new Set(records.map((r) => r.frontEnd))).toEqual(new Set(["tcp", "lookup"]));
    expect(records.every((r) => r.point === "wasi" && typeof r.client === "string")).toBe(true);
    expect(records.map((r) => (r.decision as { allowed: boolean }).allowed)).toEqual(expect.arrayContaining([true, false]));
    expect(records).toContainEqual(expect.objectContaining({ frontEnd: "tcp", decision: expect.objectContaining({ op: "connect", allowed: true }), connection: { remote: `127.0.0.1:${real}` } }));
  });

  it("validates every line `netperm proxy` writes (HTTP forward and CONNECT; allowed and denied)", async () => {
    const audit = join(mkdtempSync(join(tmpdir(), "netperm-audit-proxy-")), "audit.jsonl");
    const proxy = startCli(["proxy", "--listen=127.0.0.1:0", `--allow-outbound=tcp://127.0.0.1:${port}`, `--audit=${audit}`]);
    try {
      await until(() => proxy.out().includes("\n"), "the listen address on stdout");
      const where = proxy.out().trim();
      expect(await viaProxy(where, `127.0.0.1:${port}`, false)).toBe(200);
      expect(await viaProxy(where, `127.0.0.1:${port}`, true)).toBe(200);
      expect(await viaProxy(where, `127.0.0.1:${port === 1 ? 2 : 1}`, false)).toBe(403);
      expect(await viaProxy(where, `127.0.0.1:${port === 1 ? 2 : 1}`, true)).toBe(403);
    } finally {
      proxy.kill("SIGTERM");
    }
    await new Promise((r) => (proxy.exitCode !== null ? r(null) : proxy.once("exit", r)));
    const records = expectValidLines(audit);
    expect(records).toHaveLength(4);
    expect(records.map((r) => r.frontEnd).sort()).toEqual(["connect", "connect", "forward", "forward"]);
  });

  it("validates every line `netperm exec --no-isolate` writes", async () => {
    const audit = join(mkdtempSync(join(tmpdir(), "netperm-audit-exec-")), "audit.jsonl");
    // The child reaches the origin (allowed) and port 1 (denied) through HTTP_PROXY, as a proxy-aware program does.
    const script = `const http = require("node:http"); const u = new URL(process.env.HTTP_PROXY);
      const get = (t) => new Promise((done) => http.get({ host: u.hostname, port: Number(u.port), path: "http://" + t + "/" }, (r) => { r.resume(); r.on("end", () => done(r.statusCode)); }));
      (async () => { console.log(await get("127.0.0.1:${port}"), await get("127.0.0.1:${port === 1 ? 2 : 1}")); })();`;
    const r = await runCli(["exec", "--no-isolate", `--allow-outbound=tcp://127.0.0.1:${port}`, `--audit=${audit}`, "--", process.execPath, "-e", script]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("200 403");
    const records = expectValidLines(audit);
    expect(records.map((x) => [x.point, x.frontEnd, (x.decision as { allowed: boolean }).allowed])).toEqual([
      ["exec", "forward", true],
      ["exec", "forward", false],
    ]);
  });

  it("validates what `check --json` prints against the record's decision part", async () => {
    for (const args of [
      ["--allow-outbound=tcp://db.internal->127.0.0.1:5432", "connect", "tcp://db.internal:5432"],
      ["--allow-outbound=tcp://*:80", "connect", "tcp://[::1]:81"],
      ["--allow-resolve=*.example.com", "resolve", "example.com"],
    ]) {
      const r = await runCli(["check", ...args, "--json"]);
      const decision = JSON.parse(r.stdout) as unknown;
      const ok = validateDecision(decision);
      expect({ args, decision, errors: ok ? null : validateDecision.errors }).toMatchObject({ errors: null });
    }
  });
});
