/**
 * Follows one relayed connection's first bytes. Anything but a SOCKS5 UDP
 * ASSOCIATE is spliced through unchanged as soon as that is clear. For UDP
 * ASSOCIATE (RFC 1928 §7) the relay:
 * - sends the request with DST.ADDR 0.0.0.0:0, so the proxy learns the
 *   client's UDP port from the first datagram (it comes from netperm's host
 *   bridge, not from the program's own port);
 * - on success binds a UDP socket on 127.0.0.1 inside, opens `udp.sock` with
 *   the proxy's UDP port as a header, and rewrites BND.ADDR to that socket;
 * - frames each datagram (2-byte length) both ways until the association's
 *   TCP connection closes.
 * The relay decides nothing: the proxy sees every datagram's SOCKS header.
 */
import { createSocket, type RemoteInfo } from "node:dgram";
import { createConnection, type Socket } from "node:net";
import { join } from "node:path";
import { ByteQueue } from "./byte-queue.js";
import { splice } from "./relay.js";
import { FILES, frame, FrameReader, portHeader } from "./wire.js";

const UDP_ASSOCIATE = 0x03;

/** Bytes of an address of type `atyp` after the type byte (the domain length byte excluded). */
async function readAddress(q: ByteQueue, atyp: number): Promise<Buffer | undefined> {
  if (atyp === 0x01) return q.take(4 + 2);
  if (atyp === 0x04) return q.take(16 + 2);
  if (atyp !== 0x03) return undefined;
  const len = await q.take(1);
  if (len === undefined) return undefined;
  const rest = await q.take(len[0]! + 2);
  return rest === undefined ? undefined : Buffer.concat([len, rest]);
}

export async function followSocks5(client: Socket, upstream: Socket, dir: string): Promise<void> {
  const c = new ByteQueue(client);
  const s = new ByteQueue(upstream);
  const sent: Buffer[] = [];
  const pass = (): void => splice(client, upstream, Buffer.concat([...sent, c.release()]), s.release());
  if ((await c.peek()) !== 0x05) return pass();
  const head = await c.take(2);
  if (head === undefined) return pass();
  const methods = await c.take(head[1]!);
  if (methods === undefined) return pass();
  upstream.write(Buffer.concat([head, methods]));
  upstream.resume();
  const choice = await s.take(2);
  if (choice === undefined) return pass();
  client.write(choice);
  client.resume();
  if (choice[1] === 0x02) {
    // RFC 1929: VER ULEN UNAME PLEN PASSWD, forwarded as is.
    const ver = await c.take(2);
    if (ver === undefined) return pass();
    const user = await c.take(ver[1]!);
    const plen = user === undefined ? undefined : await c.take(1);
    const password = plen === undefined ? undefined : await c.take(plen[0]!);
    if (user === undefined || plen === undefined || password === undefined) return pass();
    upstream.write(Buffer.concat([ver, user, plen, password]));
    const status = await s.take(2);
    if (status === undefined) return pass();
    client.write(status);
    if (status[1] !== 0x00) return pass();
  } else if (choice[1] !== 0x00) {
    return pass();
  }
  const request = await c.take(4);
  if (request === undefined) return pass();
  if (request[1] !== UDP_ASSOCIATE) {
    sent.push(request);
    return pass();
  }
  if ((await readAddress(c, request[3]!)) === undefined) return pass();
  upstream.write(Buffer.from([0x05, UDP_ASSOCIATE, 0x00, 0x01, 0, 0, 0, 0, 0, 0]));
  const reply = await s.take(4);
  const bound = reply === undefined ? undefined : await readAddress(s, reply[3]!);
  if (reply === undefined || bound === undefined) return pass();
  if (reply[1] !== 0x00) {
    client.write(Buffer.concat([reply, bound]));
    return pass();
  }
  const proxyUdpPort = bound.readUInt16BE(bound.length - 2);
  const udp = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    udp.once("error", reject);
    udp.bind(0, "127.0.0.1", () => resolve());
  });
  const channel = createConnection({ path: join(dir, FILES.udp) });
  channel.write(portHeader(proxyUdpPort));
  let peer: RemoteInfo | undefined;
  udp.on("message", (msg, rinfo) => {
    peer ??= rinfo;
    if (rinfo.port !== peer.port || rinfo.address !== peer.address) return;
    channel.write(frame(msg));
  });
  const frames = new FrameReader((datagram) => {
    if (peer !== undefined) udp.send(datagram, peer.port, peer.address);
  });
  channel.on("data", (chunk: Buffer) => frames.push(chunk));
  const end = (): void => {
    channel.destroy();
    try {
      udp.close();
    } catch {
      // already closed
    }
  };
  channel.on("error", end);
  udp.on("error", end);
  client.once("close", end);
  upstream.once("close", end);
  const answer = Buffer.from([0x05, 0x00, 0x00, 0x01, 127, 0, 0, 1, 0, 0]);
  answer.writeUInt16BE(udp.address().port, 8);
  client.write(answer);
  pass();
}
