/**
 * A real guest calling `fetch()`: built from test/guests/fetch/fetch.js with
 * componentize-js (StarlingMonkey lowers fetch to wasi:http/outgoing-handler)
 * and run under the guarded host. The HTTP server runs in a worker (the shim
 * blocks this thread during a guest call) and counts TCP connections, so a
 * denial is seen to send nothing.
 */
import { describe, expect, it } from "vitest";
import { DENIED, fetchGuest } from "./helpers/fetch-guest.js";
import { freePort } from "./helpers/peers.js";
import { trackPeers } from "./helpers/tracked.js";

const peers = trackPeers();
const otherPort = (port: number) => (port === 65535 ? 1 : port + 1);

describe("fetch() from a componentize-js guest", () => {
  it("an allowed request reaches the loopback server: the guest gets 200 and the body", async () => {
    const server = await peers.httpServer();
    const guest = await fetchGuest([`--allow-outbound=tcp://127.0.0.1:${server.port}`]);
    const result = guest.exec({ url: `http://127.0.0.1:${server.port}/hello?x=1` });
    expect(result).toMatchObject({ ok: true, status: 200, body: "ok" });
    const stats = await server.stats();
    expect(stats.connections).toBe(1);
    expect(stats.data).toEqual([`GET /hello?x=1 host=127.0.0.1:${server.port}`]);
    expect(guest.audit).toMatchObject([{ allowed: true, op: "connect", protocol: "tcp", host: "127.0.0.1", port: server.port, reason: "allowed" }]);
    expect(guest.audit).toHaveLength(1);
  });

  it("a request body reaches the server", async () => {
    const server = await peers.httpServer();
    const guest = await fetchGuest([`--allow-outbound=tcp://127.0.0.1:${server.port}`]);
    const result = guest.exec({ url: `http://127.0.0.1:${server.port}/upload`, method: "POST", headers: { "content-type": "text/plain" }, body: "payload-123" });
    expect(result).toMatchObject({ ok: true, status: 200, body: "ok" });
    expect((await server.stats()).data).toEqual([`POST /upload host=127.0.0.1:${server.port} body=payload-123`]);
  });

  it("a grant for another port: fetch rejects, the server sees no connection", async () => {
    const server = await peers.httpServer();
    const guest = await fetchGuest([`--allow-outbound=tcp://127.0.0.1:${otherPort(server.port)}`]);
    const result = guest.exec({ url: `http://127.0.0.1:${server.port}/` });
    expect(result).toEqual(DENIED);
    expect((await server.stats()).connections).toBe(0);
    expect(guest.audit).toMatchObject([{ allowed: false, op: "connect", protocol: "tcp", host: "127.0.0.1", port: server.port, reason: "no-rule" }]);
  });

  it("no outbound grant at all: fetch rejects, the server sees no connection", async () => {
    const server = await peers.httpServer();
    const guest = await fetchGuest(["--allow-resolve=*"]);
    const result = guest.exec({ url: `http://127.0.0.1:${server.port}/` });
    expect(result).toEqual(DENIED);
    expect((await server.stats()).connections).toBe(0);
    expect(guest.audit).toMatchObject([{ allowed: false, op: "connect", host: "127.0.0.1", port: server.port }]);
  });

  it("an allowed request to a port nobody listens on is a network error (TypeError), as a denial is", async () => {
    const port = await freePort();
    const guest = await fetchGuest([`--allow-outbound=tcp://127.0.0.1:${port}`]);
    expect(guest.exec({ url: `http://127.0.0.1:${port}/` })).toEqual(DENIED);
    expect(guest.audit).toMatchObject([{ allowed: true, host: "127.0.0.1", port }]);
  });

  it("a mapping grant: http://api.internal/ is decided by name, then by its mapped address, and its bytes reach the loopback server", async () => {
    const server = await peers.httpServer();
    const guest = await fetchGuest([`--allow-outbound=tcp://api.internal->127.0.0.1:80->${server.port}`]);
    const result = guest.exec({ url: "http://api.internal/v1/items" });
    expect(result).toMatchObject({ ok: true, status: 200, body: "ok" });
    const stats = await server.stats();
    expect(stats.connections).toBe(1);
    // The request is the guest's: only its connection is pinned to the mapped target, so Host is still the name.
    expect(stats.data).toEqual(["GET /v1/items host=api.internal"]);
    expect(guest.audit).toMatchObject([
      { allowed: true, op: "connect", protocol: "tcp", host: "api.internal", port: 80, mapped: { host: "127.0.0.1", port: server.port } },
      { allowed: true, op: "connect", protocol: "tcp", host: "127.0.0.1", port: 80, mapped: { host: "127.0.0.1", port: server.port } },
    ]);
    expect(guest.audit).toHaveLength(2);
  });

  it("the mapping covers only its name and port: another name or port is denied and nothing is sent", async () => {
    const server = await peers.httpServer();
    const guest = await fetchGuest([`--allow-outbound=tcp://api.internal->127.0.0.1:80->${server.port}`]);
    expect(guest.exec({ url: "http://other.internal/" })).toEqual(DENIED);
    expect(guest.exec({ url: "http://api.internal:8080/" })).toEqual(DENIED);
    expect((await server.stats()).connections).toBe(0);
    expect(guest.audit.map((e) => [e.host, e.port, e.allowed])).toEqual([
      ["other.internal", 80, false],
      ["api.internal", 8080, false],
    ]);
  });

  it("a deny rule wins over an allow rule for the same target", async () => {
    const server = await peers.httpServer();
    const guest = await fetchGuest([`--allow-outbound=tcp://127.0.0.1:1-65535`, `--deny-outbound=tcp://127.0.0.1:${server.port}`]);
    expect(guest.exec({ url: `http://127.0.0.1:${server.port}/` })).toEqual(DENIED);
    expect((await server.stats()).connections).toBe(0);
    expect(guest.audit).toMatchObject([{ allowed: false, host: "127.0.0.1", port: server.port, rule: { flag: `--deny-outbound=tcp://127.0.0.1:${server.port}` } }]);
  });

  it("a deny rule wins over a mapping grant", async () => {
    const server = await peers.httpServer();
    const guest = await fetchGuest([`--allow-outbound=tcp://api.internal->127.0.0.1:80->${server.port}`, "--deny-outbound=tcp://api.internal"]);
    expect(guest.exec({ url: "http://api.internal/" })).toEqual(DENIED);
    expect((await server.stats()).connections).toBe(0);
    expect(guest.audit).toMatchObject([{ allowed: false, host: "api.internal", port: 80 }]);
  });

  it("one instance: a denied fetch does not poison the next allowed one", async () => {
    const server = await peers.httpServer();
    const guest = await fetchGuest([`--allow-outbound=tcp://127.0.0.1:${server.port}`]);
    expect(guest.exec({ url: `http://127.0.0.1:${otherPort(server.port)}/` })).toEqual(DENIED);
    expect(guest.exec({ url: `http://127.0.0.1:${server.port}/after` })).toMatchObject({ ok: true, status: 200, body: "ok" });
    expect((await server.stats()).data).toEqual([`GET /after host=127.0.0.1:${server.port}`]);
    expect(guest.audit.map((e) => e.allowed)).toEqual([false, true]);
  });
});
