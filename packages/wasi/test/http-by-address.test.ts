/**
 * wasi:http by address: a named authority is resolved by netperm and every
 * answer is decided as an address, so deny, CIDR and family rules see what
 * the name really resolved to; the request then leaves as the guest made it
 * (`Host` the name, for https the server name and certificate check too),
 * its connection pinned to the allowed answers. A real componentize-js
 * guest calling fetch() under the real guarded host; the loopback server
 * (in a worker) counts connections, so a refusal is seen to send nothing.
 * `localhost` is resolved by the system (127.0.0.1), `api.internal` by a
 * resolve mapping (it resolves nowhere else); only loopback is used.
 */
import { describe, expect, it } from "vitest";
import { DENIED, fetchGuest } from "./helpers/fetch-guest.js";
import { trackPeers } from "./helpers/tracked.js";

const peers = trackPeers();

describe("fetch() of a named authority is decided by the addresses it resolves to", () => {
  it("a name the system resolves to an address a deny rule covers is refused, and the server sees no connection", async () => {
    const server = await peers.httpServer();
    const guest = await fetchGuest(["--allow-outbound=tcp://*:*", "--deny-outbound=tcp://127.0.0.0/8:*"]);
    expect(guest.exec({ url: `http://localhost:${server.port}/` })).toEqual(DENIED);
    expect((await server.stats()).connections).toBe(0);
    expect(guest.audit).toMatchObject([
      { allowed: true, op: "connect", host: "localhost", port: server.port },
      { allowed: false, op: "connect", host: "127.0.0.1", port: server.port, reason: "denied-by-rule", rule: { flag: "--deny-outbound=tcp://127.0.0.0/8:*" } },
    ]);
    expect(guest.audit).toHaveLength(2);
  });

  it("a name mapped by --allow-resolve to a denied address is refused, and the server sees no connection", async () => {
    const server = await peers.httpServer();
    const guest = await fetchGuest(["--allow-outbound=tcp://*:*", "--allow-resolve=api.internal->127.0.0.1", "--deny-outbound=tcp://127.0.0.1/32:*"]);
    expect(guest.exec({ url: `http://api.internal:${server.port}/` })).toEqual(DENIED);
    expect((await server.stats()).connections).toBe(0);
    expect(guest.audit.map((e) => [e.host, e.allowed, e.reason])).toEqual([
      ["api.internal", true, "allowed"],
      ["127.0.0.1", false, "denied-by-rule"],
    ]);
  });

  it("#ipv6-only on the name leaves no usable answer (localhost is 127.0.0.1 here): refused, nothing sent", async () => {
    const server = await peers.httpServer();
    const guest = await fetchGuest([`--allow-outbound=tcp://localhost:${server.port}#ipv6-only`]);
    expect(guest.exec({ url: `http://localhost:${server.port}/` })).toEqual(DENIED);
    expect((await server.stats()).connections).toBe(0);
    expect(guest.audit).toMatchObject([{ allowed: true, host: "localhost", family: "ipv6" }]);
    expect(guest.audit).toHaveLength(1);
  });

  it("a --deny-resolve rule for the name refuses the request before any lookup", async () => {
    const server = await peers.httpServer();
    const guest = await fetchGuest(["--allow-outbound=tcp://*:*", "--deny-resolve=localhost"]);
    expect(guest.exec({ url: `http://localhost:${server.port}/` })).toEqual(DENIED);
    expect((await server.stats()).connections).toBe(0);
    expect(guest.audit).toMatchObject([
      { allowed: true, op: "connect", host: "localhost" },
      { allowed: false, op: "resolve", host: "localhost", reason: "denied-by-rule" },
    ]);
  });

  it("an allowed name whose every answer is allowed leaves as without netperm: one connection, Host names the name", async () => {
    const server = await peers.httpServer();
    const guest = await fetchGuest([`--allow-outbound=tcp://localhost:${server.port}`]);
    expect(guest.exec({ url: `http://localhost:${server.port}/items?x=1` })).toMatchObject({ ok: true, status: 200, body: "ok" });
    const stats = await server.stats();
    expect(stats.connections).toBe(1);
    expect(stats.data).toEqual([`GET /items?x=1 host=localhost:${server.port}`]);
    expect(guest.audit).toMatchObject([
      { allowed: true, op: "connect", host: "localhost", port: server.port },
      { allowed: true, op: "connect", host: "127.0.0.1", port: server.port },
    ]);
    expect(guest.audit).toHaveLength(2);
  });

  it("the request goes where netperm's lookup said, and the shim never resolves the name: api.internal mapped to 127.0.0.2 reaches the server there, Host the name", async () => {
    const server = await peers.httpServer("127.0.0.2");
    const guest = await fetchGuest(["--allow-outbound=tcp://*:*", "--allow-resolve=api.internal->127.0.0.2"]);
    // api.internal does not resolve on this machine: only netperm's answer can take the request anywhere.
    expect(guest.exec({ url: `http://api.internal:${server.port}/pinned` })).toMatchObject({ ok: true, status: 200, body: "ok" });
    const stats = await server.stats();
    expect(stats.connections).toBe(1);
    expect(stats.data).toEqual([`GET /pinned host=api.internal:${server.port}`]);
    expect(guest.audit.map((e) => [e.host, e.allowed])).toEqual([
      ["api.internal", true],
      ["127.0.0.2", true],
    ]);
  });

  it("a name with one denied and one allowed answer goes to the allowed one only", async () => {
    const server = await peers.httpServer("127.0.0.3");
    const guest = await fetchGuest(["--allow-outbound=tcp://*:*", "--allow-resolve=api.internal->127.0.0.1,127.0.0.3", "--deny-outbound=tcp://127.0.0.1/32:*"]);
    expect(guest.exec({ url: `http://api.internal:${server.port}/` })).toMatchObject({ ok: true, status: 200 });
    expect((await server.stats()).connections).toBe(1);
    expect(guest.audit.map((e) => [e.host, e.allowed])).toEqual([
      ["api.internal", true],
      ["127.0.0.1", false],
      ["127.0.0.3", true],
    ]);
  });

  it("https: fetch() of a name netperm resolved reaches the checked address with the name's TLS server name and certificate", async () => {
    const server = await peers.httpsServer("127.0.0.2");
    const guest = await fetchGuest(["--allow-outbound=tcp://*:*", "--allow-resolve=api.internal->127.0.0.1,127.0.0.2", "--deny-outbound=tcp://127.0.0.1/32:*"]);
    expect(guest.exec({ url: `https://api.internal:${server.port}/secure` })).toMatchObject({ ok: true, status: 200, body: "ok" });
    const stats = await server.stats();
    expect(stats.connections).toBe(1);
    expect(stats.data).toEqual([`GET /secure host=api.internal:${server.port} sni=api.internal`]);
    expect(guest.audit.map((e) => [e.host, e.allowed])).toEqual([
      ["api.internal", true],
      ["127.0.0.1", false],
      ["127.0.0.2", true],
    ]);
  });
});
