/**
 * The proxy's limits and the context every front end (SOCKS5, HTTP) shares:
 * the gate, the audit sink, the socket counters and the credentials.
 */
import type { Socket } from "node:net";
import { hostPort, type Decision } from "@netperm/core";
import { finishDecision, pending, type AuditSink, type Pending, type ProxyFrontEnd } from "./audit.js";
import type { Deadlines } from "./deadlines.js";
import type { Gate } from "./gate.js";
import type { SocketCounter } from "./tunnel.js";

/** Bounds on what one client can make the proxy hold. All times in milliseconds. */
export interface Limits {
  /** Time from accept to a complete handshake (SOCKS5 request, HTTP request head). Default 10 000. */
  readonly handshakeTimeoutMs: number;
  /** Largest HTTP request or response head, in bytes. Default 16 384. */
  readonly maxHeaderBytes: number;
  /** Client connections held at once; more are closed at accept. Default 4 096. */
  readonly maxConnections: number;
  /** A relay or keep-alive connection with no traffic either way for this long is closed. Default 300 000; 0 disables. */
  readonly idleTimeoutMs: number;
  /** Time allowed to open one upstream socket. Default 10 000. */
  readonly connectTimeoutMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  handshakeTimeoutMs: 10_000,
  maxHeaderBytes: 16 * 1024,
  maxConnections: 4096,
  idleTimeoutMs: 300_000,
  connectTimeoutMs: 10_000,
};

/** Validates partial limits over the defaults; throws a TypeError naming the bad field. */
export function resolveLimits(partial: Partial<Limits> | undefined): Limits {
  const out = { ...DEFAULT_LIMITS, ...partial };
  for (const [key, value] of Object.entries(out)) {
    if (!Number.isInteger(value) || value < 0) throw new TypeError(`limits.${key} must be a non-negative integer, got ${String(value)}`);
  }
  if (out.maxHeaderBytes < 256) throw new TypeError("limits.maxHeaderBytes must be at least 256");
  return out;
}

/** What a front end reports when it has decided a request. */
export interface DecisionEvent {
  /** The client `ip:port`, read from its socket when first asked for: read it in the listener (after the socket closed it is `?`). */
  readonly client: string;
  readonly frontEnd: ProxyFrontEnd;
  /** The target as asked, `host:port`. */
  readonly target: string;
  readonly decision: Decision;
}

export interface ProxyContext {
  readonly gate: Gate;
  readonly limits: Limits;
  readonly counter: SocketCounter;
  /** Username -> password; undefined means no authentication. */
  readonly users: ReadonlyMap<string, string> | undefined;
  /** The address the proxy listens on (for SOCKS5 BIND / UDP ASSOCIATE sockets). */
  readonly listenHost: string;
  /** True when someone listens for `decision` events. */
  wantsDecisions(): boolean;
  emitDecision(event: DecisionEvent): void;
  readonly audit: AuditSink;
  /** Upstream sockets still connecting: one sweep ends those past `connectTimeoutMs`. */
  readonly connecting: Deadlines;
  /** Registers a socket the proxy opened for a client (UDP, BIND) so `close()` can end it. */
  track(closer: () => void): () => void;
}

/** Client names for sockets that have no address (a Unix socket): set by `Proxy.accept`. */
const named = new WeakMap<Socket, string>();

/** Names the client of `socket` in the audit (instead of its address). */
export function nameClient(socket: Socket, client: string): void {
  named.set(socket, client);
}

/** The client of a socket: its name when it has one, else `ip:port`. */
export function clientOf(socket: Socket): string {
  return named.get(socket) ?? hostPort(socket.remoteAddress ?? "?", socket.remotePort);
}

/**
 * A decision as `decision` listeners see it. `client` is read from the
 * socket when first asked for: a listener that only wants refusals (the
 * CLI's default) costs an allowed connection no address lookup.
 */
class Decided implements DecisionEvent {
  #client: string | undefined;
  #socket: Socket | undefined;
  constructor(
    socket: Socket,
    client: string | undefined,
    readonly frontEnd: ProxyFrontEnd,
    readonly target: string,
    readonly decision: Decision,
  ) {
    this.#client = client;
    this.#socket = client === undefined ? socket : undefined;
  }
  get client(): string {
    if (this.#client === undefined) {
      this.#client = clientOf(this.#socket!);
      this.#socket = undefined;
    }
    return this.#client;
  }
  toJSON(): DecisionEvent {
    return { client: this.client, frontEnd: this.frontEnd, target: this.target, decision: this.decision };
  }
}

/**
 * Reports the decision (to `decision` listeners) and opens its audit record;
 * the client's address is read only when someone will see it.
 */
export function decided(ctx: ProxyContext, socket: Socket, frontEnd: ProxyFrontEnd, target: string, decision: Decision): Pending {
  const client = ctx.audit.wanted() ? clientOf(socket) : undefined;
  if (ctx.wantsDecisions()) ctx.emitDecision(new Decided(socket, client, frontEnd, target, decision));
  return pending(decision, frontEnd, client);
}

/** Finishes a decision's record (see `finishDecision`). */
export function finish(ctx: ProxyContext, p: Pending): void {
  finishDecision(ctx.audit, p);
}

/** Checks RFC 1929 / Basic credentials in constant-ish time per comparison. */
export function credentialsOk(users: ReadonlyMap<string, string>, user: string, pass: string): boolean {
  const expected = users.get(user);
  if (expected === undefined || expected.length !== pass.length) return false;
  let diff = 0;
  for (let i = 0; i < pass.length; i++) diff |= pass.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}
