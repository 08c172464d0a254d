/**
 * `netperm proxy --workers 2`: two processes share the listening socket and
 * both append to one audit file; every decision is one whole, valid JSON line.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliDir } from "./run-cli.js";

let target: Server;
let port = 0;
beforeAll(async () => {
  target = createServer((s) => s.end("ok"));
  await new Promise<void>((r) => target.listen({ host: "127.0.0.1", port: 0 }, r));
  port = (target.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => target.close(() => r())));

/** One SOCKS5 CONNECT to 127.0.0.1:`to`; resolves the reply code. */
function socks(proxyPort: number, to: number): Promise<number> {
  return new Promise((done) => {
    const s = connect({ host: "127.0.0.1", port: proxyPort }, () => s.write(Buffer.from([5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, to >> 8, to & 255])));
    let got = Buffer.alloc(0);
    s.on("data", (c: Buffer) => {
      got = Buffer.concat([got, c]);
      if (got.length >= 12) {
        s.destroy();
        done(got[3]!);
      }
    });
    s.on("error", () => done(-1));
    s.on("close", () => done(got.length >= 4 ? got[3]! : -1));
  });
}

describe("netperm proxy --workers", () => {
  it("writes one valid audit line per decision from two workers", async () => {
    const audit = join(mkdtempSync(join(tmpdir(), "netperm-workers-")), "audit.jsonl");
    const denied = port === 65535 ? 1 : port + 1;
    const child = spawn(
      process.execPath,
      ["--conditions=@netperm/source", "--import", "tsx", resolve(cliDir, "src/bin.ts"), "proxy", "--listen=127.0.0.1:0", "--workers=2", "--quiet", `--allow-outbound=tcp://127.0.0.1:${port}`, `--audit=${audit}`],
      { cwd: cliDir, env: { ...process.env, NO_COLOR: "1" } },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    for (let i = 0; i < 400 && !/:\d+\n/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    const proxyPort = Number(/:(\d+)\n/.exec(out)?.[1]);
    expect(err).toContain("in 2 workers");
    const replies: number[] = [];
    for (let round = 0; round < 10; round++) {
      replies.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => socks(proxyPort, i % 2 === 0 ? port : denied)))));
    }
    expect(replies.filter((r) => r === 0)).toHaveLength(50);
    expect(replies.filter((r) => r === 2)).toHaveLength(50);
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGTERM"), 300);
    expect(await exited).toBe(0);
    const text = readFileSync(audit, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l) as { point: string; decision: { allowed: boolean } });
    expect(lines).toHaveLength(100);
    expect(lines.filter((l) => l.decision.allowed)).toHaveLength(50);
    expect(lines.every((l) => l.point === "proxy")).toBe(true);
  }, 120_000);
});
