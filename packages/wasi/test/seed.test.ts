/**
 * Every seed line that concerns a component, end to end: a real guest under
 * the real host, real loopback peers in worker threads. Fixed ports of the
 * seed (80, 5432, ...) become OS-chosen ones where a real socket is involved.
 */
import { describe, expect, it } from "vitest";
import { netops } from "./helpers/guest.js";
import { freePort } from "./helpers/peers.js";
import { trackPeers } from "./helpers/tracked.js";

const peers = trackPeers();

describe("outbound tcp grants", () => {
  it("tcp://127.0.0.1:*: any port of that address, no other address", async () => {
    const peer = await peers.tcpServer();
    const guest = await netops(["--allow-outbound=tcp://127.0.0.1:*"]);
    expect(guest.exec({ op: "tcpConnect", to: `127.0.0.1:${peer.port}`, send: "a" })).toMatchObject({ ok: true, received: "a" });
    expect(guest.exec({ op: "tcpConnect", to: `127.0.0.2:${peer.port}`, send: "a" })).toEqual({ ok: false, stage: "connect", error: "access-denied" });
    expect((await peer.stats()).connections).toBe(1);
  });

  it("tcp://*:PORT: that port on any address, no other port", async () => {
    const peer = await peers.tcpServer();
    const other = await peers.tcpServer();
    const guest = await netops([`--allow-outbound=tcp://*:${peer.port}`]);
    expect(guest.exec({ op: "tcpConnect", to: `127.0.0.1:${peer.port}`, send: "b" })).toMatchObject({ ok: true, received: "b" });
    expect(guest.exec({ op: "tcpConnect", to: `127.0.0.1:${other.port}`, send: "b" })).toMatchObject({ error: "access-denied" });
    expect((await other.stats()).connections).toBe(0);
    expect(guest.audit.map((e) => e.reason)).toEqual(["allowed", "no-rule"]);
  });

  it("tcp://*:*: every address and port", async () => {
    const peer = await peers.tcpServer();
    const guest = await netops(["--allow-outbound=tcp://*:*"]);
    expect(guest.exec({ op: "tcpConnect", to: `127.0.0.1:${peer.port}`, send: "c" })).toMatchObject({ ok: true, received: "c" });
    expect(guest.audit[0]).toMatchObject({ allowed: true, rule: { flag: "--allow-outbound=tcp://*:*" } });
  });

  it("port lists and ranges: tcp://*:21,LO-HI allows inside the range, denies outside", async () => {
    const peer = await peers.tcpServer();
    const outside = await peers.tcpServer();
    const lo = Math.max(1, peer.port - 5);
    const hi = Math.min(65535, peer.port + 5);
    const guest = await netops([`--allow-outbound=tcp://*:21,${lo}-${hi}`]);
    expect(guest.exec({ op: "tcpConnect", to: `127.0.0.1:${peer.port}`, send: "d" })).toMatchObject({ ok: true, received: "d" });
    const outsideInRange = outside.port >= lo && outside.port <= hi;
    const result = guest.exec({ op: "tcpConnect", to: `127.0.0.1:${outside.port}`, send: "d" });
    expect(result.ok).toBe(outsideInRange);
    if (!outsideInRange) expect((await outside.stats()).connections).toBe(0);
  });

  it("tcp://*:P1,P2 (a list) allows both listed ports", async () => {
    const a = await peers.tcpServer();
    const b = await peers.tcpServer();
    const guest = await netops([`--allow-outbound=tcp://*:${a.port},${b.port}`]);
    expect(guest.exec({ op: "tcpConnect", to: `127.0.0.1:${a.port}`, send: "1" })).toMatchObject({ received: "1" });
    expect(guest.exec({ op: "tcpConnect", to: `127.0.0.1:${b.port}`, send: "2" })).toMatchObject({ received: "2" });
  });

  it("tcp://...#ipv4-only connects on 127.0.0.1 and refuses ::1", async () => {
    const v4 = await peers.tcpServer("127.0.0.1");
    const v6 = await peers.tcpServer("::1");
    const guest = await netops(["--allow-outbound=tcp://...#ipv4-only"]);
    expect(guest.exec({ op: "tcpConnect", to: `127.0.0.1:${v4.port}`, send: "4" })).toMatchObject({ ok: true, received: "4" });
    expect(guest.exec({ op: "tcpConnect", to: `[::1]:${v6.port}`, send: "6" })).toMatchObject({ ok: false, error: "access-denied" });
    expect((await v6.stats()).connections).toBe(0);
    expect(guest.audit[1]).toMatchObject({ allowed: false, host: "::1", reason: "family" });
  });

  it("tcp://...#ipv6-only connects on ::1 and refuses 127.0.0.1", async () => {
    const v4 = await peers.tcpServer("127.0.0.1");
    const v6 = await peers.tcpServer("::1");
    const guest = await netops(["--allow-outbound=tcp://...#ipv6-only"]);
    expect(guest.exec({ op: "tcpConnect", to: `[::1]:${v6.port}`, send: "6" })).toMatchObject({ ok: true, received: "6" });
    expect(guest.exec({ op: "tcpConnect", to: `127.0.0.1:${v4.port}`, send: "4" })).toMatchObject({ ok: false, error: "access-denied" });
    expect((await v4.stats()).connections).toBe(0);
  });
});

describe("inbound tcp grants", () => {
  it("tcp://localhost:0 allows a loopback bind and refuses the unspecified address", async () => {
    const guest = await netops(["--allow-inbound=tcp://localhost:0"]);
    expect(guest.exec({ op: "tcpListen", at: "127.0.0.1:0" })).toMatchObject({ ok: true });
    expect(guest.exec({ op: "tcpListen", at: "0.0.0.0:0" })).toEqual({ ok: false, stage: "bind", error: "access-denied" });
    expect(guest.audit.filter((e) => !e.allowed).map((e) => [e.host, e.reason])).toEqual([["0.0.0.0", "no-rule"]]);
  });

  it("tcp://*:0 allows a random port and refuses a fixed one", async () => {
    const fixed = await freePort();
    const guest = await netops(["--allow-inbound=tcp://*:0"]);
    const random = guest.exec({ op: "tcpListen", at: "127.0.0.1:0" });
    expect(random.ok).toBe(true);
    expect(Number(random.local?.split(":")[1])).toBeGreaterThan(0);
    expect(guest.exec({ op: "tcpListen", at: `127.0.0.1:${fixed}` })).toMatchObject({ ok: false, error: "access-denied" });
  });

  it("tcp://*:80->HOSTPORT: the guest binds 80 and sees 80, a client reaches it on the host port", async () => {
    const hostPort = await freePort();
    const guest = await netops([`--allow-inbound=tcp://*:80->${hostPort}`]);
    const listening = guest.exec({ op: "tcpListen", at: "127.0.0.1:80" });
    expect(listening).toMatchObject({ ok: true, local: "127.0.0.1:80" });
    const client = await peers.tcpClient("127.0.0.1", hostPort, "through the mapping");
    const served = guest.exec({ op: "tcpAcceptEcho", id: listening.id });
    expect(served).toMatchObject({ ok: true, received: "through the mapping", local: "127.0.0.1:80" });
    expect(await client.done).toMatchObject({ reply: "through the mapping" });
  });
});

describe("names and mappings", () => {
  it("my-database.internal->127.0.0.x:5432->PORT: the guest resolves, connects to :5432, bytes reach the mapped port", async () => {
    const peer = await peers.tcpServer("127.0.0.7", 0, "db:");
    const guest = await netops([`--allow-outbound=tcp://my-database.internal->127.0.0.7:5432->${peer.port}`]);
    expect(guest.exec({ op: "resolve", name: "my-database.internal" })).toEqual({ ok: true, addresses: ["127.0.0.7"] });
    const result = guest.exec({ op: "tcpConnect", to: "127.0.0.7:5432", send: "select 1", expect: 11 });
    expect(result).toMatchObject({ ok: true, remote: "127.0.0.7:5432", received: "db:select 1" });
    expect((await peer.stats()).data).toEqual(["select 1"]);
    expect(guest.audit[1]).toMatchObject({ allowed: true, op: "connect", mapped: { host: "127.0.0.7", port: peer.port } });
  });

  it("a name rule matches an address only after this instance resolved the name to it", async () => {
    const peer = await peers.tcpServer("127.0.0.8");
    const flags = ["--allow-resolve=db.test->127.0.0.8", `--allow-outbound=tcp://db.test:${peer.port}`];
    const cold = await netops(flags);
    expect(cold.exec({ op: "tcpConnect", to: `127.0.0.8:${peer.port}`, send: "x" })).toMatchObject({ ok: false, error: "access-denied" });
    expect(cold.audit[0]).toMatchObject({ allowed: false, reason: "not-resolved" });
    expect((await peer.stats()).connections).toBe(0);
    const warm = await netops(flags);
    expect(warm.exec({ op: "resolve", name: "db.test" })).toEqual({ ok: true, addresses: ["127.0.0.8"] });
    expect(warm.exec({ op: "tcpConnect", to: `127.0.0.8:${peer.port}`, send: "x" })).toMatchObject({ ok: true, received: "x" });
  });

  it("--allow-resolve=NAME->IP answers without DNS; other names fail with permanent-resolver-failure", async () => {
    const guest = await netops(["--allow-resolve=my-database.internal->172.17.0.14"]);
    expect(guest.exec({ op: "resolve", name: "my-database.internal" })).toEqual({ ok: true, addresses: ["172.17.0.14"] });
    // localhost resolves on every machine: a guard that let this lookup through would answer its address.
    expect(guest.exec({ op: "resolve", name: "localhost" })).toEqual({ ok: false, stage: "resolve", error: "permanent-resolver-failure" });
    expect(guest.audit.map((e) => [e.host, e.allowed, e.reason])).toEqual([
      ["my-database.internal", true, "allowed"],
      ["localhost", false, "no-rule"],
    ]);
  });

  it("--allow-resolve=localhost#ipv4-only filters the answers to IPv4", async () => {
    const guest = await netops(["--allow-resolve=localhost#ipv4-only"]);
    const result = guest.exec({ op: "resolve", name: "localhost" });
    expect(result.ok).toBe(true);
    expect(result.addresses?.length).toBeGreaterThan(0);
    expect(result.addresses?.every((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a))).toBe(true);
  });

  it("--allow-resolve=localhost#ipv6-only never answers an IPv4 address", async () => {
    const guest = await netops(["--allow-resolve=localhost#ipv6-only"]);
    const result = guest.exec({ op: "resolve", name: "localhost" });
    // Where localhost has no IPv6 address (many containers), nothing is left to answer.
    if (result.ok) expect(result.addresses?.every((a) => a.includes(":"))).toBe(true);
    else expect(result).toEqual({ ok: false, stage: "resolve", error: "name-unresolvable" });
    expect(guest.audit[0]).toMatchObject({ allowed: true, op: "resolve", family: "ipv6" });
  });
});
