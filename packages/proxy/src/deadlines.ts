/**
 * Deadlines for many sockets with one timer: instead of a `setTimeout` per
 * connection (a handshake, an upstream connect), each socket is noted with
 * its deadline and one sweep ends those past it. The sockets are a `Roster`
 * (no `Map` rebuilt every few connections). A socket can stay a member with
 * its clock stopped (`stop`): the proxy keeps every open client socket here,
 * its clock running only while it handshakes, so one list serves the
 * connection count, `close()` and the handshake deadline.
 */
import type { Socket } from "node:net";
import { Roster } from "./roster.js";

export class Deadlines {
  private readonly due = new Roster<Socket>();
  /** Members whose clock runs: the sweep's timer runs only while there are some. */
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly period: number;

  /** `ms`: how long each socket gets; `expire` is called once for a socket past it (which stays a member until deleted). */
  constructor(
    private readonly ms: number,
    private readonly expire: (socket: Socket) => void,
  ) {
    this.period = Math.max(10, Math.min(1_000, Math.floor(ms / 10)));
  }

  /** Adds `socket` with its clock started. */
  add(socket: Socket): void {
    if (this.due.stampOf(socket) !== undefined) return;
    this.due.add(socket, Date.now() + this.ms);
    this.running += 1;
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.sweep(), this.period);
      this.timer.unref();
    }
  }

  /** Stops the clock of `socket` (done in time); it stays a member. */
  stop(socket: Socket): void {
    const at = this.due.stampOf(socket);
    if (at === undefined || at === Number.POSITIVE_INFINITY) return;
    this.due.restamp(socket, Number.POSITIVE_INFINITY);
    this.running -= 1;
  }

  /** Removes `socket` (gone), its clock stopped. */
  delete(socket: Socket): void {
    const at = this.due.stampOf(socket);
    if (at === undefined) return;
    if (at !== Number.POSITIVE_INFINITY) this.running -= 1;
    this.due.delete(socket);
  }

  /** Members, with their clock running or not. */
  get size(): number {
    return this.due.size;
  }

  /** The members, in no particular order (a copy). */
  sockets(): Socket[] {
    return [...this.due.members];
  }

  private sweep(): void {
    const now = Date.now();
    const { members, stamps } = this.due;
    // A socket past its time stays a member (its owner deletes it when it is
    // gone); backwards, so that a deletion during `expire` (which moves the
    // last member into the slot, one already looked at) skips no one.
    for (let i = members.length - 1; i >= 0; i--) {
      if (i >= members.length || stamps[i]! > now) continue;
      const socket = members[i]!;
      this.stop(socket);
      this.expire(socket);
    }
    if (this.running === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
