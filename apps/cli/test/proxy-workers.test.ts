/**
 * `netperm proxy --workers 2 --audit FILE` as a real process tree: a bounded
 * number of SOCKS5 connections on loopback (some allowed, some denied), then
 * SIGTERM. Every audit line the two workers appended to the one file is one
 * whole JSON line valid against the core schema, one per decision, and the
 * primary exits 0 leaving no worker behind. Readiness is the address line
 * the primary prints once every worker listens (no sleeps); the whole
 * process group is killed in afterAll whatever happened.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliDir } from "./run-cli.js";

const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve("@netperm/core/audit-record.schema.json"), "utf8")) as object;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

const ALLOWED = 24;
const DENIED = 12;

let echo: Server;
let echoPort = 0;
let dir = "";
let primary: ChildProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "netperm-workers-"));
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen({ host: "127.0.0.1", port: 0 }, r));
  const a = echo.address();
  echoPort = typeof a === "object" && a !== null ? a.port : 0;
});

afterAll(async () => {
  // Whatever happened: the primary and any worker, by process group.
  if (primary?.pid !== undefined) {
    try {
      process.kill(-primary.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await new Promise<void>((r) => echo.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

/** Every descendant of `pid` (from /proc), with its command line. */
function descendantsOf(pid: number): { pid: number; cmdline: string }[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const isBelow = (p: number): boolean => {
    for (let cur = parent.get(p); cur !== undefined && cur > 1; cur = parent.get(cur)) if (cur === pid) return true;
    return false;
  };
  const out: { pid: number; cmdline: string }[] = [];
  for (const p of parent.keys()) {
    if (!isBelow(p)) continue;
    try {
      out.push({ pid: p, cmdline: readFileSync(`/proc/${p}/cmdline`, "utf8").replaceAll("\0", " ") });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8");
    return state.slice(state.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Resolves the first stdout line that is an address, rejects if the process exits first. */
function listenLine(child: ChildProcess): Promise<number> {
  return new Promise((done, fail) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /^127\.0\.0\.1:(\d+)$/m.exec(out);
      if (m !== null) done(Number(m[1]));
    });
    child.once("exit", (code) => fail(new Error(`proxy exited with ${code} before listening: ${err}`)));
  });
}

/** One SOCKS5 CONNECT to 127.0.0.1:port; resolves the reply code, after an echo when allowed. */
function socks(proxyPort: number, port: number): Promise<number> {
  return new Promise((done, fail) => {
    const s: Socket = connect({ host: "127.0.0.1", port: proxyPort });
    let buf = Buffer.alloc(0);
    let stage = 0;
    s.on("error", fail);
    s.on("connect", () => s.write(Buffer.from([5, 1, 0])));
    s.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (stage === 0 && buf.length >= 2) {
        buf = buf.subarray(2);
        stage = 1;
        s.write(Buffer.from([5, 1, 0, 1, 127, 0, 0, 1, port >> 8, port & 255]));
      }
      if (stage === 1 && buf.length >= 10) {
        const rep = buf[1]!;
        buf = buf.subarray(10);
        if (rep !== 0) {
          s.destroy();
          return done(rep);
        }
        stage = 2;
        s.write("ping");
      }
      if (stage === 2 && buf.length >= 4) {
        expect(buf.subarray(0, 4).toString()).toBe("ping");
        s.end();
        s.once("close", () => done(0));
      }
    });
  });
}

describe("netperm proxy --workers 2", () => {
  it("writes one valid JSON line per decision from both workers and stops without leaving a worker", async () => {
    const audit = join(dir, "audit.jsonl");
    primary = spawn(
      process.execPath,
      [
        "--conditions=@netperm/source",
        "--import",
        "tsx",
        resolve(cliDir, "src/bin.ts"),
        "proxy",
        "--listen=127.0.0.1:0",
        "--workers=2",
        `--audit=${audit}`,
        "--quiet",
        `--allow-outbound=tcp://127.0.0.1:${echoPort}`,
      ],
      { cwd: cliDir, env: { ...process.env, NO_COLOR: "1" }, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    const port = await listenLine(primary);
    // The two workers (node, running the same command line) and whatever helpers they started.
    const tree = descendantsOf(primary.pid!);
    expect(tree.filter((p) => p.cmdline.includes("src/bin.ts proxy")).length).toBe(2);

    // Bounded: ALLOWED + DENIED connections, a few at a time.
    const targets = [...Array.from({ length: ALLOWED }, () => echoPort), ...Array.from({ length: DENIED }, () => 1)];
    const replies: number[] = [];
    for (let i = 0; i < targets.length; i += 6) replies.push(...(await Promise.all(targets.slice(i, i + 6).map((t) => socks(port, t)))));
    expect(replies.filter((r) => r === 0).length).toBe(ALLOWED);
    expect(replies.filter((r) => r === 2).length).toBe(DENIED);

    const exited = new Promise<number | string | null>((r) => primary!.once("exit", (code) => r(code)));
    primary.kill("SIGTERM");
    // Nothing is open, so the drain ends at once: a minute is generous on a loaded machine.
    const giveUp = new Promise<string>((r) => setTimeout(() => r("still running a minute after SIGTERM"), 60_000).unref());
    expect(await Promise.race([exited, giveUp])).toBe(0);
    for (const p of tree) expect(alive(p.pid), `${p.pid} (${p.cmdline}) is still running`).toBe(false);

    const text = readFileSync(audit, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.slice(0, -1).split("\n");
    expect(lines.length).toBe(ALLOWED + DENIED);
    let allowed = 0;
    for (const line of lines) {
      const record = JSON.parse(line) as { point: string; frontEnd: string; client?: string; decision: { allowed: boolean; host: string; port: number; reason: string }; connection?: { remote?: string; bytesUp: number; bytesDown: number } };
      expect(validate(record), JSON.stringify(validate.errors)).toBe(true);
      expect(record.point).toBe("proxy");
      expect(record.frontEnd).toBe("socks5");
      expect(record.client).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(record.decision.host).toBe("127.0.0.1");
      if (record.decision.allowed) {
        allowed += 1;
        expect(record.decision.port).toBe(echoPort);
        expect(record.connection).toMatchObject({ remote: `127.0.0.1:${echoPort}`, bytesUp: 4, bytesDown: 4 });
      } else {
        expect(record.decision.port).toBe(1);
        expect(record.decision.reason).toBe("no-rule");
      }
    }
    expect(allowed).toBe(ALLOWED);
  }, 120_000);
});
