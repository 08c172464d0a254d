import { createSocket } from "node:dgram";
import { createServer, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { dial, echoServer, fakeResolver, payload, readAll, readN, sha256, startProxy, until, type EchoServer, type TestProxy } from "./helpers.js";
import { addressBytes, readReply, socksRequest } from "./socks-client.js";

let proxy: TestProxy | undefined;
let echo: EchoServer | undefined;
afterEach(async () => {
  await proxy?.close();
  await echo?.close();
  proxy = undefined;
  echo = undefined;
});

describe("SOCKS5 CONNECT", () => {
  it("relays 4 MB both ways intact to an allowed IPv4 target and audits one line", async () => {
    echo = await echoServer();
    proxy = await startProxy(["--allow-outbound=tcp://127.0.0.1"]);
    const { socket, rep } = await socksRequest(proxy.port, 1, "ipv4", "127.0.0.1", echo.port);
    expect(rep).toBe(0);
    const data = payload(4 * 1024 * 1024);
    const back = readN(socket, data.length);
    socket.end(data);
    const got = await back;
    expect(sha256(got)).toBe(sha256(data));
    await until(() => proxy!.audit.length === 1, 15_000, "audit record");
    await proxy.close();
    const [line] = proxy.auditFile();
    expect(line).toMatchObject({
      protocol: "socks5",
      op: "connect",
      target: `127.0.0.1:${echo.port}`,
      connected: `127.0.0.1:${echo.port}`,
      verdict: "allow",
      reason: "allowed",
      rule: "--allow-outbound=tcp://127.0.0.1",
      bytesUp: data.length,
      bytesDown: data.length,
    });
    expect(proxy.auditFile()).toHaveLength(1);
    expect(line!.client).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(typeof line!.durationMs).toBe("number");
  });

  it("keeps the client's direction open after the target ends its own, then passes the client's bytes and end on", async () => {
    // The target says hello and half-closes at once, then reads whatever comes until the client's end.
    let heard: Promise<{ bytes: string; ended: boolean }> | undefined;
    const target = createServer({ allowHalfOpen: true }, (s) => {
      s.end("hello");
      heard = new Promise((resolve) => {
        const parts: Buffer[] = [];
        s.on("data", (c: Buffer) => parts.push(c));
        s.once("end", () => resolve({ bytes: Buffer.concat(parts).toString(), ended: true }));
        s.once("close", () => resolve({ bytes: Buffer.concat(parts).toString(), ended: false }));
      });
    });
    await new Promise<void>((resolve) => target.listen({ host: "127.0.0.1", port: 0 }, resolve));
    const port = (target.address() as AddressInfo).port;
    try {
      proxy = await startProxy(["--allow-outbound=tcp://127.0.0.1"]);
      const { socket, rep } = await socksRequest(proxy.port, 1, "ipv4", "127.0.0.1", port);
      expect(rep).toBe(0);
      expect((await readAll(socket)).toString()).toBe("hello");
      socket.end("after your end");
      await until(() => heard !== undefined, 15_000, "the target's connection");
      expect(await heard).toEqual({ bytes: "after your end", ended: true });
      await until(() => proxy!.audit.length === 1, 15_000, "audit record");
      expect(proxy.audit[0]).toMatchObject({ bytesUp: "after your end".length, bytesDown: "hello".length });
    } finally {
      await new Promise((resolve) => target.close(resolve));
    }
  });

  it("resolves a domain with its own resolver and connects to the answer", async () => {
    echo = await echoServer();
    const resolver = fakeResolver({ "allowed.example": ["127.0.0.1"] });
    proxy = await startProxy(["--allow-outbound=tcp://allowed.example"], { resolver });
    const { socket, rep } = await socksRequest(proxy.port, 1, "domain", "allowed.example", echo.port);
    expect(rep).toBe(0);
    socket.write("ping");
    expect((await readN(socket, 4)).toString()).toBe("ping");
    socket.destroy();
    expect(resolver.calls).toEqual(["allowed.example"]);
    expect(echo.accepted()).toBe(1);
  });

  it("connects to an IPv6 target given as ATYP 4", async () => {
    echo = await echoServer("::1");
    proxy = await startProxy(["--allow-outbound=tcp://[::1]"]);
    const { socket, rep } = await socksRequest(proxy.port, 1, "ipv6", "::1", echo.port);
    expect(rep).toBe(0);
    socket.write("six");
    expect((await readN(socket, 3)).toString()).toBe("six");
    socket.destroy();
  });

  it("refuses a name no rule grants with reply 0x02, without resolving it or opening a socket", async () => {
    echo = await echoServer();
    const resolver = fakeResolver({ "denied.example": ["127.0.0.1"], "allowed.example": ["127.0.0.1"] });
    proxy = await startProxy(["--allow-outbound=tcp://allowed.example"], { resolver });
    const { socket, rep } = await socksRequest(proxy.port, 1, "domain", "denied.example", echo.port);
    expect(rep).toBe(2);
    socket.destroy();
    expect(resolver.calls).toEqual([]);
    expect(echo.accepted()).toBe(0);
    expect(proxy.proxy.stats().upstream).toBe(0);
    await until(() => proxy!.audit.length === 1);
    expect(proxy.audit[0]).toMatchObject({ verdict: "deny", reason: "no-rule", connected: null, target: `denied.example:${echo.port}`, bytesUp: 0 });
  });

  it("lets a deny rule win over an allow rule and names it in the audit", async () => {
    echo = await echoServer();
    proxy = await startProxy(["--allow-outbound=tcp://127.0.0.1", `--deny-outbound=tcp://127.0.0.1:${echo.port}`]);
    const { socket, rep } = await socksRequest(proxy.port, 1, "ipv4", "127.0.0.1", echo.port);
    expect(rep).toBe(2);
    socket.destroy();
    expect(echo.accepted()).toBe(0);
    await until(() => proxy!.audit.length === 1);
    expect(proxy.audit[0]).toMatchObject({ verdict: "deny", reason: "denied-by-rule", rule: `--deny-outbound=tcp://127.0.0.1:${echo.port}` });
  });

  it("answers 0x04 when an allowed name does not resolve, and audits an error", async () => {
    proxy = await startProxy(["--allow-outbound=tcp://nowhere.example"], { resolver: fakeResolver({}) });
    const { socket, rep } = await socksRequest(proxy.port, 1, "domain", "nowhere.example", 80);
    expect(rep).toBe(4);
    socket.destroy();
    await until(() => proxy!.audit.length === 1);
    expect(proxy.audit[0]).toMatchObject({ verdict: "error", reason: "not-resolved", connected: null });
  });

  it("answers 0x05 when the allowed target refuses the connection", async () => {
    const closed = await echoServer();
    const port = closed.port;
    await closed.close();
    proxy = await startProxy(["--allow-outbound=tcp://127.0.0.1"]);
    const { socket, rep } = await socksRequest(proxy.port, 1, "ipv4", "127.0.0.1", port);
    expect(rep).toBe(5);
    socket.destroy();
    await until(() => proxy!.proxy.stats().upstream === 0);
  });

  it("answers 0x07 to an unknown command", async () => {
    proxy = await startProxy(["--allow-outbound=tcp://127.0.0.1"]);
    const socket = await dial(proxy.port);
    socket.write(Buffer.from([5, 1, 0]));
    await readN(socket, 2);
    socket.write(Buffer.concat([Buffer.from([5, 9, 0]), addressBytes("ipv4", "127.0.0.1", 80)]));
    expect((await readReply(socket)).rep).toBe(7);
    socket.destroy();
  });
});

describe("SOCKS5 username/password (RFC 1929)", () => {
  it("requires credentials when users are configured and accepts the right ones", async () => {
    echo = await echoServer();
    proxy = await startProxy(["--allow-outbound=tcp://127.0.0.1"], { users: { alice: "s3cret" } });
    const noAuth = await socksRequest(proxy.port, 1, "ipv4", "127.0.0.1", echo.port);
    expect(noAuth.rep).toBe(-1);
    noAuth.socket.destroy();
    const wrong = await socksRequest(proxy.port, 1, "ipv4", "127.0.0.1", echo.port, { user: "alice", pass: "nope" });
    expect(wrong.rep).toBe(-1);
    wrong.socket.destroy();
    const right = await socksRequest(proxy.port, 1, "ipv4", "127.0.0.1", echo.port, { user: "alice", pass: "s3cret" });
    expect(right.rep).toBe(0);
    right.socket.write("auth");
    expect((await readN(right.socket, 4)).toString()).toBe("auth");
    right.socket.destroy();
    expect(echo.accepted()).toBe(1);
  });
});

describe("SOCKS5 UDP ASSOCIATE", () => {
  it("relays datagrams to allowed destinations and drops (and audits) denied ones", async () => {
    const allowedUdp = createSocket("udp4");
    const deniedUdp = createSocket("udp4");
    const deniedGot: Buffer[] = [];
    allowedUdp.on("message", (m, r) => allowedUdp.send(Buffer.concat([Buffer.from("echo:"), m]), r.port, r.address));
    deniedUdp.on("message", (m) => deniedGot.push(m));
    await new Promise<void>((r) => allowedUdp.bind(0, "127.0.0.1", r));
    await new Promise<void>((r) => deniedUdp.bind(0, "127.0.0.2", r));
    const client = createSocket("udp4");
    await new Promise<void>((r) => client.bind(0, "127.0.0.1", r));
    try {
      proxy = await startProxy([`--allow-outbound=udp://127.0.0.1:${allowedUdp.address().port}`]);
      const { socket, rep, bindPort } = await socksRequest(proxy.port, 3, "ipv4", "0.0.0.0", 0);
      expect(rep).toBe(0);
      const replies: Buffer[] = [];
      client.on("message", (m) => replies.push(m));
      const header = (host: string, port: number): Buffer => Buffer.concat([Buffer.from([0, 0, 0]), addressBytes("ipv4", host, port)]);
      client.send(Buffer.concat([header("127.0.0.2", deniedUdp.address().port), Buffer.from("nope")]), bindPort, "127.0.0.1");
      await until(() => proxy!.audit.some((r) => r.verdict === "deny"), 15_000, "denied datagram audit");
      client.send(Buffer.concat([header("127.0.0.1", allowedUdp.address().port), Buffer.from("hi")]), bindPort, "127.0.0.1");
      await until(() => replies.length > 0, 15_000, "udp reply");
      const expected = Buffer.concat([header("127.0.0.1", allowedUdp.address().port), Buffer.from("echo:hi")]);
      expect(replies[0]!.equals(expected)).toBe(true);
      expect(deniedGot).toEqual([]);
      socket.destroy();
      await until(() => proxy!.audit.length === 2, 15_000, "allowed datagram audit at close");
      const allow = proxy.audit.find((r) => r.verdict === "allow");
      expect(allow).toMatchObject({ protocol: "socks5-udp", op: "send", bytesUp: 2, bytesDown: 7, rule: `--allow-outbound=udp://127.0.0.1:${allowedUdp.address().port}` });
      expect(proxy.audit.find((r) => r.verdict === "deny")).toMatchObject({ protocol: "socks5-udp", op: "send", reason: "no-rule" });
    } finally {
      allowedUdp.close();
      deniedUdp.close();
      client.close();
    }
  });
});

describe("SOCKS5 BIND", () => {
  it("is decided as inbound tcp: refused without an inbound rule", async () => {
    proxy = await startProxy(["--allow-outbound=tcp://127.0.0.1"]);
    const { socket, rep } = await socksRequest(proxy.port, 2, "ipv4", "0.0.0.0", 0);
    expect(rep).toBe(2);
    socket.destroy();
    await until(() => proxy!.audit.length === 1);
    expect(proxy.audit[0]).toMatchObject({ protocol: "socks5-bind", op: "bind", verdict: "deny", reason: "no-rule" });
  });

  it("listens for one incoming connection when an inbound rule allows it and relays it", async () => {
    proxy = await startProxy(["--allow-inbound=tcp://localhost:*"]);
    const { socket, rep, bindPort } = await socksRequest(proxy.port, 2, "ipv4", "127.0.0.1", 0);
    expect(rep).toBe(0);
    expect(bindPort).toBeGreaterThan(0);
    const peer = await dial(bindPort);
    const second = await readReply(socket);
    expect(second.rep).toBe(0);
    expect(second.bindPort).toBe(peer.localPort);
    peer.write("from peer");
    expect((await readN(socket, 9)).toString()).toBe("from peer");
    socket.write("to peer");
    expect((await readN(peer, 7)).toString()).toBe("to peer");
    peer.destroy();
    socket.destroy();
  });
});
