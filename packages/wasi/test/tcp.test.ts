import { afterEach, describe, expect, it } from "vitest";
import { netops } from "./helpers/guest.js";
import { tcpClient, tcpServer, type Peer } from "./helpers/peers.js";

const peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});
async function server(...args: Parameters<typeof tcpServer>): Promise<Peer> {
  const peer = await tcpServer(...args);
  peers.push(peer);
  return peer;
}

describe("tcp client", () => {
  it("exchanges bytes with a loopback server when the exact address is granted", async () => {
    const peer = await server();
    const guest = await netops([`--allow-outbound=tcp://127.0.0.1:${peer.port}`]);
    const result = guest.exec({ op: "tcpConnect", to: `127.0.0.1:${peer.port}`, send: "hello" });
    expect(result).toMatchObject({ ok: true, received: "hello", remote: `127.0.0.1:${peer.port}` });
    expect((await peer.stats()).data).toEqual(["hello"]);
    expect(guest.audit.map((e) => [e.op, e.allowed, e.reason])).toEqual([["connect", true, "allowed"]]);
  });

  it("denies a connect to another port with access-denied, and the server sees no connection", async () => {
    const peer = await server();
    const guest = await netops([`--allow-outbound=tcp://127.0.0.1:${peer.port === 65535 ? 1 : peer.port + 1}`]);
    const result = guest.exec({ op: "tcpConnect", to: `127.0.0.1:${peer.port}`, send: "hello" });
    expect(result).toEqual({ ok: false, stage: "connect", error: "access-denied" });
    expect((await peer.stats()).connections).toBe(0);
    expect(guest.audit[0]).toMatchObject({ allowed: false, op: "connect", protocol: "tcp", host: "127.0.0.1", port: peer.port, reason: "no-rule" });
  });

  it("serves: bind, listen, accept and echo to a loopback client", async () => {
    const guest = await netops(["--allow-inbound=tcp://127.0.0.1:0"]);
    const listening = guest.exec({ op: "tcpListen", at: "127.0.0.1:0" });
    expect(listening.ok).toBe(true);
    const port = Number(listening.local?.split(":")[1]);
    const client = await tcpClient("127.0.0.1", port, "ping");
    peers.push(client);
    const served = guest.exec({ op: "tcpAcceptEcho", id: listening.id });
    expect(served).toMatchObject({ ok: true, received: "ping", local: `127.0.0.1:${port}` });
    expect(await client.done).toMatchObject({ reply: "ping" });
  });
});
