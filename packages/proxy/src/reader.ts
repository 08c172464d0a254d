/**
 * A reader over a socket for the handshake phase, two ways: the HTTP parsers
 * pull bytes with `await read()` and put back what they did not use with
 * `unshift()`; the SOCKS5 handshake, whose messages are a few bytes that are
 * almost always buffered already, looks at them synchronously with `peek()`
 * and `skip()` from an `onReadable` callback (no promise, no microtask per
 * message). `detach()` hands the leftover bytes over when the connection
 * turns into a plain relay. Reading pauses the socket while the queue holds
 * more than `highWater` bytes, so a fast peer cannot grow it.
 */
import type { Socket } from "node:net";

/** The reader of a socket, for the shared listeners below (no closures per connection). */
const kReader = Symbol("netperm.reader");
type Read = Socket & { [kReader]?: SocketReader | undefined };

function onData(this: Read, chunk: Buffer): void {
  this[kReader]?.took(chunk);
}
function onEnd(this: Read): void {
  this[kReader]?.closed();
}
function onError(this: Read, err: Error): void {
  this[kReader]?.failed(err);
}

export class SocketReader {
  private queue: Buffer[] = [];
  private queued = 0;
  private eof = false;
  private failure: Error | undefined;
  private waiter: (() => void) | undefined;
  /**
   * Called synchronously, with this reader, when bytes arrive or the stream
   * ends (the synchronous parsers' wake-up); `owner` is theirs to find their
   * state by, so that the callback can be one shared function.
   */
  onReadable: ((reader: SocketReader) => void) | undefined = undefined;
  owner: unknown = undefined;

  constructor(
    readonly socket: Socket,
    private readonly highWater = 64 * 1024,
  ) {
    (socket as Read)[kReader] = this;
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("close", onEnd);
    socket.on("error", onError);
  }

  /** @internal The socket's listeners. */
  took(chunk: Buffer): void {
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queued > this.highWater) this.socket.pause();
    this.wake();
  }
  /** @internal */
  closed(): void {
    this.eof = true;
    this.wake();
  }
  /** @internal */
  failed(err: Error): void {
    this.failure = err;
    this.wake();
  }

  /** Bytes buffered and not yet read. */
  get buffered(): number {
    return this.queued;
  }

  /** The next chunk, or `null` at end of stream (or after an error or close). */
  async read(): Promise<Buffer | null> {
    for (;;) {
      const chunk = this.queue.shift();
      if (chunk !== undefined) {
        this.queued -= chunk.length;
        if (this.queued <= this.highWater && this.socket.isPaused()) this.socket.resume();
        return chunk;
      }
      if (this.eof || this.failure !== undefined || this.socket.destroyed) return null;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  /** True once the stream ended, failed or closed (bytes may still be buffered). */
  get ended(): boolean {
    return this.eof || this.failure !== undefined || this.socket.destroyed;
  }

  /**
   * A buffer that starts with the first `n` buffered bytes (and may hold
   * more), without consuming them, or `undefined` while fewer are buffered.
   * Within one chunk (the usual case) that chunk itself, no copy; spread over
   * chunks (a peer writing byte by byte) they are joined once.
   */
  peek(n: number): Buffer | undefined {
    if (this.queued < n) return undefined;
    const first = this.queue[0]!;
    if (first.length >= n) return first;
    const joined = Buffer.concat(this.queue, this.queued);
    this.queue = [joined];
    return joined;
  }

  /** Consumes `n` bytes (at most what is buffered). */
  skip(n: number): void {
    let left = Math.min(n, this.queued);
    this.queued -= left;
    while (left > 0) {
      const first = this.queue[0]!;
      if (first.length <= left) {
        this.queue.shift();
        left -= first.length;
      } else {
        this.queue[0] = first.subarray(left);
        left = 0;
      }
    }
    if (this.queued <= this.highWater && this.socket.isPaused()) this.socket.resume();
  }

  /** Puts bytes back at the front, to be returned by the next `read()`. */
  unshift(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.queue.unshift(chunk);
    this.queued += chunk.length;
  }

  /** True once the peer has ended and everything buffered was read. */
  get done(): boolean {
    return this.queue.length === 0 && (this.eof || this.failure !== undefined || this.socket.destroyed);
  }

  /**
   * Stops reading: removes the listeners, leaves the socket paused and returns
   * what was buffered. `flowing`: the caller adds its own `data` listener in
   * the same synchronous step, so the socket is not paused (and need not be
   * resumed): no chunk can be emitted in between.
   */
  detach(flowing = false): Buffer[] {
    if (!flowing) this.socket.pause();
    this.socket.off("data", onData);
    this.socket.off("end", onEnd);
    this.socket.off("close", onEnd);
    this.socket.off("error", onError);
    (this.socket as Read)[kReader] = undefined;
    const rest = this.queue;
    this.queue = [];
    this.queued = 0;
    this.onReadable = undefined;
    this.owner = undefined;
    this.wake();
    return rest;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
    this.onReadable?.(this);
  }
}

/** Reads exactly `n` bytes, or returns `null` when the stream ends first. */
export async function readExactly(reader: SocketReader, n: number): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let have = 0;
  while (have < n) {
    const chunk = await reader.read();
    if (chunk === null) return null;
    const need = n - have;
    if (chunk.length > need) {
      parts.push(chunk.subarray(0, need));
      reader.unshift(chunk.subarray(need));
      have = n;
    } else {
      parts.push(chunk);
      have += chunk.length;
    }
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
}

/**
 * Writes `data` and waits until the socket can take more (backpressure).
 * Resolves `false` when the socket closed before the write could complete.
 */
export function writeAll(socket: Socket, data: Buffer | string): Promise<boolean> {
  if (socket.destroyed || socket.writableEnded) return Promise.resolve(false);
  if (socket.write(data)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      socket.off("drain", onDrain);
      socket.off("close", onClose);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    socket.on("drain", onDrain);
    socket.on("close", onClose);
  });
}
