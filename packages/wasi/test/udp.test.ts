import { describe, expect, it } from "vitest";
import { netops } from "./helpers/guest.js";
import { trackPeers } from "./helpers/tracked.js";

const peers = trackPeers();

describe("udp", () => {
  it("sends to a granted loopback server and receives its reply", async () => {
    const server = await peers.udpServer("127.0.0.1", 0, "re:");
    const guest = await netops(["--allow-inbound=udp://127.0.0.1:0", `--allow-outbound=udp://127.0.0.1:${server.port}`]);
    const bound = guest.exec({ op: "udpBind", at: "127.0.0.1:0" });
    expect(bound.ok).toBe(true);
    const sent = guest.exec({ op: "udpSend", id: bound.id, to: `127.0.0.1:${server.port}`, send: "ping", reply: true });
    expect(sent).toMatchObject({ ok: true, sent: 1, reply: { data: "re:ping", from: `127.0.0.1:${server.port}` } });
    expect((await server.stats()).data).toEqual(["ping"]);
  });

  it("denies a datagram to an ungranted port with access-denied; the server receives nothing", async () => {
    const server = await peers.udpServer();
    const guest = await netops(["--allow-inbound=udp://127.0.0.1:0", `--allow-outbound=udp://127.0.0.1:${server.port === 1 ? 2 : 1}`]);
    const bound = guest.exec({ op: "udpBind", at: "127.0.0.1:0" });
    expect(guest.exec({ op: "udpSend", id: bound.id, to: `127.0.0.1:${server.port}`, send: "x" })).toEqual({ ok: false, stage: "send", error: "access-denied" });
    expect(guest.exec({ op: "udpSend", id: bound.id, to: `127.0.0.1:${server.port}`, send: "x", connect: true })).toEqual({ ok: false, stage: "stream", error: "access-denied" });
    expect((await server.stats()).connections).toBe(0);
    expect(guest.audit.filter((e) => !e.allowed).map((e) => [e.op, e.protocol, e.reason])).toEqual([["send", "udp", "no-rule"], ["connect", "udp", "no-rule"]]);
  });

  it("maps udp://127.0.0.1:9999->PORT: datagrams reach PORT and replies appear to come from 9999", async () => {
    const server = await peers.udpServer("127.0.0.1", 0, "m:");
    const guest = await netops(["--allow-inbound=udp://127.0.0.1:0", `--allow-outbound=udp://127.0.0.1:9999->${server.port}`]);
    const bound = guest.exec({ op: "udpBind", at: "127.0.0.1:0" });
    const sent = guest.exec({ op: "udpSend", id: bound.id, to: "127.0.0.1:9999", send: "hi", reply: true });
    expect(sent).toMatchObject({ ok: true, reply: { data: "m:hi", from: "127.0.0.1:9999" } });
    const connected = guest.exec({ op: "udpSend", id: bound.id, to: "127.0.0.1:9999", send: "again", connect: true, reply: true });
    expect(connected).toMatchObject({ ok: true, remote: "127.0.0.1:9999", reply: { data: "m:again", from: "127.0.0.1:9999" } });
    expect((await server.stats()).data).toEqual(["hi", "again"]);
  });

  it("a udp server's reply is an outbound send: denied without an outbound grant", async () => {
    const guest = await netops(["--allow-inbound=udp://127.0.0.1:0"]);
    const bound = guest.exec({ op: "udpBind", at: "127.0.0.1:0" });
    const port = Number(bound.local?.split(":")[1]);
    await peers.udpClient("127.0.0.1", port, "echo me", 2_000);
    expect(guest.exec({ op: "udpEcho", id: bound.id })).toEqual({ ok: false, stage: "receive", error: "access-denied" });
    expect(guest.audit.at(-1)).toMatchObject({ allowed: false, op: "send", protocol: "udp", host: "127.0.0.1", reason: "no-rule" });
  });

  it("receives and echoes as a server on a granted inbound port", async () => {
    const guest = await netops(["--allow-inbound=udp://127.0.0.1:0", "--allow-outbound=udp://127.0.0.1:*"]);
    const bound = guest.exec({ op: "udpBind", at: "127.0.0.1:0" });
    const port = Number(bound.local?.split(":")[1]);
    const client = await peers.udpClient("127.0.0.1", port, "echo me");
    expect(guest.exec({ op: "udpEcho", id: bound.id })).toMatchObject({ ok: true, received: "echo me" });
    expect(await client.done).toMatchObject({ reply: "echo me" });
  });
});
