/**
 * Reads a socket a few bytes at a time (`take(n)`), then gives back whatever
 * it had buffered beyond that (`release()`) so the socket can be piped. Used
 * by the namespace relay to follow a SOCKS5 handshake without owning it.
 */
import type { Socket } from "node:net";

export class ByteQueue {
  private buffered: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private ended = false;
  private readonly onData = (chunk: Buffer): void => {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    this.wake();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake();
  };

  constructor(private readonly socket: Socket) {
    socket.on("data", this.onData);
    socket.once("end", this.onEnd);
    socket.once("close", this.onEnd);
    socket.resume();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** The first byte, without consuming it; undefined at end of stream. */
  async peek(): Promise<number | undefined> {
    while (this.buffered.length < 1 && !this.ended) await new Promise<void>((r) => (this.waiter = r));
    return this.buffered[0];
  }

  /** Exactly `n` bytes; undefined when the stream ends first. */
  async take(n: number): Promise<Buffer | undefined> {
    while (this.buffered.length < n && !this.ended) await new Promise<void>((r) => (this.waiter = r));
    if (this.buffered.length < n) return undefined;
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  /** Stops reading; returns the bytes read but not taken (the socket is paused). */
  release(): Buffer {
    this.socket.off("data", this.onData);
    this.socket.off("end", this.onEnd);
    this.socket.off("close", this.onEnd);
    this.socket.pause();
    const rest = this.buffered;
    this.buffered = Buffer.alloc(0);
    return rest;
  }
}
