/**
 * Opening the upstream socket (only to endpoints the gate allowed, first that
 * answers wins) and relaying bytes both ways, half-close kept, an idle
 * timeout, and the byte counts read from the upstream socket.
 *
 * This is the path every connection takes, so it allocates little: the
 * socket listeners are shared functions that find their state through one
 * property on the socket (no closures per connection), a dial and a relay
 * are one small object each, and both report through a callback (the
 * promise forms, `connectFirst` and `relay`, wrap them for the HTTP front end).
 */
import { Socket } from "node:net";
import type { Deadlines } from "./deadlines.js";
import type { Endpoint } from "./gate.js";
import { Roster } from "./roster.js";

export interface Connected {
  readonly socket: Socket;
  readonly endpoint: Endpoint;
}

/** Why no endpoint could be reached: mapped onto SOCKS5 / HTTP error replies. */
export type ConnectFailure = "refused" | "unreachable" | "timeout";

export type DialResult = Connected | { failure: ConnectFailure; error: string };

/** Tracks live upstream sockets so a test (and `stats()`) can see leaks. */
export interface SocketCounter {
  upstreamOpened(): void;
  upstreamClosed(): void;
}

/** The state a socket's shared listeners reach: its dial while connecting, its relay after. */
const kDial = Symbol("netperm.dial");
const kRelay = Symbol("netperm.relay");
const kCounter = Symbol("netperm.counter");
type Tagged = Socket & { [kDial]?: Dial | undefined; [kRelay]?: Relay | undefined; [kCounter]?: SocketCounter | undefined };

/** What a connect deadline does: ends the attempt with ETIMEDOUT. */
export function connectTimedOut(socket: Socket): void {
  socket.destroy(Object.assign(new Error("connect timed out"), { code: "ETIMEDOUT" }));
}

class Dial {
  next = 0;
  last: { failure: ConnectFailure; error: string } = { failure: "unreachable", error: "no endpoint" };
  constructor(
    readonly endpoints: readonly Endpoint[],
    readonly connecting: Deadlines,
    readonly counter: SocketCounter,
    readonly done: (result: DialResult, arg: unknown) => void,
    readonly arg: unknown,
  ) {}
}

function countClose(this: Tagged): void {
  this[kCounter]?.upstreamClosed();
}

function onDialConnect(this: Tagged): void {
  const d = this[kDial]!;
  this[kDial] = undefined;
  d.connecting.delete(this);
  this.off("error", onDialError);
  this.off("connect", onDialConnect);
  d.done({ socket: this, endpoint: d.endpoints[d.next - 1]! }, d.arg);
}

function onDialError(this: Tagged, err: NodeJS.ErrnoException): void {
  const d = this[kDial];
  if (d === undefined) return; // a second error of a socket already given up
  this[kDial] = undefined;
  d.connecting.delete(this);
  this.off("connect", onDialConnect);
  this.destroy();
  const e = d.endpoints[d.next - 1]!;
  if (err.code === "ETIMEDOUT") d.last = { failure: "timeout", error: `connect to ${e.host}:${e.port} timed out` };
  else d.last = { failure: err.code === "ECONNREFUSED" ? "refused" : "unreachable", error: err.message };
  dialNext(d);
}

/**
 * `net.connect({ host, port, allowHalfOpen: true, noDelay: true })`, without
 * the options object: the Socket constructor copies its options with an
 * object spread and adds properties to the copy, which this V8 (Node 20)
 * does on a fresh hidden class each time: measured 11.7 µs per socket with
 * those options against 0.4 µs for `new Socket()` and the two set after
 * (`allowHalfOpen` is documented as settable before 'end'; `setNoDelay` on
 * a socket not yet connected is applied when it connects).
 */
function openSocket(endpoint: Endpoint): Socket {
  const socket = new Socket();
  socket.allowHalfOpen = true;
  socket.setNoDelay(true);
  return socket.connect({ host: endpoint.host, port: endpoint.port });
}

function dialNext(d: Dial): void {
  const endpoint = d.endpoints[d.next++];
  if (endpoint === undefined) return d.done(d.last, d.arg);
  const socket: Tagged = openSocket(endpoint);
  d.counter.upstreamOpened();
  socket[kCounter] = d.counter;
  socket[kDial] = d;
  socket.on("close", countClose);
  d.connecting.add(socket);
  // Plain listeners, each removed by hand (no once-wrapper per attempt); the
  // error listener stays on a failed socket, so a late second error is handled.
  socket.on("error", onDialError);
  socket.on("connect", onDialConnect);
}

/**
 * Connects to each endpoint in turn until one accepts; calls `done` once with
 * the open socket, or the failure of the last attempt. `connecting` ends an
 * attempt past the connect timeout (one sweep for all of them, no timer each).
 */
export function dial<T>(endpoints: readonly Endpoint[], connecting: Deadlines, counter: SocketCounter, done: (result: DialResult, arg: T) => void, arg: T): void {
  dialNext(new Dial(endpoints, connecting, counter, done as (result: DialResult, arg: unknown) => void, arg));
}

/** `dial` as a promise. */
export function connectFirst(endpoints: readonly Endpoint[], connecting: Deadlines, counter: SocketCounter): Promise<DialResult> {
  return new Promise((resolve) => dial(endpoints, connecting, counter, resolve, undefined));
}

export interface RelayStats {
  bytesUp: number;
  bytesDown: number;
}

/** One relay: both sockets, its idle clock (read by the sweep) and where it reports. */
class Relay {
  closed = 0;
  seen = -1;
  since = Date.now();
  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    readonly idleMs: number,
    readonly done: (stats: RelayStats, arg: unknown) => void,
    readonly arg: unknown,
  ) {}
  peer(of: Socket): Socket {
    return of === this.client ? this.upstream : this.client;
  }
}

/** Moves bytes to the other side with backpressure; `end` is passed on (half-close kept). */
function onRelayData(this: Tagged, chunk: Buffer): void {
  if (!this[kRelay]!.peer(this).write(chunk)) this.pause();
}
function onRelayDrain(this: Tagged): void {
  this[kRelay]!.peer(this).resume();
}
function onRelayEnd(this: Tagged): void {
  const peer = this[kRelay]!.peer(this);
  // The last direction ends: when the peer's own end came earlier and nothing
  // waits in its write queue, closing it sends the same FIN (the kernel sends
  // what it holds first, and there is nothing left to read) without a
  // shutdown before the close.
  if (peer.readableEnded && peer.writableLength === 0) peer.destroy();
  else peer.end();
}
function onRelayError(this: Tagged): void {
  const r = this[kRelay]!;
  r.client.destroy();
  r.upstream.destroy();
}
function onRelayClose(this: Tagged): void {
  const r = this[kRelay]!;
  r.closed += 1;
  if (r.closed === 1) {
    // One side is gone: give the other no more than its pending writes.
    if (r.client.destroyed && !r.upstream.destroyed) r.upstream.destroy();
    if (r.upstream.destroyed && !r.client.destroyed) r.client.end();
  }
  if (r.closed === 2) {
    unwatch(r);
    // Nothing of this connection stays reachable from its sockets once done.
    (r.client as Tagged)[kRelay] = undefined;
    (r.upstream as Tagged)[kRelay] = undefined;
    r.done({ bytesUp: r.upstream.bytesWritten, bytesDown: r.upstream.bytesRead }, r.arg);
  }
}

/**
 * One sweep for every relay instead of two timers per relay (idle
 * connections are what a proxy holds most of): a relay whose byte counts did
 * not move for its idle time is closed.
 */
const watched = new Roster<Relay>();
let sweeper: NodeJS.Timeout | undefined;

function sweep(): void {
  if (watched.size === 0) {
    // Stopped here, not when the last relay closes: a proxy that serves one
    // connection at a time would otherwise start and stop the timer for each.
    clearInterval(sweeper);
    sweeper = undefined;
    return;
  }
  const now = Date.now();
  for (const w of watched.members) {
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

function watch(w: Relay): void {
  watched.add(w);
  if (sweeper === undefined) {
    sweeper = setInterval(sweep, Math.max(250, Math.min(5_000, Math.floor(w.idleMs / 4))));
    sweeper.unref();
  }
}

function unwatch(w: Relay): void {
  watched.delete(w);
}

function upstreamGone(this: Tagged): void {
  const r = this[kRelay]!;
  r.done({ bytesUp: r.upstream.bytesWritten, bytesDown: r.upstream.bytesRead }, r.arg);
}

function relayed(s: Socket): void {
  s.on("close", onRelayClose);
  s.on("error", onRelayError);
  s.on("data", onRelayData);
  s.on("drain", onRelayDrain);
  s.on("end", onRelayEnd);
}

/**
 * Relays `client <-> upstream` until both directions are done or either side
 * fails or stays idle for `idleMs`. `head` holds client bytes already read.
 * Calls `done` with the byte counts once both sockets are closed.
 */
export function startRelay<T>(client: Socket, upstream: Socket, head: readonly Buffer[], idleMs: number, done: (stats: RelayStats, arg: T) => void, arg: T): void {
  const r = new Relay(client, upstream, idleMs, done as (stats: RelayStats, arg: unknown) => void, arg);
  (upstream as Tagged)[kRelay] = r;
  if (client.destroyed) {
    // The client left while the upstream socket was opening.
    upstream.once("close", upstreamGone);
    upstream.destroy();
    return;
  }
  (client as Tagged)[kRelay] = r;
  if (idleMs > 0) watch(r);
  relayed(client);
  relayed(upstream);
  for (const chunk of head) upstream.write(chunk);
  client.resume();
  upstream.resume();
}

/** `startRelay` as a promise. */
export function relay(client: Socket, upstream: Socket, head: readonly Buffer[], idleMs: number): Promise<RelayStats> {
  return new Promise((resolve) => startRelay(client, upstream, head, idleMs, resolve, undefined));
}
