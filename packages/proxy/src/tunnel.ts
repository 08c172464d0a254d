/**
 * Opening the upstream socket (only to endpoints the gate allowed, first that
 * answers wins) and relaying bytes both ways with `pipe`, half-close kept,
 * an idle timeout, and the byte counts read from the upstream socket.
 */
import { connect, type Socket } from "node:net";
import type { Deadlines } from "./deadlines.js";
import type { Endpoint } from "./gate.js";

export interface Connected {
  readonly socket: Socket;
  readonly endpoint: Endpoint;
}

/** Why no endpoint could be reached: mapped onto SOCKS5 / HTTP error replies. */
export type ConnectFailure = "refused" | "unreachable" | "timeout";

/** Tracks live upstream sockets so a test (and `stats()`) can see leaks. */
export interface SocketCounter {
  upstreamOpened(): void;
  upstreamClosed(): void;
}

/**
 * Connects to each endpoint in turn until one accepts. Resolves the open
 * socket, or the failure of the last attempt. `connecting` ends an attempt
 * past the connect timeout (one sweep for all of them, no timer each).
 */
export async function connectFirst(
  endpoints: readonly Endpoint[],
  connecting: Deadlines,
  counter: SocketCounter,
): Promise<Connected | { failure: ConnectFailure; error: string }> {
  let last: { failure: ConnectFailure; error: string } = { failure: "unreachable", error: "no endpoint" };
  for (const endpoint of endpoints) {
    const result = await connectOne(endpoint, connecting, counter);
    if ("socket" in result) return { socket: result.socket, endpoint };
    last = result;
  }
  return last;
}

/** What a connect deadline does: ends the attempt with ETIMEDOUT. */
export function connectTimedOut(socket: Socket): void {
  socket.destroy(Object.assign(new Error("connect timed out"), { code: "ETIMEDOUT" }));
}

function connectOne(
  endpoint: Endpoint,
  connecting: Deadlines,
  counter: SocketCounter,
): Promise<{ socket: Socket } | { failure: ConnectFailure; error: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true, noDelay: true });
    counter.upstreamOpened();
    connecting.add(socket);
    socket.once("close", () => counter.upstreamClosed());
    const onError = (err: NodeJS.ErrnoException): void => {
      connecting.delete(socket);
      socket.destroy();
      if (err.code === "ETIMEDOUT") resolve({ failure: "timeout", error: `connect to ${endpoint.host}:${endpoint.port} timed out` });
      else resolve({ failure: err.code === "ECONNREFUSED" ? "refused" : "unreachable", error: err.message });
    };
    socket.once("error", onError);
    socket.once("connect", () => {
      connecting.delete(socket);
      socket.off("error", onError);
      resolve({ socket });
    });
  });
}

export interface RelayStats {
  bytesUp: number;
  bytesDown: number;
}

/** Moves bytes `from -> to` with backpressure; `end` is passed on (half-close kept). */
function forward(from: Socket, to: Socket): void {
  from.on("data", (chunk: Buffer) => {
    if (!to.write(chunk)) from.pause();
  });
  to.on("drain", () => from.resume());
  from.on("end", () => to.end());
}

interface Watched {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly idleMs: number;
  seen: number;
  since: number;
}

/**
 * One sweep for every relay instead of two timers per relay (idle
 * connections are what a proxy holds most of): a relay whose byte counts did
 * not move for its idle time is closed.
 */
const watched = new Set<Watched>();
let sweeper: NodeJS.Timeout | undefined;

function sweep(): void {
  const now = Date.now();
  for (const w of watched) {
    const seen = w.client.bytesRead + w.upstream.bytesRead;
    if (seen !== w.seen) {
      w.seen = seen;
      w.since = now;
    } else if (now - w.since >= w.idleMs) {
      w.client.destroy();
      w.upstream.destroy();
    }
  }
}

function watch(w: Watched): () => void {
  watched.add(w);
  if (sweeper === undefined) {
    sweeper = setInterval(sweep, Math.max(250, Math.min(5_000, Math.floor(w.idleMs / 4))));
    sweeper.unref();
  }
  return () => {
    watched.delete(w);
    if (watched.size === 0 && sweeper !== undefined) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };
}

/**
 * Relays `client <-> upstream` until both directions are done or either side
 * fails or stays idle for `idleMs`. `head` holds client bytes already read.
 * Resolves with the byte counts once both sockets are closed.
 */
export function relay(client: Socket, upstream: Socket, head: readonly Buffer[], idleMs: number): Promise<RelayStats> {
  return new Promise((resolve) => {
    let closed = 0;
    if (client.destroyed) {
      // The client left while the upstream socket was opening.
      upstream.once("close", () => resolve({ bytesUp: upstream.bytesWritten, bytesDown: upstream.bytesRead }));
      upstream.destroy();
      return;
    }
    const unwatch = idleMs > 0 ? watch({ client, upstream, idleMs, seen: -1, since: Date.now() }) : undefined;
    const onClose = (): void => {
      closed += 1;
      if (closed === 1) {
        // One side is gone: give the other no more than its pending writes.
        if (client.destroyed && !upstream.destroyed) upstream.destroy();
        if (upstream.destroyed && !client.destroyed) client.end();
      }
      if (closed === 2) {
        unwatch?.();
        resolve({ bytesUp: upstream.bytesWritten, bytesDown: upstream.bytesRead });
      }
    };
    const fail = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.once("close", onClose);
    upstream.once("close", onClose);
    client.on("error", fail);
    upstream.on("error", fail);
    for (const chunk of head) upstream.write(chunk);
    forward(client, upstream);
    forward(upstream, client);
    client.resume();
    upstream.resume();
  });
}
