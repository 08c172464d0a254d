/** Without a grant for a protocol nothing of it works; without resolve rules no lookup does. */
import { describe, expect, it } from "vitest";
import { netops } from "./helpers/guest.js";
import { trackPeers } from "./helpers/tracked.js";

const peers = trackPeers();

describe("no grants", () => {
  it("no tcp rule: create-tcp-socket is access-denied (wasmtime -S tcp=n) and the server sees nothing", async () => {
    const server = await peers.tcpServer();
    const guest = await netops(["--allow-outbound=udp://...", "--allow-inbound=udp://*:*", "--allow-resolve=*"]);
    expect(guest.exec({ op: "tcpConnect", to: `127.0.0.1:${server.port}`, send: "x" })).toEqual({ ok: false, stage: "create", error: "access-denied" });
    expect(guest.exec({ op: "tcpListen", at: "127.0.0.1:0" })).toEqual({ ok: false, stage: "create", error: "access-denied" });
    const r = guest.exec({ op: "script", steps: [{ c: "tcp", family: "ipv4" }, { c: "tcp", family: "ipv6" }, { c: "udp", family: "ipv4" }] });
    expect(r.results).toEqual(["err:access-denied", "err:access-denied", "ok"]);
    expect((await server.stats()).connections).toBe(0);
    // No address was asked for, so nothing was decided.
    expect(guest.audit).toEqual([]);
  });

  it("no udp rule: create-udp-socket is access-denied (wasmtime -S udp=n), so no datagram is sent", async () => {
    const server = await peers.udpServer();
    const guest = await netops(["--allow-outbound=tcp://...", "--allow-inbound=tcp://*:*"]);
    expect(guest.exec({ op: "udpBind", at: "127.0.0.1:0" })).toEqual({ ok: false, stage: "create", error: "access-denied" });
    // Every udp call a guest could make on the socket: there is none to make them on, a datagram to the server included.
    const to = `127.0.0.1:${server.port}`;
    const r = guest.exec({ op: "script", steps: [
      { c: "udp", family: "ipv4" }, { c: "udp", family: "ipv6" }, { c: "stream", s: 0, addr: to }, { c: "send", s: 0, addr: to, data: "x" }, { c: "tcp", family: "ipv4" },
    ] });
    expect(r.results).toEqual(["err:access-denied", "err:access-denied", "err:no-such-socket", "err:no-such-socket", "ok"]);
    expect((await server.stats()).connections).toBe(0);
    expect(guest.audit).toEqual([]);
  });

  it("an outbound udp grant without an inbound one sends nothing: the send is access-denied", async () => {
    const server = await peers.udpServer();
    const to = `127.0.0.1:${server.port}`;
    const guest = await netops([`--allow-outbound=udp://${to}`]);
    // A datagram needs a bound socket (WASI 0.2) and a bind is inbound: with no inbound udp grant udp is off,
    // as with wasmtime's -S udp=n, so not even the socket is made.
    expect(guest.exec({ op: "udpBind", at: "127.0.0.1:0" })).toEqual({ ok: false, stage: "create", error: "access-denied" });
    const r = guest.exec({ op: "script", steps: [
      { c: "udp", family: "ipv4" }, { c: "bind", s: 0, addr: "127.0.0.1:0" }, { c: "stream", s: 0, addr: to }, { c: "send", s: 0, addr: null, data: "x" },
    ] });
    expect(r.results).toEqual(["err:access-denied", "err:no-such-socket", "err:no-such-socket", "err:no-such-socket"]);
    expect((await server.stats()).connections).toBe(0);
  });

  it("no resolve rule: every lookup is permanent-resolver-failure, IP literals included", async () => {
    const guest = await netops(["--allow-outbound=tcp://127.0.0.1:*"]);
    // Names that resolve on any machine (and a literal): a guard that let one through would answer it.
    for (const name of ["localhost", "LOCALHOST", "127.0.0.1"]) {
      expect(guest.exec({ op: "resolve", name })).toEqual({ ok: false, stage: "resolve", error: "permanent-resolver-failure" });
    }
    expect(guest.audit.map((e) => e.reason)).toEqual(["no-rule", "no-rule", "no-rule"]);
  });

  it("the empty policy denies everything", async () => {
    const guest = await netops([]);
    expect(guest.exec({ op: "tcpConnect", to: "127.0.0.1:1" })).toEqual({ ok: false, stage: "create", error: "access-denied" });
    expect(guest.exec({ op: "udpBind", at: "127.0.0.1:0" })).toEqual({ ok: false, stage: "create", error: "access-denied" });
    expect(guest.exec({ op: "resolve", name: "localhost" })).toMatchObject({ error: "permanent-resolver-failure" });
  });
});
