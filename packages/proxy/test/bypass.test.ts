/**
 * Bypass resistance: every spelling a client can use is decided on what
 * would really be connected, and denied where the policy says so.
 */
import { afterEach, describe, expect, it } from "vitest";
import { dial, echoServer, fakeResolver, readAll, readN, startProxy, until, type EchoServer, type TestProxy } from "./helpers.js";
import { socksRequest } from "./socks-client.js";

let proxy: TestProxy | undefined;
const servers: EchoServer[] = [];
afterEach(async () => {
  await proxy?.close();
  for (const s of servers.splice(0)) await s.close();
  proxy = undefined;
});
async function echo(host = "127.0.0.1"): Promise<EchoServer> {
  const s = await echoServer(host);
  servers.push(s);
  return s;
}

/** Sends a raw HTTP request and returns the status code (0 when closed without one). */
async function httpStatus(port: number, text: string): Promise<number> {
  const s = await dial(port);
  s.write(text);
  const head = (await readN(s, 12)).toString();
  s.destroy();
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
}
const get = (port: number, url: string): Promise<number> => httpStatus(port, `GET ${url} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
const connectTo = (port: number, authority: string, host = authority): Promise<number> =>
  httpStatus(port, `CONNECT ${authority} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);

describe("numeric host spellings", () => {
  for (const spelling of ["2130706433", "0x7f.1", "127.1", "0177.0.0.1", "0x7f000001"]) {
    it(`decides ${spelling} as 127.0.0.1 in SOCKS5, HTTP forward and CONNECT (deny rule wins)`, async () => {
      const target = await echo();
      proxy = await startProxy(["--allow-outbound=tcp://*", "--deny-outbound=tcp://127.0.0.1"], { resolver: fakeResolver({}) });
      const socks = await socksRequest(proxy.port, 1, "domain", spelling, target.port);
      socks.socket.destroy();
      expect(socks.rep).toBe(2);
      expect(await get(proxy.port, `http://${spelling}:${target.port}/`)).toBe(403);
      expect(await connectTo(proxy.port, `${spelling}:${target.port}`)).toBe(403);
      expect(target.accepted()).toBe(0);
      await until(() => proxy!.audit.length === 3);
      for (const r of proxy.audit) expect(r).toMatchObject({ verdict: "deny", reason: "denied-by-rule", rule: "--deny-outbound=tcp://127.0.0.1" });
    });
  }

  it("connects 2130706433 to 127.0.0.1 when an IP rule allows it, without any lookup", async () => {
    const target = await echo();
    const resolver = fakeResolver({});
    proxy = await startProxy(["--allow-outbound=tcp://127.0.0.1"], { resolver });
    const socks = await socksRequest(proxy.port, 1, "domain", "2130706433", target.port);
    expect(socks.rep).toBe(0);
    socks.socket.destroy();
    expect(resolver.calls).toEqual([]);
    await until(() => proxy!.audit.length === 1);
    expect(proxy.audit[0]).toMatchObject({ verdict: "allow", target: `127.0.0.1:${target.port}`, connected: `127.0.0.1:${target.port}` });
  });
});

describe("IPv4-mapped IPv6", () => {
  it("treats ::ffff:127.0.0.1 as 127.0.0.1 (SOCKS5 ATYP 4, bracketed URI, CONNECT)", async () => {
    const target = await echo();
    proxy = await startProxy(["--allow-outbound=tcp://*", "--deny-outbound=tcp://127.0.0.0/8"]);
    const socks = await socksRequest(proxy.port, 1, "ipv6", "::ffff:7f00:1", target.port);
    socks.socket.destroy();
    expect(socks.rep).toBe(2);
    expect(await get(proxy.port, `http://[::ffff:127.0.0.1]:${target.port}/`)).toBe(403);
    expect(await connectTo(proxy.port, `[::ffff:7f00:1]:${target.port}`)).toBe(403);
    expect(target.accepted()).toBe(0);
    await until(() => proxy!.audit.length === 3);
    expect(proxy.audit.every((r) => r.reason === "denied-by-rule")).toBe(true);
  });
});

describe("names: case, trailing dots, IDN", () => {
  it("denies DENIED.EXAMPLE. like denied.example everywhere", async () => {
    const target = await echo();
    const resolver = fakeResolver({ "denied.example": ["127.0.0.1"] });
    proxy = await startProxy(["--allow-outbound=tcp://*", "--deny-outbound=tcp://denied.example"], { resolver });
    const socks = await socksRequest(proxy.port, 1, "domain", "DENIED.EXAMPLE.", target.port);
    socks.socket.destroy();
    expect(socks.rep).toBe(2);
    expect(await get(proxy.port, `http://DENIED.Example.:${target.port}/`)).toBe(403);
    expect(await connectTo(proxy.port, `Denied.EXAMPLE.:${target.port}`)).toBe(403);
    expect(resolver.calls).toEqual([]);
    expect(target.accepted()).toBe(0);
  });

  it("denies an IDN name in Unicode (SOCKS5 UTF-8) and in punycode (HTTP, CONNECT)", async () => {
    const target = await echo();
    const resolver = fakeResolver({ "xn--bcher-kva.example": ["127.0.0.1"] });
    proxy = await startProxy(["--allow-outbound=tcp://*", "--deny-outbound=tcp://bücher.example"], { resolver });
    const socks = await socksRequest(proxy.port, 1, "domain", "BÜCHER.example", target.port);
    socks.socket.destroy();
    expect(socks.rep).toBe(2);
    expect(await get(proxy.port, `http://xn--bcher-kva.example:${target.port}/`)).toBe(403);
    expect(await connectTo(proxy.port, `XN--BCHER-KVA.example:${target.port}`)).toBe(403);
    expect(target.accepted()).toBe(0);
    await until(() => proxy!.audit.length === 3);
    expect(proxy.audit.map((r) => [r.reason, r.rule])).toEqual(new Array(3).fill(["denied-by-rule", "--deny-outbound=tcp://bücher.example"]));
  });
});

describe("URI and header tricks", () => {
  it("decides http://allowed.example@denied.example/ on denied.example (userinfo is not the host)", async () => {
    const target = await echo();
    const resolver = fakeResolver({ "allowed.example": ["127.0.0.1"], "denied.example": ["127.0.0.1"] });
    proxy = await startProxy(["--allow-outbound=tcp://allowed.example"], { resolver });
    expect(await get(proxy.port, `http://allowed.example@denied.example:${target.port}/`)).toBe(403);
    expect(await get(proxy.port, `http://allowed.example:${target.port}@denied.example:${target.port}/`)).toBe(403);
    expect(target.accepted()).toBe(0);
    await until(() => proxy!.audit.length === 2);
    expect(proxy.audit[0]).toMatchObject({ verdict: "deny", reason: "no-rule", target: `denied.example:${target.port}` });
  });

  it("decides CONNECT on its authority, never on the Host header", async () => {
    const target = await echo();
    const resolver = fakeResolver({ "allowed.example": ["127.0.0.1"], "denied.example": ["127.0.0.1"] });
    proxy = await startProxy(["--allow-outbound=tcp://allowed.example"], { resolver });
    expect(await connectTo(proxy.port, `denied.example:${target.port}`, `allowed.example:${target.port}`)).toBe(403);
    expect(target.accepted()).toBe(0);
    expect(await connectTo(proxy.port, `allowed.example:${target.port}`, `denied.example:${target.port}`)).toBe(200);
    await until(() => target.accepted() === 1);
    expect(resolver.calls).toEqual(["allowed.example"]);
  });
});

describe("rebinding: a name's answers are each decided", () => {
  async function twoServers(): Promise<[EchoServer, EchoServer]> {
    const three = await echo("127.0.0.3");
    const { createServer } = await import("node:net");
    // Put a listener on 127.0.0.2 at the same port so a wrong connection would be seen.
    const two = await echoServerAt("127.0.0.2", three.port, createServer);
    return [two, three];
  }
  async function echoServerAt(host: string, port: number, createServer: typeof import("node:net").createServer): Promise<EchoServer> {
    let accepted = 0;
    const server = createServer((s) => {
      accepted += 1;
      s.on("error", () => undefined);
      s.pipe(s);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port }, resolve);
    });
    const s: EchoServer = { server, host, port, accepted: () => accepted, close: () => new Promise((r) => server.close(() => r())) };
    servers.push(s);
    return s;
  }

  it("connects only to the answer the deny rule does not cover", async () => {
    const [two, three] = await twoServers();
    const resolver = fakeResolver({ "multi.example": ["127.0.0.2", "127.0.0.3"] });
    proxy = await startProxy(["--allow-outbound=tcp://multi.example", "--deny-outbound=tcp://127.0.0.2"], { resolver });
    for (let i = 0; i < 3; i++) {
      const socks = await socksRequest(proxy.port, 1, "domain", "multi.example", three.port);
      expect(socks.rep).toBe(0);
      socks.socket.write("x");
      expect((await readN(socks.socket, 1)).toString()).toBe("x");
      socks.socket.destroy();
    }
    expect(await connectTo(proxy.port, `multi.example:${three.port}`)).toBe(200);
    await until(() => three.accepted() === 4);
    expect(two.accepted()).toBe(0);
    await until(() => proxy!.audit.length === 4);
    expect(proxy.audit.every((r) => r.connected === `127.0.0.3:${three.port}`)).toBe(true);
  });

  it("refuses when every answer is denied", async () => {
    const [two, three] = await twoServers();
    const resolver = fakeResolver({ "multi.example": ["127.0.0.2", "127.0.0.3"] });
    proxy = await startProxy(["--allow-outbound=tcp://multi.example", "--deny-outbound=tcp://127.0.0.2", "--deny-outbound=tcp://127.0.0.3"], { resolver });
    const socks = await socksRequest(proxy.port, 1, "domain", "multi.example", three.port);
    socks.socket.destroy();
    expect(socks.rep).toBe(2);
    expect(two.accepted() + three.accepted()).toBe(0);
    await until(() => proxy!.audit.length === 1);
    expect(proxy.audit[0]).toMatchObject({ verdict: "deny", reason: "denied-by-rule" });
  });

  it("allows an address only once the proxy itself resolved a granted name to it", async () => {
    const three = await echo("127.0.0.3");
    const resolver = fakeResolver({ "multi.example": ["127.0.0.3"] });
    proxy = await startProxy(["--allow-outbound=tcp://multi.example"], { resolver });
    const before = await socksRequest(proxy.port, 1, "ipv4", "127.0.0.3", three.port);
    before.socket.destroy();
    expect(before.rep).toBe(2);
    const named = await socksRequest(proxy.port, 1, "domain", "multi.example", three.port);
    expect(named.rep).toBe(0);
    named.socket.destroy();
    const after = await socksRequest(proxy.port, 1, "ipv4", "127.0.0.3", three.port);
    after.socket.destroy();
    expect(after.rep).toBe(0);
    const other = await socksRequest(proxy.port, 1, "ipv4", "127.0.0.4", three.port);
    other.socket.destroy();
    expect(other.rep).toBe(2);
    await until(() => three.accepted() === 2);
    expect(proxy.audit.filter((r) => r.verdict === "deny").map((r) => r.reason)).toEqual(["not-resolved", "not-resolved"]);
  });
});

describe("SOCKS5 domain that is an IP literal, port 0", () => {
  it("decides a SOCKS5 domain '127.0.0.1' as the address, not as a name", async () => {
    const target = await echo();
    const resolver = fakeResolver({ "127.0.0.1": ["127.0.0.1"] });
    proxy = await startProxy(["--allow-outbound=tcp://allowed.example"], { resolver });
    const socks = await socksRequest(proxy.port, 1, "domain", "127.0.0.1", target.port);
    socks.socket.destroy();
    expect(socks.rep).toBe(2);
    expect(resolver.calls).toEqual([]);
    expect(target.accepted()).toBe(0);
  });

  it("refuses port 0 as invalid input in SOCKS5, HTTP and CONNECT", async () => {
    proxy = await startProxy(["--allow-outbound=tcp://127.0.0.1"]);
    const socks = await socksRequest(proxy.port, 1, "ipv4", "127.0.0.1", 0);
    socks.socket.destroy();
    expect(socks.rep).toBe(2);
    expect(await get(proxy.port, "http://127.0.0.1:0/")).toBe(403);
    expect(await connectTo(proxy.port, "127.0.0.1:0")).toBe(403);
    await until(() => proxy!.audit.length === 3);
    expect(proxy.audit.every((r) => r.reason === "invalid-input")).toBe(true);
    expect(proxy.proxy.stats().upstream).toBe(0);
  });
});

describe("oversized and truncated handshakes", () => {
  it("answers 431 to a request head over the limit, without a decision", async () => {
    proxy = await startProxy(["--allow-outbound=tcp://*"], { limits: { maxHeaderBytes: 1024 } });
    const s = await dial(proxy.port);
    s.write(`GET http://127.0.0.1:1/ HTTP/1.1\r\nX-Big: ${"a".repeat(4000)}\r\n\r\n`);
    expect((await readAll(s)).toString()).toMatch(/^HTTP\/1\.1 431 /);
    expect(proxy.audit).toEqual([]);
  });

  it("refuses a 255-byte garbage SOCKS5 domain as invalid input", async () => {
    proxy = await startProxy(["--allow-outbound=tcp://*"], { resolver: fakeResolver({}) });
    const socks = await socksRequest(proxy.port, 1, "domain", "\u0000".repeat(10) + "x".repeat(245), 80);
    socks.socket.destroy();
    expect(socks.rep).toBe(2);
    await until(() => proxy!.audit.length === 1);
    expect(proxy.audit[0]!.reason).toBe("invalid-input");
  });

  it("closes truncated SOCKS5 and HTTP handshakes without a decision or a leak", async () => {
    proxy = await startProxy(["--allow-outbound=tcp://*"]);
    const cuts = [Buffer.from([5]), Buffer.from([5, 1]), Buffer.from([5, 1, 0, 5, 1, 0, 3, 20, 0x61]), Buffer.from("GET http://127.0.0.1/ HTTP/1.1\r\nHost")];
    for (const cut of cuts) {
      const s = await dial(proxy.port);
      s.end(cut);
      await readAll(s);
    }
    await until(() => proxy!.proxy.stats().connections === 0);
    expect(proxy.audit).toEqual([]);
  });
});
