/**
 * curl (Debian package `curl`) through the proxy in its four proxy modes.
 * Where curl is missing they do not run, loudly (the system-programs gate of
 * @netperm/testkit); under NETPERM_REQUIRE_PROGRAMS=1 (CI) that fails.
 * A denial is proven by the target seeing no connection, not by curl's exit
 * code alone (97 is "any SOCKS failure"): every denied target here is a
 * loopback listener of this file, so a broken guard would reach it.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:net";
import { describeWhere, systemProgram } from "@netperm/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { curl, fakeResolver, httpServer, sha256, startProxy, until, type TestProxy } from "./helpers.js";

type Origin = Awaited<ReturnType<typeof httpServer>>;
let origin: Origin;
/** A loopback server on 127.0.0.2, which no rule grants. */
let bystander: Origin;
let proxy: TestProxy;
const SIZE = 3 * 1024 * 1024;

/** Connections each listener accepted: a denied request must add none. */
const accepted = new Map<Server, number>();
function counted<T extends { server: Server }>(s: T): T {
  accepted.set(s.server, 0);
  s.server.on("connection", () => accepted.set(s.server, (accepted.get(s.server) ?? 0) + 1));
  return s;
}

/** Runs curl and returns the audit records it produced. */
async function viaCurl(args: readonly string[]): Promise<{ code: number; body: Buffer; stderr: string; sha: string | undefined; records: TestProxy["audit"] }> {
  const before = proxy.audit.length;
  // (curl 7.88 crashes with --dump-header /dev/stderr on a pipe: use a file.)
  const headers = join(mkdtempSync(join(tmpdir(), "netperm-curl-")), "headers");
  const r = await curl(["--dump-header", headers, ...args]);
  const sha = /x-sha256: ([0-9a-f]{64})/i.exec(existsSync(headers) ? readFileSync(headers, "utf8") : "")?.[1];
  await until(() => proxy.audit.length > before, 15_000, "audit record");
  return { code: r.code, body: r.stdout, stderr: r.stderr, sha, records: proxy.audit.slice(before) };
}

const curlProgram = systemProgram("curl", "curl");

describeWhere([curlProgram], "curl through netperm", () => {
  beforeAll(async () => {
    origin = counted(await httpServer());
    bystander = counted(await httpServer("127.0.0.2"));
    // localhost is all of 127.0.0.0/8: granted on the origin's port only, so the bystander's port is no rule's.
    proxy = await startProxy([`--allow-outbound=tcp://localhost:${origin.port}`, "--allow-outbound=tcp://allowed.example"], {
      resolver: fakeResolver({ "allowed.example": ["127.0.0.1"], "denied.example": ["127.0.0.1"] }),
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await origin?.close();
    await bystander?.close();
  });

  it("--socks5-hostname: the proxy resolves an allowed name; 3 MB arrive intact", async () => {
    const r = await viaCurl(["--socks5-hostname", `127.0.0.1:${proxy.port}`, `http://allowed.example:${origin.port}/bytes/${SIZE}`]);
    expect(r.code).toBe(0);
    expect(r.body.length).toBe(SIZE);
    expect(sha256(r.body)).toBe(r.sha);
    expect(r.records).toHaveLength(1);
    expect(r.records[0]).toMatchObject({ protocol: "socks5", verdict: "allow", target: `allowed.example:${origin.port}`, connected: `127.0.0.1:${origin.port}` });
  });

  it("--socks5-hostname: a denied name (which resolves to the origin) gets reply 0x02 and never reaches the origin", async () => {
    const before = accepted.get(origin.server);
    const r = await viaCurl(["--socks5-hostname", `127.0.0.1:${proxy.port}`, `http://denied.example:${origin.port}/`]);
    expect(r.code).toBe(97);
    expect(r.stderr).toMatch(/\(2\)$/m);
    expect(accepted.get(origin.server)).toBe(before);
    expect(r.records[0]).toMatchObject({ verdict: "deny", reason: "no-rule", target: `denied.example:${origin.port}` });
  });

  it("--socks5: curl resolves locally and sends an address the localhost rule grants", async () => {
    const r = await viaCurl(["--socks5", `127.0.0.1:${proxy.port}`, `http://127.0.0.1:${origin.port}/bytes/${SIZE}`]);
    expect(r.code).toBe(0);
    expect(sha256(r.body)).toBe(r.sha);
    expect(r.records[0]).toMatchObject({ protocol: "socks5", verdict: "allow", rule: `--allow-outbound=tcp://localhost:${origin.port}` });
  });

  it("--socks5: a loopback address no rule grants (127.0.0.2) is refused and never reached", async () => {
    const r = await viaCurl(["--socks5", `127.0.0.1:${proxy.port}`, `http://127.0.0.2:${bystander.port}/`]);
    expect(r.code).toBe(97);
    expect(r.stderr).toMatch(/\(2\)$/m);
    expect(accepted.get(bystander.server)).toBe(0);
    expect(r.records[0]).toMatchObject({ verdict: "deny", target: `127.0.0.2:${bystander.port}`, connected: null });
  });

  it("-x http://: forwards an allowed absolute-URI request with the bytes intact", async () => {
    const r = await viaCurl(["-x", `http://127.0.0.1:${proxy.port}`, `http://allowed.example:${origin.port}/bytes/${SIZE}`]);
    expect(r.code).toBe(0);
    expect(sha256(r.body)).toBe(r.sha);
    expect(r.records[0]).toMatchObject({ protocol: "http", verdict: "allow" });
  });

  it("-x http://: a denied host gets 403 with the reason as the body", async () => {
    const before = accepted.get(origin.server);
    const r = await viaCurl(["-x", `http://127.0.0.1:${proxy.port}`, `http://denied.example:${origin.port}/`]);
    expect(r.code).toBe(0);
    expect(accepted.get(origin.server)).toBe(before);
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
    const before = accepted.get(origin.server);
    const r = await viaCurl(["-p", "-x", `http://127.0.0.1:${proxy.port}`, `http://denied.example:${origin.port}/`]);
    expect(r.code).toBe(56);
    expect(accepted.get(origin.server)).toBe(before);
    expect(r.records[0]).toMatchObject({ protocol: "http-connect", verdict: "deny" });
  });

  it("writes exactly one audit line per decision to the audit file", async () => {
    await until(() => proxy.auditFile().length === proxy.audit.length, 15_000, "audit file flush");
    const lines = proxy.auditFile();
    expect(lines.length).toBe(proxy.audit.length);
    expect(lines.map((l) => l.verdict)).toEqual(proxy.audit.map((l) => l.verdict));
  });
});
