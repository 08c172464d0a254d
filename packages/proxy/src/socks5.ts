/**
 * The SOCKS5 front end (RFC 1928): method negotiation (no-auth, or RFC 1929
 * username/password when the proxy has users), then one request. CONNECT is
 * decided as outbound tcp, UDP ASSOCIATE hands over to `socks5-udp.ts`
 * (each datagram decided as outbound udp), BIND to `socks5-bind.ts`
 * (decided as inbound tcp). A refusal is reply 0x02 and no socket is opened.
 *
 * CONNECT is the path nearly every connection takes, so it runs without a
 * promise from the first byte to the relay: the handshake is parsed from the
 * bytes already buffered each time more arrive, an address is decided
 * synchronously (only a name waits for its lookup), and the upstream dial
 * and the relay report through callbacks.
 */
import type { Socket } from "node:net";
import { hostPort } from "@netperm/core";
import type { Pending } from "./audit.js";
import type { GateRequest, GateResult } from "./gate.js";
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
  parseGreeting,
  parseRequest,
  parseUserPass,
  REP,
  SOCKS_VERSION,
  type SocksAddress,
} from "./socks5-codec.js";
import { socks5Bind } from "./socks5-bind.js";
import { socks5UdpAssociate } from "./socks5-udp.js";
import { dial, startRelay, type ConnectFailure, type DialResult, type RelayStats } from "./tunnel.js";

/** Called once when a connection is done (its record finished, if any); `reader` is undefined once detached. */
export type Settled = (socket: Socket, reader: SocketReader | undefined) => void;

const METHOD_REPLY_NONE = Buffer.from([SOCKS_VERSION, METHOD_NONE]);
const METHOD_REPLY_USERPASS = Buffer.from([SOCKS_VERSION, METHOD_USERPASS]);
const METHOD_REPLY_UNACCEPTABLE = Buffer.from([SOCKS_VERSION, METHOD_UNACCEPTABLE]);
const AUTH_OK = Buffer.from([0x01, 0x00]);
const AUTH_FAILED = Buffer.from([0x01, 0x01]);

const GREETING = 0;
const AUTH = 1;
const REQUEST = 2;

/** One SOCKS5 connection from its first byte to its end. */
class Socks5Connection {
  stage = GREETING;
  /** The CONNECT target as asked. */
  host = "";
  port = 0;
  entry: Pending | undefined = undefined;
  /** Dropped when the relay starts, so that an idle tunnel does not keep the handshake's reader. */
  reader: SocketReader | undefined;
  constructor(
    readonly socket: Socket,
    reader: SocketReader,
    readonly ctx: ProxyContext,
    readonly handshakeDone: () => void,
    readonly settled: Settled,
  ) {
    this.reader = reader;
  }

  /** Ends the connection's part here: the caller's cleanup runs once. */
  end(): void {
    this.settled(this.socket, this.reader);
  }

  /** Advances the handshake with whatever is buffered; waits (returns) when a message is incomplete. */
  step(): void {
    const { socket, ctx } = this;
    const reader = this.reader!;
    for (;;) {
      if (this.stage === GREETING) {
        const greeting = parseGreeting(reader);
        if (greeting === undefined) return this.waitOrEnd();
        if (!greeting.ok) return this.fail();
        const wanted = ctx.users === undefined ? METHOD_NONE : METHOD_USERPASS;
        if (!greeting.value.includes(wanted)) {
          socket.end(METHOD_REPLY_UNACCEPTABLE);
          return this.stop();
        }
        socket.write(wanted === METHOD_NONE ? METHOD_REPLY_NONE : METHOD_REPLY_USERPASS);
        this.stage = ctx.users === undefined ? REQUEST : AUTH;
      } else if (this.stage === AUTH) {
        const creds = parseUserPass(reader);
        if (creds === undefined) return this.waitOrEnd();
        if (!creds.ok) return this.fail();
        if (!credentialsOk(ctx.users!, creds.value.user, creds.value.pass)) {
          socket.end(AUTH_FAILED);
          return this.stop();
        }
        socket.write(AUTH_OK);
        this.stage = REQUEST;
      } else {
        const request = parseRequest(reader);
        if (request === undefined) return this.waitOrEnd();
        reader.onReadable = undefined;
        if (!request.ok) {
          if (request.error === "address type not supported") socket.end(encodeReply(REP.addressTypeNotSupported));
          else socket.destroy();
          return this.end();
        }
        return this.command(request.value.cmd, request.value.address);
      }
    }
  }

  private waitOrEnd(): void {
    if (this.reader!.ended) this.fail();
  }

  private fail(): void {
    this.reader!.onReadable = undefined;
    this.socket.destroy();
    this.end();
  }

  private stop(): void {
    this.reader!.onReadable = undefined;
    this.end();
  }

  private command(cmd: number, address: SocksAddress): void {
    const { socket, ctx } = this;
    const reader = this.reader!;
    if (cmd === CMD_CONNECT) {
      this.handshakeDone();
      this.host = address.host;
      this.port = address.port;
      const request: GateRequest = { op: "connect", protocol: "tcp", host: address.host, port: address.port };
      const result = ctx.gate.checkNow(request);
      if (result instanceof Promise) void result.then((r) => this.decided(r));
      else this.decided(result);
      return;
    }
    if (cmd === CMD_UDP_ASSOCIATE) {
      this.handshakeDone();
      return this.after(socks5UdpAssociate(socket, reader, ctx, address));
    }
    if (cmd === CMD_BIND) {
      this.handshakeDone();
      return this.after(socks5Bind(socket, reader, ctx, address));
    }
    socket.end(encodeReply(REP.commandNotSupported));
    this.end();
  }

  private after(done: Promise<void>): void {
    void done.catch(() => undefined).then(() => this.end());
  }

  /** CONNECT, decided: refuse, or dial the allowed endpoints. */
  private decided(result: GateResult): void {
    const { socket, ctx } = this;
    const entry = decided(ctx, socket, "socks5", hostPort(this.host, this.port), result.decision);
    this.entry = entry;
    if (!result.allowed) {
      if (result.kind === "unresolved") entry.error = result.decision.message ?? "not-resolved";
      finish(ctx, entry);
      socket.end(encodeReply(result.kind === "denied" ? REP.notAllowed : REP.hostUnreachable));
      return this.end();
    }
    if (socket.destroyed) {
      entry.error = "client left before the connection was made";
      finish(ctx, entry);
      return this.end();
    }
    dial(result.endpoints, ctx.connecting, ctx.counter, onDialed, this);
  }
}

function onDialed(up: DialResult, c: Socks5Connection): void {
  const { socket, ctx } = c;
  const entry = c.entry!;
  if ("failure" in up) {
    entry.error = up.error;
    finish(ctx, entry);
    socket.end(encodeReply(replyFor(up.failure)));
    return c.end();
  }
  entry.remote = hostPort(up.endpoint.host, up.endpoint.port);
  socket.write(encodeReply(REP.succeeded, up.socket.localAddress ?? "0.0.0.0", up.socket.localPort ?? 0));
  const head = c.reader!.detach(!socket.isPaused()); // the relay's listener follows at once
  c.reader = undefined;
  startRelay(socket, up.socket, head, ctx.limits.idleTimeoutMs, onRelayed, c);
}

function onRelayed(stats: RelayStats, c: Socks5Connection): void {
  const entry = c.entry!;
  entry.bytesUp = stats.bytesUp;
  entry.bytesDown = stats.bytesDown;
  finish(c.ctx, entry);
  c.end();
}

/**
 * Handles one SOCKS5 client from its first byte (already buffered in
 * `reader`); `settled` is called once when the connection is done.
 */
export function handleSocks5(socket: Socket, reader: SocketReader, ctx: ProxyContext, handshakeDone: () => void, settled: Settled): void {
  const c = new Socks5Connection(socket, reader, ctx, handshakeDone, settled);
  reader.owner = c;
  reader.onReadable = stepOwner;
  c.step();
}

function stepOwner(reader: SocketReader): void {
  (reader.owner as Socks5Connection).step();
}

/** Maps a failed connect onto the RFC 1928 reply code. */
export function replyFor(failure: ConnectFailure): number {
  if (failure === "refused") return REP.connectionRefused;
  if (failure === "timeout") return REP.ttlExpired;
  return REP.hostUnreachable;
}
