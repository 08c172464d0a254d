/**
 * The socket options a guarded socket passes to the shim's socket as they
 * are: they carry no address, so the policy has nothing to decide in them
 * (whether the protocol is on at all was decided when the socket was made;
 * `before` checks it again, failing closed, and may answer for a socket the
 * shim must not be asked about). One definition serves tcp and udp.
 */
import type { ShimObject } from "./context.js";

export const TCP_OPTIONS = [
  "setListenBacklogSize",
  "keepAliveEnabled",
  "setKeepAliveEnabled",
  "keepAliveIdleTime",
  "setKeepAliveIdleTime",
  "keepAliveInterval",
  "setKeepAliveInterval",
  "keepAliveCount",
  "setKeepAliveCount",
  "hopLimit",
  "setHopLimit",
  "receiveBufferSize",
  "setReceiveBufferSize",
  "sendBufferSize",
  "setSendBufferSize",
] as const;

export const UDP_OPTIONS = ["unicastHopLimit", "setUnicastHopLimit", "receiveBufferSize", "setReceiveBufferSize", "sendBufferSize", "setSendBufferSize"] as const;

/** Defines each of `names` on `proto` as `before(this, name, args)`, then the same method of `inner(this)` with the same arguments. */
export function forwardOptions<S>(proto: object, names: readonly string[], inner: (self: S) => ShimObject, before: (self: S, name: string, args: unknown[]) => void): void {
  for (const name of names) {
    Object.defineProperty(proto, name, {
      configurable: true,
      writable: true,
      value: function forward(this: S, ...args: unknown[]): unknown {
        before(this, name, args);
        return (inner(this)[name] as (...a: unknown[]) => unknown)(...args);
      },
    });
  }
}
