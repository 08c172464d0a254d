/**
 * `netperm proxy` and `netperm exec` as real processes, against loopback
 * servers started here. The tests that drive curl (Debian package `curl`) do
 * not run, loudly, where it is missing, and fail under NETPERM_REQUIRE_PROGRAMS=1.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeWhere, itWhere, networkNamespaces, systemProgram } from "@netperm/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exited, runCli, startCli, until } from "./run-cli.js";

let origin: Server;
let port = 0;
/** The paths the origin was asked for: a denied request must not be among them. */
const seen: string[] = [];
beforeAll(async () => {
  origin = createServer((req, res) => {
    seen.push(req.url ?? "");
    res.end(`hello from ${req.url}\n`);
  });
  await new Promise<void>((r) => origin.listen({ host: "127.0.0.1", port: 0 }, r));
  const a = origin.address();
  port = typeof a === "object" && a !== null ? a.port : 0;
});
afterAll(() => new Promise<void>((r) => origin.close(() => r())));

const curlProgram = systemProgram("curl", "curl");

function curl(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string }> {
  return new Promise((done, fail) => {
    execFile("curl", ["-sS", "--max-time", "30", ...args], { env: { PATH: process.env.PATH ?? "", ...env } }, (error, stdout) => {
      if (error !== null && (error as NodeJS.ErrnoException).code === "ENOENT") return fail(new Error("curl is not installed (Debian package `curl`)"));
      done({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout });
    });
  });
}

describe("netperm proxy", () => {
  itWhere([curlProgram], "serves curl: one request allowed, one denied, both audited; SIGTERM drains and exits 0", async () => {
    const audit = join(mkdtempSync(join(tmpdir(), "netperm-cli-")), "audit.jsonl");
    const proxy = startCli(["proxy", "--listen=127.0.0.1:0", "--allow-outbound=tcp://localhost", "--deny-outbound=tcp://localhost:1", `--audit=${audit}`]);
    try {
      await until(() => /\n/.test(proxy.out()), "the listen address on stdout");
      const where = proxy.out().trim();
      expect(where).toMatch(/^127\.0\.0\.1:\d+$/);
      const allowed = await curl(["--socks5-hostname", where, `http://localhost:${port}/ok`]);
      expect(allowed).toEqual({ code: 0, stdout: "hello from /ok\n" });
      const denied = await curl(["-x", `http://${where}`, "http://localhost:1/"]);
      expect(denied.stdout).toBe("netperm: connect tcp://localhost:1 denied (denied-by-rule) by --deny-outbound=tcp://localhost:1\n");
      await until(() => proxy.err().includes("denied: forward connect localhost:1"), "the refusal on stderr");
    } finally {
      proxy.kill("SIGTERM");
    }
    expect(await exited(proxy)).toBe(0);
    const lines = readFileSync(audit, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ point: "proxy", frontEnd: "socks5", decision: { allowed: true, host: "localhost", port }, connection: { remote: `127.0.0.1:${port}` } });
    expect(lines[1]).toMatchObject({ point: "proxy", frontEnd: "forward", decision: { allowed: false, reason: "denied-by-rule" } });
    expect(lines[1]).not.toHaveProperty("connection");
  });

  it("rejects a bad --listen and a bad limit with exit 2", async () => {
    const bad = await runCli(["proxy", "--listen=nope", "--allow-outbound=tcp://localhost"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--listen needs HOST:PORT");
    const limit = await runCli(["proxy", "--max-connections=many", "--allow-outbound=tcp://localhost"]);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain("--max-connections needs a non-negative integer");
  });
});

/** exec isolated (the default on Linux, where namespaces can be made) and with --no-isolate (everywhere). */
const EXEC_MODES = [
  { name: "isolated", flags: [] as string[], needs: [networkNamespaces()] },
  { name: "--no-isolate", flags: ["--no-isolate"], needs: [] },
] as const;

for (const { name, flags, needs } of EXEC_MODES) {
describeWhere(needs, `netperm exec (${name})`, () => {
  itWhere([curlProgram], "points curl at the proxy: allowed gets the page, denied gets 403 (curl -f exits 22, and so does exec)", async () => {
    const ok = await runCli(["exec", ...flags, "--allow-outbound=tcp://localhost", "--", "curl", "-sS", "-f", `http://localhost:${port}/via-exec`]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe("hello from /via-exec\n");
    const no = await runCli(["exec", ...flags, "--allow-outbound=tcp://example.com:443", "--", "curl", "-sS", "-f", `http://localhost:${port}/nope`]);
    expect(no.code).toBe(22);
    expect(seen).not.toContain("/nope");
    expect(no.stderr).toContain(`netperm: denied: forward connect localhost:${port}`);
  });

  it("sets HTTP_PROXY, HTTPS_PROXY, ALL_PROXY (socks5h) in both cases and empties NO_PROXY", async () => {
    const script = "console.log(JSON.stringify([process.env.HTTP_PROXY, process.env.https_proxy, process.env.ALL_PROXY, process.env.all_proxy, process.env.NO_PROXY ?? null, process.env.no_proxy ?? null]))";
    const r = await runCli(["exec", ...flags, "--allow-outbound=tcp://localhost", "--", process.execPath, "-e", script], { env: { NO_PROXY: "*", no_proxy: "*" } });
    expect(r.code).toBe(0);
    const [http, https, all, allLower, noProxy, noProxyLower] = JSON.parse(r.stdout) as (string | null)[];
    expect(http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(https).toBe(http);
    expect(all).toBe(http!.replace("http://", "socks5h://"));
    expect(allLower).toBe(all);
    expect([noProxy, noProxyLower]).toEqual(["", ""]);
  });

  it("exits with the child's exit code", async () => {
    const r = await runCli(["exec", ...flags, "--allow-outbound=tcp://localhost", "--", process.execPath, "-e", "process.exit(7)"]);
    expect(r.code).toBe(7);
  });

  it("answers 127 for a command that does not exist and 2 for no command", async () => {
    expect((await runCli(["exec", ...flags, "--allow-outbound=tcp://localhost", "--", "netperm-no-such-program"])).code).toBe(127);
    const none = await runCli(["exec", ...flags, "--allow-outbound=tcp://localhost"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("exec needs a command after --");
  });

  it("forwards SIGTERM to the child and exits with its code", async () => {
    const script = "process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(3); }); console.log('ready'); setInterval(() => {}, 1000);";
    const exec = startCli(["exec", ...flags, "--allow-outbound=tcp://localhost", "--", process.execPath, "-e", script]);
    await until(() => exec.out().includes("ready"), "the child to start");
    exec.kill("SIGTERM");
    expect(await exited(exec)).toBe(3);
    expect(exec.out()).toContain("got SIGTERM");
  });
});
}
