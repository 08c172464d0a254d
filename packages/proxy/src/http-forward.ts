/**
 * One forwarded HTTP exchange: an absolute-URI request is decided, sent to
 * the allowed endpoint in origin form with its hop-by-hop headers dropped,
 * and the response relayed back. The upstream connection is kept for the
 * next request to the same endpoints when both sides allow it.
 */
import type { Socket } from "node:net";
import { hostPort } from "@netperm/core";
import { pumpBody } from "./http-body.js";
import {
  endToEnd,
  framingOf,
  headerTokens,
  parseResponseHead,
  readHead,
  serializeHead,
  type Framing,
  type Header,
  type RequestHead,
} from "./http-head.js";
import { clientKeepAlive, refuse, respond } from "./http-proxy.js";
import { decided, finish as finishEntry, type ProxyContext } from "./limits.js";
import { SocketReader, writeAll } from "./reader.js";
import { connectFirst } from "./tunnel.js";

/** A kept-alive upstream connection. */
export interface Upstream {
  /** The endpoints it was opened for (reused only for the same list). */
  readonly key: string;
  /** Where the socket really went, `ip:port`. */
  readonly connected: string;
  readonly socket: Socket;
  readonly reader: SocketReader;
  close(): void;
}

export interface ForwardOutcome {
  readonly upstream: Upstream | undefined;
  readonly keepAlive: boolean;
}

/** The host and port an absolute `http://` URI names, as WHATWG reads it, and the authority as written. */
export function parseAbsoluteTarget(target: string): { url: URL; asked: string; port: number } | string {
  if (!/^http:\/\//i.test(target)) return /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? "only http:// URLs are forwarded (use CONNECT)" : "not an absolute URI";
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return "bad URI";
  }
  const rawAuthority = target.slice(7).split(/[/?#]/)[0] ?? "";
  const asked = rawAuthority.slice(rawAuthority.lastIndexOf("@") + 1);
  const port = url.port === "" ? 80 : Number(url.port);
  return { url, asked: /:\d*$/.test(asked) && !asked.endsWith("]") ? asked : `${asked}:${port}`, port };
}

function openUpstream(key: string, connected: string, socket: Socket): Upstream {
  const reader = new SocketReader(socket);
  return { key, connected, socket, reader, close: () => socket.destroy() };
}

export async function forwardRequest(
  client: Socket,
  reader: SocketReader,
  ctx: ProxyContext,
  head: RequestHead,
  previous: Upstream | undefined,
): Promise<ForwardOutcome> {
  const closeAll = (status: number, reason: string, text: string): ForwardOutcome => {
    previous?.close();
    respond(client, status, reason, text);
    return { upstream: undefined, keepAlive: false };
  };
  const target = parseAbsoluteTarget(head.target);
  if (typeof target === "string") return closeAll(400, "Bad Request", `netperm: ${target}\n`);
  const framing = framingOf(head.headers, false);
  if (typeof framing === "string") return closeAll(400, "Bad Request", `netperm: ${framing}\n`);

  const { url, asked, port } = target;
  const result = await ctx.gate.check({ op: "connect", protocol: "tcp", host: url.hostname, port });
  const entry = decided(ctx, client, "forward", asked, result.decision);
  if (!result.allowed) {
    previous?.close();
    refuse(ctx, client, result, entry);
    return { upstream: undefined, keepAlive: false };
  }
  const key = result.endpoints.map((e) => hostPort(e.host, e.port)).join(",");
  let upstream = previous;
  if (upstream !== undefined && (upstream.key !== key || upstream.socket.destroyed || upstream.reader.done)) {
    upstream.close();
    upstream = undefined;
  }
  if (upstream === undefined) {
    const up = await connectFirst(result.endpoints, ctx.connecting, ctx.counter);
    if ("failure" in up) {
      entry.error = up.error;
      finishEntry(ctx, entry);
      respond(client, up.failure === "timeout" ? 504 : 502, up.failure === "timeout" ? "Gateway Timeout" : "Bad Gateway", `netperm: ${up.error}\n`);
      return { upstream: undefined, keepAlive: false };
    }
    upstream = openUpstream(key, hostPort(up.endpoint.host, up.endpoint.port), up.socket);
  }
  entry.remote = upstream.connected;
  const up = upstream;
  const written0 = up.socket.bytesWritten;
  const read0 = up.socket.bytesRead;
  const finish = (verdictError?: string): void => {
    if (verdictError !== undefined) entry.error = verdictError;
    entry.bytesUp = up.socket.bytesWritten - written0;
    entry.bytesDown = up.socket.bytesRead - read0;
    finishEntry(ctx, entry);
  };

  const headers: Header[] = [["Host", url.host], ...endToEnd(head.headers).filter(([n]) => n.toLowerCase() !== "host")];
  const path = `${url.pathname}${url.search}`;
  await writeAll(up.socket, serializeHead(`${head.method} ${path} ${head.version}`, headers));
  const requestBody = pumpBody(reader, up.socket, framing, ctx.limits.maxHeaderBytes);

  // Response heads: 1xx interim responses are passed on, then the final one.
  let status = 0;
  let responseFraming: Framing = { kind: "none" };
  let upstreamKeepAlive = true;
  for (;;) {
    const r = await readHead(up.reader, ctx.limits.maxHeaderBytes);
    const parsed = r.kind === "ok" ? parseResponseHead(r.head) : r.kind;
    if (typeof parsed === "string") {
      up.close();
      finish(`bad response from upstream: ${parsed}`);
      respond(client, 502, "Bad Gateway", "netperm: bad response from upstream\n");
      return { upstream: undefined, keepAlive: false };
    }
    status = parsed.status;
    const out = endToEnd(parsed.headers);
    if (status >= 100 && status < 200) {
      if (status === 101) {
        up.close();
        finish("upstream tried to switch protocols");
        respond(client, 502, "Bad Gateway", "netperm: protocol upgrades are not forwarded\n");
        return { upstream: undefined, keepAlive: false };
      }
      if (head.version === "HTTP/1.1") await writeAll(client, serializeHead(`${parsed.version} ${status} ${parsed.reason}`, out));
      continue;
    }
    const noBody = head.method === "HEAD" || status === 204 || status === 304;
    const f = noBody ? { kind: "none" as const } : framingOf(parsed.headers, true);
    if (typeof f === "string") {
      up.close();
      finish(`bad response framing: ${f}`);
      respond(client, 502, "Bad Gateway", "netperm: bad response framing from upstream\n");
      return { upstream: undefined, keepAlive: false };
    }
    responseFraming = f;
    upstreamKeepAlive = f.kind !== "close" && !headerTokens(parsed.headers, "connection").includes("close") && parsed.version === "HTTP/1.1";
    const keep = clientKeepAlive(head) && f.kind !== "close";
    if (!keep) out.push(["Connection", "close"]);
    else if (head.version === "HTTP/1.0") out.push(["Connection", "keep-alive"]);
    await writeAll(client, serializeHead(`${parsed.version} ${status} ${parsed.reason}`, out));
    break;
  }
  const responseBody = await pumpBody(up.reader, client, responseFraming, ctx.limits.maxHeaderBytes);
  if (responseBody !== "done") up.close();
  // The client may still be sending a body the server answered early; it ends or times out.
  const sent = await requestBody;
  const ok = responseBody === "done" && sent === "done";
  finish(ok ? undefined : `exchange cut short (request ${sent}, response ${responseBody})`);
  const keepAlive = ok && clientKeepAlive(head) && responseFraming.kind !== "close";
  if (!ok || !upstreamKeepAlive) {
    up.close();
    return { upstream: undefined, keepAlive };
  }
  return { upstream: up, keepAlive };
}
