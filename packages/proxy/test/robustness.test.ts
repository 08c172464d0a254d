/**
 * Malformed and hostile input never crashes the proxy or leaks sockets: its
 * own counters return to zero and it still serves a valid request after.
 * Every loop here is bounded.
 */
import { afterEach, describe, expect, it } from "vitest";
import { connect } from "node:net";
import fc from "fast-check";
import { dial, echoServer, readAll, readN, startProxy, until, type EchoServer, type TestProxy } from "./helpers.js";
import { socksRequest } from "./socks-client.js";

let proxy: TestProxy | undefined;
let echo: EchoServer | undefined;
afterEach(async () => {
  await proxy?.close();
  await echo?.close();
  proxy = undefined;
  echo = undefined;
});

/** A valid SOCKS5 CONNECT still works and echoes. */
async function stillServes(p: TestProxy, target: EchoServer): Promise<void> {
  const { socket, rep } = await socksRequest(p.port, 1, "ipv4", "127.0.0.1", target.port);
  expect(rep).toBe(0);
  socket.write("alive");
  expect((await readN(socket, 5)).toString()).toBe("alive");
  socket.destroy();
}

async function settled(p: TestProxy): Promise<void> {
  await until(() => p.proxy.stats().connections === 0 && p.proxy.stats().upstream === 0, 60_000, "counters back to 0");
}

describe("hostile input", () => {
  it("survives 300 connections of random bytes (some starting like SOCKS5 or HTTP)", async () => {
    echo = await echoServer();
    proxy = await startProxy(["--allow-outbound=tcp://127.0.0.1"], { limits: { handshakeTimeoutMs: 2_000 } });
    const samples = fc.sample(
      fc.tuple(fc.constantFrom(null, 0x05, 0x47, 0x43), fc.uint8Array({ minLength: 0, maxLength: 3000 })),
      { numRuns: 300, seed: 42 },
    );
    for (let i = 0; i < samples.length; i += 50) {
      await Promise.all(
        samples.slice(i, i + 50).map(async ([first, bytes]) => {
          const s = await dial(proxy!.port);
          s.on("error", () => undefined);
          const data = Buffer.from(bytes);
          if (first !== null && data.length > 0) data[0] = first;
          s.end(data);
          await readAll(s);
        }),
      );
    }
    await settled(proxy);
    await stillServes(proxy, echo);
    await settled(proxy);
  }, 120_000);

  it("completes SOCKS5 and HTTP handshakes sent one byte at a time", async () => {
    echo = await echoServer();
    proxy = await startProxy(["--allow-outbound=tcp://127.0.0.1"]);
    const slowly = async (bytes: Buffer): Promise<ReturnType<typeof connect>> => {
      const s = await dial(proxy!.port);
      for (const b of bytes) {
        s.write(Buffer.from([b]));
        await new Promise((r) => setTimeout(r, 2));
      }
      return s;
    };
    const socks = await slowly(Buffer.from([5, 1, 0]));
    expect([...(await readN(socks, 2))]).toEqual([5, 0]);
    for (const b of [5, 1, 0, 1, 127, 0, 0, 1, echo.port >> 8, echo.port & 255]) {
      socks.write(Buffer.from([b]));
      await new Promise((r) => setTimeout(r, 2));
    }
    expect((await readN(socks, 10))[1]).toBe(0);
    socks.destroy();
    const http = await slowly(Buffer.from(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: x\r\n\r\n`));
    expect((await readN(http, 39)).toString()).toBe("HTTP/1.1 200 Connection Established\r\n\r\n");
    http.write("tunnel");
    expect((await readN(http, 6)).toString()).toBe("tunnel");
    http.destroy();
    await settled(proxy);
  });

  it("closes a connection that never finishes its handshake", async () => {
    proxy = await startProxy(["--allow-outbound=tcp://127.0.0.1"], { limits: { handshakeTimeoutMs: 300 } });
    const silent = await dial(proxy.port);
    const half = await dial(proxy.port);
    half.write(Buffer.from([5, 1]));
    const slowHttp = await dial(proxy.port);
    slowHttp.write("GET http://127.0.0.1/ HTTP/1.1\r\nX-Never: ending");
    await Promise.all([readAll(silent), readAll(half), readAll(slowHttp)]);
    await settled(proxy);
    expect(proxy.audit).toEqual([]);
  });

  it("opens and drops 10,000 connections without leaking one", async () => {
    echo = await echoServer();
    proxy = await startProxy(["--allow-outbound=tcp://127.0.0.1"]);
    const total = 10_000;
    const batch = 200;
    for (let i = 0; i < total; i += batch) {
      await Promise.all(
        Array.from({ length: batch }, (_, j) =>
          new Promise<void>((resolve) => {
            const s = connect({ host: "127.0.0.1", port: proxy!.port });
            s.on("error", () => resolve());
            s.on("close", () => resolve());
            s.on("connect", () => {
              // A third say nothing, a third send half a greeting, a third a whole one.
              if (j % 3 === 1) s.write(Buffer.from([5]));
              if (j % 3 === 2) s.write(Buffer.from([5, 1, 0]));
              s.destroy();
            });
          }),
        ),
      );
    }
    await settled(proxy);
    expect(proxy.proxy.stats().accepted).toBeGreaterThan(total * 0.9);
    await stillServes(proxy, echo);
    await settled(proxy);
  }, 240_000);

  it("closes both sides when the client vanishes in the middle of a transfer", async () => {
    echo = await echoServer();
    proxy = await startProxy(["--allow-outbound=tcp://127.0.0.1"]);
    for (let i = 0; i < 20; i++) {
      const { socket, rep } = await socksRequest(proxy.port, 1, "ipv4", "127.0.0.1", echo.port);
      expect(rep).toBe(0);
      socket.write(Buffer.alloc(256 * 1024, i));
      socket.destroy();
    }
    await settled(proxy);
    await until(() => proxy!.audit.length === 20);
    expect(proxy.audit.every((r) => r.verdict === "allow")).toBe(true);
  });

  it("closes a relay with no traffic for idleTimeoutMs and audits it", async () => {
    echo = await echoServer();
    proxy = await startProxy(["--allow-outbound=tcp://127.0.0.1"], { limits: { idleTimeoutMs: 300 } });
    const { socket, rep } = await socksRequest(proxy.port, 1, "ipv4", "127.0.0.1", echo.port);
    expect(rep).toBe(0);
    socket.write("once");
    expect((await readN(socket, 4)).toString()).toBe("once");
    await readAll(socket);
    await settled(proxy);
    await until(() => proxy!.audit.length === 1);
    expect(proxy.audit[0]).toMatchObject({ verdict: "allow", bytesUp: 4, bytesDown: 4 });
  });

  it("refuses connections beyond maxConnections at accept and recovers", async () => {
    echo = await echoServer();
    proxy = await startProxy(["--allow-outbound=tcp://127.0.0.1"], { limits: { maxConnections: 3 } });
    const held = await Promise.all([dial(proxy.port), dial(proxy.port), dial(proxy.port)]);
    await until(() => proxy!.proxy.stats().connections === 3);
    const extra = await dial(proxy.port);
    await readAll(extra);
    expect(proxy.proxy.stats().rejected).toBe(1);
    for (const s of held) s.destroy();
    await settled(proxy);
    await stillServes(proxy, echo);
  });
});
