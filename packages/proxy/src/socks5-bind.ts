/**
 * SOCKS5 BIND (RFC 1928 §4): the proxy listens for one incoming connection
 * on behalf of the client. Decided as `bind tcp LOCAL:0` (inbound: the OS
 * picks the port unless a mapping names one). The first reply carries the
 * listening address; the incoming peer must be DST.ADDR unless that is the
 * unspecified address; the second reply carries the peer, then bytes flow.
 */
import { createServer, isIP, type Server, type Socket } from "node:net";
import { hostPort, parseIp } from "@netperm/core";
import { decided, finish, type ProxyContext } from "./limits.js";
import type { SocketReader } from "./reader.js";
import { encodeReply, REP, type SocksAddress } from "./socks5-codec.js";
import { relay } from "./tunnel.js";

export async function socks5Bind(socket: Socket, reader: Pick<SocketReader, "detach">, ctx: ProxyContext, expected: SocksAddress): Promise<void> {
  if (expected.kind === "domain") {
    socket.end(encodeReply(REP.addressTypeNotSupported));
    return;
  }
  const local = socket.localAddress ?? "127.0.0.1";
  const result = await ctx.gate.check({ op: "bind", protocol: "tcp", host: local, port: 0 });
  const entry = decided(ctx, socket, "bind", hostPort(local, 0), result.decision);
  if (!result.allowed) {
    finish(ctx, entry);
    socket.end(encodeReply(REP.notAllowed));
    return;
  }
  const where = result.endpoints[0]!;
  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
  const untrack = ctx.track(() => server.close());
  const listening = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen({ host: where.host, port: where.port, exclusive: true }, () => resolve(true));
  });
  if (!listening) {
    untrack();
    entry.error = `could not listen on ${hostPort(where.host, where.port)}`;
    finish(ctx, entry);
    socket.end(encodeReply(REP.generalFailure));
    return;
  }
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  entry.remote = hostPort(where.host, port);
  socket.write(encodeReply(REP.succeeded, where.host, port));

  const wantIp = parseIp(expected.host)?.text;
  const anyPeer = wantIp === undefined || wantIp === "0.0.0.0" || wantIp === "::";
  const peer = await new Promise<Socket | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ctx.limits.idleTimeoutMs || 2 ** 31 - 1);
    const onClientClose = (): void => {
      clearTimeout(timer);
      resolve(undefined);
    };
    socket.once("close", onClientClose);
    server.on("connection", (incoming: Socket) => {
      const from = parseIp(incoming.remoteAddress ?? "")?.text;
      if (!anyPeer && from !== wantIp) {
        incoming.destroy();
        return;
      }
      clearTimeout(timer);
      socket.off("close", onClientClose);
      resolve(incoming);
    });
  });
  server.close();
  untrack();
  if (peer === undefined) {
    entry.error = "no incoming connection";
    finish(ctx, entry);
    socket.destroy();
    return;
  }
  const remote = peer.remoteAddress ?? "0.0.0.0";
  socket.write(encodeReply(REP.succeeded, isIP(remote) ? remote : "0.0.0.0", peer.remotePort ?? 0));
  ctx.counter.upstreamOpened();
  peer.once("close", () => ctx.counter.upstreamClosed());
  const stats = await relay(socket, peer, reader.detach(), ctx.limits.idleTimeoutMs);
  entry.bytesUp = stats.bytesUp;
  entry.bytesDown = stats.bytesDown;
  finish(ctx, entry);
}
