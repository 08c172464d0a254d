/**
 * curl (Debian package `curl`) through the proxy in its four proxy modes.
 * These tests fail, loudly, when curl is missing: they are never skipped.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { curl, fakeResolver, httpServer, sha256, startProxy, until, type TestProxy } from "./helpers.js";

type Origin = Awaited<ReturnType<typeof httpServer>>;
let origin: Origin;
let proxy: TestProxy;
const SIZE = 3 * 1024 * 1024;

beforeAll(async () => {
  origin = await httpServer();
  proxy = await startProxy(["--allow-outbound=tcp://localhost", "--allow-outbound=tcp://allowed.example"], {
    resolver: fakeResolver({ "allowed.example": ["127.0.0.1"], "denied.example": ["127.0.0.1"] }),
  });
});
afterAll(async () => {
  await proxy.close();
  await origin.close();
});

/** Runs curl and returns the audit records it produced. */
async function viaCurl(args: readonly string[]): Promise<{ code: number; body: Buffer; sha: string | undefined; records: TestProxy["audit"] }> {
  const before = proxy.audit.length;
  // (curl 7.88 crashes with --dump-header /dev/stderr on a pipe: use a file.)
  const headers = join(mkdtempSync(join(tmpdir(), "netperm-curl-")), "headers");
  const r = await curl(["--dump-header", headers, ...args]);
  const sha = /x-sha256: ([0-9a-f]{64})/i.exec(existsSync(headers) ? readFileSync(headers, "utf8") : "")?.[1];
  await until(() => proxy.audit.length > before, 15_000, "audit record");
  return { code: r.code, body: r.stdout, sha, records: proxy.audit.slice(before) };
}

describe("curl through netperm", () => {
  it("--socks5-hostname: the proxy resolves an allowed name; 3 MB arrive intact", async () => {
    const r = await viaCurl(["--socks5-hostname", `127.0.0.1:${proxy.port}`, `http://allowed.example:${origin.port}/bytes/${SIZE}`]);
    expect(r.code).toBe(0);
    expect(r.body.length).toBe(SIZE);
    expect(sha256(r.body)).toBe(r.sha);
    expect(r.records).toHaveLength(1);
    expect(r.records[0]).toMatchObject({ protocol: "socks5", verdict: "allow", target: `allowed.example:${origin.port}`, connected: `127.0.0.1:${origin.port}` });
  });

  it("--socks5-hostname: a denied name gets reply 0x02 (curl exit 97)", async () => {
    const r = await viaCurl(["--socks5-hostname", `127.0.0.1:${proxy.port}`, `http://denied.example:${origin.port}/`]);
    expect(r.code).toBe(97);
    expect(r.records[0]).toMatchObject({ verdict: "deny", reason: "no-rule", target: `denied.example:${origin.port}` });
  });

  it("--socks5: curl resolves locally and sends an address the localhost rule grants", async () => {
    const r = await viaCurl(["--socks5", `127.0.0.1:${proxy.port}`, `http://127.0.0.1:${origin.port}/bytes/${SIZE}`]);
    expect(r.code).toBe(0);
    expect(sha256(r.body)).toBe(r.sha);
    expect(r.records[0]).toMatchObject({ protocol: "socks5", verdict: "allow", rule: "--allow-outbound=tcp://localhost" });
  });

  it("--socks5: an address no rule grants is refused", async () => {
    const r = await viaCurl(["--socks5", `127.0.0.1:${proxy.port}`, "http://10.1.2.3:80/"]);
    expect(r.code).toBe(97);
    expect(r.records[0]).toMatchObject({ verdict: "deny", target: "10.1.2.3:80", connected: null });
  });

  it("-x http://: forwards an allowed absolute-URI request with the bytes intact", async () => {
    const r = await viaCurl(["-x", `http://127.0.0.1:${proxy.port}`, `http://allowed.example:${origin.port}/bytes/${SIZE}`]);
    expect(r.code).toBe(0);
    expect(sha256(r.body)).toBe(r.sha);
    expect(r.records[0]).toMatchObject({ protocol: "http", verdict: "allow" });
  });

  it("-x http://: a denied host gets 403 with the reason as the body", async () => {
    const r = await viaCurl(["-x", `http://127.0.0.1:${proxy.port}`, `http://denied.example:${origin.port}/`]);
    expect(r.code).toBe(0);
    expect(r.body.toString()).toBe(`netperm: connect tcp://denied.example:${origin.port} denied (no-rule)\n`);
    expect(r.records[0]).toMatchObject({ protocol: "http", verdict: "deny" });
  });

  it("-p (CONNECT tunnel): allowed bytes intact", async () => {
    const r = await viaCurl(["-p", "-x", `http://127.0.0.1:${proxy.port}`, `http://allowed.example:${origin.port}/bytes/${SIZE}`]);
    expect(r.code).toBe(0);
    expect(sha256(r.body)).toBe(r.sha);
    expect(r.records[0]).toMatchObject({ protocol: "http-connect", verdict: "allow", target: `allowed.example:${origin.port}` });
  });

  it("-p (CONNECT tunnel): a denied host gets 403 (curl exit 56)", async () => {
    const r = await viaCurl(["-p", "-x", `http://127.0.0.1:${proxy.port}`, `http://denied.example:${origin.port}/`]);
    expect(r.code).toBe(56);
    expect(r.records[0]).toMatchObject({ protocol: "http-connect", verdict: "deny" });
  });

  it("writes exactly one audit line per decision to the audit file", async () => {
    await until(() => proxy.auditFile().length === proxy.audit.length, 15_000, "audit file flush");
    const lines = proxy.auditFile();
    expect(lines.length).toBe(proxy.audit.length);
    expect(lines.map((l) => l.verdict)).toEqual(proxy.audit.map((l) => l.verdict));
  });
});
