import { Readable } from "node:stream";
import { ProxyAgent, request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { dial, fakeResolver, httpServer, payload, readAll, readN, sha256, startProxy, until, type TestProxy } from "./helpers.js";

type Origin = Awaited<ReturnType<typeof httpServer>>;
let proxy: TestProxy | undefined;
let origin: Origin | undefined;
const agents: ProxyAgent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await proxy?.close();
  await origin?.close();
  proxy = undefined;
  origin = undefined;
});

function agent(port: number, tunnel: boolean, token?: string): ProxyAgent {
  const a = new ProxyAgent({ uri: `http://127.0.0.1:${port}`, proxyTunnel: tunnel, ...(token === undefined ? {} : { token }) });
  agents.push(a);
  return a;
}

const NAMES = fakeResolver({ "allowed.example": ["127.0.0.1"], "denied.example": ["127.0.0.1"] });

describe("HTTP forward (absolute-URI requests) through undici ProxyAgent", () => {
  it("forwards a GET and brings 3 MB back intact, in origin form", async () => {
    origin = await httpServer();
    proxy = await startProxy(["--allow-outbound=tcp://allowed.example"], { resolver: NAMES });
    const res = await request(`http://allowed.example:${origin.port}/bytes/3145728`, { dispatcher: agent(proxy.port, false) });
    const body = Buffer.from(await res.body.arrayBuffer());
    expect(res.statusCode).toBe(200);
    expect(sha256(body)).toBe(res.headers["x-sha256"]);
    expect(body.length).toBe(3145728);
    expect(origin.seen[0]).toMatchObject({ method: "GET", url: "/bytes/3145728" });
    expect(origin.seen[0]!.headers.host).toBe(`allowed.example:${origin.port}`);
    await until(() => proxy!.audit.length === 1);
    expect(proxy.audit[0]).toMatchObject({ protocol: "http", verdict: "allow", target: `allowed.example:${origin.port}`, connected: `127.0.0.1:${origin.port}` });
    expect(proxy.audit[0]!.bytesDown).toBeGreaterThan(3145728);
  });

  it("forwards a chunked request body of 2 MB intact", async () => {
    origin = await httpServer();
    proxy = await startProxy(["--allow-outbound=tcp://allowed.example"], { resolver: NAMES });
    const data = payload(2 * 1024 * 1024, 7);
    const pieces = [data.subarray(0, 1000), data.subarray(1000, 1_500_000), data.subarray(1_500_000)];
    const res = await request(`http://allowed.example:${origin.port}/upload`, {
      method: "POST",
      body: Readable.from(pieces),
      dispatcher: agent(proxy.port, false),
    });
    await res.body.text();
    expect(res.headers["x-body-sha256"]).toBe(sha256(data));
    expect(origin.seen[0]!.headers["transfer-encoding"]).toBe("chunked");
  });

  it("passes a chunked response through", async () => {
    origin = await httpServer();
    proxy = await startProxy(["--allow-outbound=tcp://allowed.example"], { resolver: NAMES });
    const res = await request(`http://allowed.example:${origin.port}/chunked`, { dispatcher: agent(proxy.port, false) });
    expect(await res.body.text()).toBe("hello chunked world");
  });

  it("refuses a denied host with 403 and a one-line reason, never reaching the origin", async () => {
    origin = await httpServer();
    proxy = await startProxy(["--allow-outbound=tcp://allowed.example", "--deny-outbound=tcp://denied.example"], { resolver: NAMES });
    const res = await request(`http://denied.example:${origin.port}/`, { dispatcher: agent(proxy.port, false) });
    expect(res.statusCode).toBe(403);
    expect(await res.body.text()).toBe(`netperm: connect tcp://denied.example:${origin.port} denied (denied-by-rule) by --deny-outbound=tcp://denied.example\n`);
    expect(origin.seen).toEqual([]);
    expect(proxy.proxy.stats().upstream).toBe(0);
  });
});

describe("HTTP CONNECT through undici ProxyAgent", () => {
  it("tunnels to an allowed name and brings 3 MB back intact", async () => {
    origin = await httpServer();
    proxy = await startProxy(["--allow-outbound=tcp://allowed.example"], { resolver: NAMES });
    const tunnel = agent(proxy.port, true);
    const res = await request(`http://allowed.example:${origin.port}/bytes/3000000`, { dispatcher: tunnel });
    const body = Buffer.from(await res.body.arrayBuffer());
    expect(sha256(body)).toBe(res.headers["x-sha256"]);
    // The tunnel's audit line is written when it closes.
    agents.splice(agents.indexOf(tunnel), 1);
    await tunnel.close();
    await until(() => proxy!.audit.length >= 1);
    expect(proxy.audit[0]).toMatchObject({ protocol: "http-connect", verdict: "allow", target: `allowed.example:${origin.port}` });
  });

  it("refuses CONNECT to a host no rule grants with 403", async () => {
    origin = await httpServer();
    proxy = await startProxy(["--allow-outbound=tcp://allowed.example"], { resolver: NAMES });
    const s = await dial(proxy.port);
    s.write(`CONNECT denied.example:${origin.port} HTTP/1.1\r\nHost: denied.example:${origin.port}\r\n\r\n`);
    const text = (await readAll(s)).toString();
    expect(text.startsWith("HTTP/1.1 403 Forbidden\r\n")).toBe(true);
    expect(text.endsWith(`netperm: connect tcp://denied.example:${origin.port} denied (no-rule)\n`)).toBe(true);
    expect(origin.seen).toEqual([]);
  });
});

describe("HTTP forward on a raw connection", () => {
  it("keeps the client connection alive across requests and drops hop-by-hop headers", async () => {
    origin = await httpServer();
    proxy = await startProxy(["--allow-outbound=tcp://allowed.example"], { resolver: NAMES });
    const s = await dial(proxy.port);
    const req =
      `GET http://allowed.example:${origin.port}/one HTTP/1.1\r\nHost: allowed.example\r\n` +
      "Connection: keep-alive, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n" +
      "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nUpgrade: h2c\r\nX-Kept: yes\r\n\r\n";
    s.write(req);
    const first = (await readN(s, 64)).toString();
    expect(first.startsWith("HTTP/1.1 200 OK\r\n")).toBe(true);
    await until(() => origin!.seen.length === 1);
    s.write(`GET http://allowed.example:${origin.port}/two HTTP/1.1\r\nHost: allowed.example\r\nConnection: close\r\n\r\n`);
    const rest = (await readAll(s)).toString();
    expect(rest).toContain("ok GET /two 0");
    expect(origin.seen.map((r) => r.url)).toEqual(["/one", "/two"]);
    // Both requests went over one upstream connection (kept alive by the proxy too).
    expect(origin.seen[1]!.remotePort).toBe(origin.seen[0]!.remotePort);
    const h = origin.seen[0]!.headers;
    expect(h["x-kept"]).toBe("yes");
    for (const hop of ["x-secret", "keep-alive", "te", "proxy-connection", "proxy-authorization", "upgrade"]) expect(h[hop]).toBeUndefined();
    await until(() => proxy!.audit.length === 2);
  });

  it("rejects a request with both Transfer-Encoding and Content-Length (smuggling) with 400", async () => {
    origin = await httpServer();
    proxy = await startProxy(["--allow-outbound=tcp://allowed.example"], { resolver: NAMES });
    const s = await dial(proxy.port);
    s.write(`POST http://allowed.example:${origin.port}/ HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`);
    const text = (await readAll(s)).toString();
    expect(text.startsWith("HTTP/1.1 400 Bad Request\r\n")).toBe(true);
    expect(origin.seen).toEqual([]);
  });

  it("refuses https:// absolute URIs (they need CONNECT) and origin-form requests with 400", async () => {
    proxy = await startProxy(["--allow-outbound=tcp://allowed.example"], { resolver: NAMES });
    for (const target of ["https://allowed.example/", "/just/a/path"]) {
      const s = await dial(proxy.port);
      s.write(`GET ${target} HTTP/1.1\r\nHost: allowed.example\r\n\r\n`);
      expect((await readAll(s)).toString()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    }
    expect(proxy.audit).toEqual([]);
  });

  it("asks for credentials with 407 when users are configured, and accepts Basic ones", async () => {
    origin = await httpServer();
    proxy = await startProxy(["--allow-outbound=tcp://allowed.example"], { resolver: NAMES, users: { bob: "pw" } });
    // undici turns a 407 from the proxy into this error.
    await expect(request(`http://allowed.example:${origin.port}/`, { dispatcher: agent(proxy.port, false) })).rejects.toThrow(/407/);
    const s = await dial(proxy.port);
    s.write(`GET http://allowed.example:${origin.port}/ HTTP/1.1\r\nHost: allowed.example\r\n\r\n`);
    const raw = (await readAll(s)).toString();
    expect(raw).toMatch(/^HTTP\/1\.1 407 Proxy Authentication Required\r\n/);
    expect(raw).toContain('Proxy-Authenticate: Basic realm="netperm"');
    const token = `Basic ${Buffer.from("bob:pw").toString("base64")}`;
    const ok = await request(`http://allowed.example:${origin.port}/`, { dispatcher: agent(proxy.port, false, token) });
    expect(ok.statusCode).toBe(200);
    await ok.body.text();
    expect(origin.seen).toHaveLength(1);
  });
});
