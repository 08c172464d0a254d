/**
 * A set of live objects for the proxy's bookkeeping (open client sockets,
 * upstream sockets connecting, relays watched for idleness), where members
 * come and go once per connection: an array whose members each keep their
 * own index, so adding is a push and removing a swap with the last member
 * and a pop. Each member carries a number (a deadline, say).
 *
 * Not a `Set` or `Map`: one that sees an add and a delete per connection
 * is rebuilt into a new table every few connections, and measured with
 * `--trace-gc-nvp` on sequential SOCKS5 connections the proxy's `Set` of
 * sockets made each connection leave about twice the bytes to be promoted
 * by the young-generation collector (the sockets it had held stayed
 * reachable until a full collection), in about half the runs.
 *
 * The index is kept on the member under one symbol shared by every roster
 * (one property name, so the stores stay cheap): an object is a member of
 * one roster at a time. Every method checks the index against its own list,
 * so another roster's member is not one here, and adding it here throws
 * instead of corrupting the other.
 */
const kSlot = Symbol("netperm.roster");

type Slotted = { [kSlot]?: number | undefined };

export class Roster<T extends object> {
  /** The members, in no particular order. Read-only for callers. */
  readonly members: T[] = [];
  /** The number each member carries, at its member's index. Read-only for callers. */
  readonly stamps: number[] = [];

  get size(): number {
    return this.members.length;
  }

  /** Adds `item` carrying `stamp` (no effect when it is a member already). */
  add(item: T, stamp = 0): void {
    const slotted = item as Slotted;
    if (slotted[kSlot] !== undefined) {
      if (this.slotOf(item) !== undefined) return;
      throw new Error("Roster: the object is a member of another roster");
    }
    slotted[kSlot] = this.members.length;
    this.members.push(item);
    this.stamps.push(stamp);
  }

  /** Removes `item`; false when it was not a member. */
  delete(item: T): boolean {
    const i = this.slotOf(item);
    if (i === undefined) return false;
    (item as Slotted)[kSlot] = undefined;
    const last = this.members.pop()!;
    const stamp = this.stamps.pop()!;
    if (last !== item) {
      this.members[i] = last;
      this.stamps[i] = stamp;
      (last as Slotted)[kSlot] = i;
    }
    return true;
  }

  /** The number `item` carries, or undefined when it is not a member. */
  stampOf(item: T): number | undefined {
    const i = this.slotOf(item);
    return i === undefined ? undefined : this.stamps[i];
  }

  /** Changes the number a member carries (no effect on a non-member). */
  restamp(item: T, stamp: number): void {
    const i = this.slotOf(item);
    if (i !== undefined) this.stamps[i] = stamp;
  }

  /** `item`'s index in this roster, or undefined when it is not a member of this one. */
  private slotOf(item: T): number | undefined {
    const i = (item as Slotted)[kSlot];
    return i !== undefined && this.members[i] === item ? i : undefined;
  }
}
