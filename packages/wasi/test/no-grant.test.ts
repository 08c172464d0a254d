/** Without a grant for a protocol nothing of it works; without resolve rules no lookup does. */
import { describe, expect, it } from "vitest";
import { netops } from "./helpers/guest.js";
import { trackPeers } from "./helpers/tracked.js";

const peers = trackPeers();

describe("no grants", () => {
  it("no tcp rule: connect, bind and listen are access-denied and the server sees nothing", async () => {
    const server = await peers.tcpServer();
    const guest = await netops(["--allow-outbound=udp://...", "--allow-inbound=udp://*:*", "--allow-resolve=*"]);
    expect(guest.exec({ op: "tcpConnect", to: `127.0.0.1:${server.port}`, send: "x" })).toEqual({ ok: false, stage: "connect", error: "access-denied" });
    expect(guest.exec({ op: "tcpListen", at: "127.0.0.1:0" })).toEqual({ ok: false, stage: "bind", error: "access-denied" });
    expect(guest.exec({ op: "tcpConnect", to: `[::1]:${server.port}`, send: "x" })).toMatchObject({ error: "access-denied" });
    expect((await server.stats()).connections).toBe(0);
    expect(guest.audit.every((e) => !e.allowed && e.reason === "no-rule")).toBe(true);
  });

  it("no udp rule: bind and send are access-denied", async () => {
    const server = await peers.udpServer();
    const guest = await netops(["--allow-outbound=tcp://...", "--allow-inbound=tcp://*:*"]);
    expect(guest.exec({ op: "udpBind", at: "127.0.0.1:0" })).toEqual({ ok: false, stage: "bind", error: "access-denied" });
    // Every udp call a guest can make without a bind: each one is refused, a datagram to the server included.
    const to = `127.0.0.1:${server.port}`;
    const r = guest.exec({ op: "script", steps: [
      { c: "udp", family: "ipv4" }, { c: "stream", s: 0, addr: to }, { c: "stream", s: 0, addr: null },
      { c: "local", s: 0 }, { c: "set", s: 0, option: "setUnicastHopLimit", value: 5 },
    ] });
    expect(r.results).toEqual(["ok", "err:access-denied", "err:access-denied", "err:access-denied", "err:access-denied"]);
    expect((await server.stats()).connections).toBe(0);
    expect(guest.audit.map((e) => [e.op, e.protocol, e.host, e.allowed])).toEqual([["bind", "udp", "127.0.0.1", false], ["connect", "udp", "127.0.0.1", false]]);
  });

  it("an outbound udp grant without an inbound one sends nothing: the send is access-denied", async () => {
    const server = await peers.udpServer();
    const to = `127.0.0.1:${server.port}`;
    const guest = await netops([`--allow-outbound=udp://${to}`]);
    // A datagram needs a bound socket (WASI 0.2): the bind, the connected stream and so the send are refused.
    expect(guest.exec({ op: "udpBind", at: "127.0.0.1:0" })).toEqual({ ok: false, stage: "bind", error: "access-denied" });
    const r = guest.exec({ op: "script", steps: [
      { c: "udp", family: "ipv4" }, { c: "bind", s: 0, addr: "127.0.0.1:0" }, { c: "stream", s: 0, addr: to }, { c: "send", s: 0, addr: null, data: "x" },
    ] });
    expect(r.results).toEqual(["ok", "err:access-denied", "err:access-denied", "err:no-stream"]);
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
    expect(guest.exec({ op: "tcpConnect", to: "127.0.0.1:1" })).toMatchObject({ error: "access-denied" });
    expect(guest.exec({ op: "udpBind", at: "127.0.0.1:0" })).toMatchObject({ error: "access-denied" });
    expect(guest.exec({ op: "resolve", name: "localhost" })).toMatchObject({ error: "permanent-resolver-failure" });
  });
});
