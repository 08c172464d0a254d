/**
 * The relay inside the namespace: listens on 127.0.0.1 (the only interface
 * there is) and carries each connection over `tcp.sock` to netperm's proxy
 * outside. The bytes are the program's own: SOCKS5, HTTP CONNECT or HTTP
 * forward, decided by the proxy. One exception: a SOCKS5 UDP ASSOCIATE,
 * whose reply names a UDP port in the host namespace the program can not
 * reach. The relay follows the handshake (`socks-follow.ts`), binds a UDP
 * socket of its own inside, and carries the datagrams over `udp.sock`.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { followSocks5 } from "./socks-follow.js";
import { clientHeader, FILES } from "./wire.js";

/** Pipes two sockets both ways with half-close; destroys both on error. */
export function splice(a: Socket, b: Socket, headA: Buffer = Buffer.alloc(0), headB: Buffer = Buffer.alloc(0)): void {
  a.on("error", () => b.destroy());
  b.on("error", () => a.destroy());
  a.once("close", () => b.destroy());
  b.once("close", () => a.destroy());
  if (headA.length > 0) b.write(headA);
  if (headB.length > 0) a.write(headB);
  a.pipe(b);
  b.pipe(a);
  a.resume();
  b.resume();
}

/**
 * Starts the relay on 127.0.0.1, a free port; resolves with the server and its
 * port. Each connection to the proxy starts with the client header (`pid`, the
 * supervisor's host pid, and the program's port), so the audit names it.
 */
export async function startRelay(dir: string, pid: number): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (client) => {
    sockets.add(client);
    client.once("close", () => sockets.delete(client));
    client.on("error", () => undefined);
    const upstream = createConnection({ path: join(dir, FILES.tcp), allowHalfOpen: true });
    upstream.on("error", () => client.destroy());
    upstream.pause();
    upstream.write(clientHeader(pid, client.remotePort ?? 0));
    void followSocks5(client, upstream, dir).catch(() => {
      client.destroy();
      upstream.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => resolve());
  });
  const a = server.address();
  return { server, port: typeof a === "object" && a !== null ? a.port : 0 };
}
