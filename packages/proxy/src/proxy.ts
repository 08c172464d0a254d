/**
 * `createProxy`: one listening port, told apart by the first byte (0x05 is
 * SOCKS5, an ASCII letter starts an HTTP request line), every request a
 * decision of the compiled policy, limits on everything a client can make
 * the proxy hold.
 */
import { lookup } from "node:dns/promises";
import { EventEmitter } from "node:events";
import { createServer, type Socket } from "node:net";
import { compile, isLoopback, parseIp, ResolutionTable, type AuditRecord, type CompiledPolicy, type CompileOptions, type Policy } from "@netperm/core";
import { openAuditFile, type AuditFile } from "./audit.js";
import { Deadlines } from "./deadlines.js";
import { createGate, type Resolver } from "./gate.js";
import { handleHttp } from "./http-proxy.js";
import { nameClient, resolveLimits, type DecisionEvent, type Limits, type ProxyContext } from "./limits.js";
import { SocketReader } from "./reader.js";
import { handleSocks5 } from "./socks5.js";
import { connectTimedOut } from "./tunnel.js";

export interface ProxyOptions {
  /** The policy to enforce, parsed (`parsePolicy`) or already compiled. */
  readonly policy: Policy | CompiledPolicy;
  /** Where to listen. Default `{ host: "127.0.0.1", port: 0 }` (port 0: the OS picks). */
  readonly listen?: { readonly host?: string; readonly port?: number };
  /** Append one JSON line per decision to this file. */
  readonly audit?: string;
  /** Looks names up. Default: `dns.lookup(name, { all: true })`. Tests inject their own. */
  readonly resolver?: Resolver;
  /** Overrides of the default limits. */
  readonly limits?: Partial<Limits>;
  /** Username -> password. When given, SOCKS5 requires RFC 1929 and HTTP requires `Proxy-Authorization: Basic`. */
  readonly users?: Readonly<Record<string, string>>;
  /** Options for `compile` (network interfaces for inbound rules). */
  readonly compileOptions?: CompileOptions;
  /** The enforcement point its audit records name: `proxy` (default), or `exec` when `netperm exec` runs it. */
  readonly point?: "proxy" | "exec";
}

export interface ProxyStats {
  /** Client connections open now. */
  readonly connections: number;
  /** Sockets the proxy opened towards targets, open now. */
  readonly upstream: number;
  /** Client connections accepted since start. */
  readonly accepted: number;
  /** Client connections closed at accept because `maxConnections` were open. */
  readonly rejected: number;
}

export interface Proxy {
  /** The bound address. */
  readonly address: { readonly host: string; readonly port: number };
  /** Human warnings about the configuration (for example: listening beyond loopback without authentication). */
  readonly warnings: readonly string[];
  /** Live counters. */
  stats(): ProxyStats;
  /**
   * Serves a connection accepted elsewhere (a Unix-socket server, say) exactly
   * as one accepted on the proxy's own port: same limits, same handlers.
   * `client` names the client in the audit and the decision events when the
   * socket has no address of its own (exec's relay: `netns:<pid>/127.0.0.1:<port>`).
   */
  accept(socket: Socket, options?: { readonly client?: string }): void;
  /**
   * Stops accepting. With `drainMs` > 0 open connections get that long to
   * finish; the rest (and all of them with the default 0) are closed. Flushes the audit file.
   */
  close(options?: { readonly drainMs?: number }): Promise<void>;
  on(event: "decision", listener: (event: DecisionEvent) => void): this;
  on(event: "audit", listener: (record: AuditRecord) => void): this;
  off(event: "decision" | "audit", listener: (...args: never[]) => void): this;
}

/**
 * Warnings about where a proxy listens: beyond loopback without
 * authentication, anyone who can reach the port gets the policy's grants.
 */
export function listenWarnings(host: string, authenticated: boolean): string[] {
  const ip = parseIp(host);
  const loopback = ip === undefined ? host === "localhost" : isLoopback(ip);
  if (loopback || authenticated) return [];
  return [`listening on ${host} without authentication: anyone who can reach this port can use the policy's grants (add --auth=USER:PASS)`];
}

/** The default resolver: the system's `getaddrinfo`, every answer. */
export const systemResolver: Resolver = async (name) => (await lookup(name, { all: true, verbatim: true })).map((a) => a.address);

function isCompiled(p: Policy | CompiledPolicy): p is CompiledPolicy {
  return typeof (p as CompiledPolicy).decide === "function";
}

/**
 * Starts an enforcing proxy.
 * @throws TypeError for bad limits; the listen error (EADDRINUSE, ...) when the port cannot be bound.
 * @example
 * const proxy = await createProxy({ policy: parsePolicy(["--allow-outbound=tcp://example.com:443"]) });
 * // curl -x http://127.0.0.1:${proxy.address.port} https://example.com/
 */
export async function createProxy(options: ProxyOptions): Promise<Proxy> {
  const limits = resolveLimits(options.limits);
  const compiled = isCompiled(options.policy) ? options.policy : compile(options.policy, options.compileOptions);
  const table = new ResolutionTable();
  const gate = createGate(compiled, table, options.resolver ?? systemResolver);
  const users = options.users === undefined ? undefined : new Map(Object.entries(options.users));
  const auditFile: AuditFile | undefined = options.audit === undefined ? undefined : openAuditFile(options.audit);
  const events = new EventEmitter();
  const host = options.listen?.host ?? "127.0.0.1";
  const closers = new Set<() => void>();
  let upstream = 0;
  let accepted = 0;
  let rejected = 0;

  const ctx: ProxyContext = {
    gate,
    limits,
    users,
    listenHost: host,
    counter: { upstreamOpened: () => void (upstream += 1), upstreamClosed: () => void (upstream -= 1) },
    wantsDecisions: () => events.listenerCount("decision") > 0,
    emitDecision: (e) => void events.emit("decision", e),
    audit: {
      point: options.point ?? "proxy",
      wanted: () => auditFile !== undefined || events.listenerCount("audit") > 0,
      write: (r) => {
        auditFile?.write(r);
        events.emit("audit", r);
      },
    },
    connecting: new Deadlines(limits.connectTimeoutMs, connectTimedOut),
    track: (closer) => {
      closers.add(closer);
      return () => void closers.delete(closer);
    },
  };

  // The open client sockets, each with its handshake's clock: one sweep ends
  // handshakes past their time (no timer per connection).
  const open = new Deadlines(limits.handshakeTimeoutMs, (s) => s.destroy());
  const forget = function (this: Socket): void {
    open.delete(this);
  };
  const ignore = (): undefined => undefined;
  /** Connections not yet done (their records not yet finished): `close()` waits for them. */
  let live = 0;
  let idle: (() => void) | undefined;
  /** The one cleanup of every connection, when its front end is done with it. */
  const settled = (socket: Socket, reader: SocketReader | undefined): void => {
    open.stop(socket);
    reader?.detach();
    if (!socket.destroyed) socket.destroySoon();
    live -= 1;
    if (live === 0) idle?.();
  };
  const ended = (): undefined => undefined;
  /** A connection's "handshake complete" (a closure over the socket alone, so it keeps nothing else alive). */
  const handshakeOf = (socket: Socket) => (): void => open.stop(socket);
  /** Tells the protocols apart by the first byte, as soon as it is buffered. */
  const dispatch = (reader: SocketReader): void => {
    const socket = reader.socket;
    const first = reader.peek(1);
    if (first === undefined) {
      if (reader.ended) {
        reader.onReadable = undefined;
        settled(socket, reader);
      }
      return;
    }
    reader.onReadable = undefined;
    const byte = first[0]!;
    if (byte === 0x05) return handleSocks5(socket, reader, ctx, handshakeOf(socket), settled);
    if ((byte >= 0x41 && byte <= 0x5a) || byte === 0x0d) {
      void handleHttp(socket, reader, ctx, handshakeOf(socket))
        .catch(ended) // Fail closed: an unexpected error ends this connection, never the proxy.
        .then(() => settled(socket, reader));
      return;
    }
    settled(socket, reader);
  };
  const serve = (socket: Socket): void => {
    live += 1;
    const reader = new SocketReader(socket);
    reader.onReadable = dispatch;
  };

  const accept = (socket: Socket, opts?: { readonly client?: string }): void => {
    socket.on("error", ignore);
    if (opts?.client !== undefined) nameClient(socket, opts.client);
    if (open.size >= limits.maxConnections) {
      rejected += 1;
      socket.destroy();
      return;
    }
    accepted += 1;
    open.add(socket);
    socket.on("close", forget); // `close` is emitted once: no once-wrapper per connection
    serve(socket);
  };
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => accept(socket));
  server.on("error", () => undefined);

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once("error", onError);
    server.listen({ host, port: options.listen?.port ?? 0 }, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const bound = server.address();
  const address = { host, port: typeof bound === "object" && bound !== null ? bound.port : 0 };
  const warnings = listenWarnings(host, users !== undefined);

  let closing: Promise<void> | undefined;
  let deadline = Number.POSITIVE_INFINITY;
  const proxy: Proxy = {
    address,
    warnings,
    stats: () => ({ connections: open.size, upstream, accepted, rejected }),
    accept,
    close: (opts) => {
      // A later call with a shorter drain (a second Ctrl-C) cuts the drain short.
      deadline = Math.min(deadline, Date.now() + (opts?.drainMs ?? 0));
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        while (open.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        for (const closer of closers) closer();
        for (const s of open.sockets()) s.destroy();
        if (live > 0) await new Promise<void>((resolve) => (idle = resolve));
        await stopped;
        await auditFile?.close();
      })();
      return closing;
    },
    on: (event: string, listener: (...args: never[]) => void) => {
      events.on(event, listener as (...args: unknown[]) => void);
      return proxy;
    },
    off: (event: string, listener: (...args: never[]) => void) => {
      events.off(event, listener as (...args: unknown[]) => void);
      return proxy;
    },
  } as Proxy;
  return proxy;
}
