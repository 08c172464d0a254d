/**
 * Deadlines for many sockets with one timer: instead of a `setTimeout` per
 * connection (a handshake, an upstream connect), each socket is noted with
 * its deadline and one sweep ends those past it. Every entry of one
 * `Deadlines` has the same length, so insertion order is deadline order and
 * a sweep stops at the first entry not yet due.
 */
import type { Socket } from "node:net";

export class Deadlines {
  private readonly due = new Map<Socket, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly period: number;

  /** `ms`: how long each socket gets; `expire` is called once for a socket past it. */
  constructor(
    private readonly ms: number,
    private readonly expire: (socket: Socket) => void,
  ) {
    this.period = Math.max(10, Math.min(1_000, Math.floor(ms / 10)));
  }

  /** Starts the clock for `socket`. */
  add(socket: Socket): void {
    this.due.set(socket, Date.now() + this.ms);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.sweep(), this.period);
      this.timer.unref();
    }
  }

  /** Stops the clock for `socket` (done in time, or gone). */
  delete(socket: Socket): void {
    this.due.delete(socket);
  }

  get size(): number {
    return this.due.size;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [socket, at] of this.due) {
      if (at > now) return;
      this.due.delete(socket);
      this.expire(socket);
    }
    if (this.due.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
