/**
 * The HTTP front end: `CONNECT host:port` (a tunnel, decided on the
 * authority, never on the Host header) and plain forwarding of absolute-URI
 * requests (`GET http://host/path`), decided on the URI's host as the WHATWG
 * URL parser reads it (so `http://allowed@denied/` is a request to `denied`).
 * Keep-alive on both sides, chunked bodies passed through, hop-by-hop
 * headers dropped. Refusals are `403` with a one-line reason.
 */
import type { Socket } from "node:net";
import { hostPort, splitAuthority, type Decision } from "@netperm/core";
import type { Pending } from "./audit.js";
import type { GateResult } from "./gate.js";
import { readHead, parseRequestHead, headerTokens, headerValues, type RequestHead } from "./http-head.js";
import { forwardRequest, type Upstream } from "./http-forward.js";
import { credentialsOk, decided, finish, type ProxyContext } from "./limits.js";
import type { SocketReader } from "./reader.js";
import { connectFirst, relay } from "./tunnel.js";

/** Writes a complete short response and ends the connection. */
export function respond(socket: Socket, status: number, reason: string, body: string, extra: readonly string[] = []): void {
  if (socket.destroyed || socket.writableEnded) return;
  const payload = Buffer.from(body, "utf8");
  const head = [`HTTP/1.1 ${status} ${reason}`, "Content-Type: text/plain; charset=utf-8", `Content-Length: ${payload.length}`, "Connection: close", ...extra];
  socket.end(Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`, "latin1"), payload]));
}

/** The one-line body of a 403. */
export function refusalText(d: Decision): string {
  const rule = d.rule === undefined ? "" : ` by ${d.rule.flag}`;
  const target = d.port === undefined ? d.host : `${d.protocol ?? "tcp"}://${hostPort(d.host, d.port)}`;
  return `netperm: ${d.op} ${target} denied (${d.reason})${rule}\n`;
}

/** Answers a refusal or an unresolved name; finishes the audit entry. */
export function refuse(ctx: ProxyContext, socket: Socket, result: Extract<GateResult, { allowed: false }>, entry: Pending): void {
  if (result.kind === "unresolved") {
    entry.error = result.decision.message ?? "not-resolved";
    finish(ctx, entry);
    respond(socket, 502, "Bad Gateway", `netperm: ${result.decision.host} did not resolve\n`);
    return;
  }
  finish(ctx, entry);
  respond(socket, 403, "Forbidden", refusalText(result.decision));
}

function authorized(ctx: ProxyContext, head: RequestHead): boolean {
  if (ctx.users === undefined) return true;
  const value = headerValues(head.headers, "proxy-authorization")[0] ?? "";
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(value);
  if (m === null) return false;
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  return credentialsOk(ctx.users, decoded.slice(0, colon), decoded.slice(colon + 1));
}

/** True when the client wants the connection kept after this exchange. */
export function clientKeepAlive(head: RequestHead): boolean {
  const tokens = [...headerTokens(head.headers, "connection"), ...headerTokens(head.headers, "proxy-connection")];
  if (head.version === "HTTP/1.0") return tokens.includes("keep-alive");
  return !tokens.includes("close");
}

/** Handles one HTTP client from its first byte until the connection ends. */
export async function handleHttp(socket: Socket, reader: SocketReader, ctx: ProxyContext, handshakeDone: () => void): Promise<void> {
  let upstream: Upstream | undefined;
  let first = true;
  try {
    for (;;) {
      const r = await readHead(reader, ctx.limits.maxHeaderBytes);
      if (r.kind === "eof") break;
      if (r.kind === "too-large") return respond(socket, 431, "Request Header Fields Too Large", "netperm: request head too large\n");
      if (r.kind === "malformed") return respond(socket, 400, "Bad Request", `netperm: ${r.error}\n`);
      const head = parseRequestHead(r.head);
      if (typeof head === "string") return respond(socket, 400, "Bad Request", `netperm: ${head}\n`);
      if (first) {
        first = false;
        handshakeDone();
        if (ctx.limits.idleTimeoutMs > 0) socket.setTimeout(ctx.limits.idleTimeoutMs, () => socket.destroy());
      }
      if (!authorized(ctx, head)) {
        return respond(socket, 407, "Proxy Authentication Required", "netperm: proxy authentication required\n", [
          'Proxy-Authenticate: Basic realm="netperm"',
        ]);
      }
      if (head.method === "CONNECT") {
        upstream?.close();
        upstream = undefined;
        socket.setTimeout(0);
        return await connectMethod(socket, reader, ctx, head);
      }
      const outcome = await forwardRequest(socket, reader, ctx, head, upstream);
      upstream = outcome.upstream;
      if (!outcome.keepAlive) break;
    }
    socket.end();
  } finally {
    upstream?.close();
  }
}

async function connectMethod(socket: Socket, reader: SocketReader, ctx: ProxyContext, head: RequestHead): Promise<void> {
  const authority = splitAuthority(head.target);
  if (authority === undefined) return respond(socket, 400, "Bad Request", "netperm: CONNECT needs host:port\n");
  const result = await ctx.gate.check({ op: "connect", protocol: "tcp", host: authority.host, port: authority.port });
  const entry = decided(ctx, socket, "connect", head.target, result.decision);
  if (!result.allowed) return refuse(ctx, socket, result, entry);
  const up = await connectFirst(result.endpoints, ctx.connecting, ctx.counter);
  if ("failure" in up) {
    entry.error = up.error;
    finish(ctx, entry);
    const gatewayTimeout = up.failure === "timeout";
    return respond(socket, gatewayTimeout ? 504 : 502, gatewayTimeout ? "Gateway Timeout" : "Bad Gateway", `netperm: ${up.error}\n`);
  }
  entry.remote = hostPort(up.endpoint.host, up.endpoint.port);
  socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
  const stats = await relay(socket, up.socket, reader.detach(), ctx.limits.idleTimeoutMs);
  entry.bytesUp = stats.bytesUp;
  entry.bytesDown = stats.bytesDown;
  finish(ctx, entry);
}

