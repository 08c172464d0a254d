/**
 * The SOCKS5 front end (RFC 1928): method negotiation (no-auth, or RFC 1929
 * username/password when the proxy has users), then one request. CONNECT is
 * decided as outbound tcp, UDP ASSOCIATE hands over to `socks5-udp.ts`
 * (each datagram decided as outbound udp), BIND to `socks5-bind.ts`
 * (decided as inbound tcp). A refusal is reply 0x02 and no socket is opened.
 */
import type { Socket } from "node:net";
import { hostPort } from "@netperm/core";
import type { GateResult } from "./gate.js";
import { credentialsOk, decided, finish, type ProxyContext } from "./limits.js";
import type { SocketReader } from "./reader.js";
import {
  CMD_BIND,
  CMD_CONNECT,
  CMD_UDP_ASSOCIATE,
  encodeReply,
  METHOD_NONE,
  METHOD_UNACCEPTABLE,
  METHOD_USERPASS,
  readGreeting,
  readRequest,
  readUserPass,
  REP,
  SOCKS_VERSION,
} from "./socks5-codec.js";
import { socks5Bind } from "./socks5-bind.js";
import { socks5UdpAssociate } from "./socks5-udp.js";
import { connectFirst, relay, type ConnectFailure } from "./tunnel.js";

/** Handles one SOCKS5 client from its first byte; resolves when the connection is done. */
export async function handleSocks5(socket: Socket, reader: SocketReader, ctx: ProxyContext, handshakeDone: () => void): Promise<void> {
  const greeting = await readGreeting(reader);
  if (!greeting.ok) return void socket.destroy();
  const wanted = ctx.users === undefined ? METHOD_NONE : METHOD_USERPASS;
  if (!greeting.value.includes(wanted)) {
    socket.end(Buffer.from([SOCKS_VERSION, METHOD_UNACCEPTABLE]));
    return;
  }
  socket.write(Buffer.from([SOCKS_VERSION, wanted]));
  if (ctx.users !== undefined) {
    const creds = await readUserPass(reader);
    if (!creds.ok) return void socket.destroy();
    const ok = credentialsOk(ctx.users, creds.value.user, creds.value.pass);
    if (!ok) {
      socket.end(Buffer.from([0x01, 0x01]));
      return;
    }
    socket.write(Buffer.from([0x01, 0x00]));
  }
  const request = await readRequest(reader);
  if (!request.ok) {
    if (request.error === "address type not supported") socket.end(encodeReply(REP.addressTypeNotSupported));
    else socket.destroy();
    return;
  }
  const { cmd, address } = request.value;
  if (cmd === CMD_CONNECT) {
    handshakeDone();
    return connectCommand(socket, reader, ctx, address.host, address.port);
  }
  if (cmd === CMD_UDP_ASSOCIATE) {
    handshakeDone();
    return socks5UdpAssociate(socket, reader, ctx, address);
  }
  if (cmd === CMD_BIND) {
    handshakeDone();
    return socks5Bind(socket, reader, ctx, address);
  }
  socket.end(encodeReply(REP.commandNotSupported));
}

async function connectCommand(socket: Socket, reader: SocketReader, ctx: ProxyContext, host: string, port: number): Promise<void> {
  const target = hostPort(host, port);
  const result: GateResult = await ctx.gate.check({ op: "connect", protocol: "tcp", host, port });
  const entry = decided(ctx, socket, "socks5", target, result.decision);
  if (!result.allowed) {
    if (result.kind === "unresolved") entry.error = result.decision.message ?? "not-resolved";
    finish(ctx, entry);
    socket.end(encodeReply(result.kind === "denied" ? REP.notAllowed : REP.hostUnreachable));
    return;
  }
  if (socket.destroyed) {
    entry.error = "client left before the connection was made";
    finish(ctx, entry);
    return;
  }
  const up = await connectFirst(result.endpoints, ctx.connecting, ctx.counter);
  if ("failure" in up) {
    entry.error = up.error;
    finish(ctx, entry);
    socket.end(encodeReply(replyFor(up.failure)));
    return;
  }
  entry.remote = hostPort(up.endpoint.host, up.endpoint.port);
  const local = up.socket.localAddress ?? "0.0.0.0";
  socket.write(encodeReply(REP.succeeded, local, up.socket.localPort ?? 0));
  const stats = await relay(socket, up.socket, reader.detach(), ctx.limits.idleTimeoutMs);
  entry.bytesUp = stats.bytesUp;
  entry.bytesDown = stats.bytesDown;
  finish(ctx, entry);
}

/** Maps a failed connect onto the RFC 1928 reply code. */
export function replyFor(failure: ConnectFailure): number {
  if (failure === "refused") return REP.connectionRefused;
  if (failure === "timeout") return REP.ttlExpired;
  return REP.hostUnreachable;
}
