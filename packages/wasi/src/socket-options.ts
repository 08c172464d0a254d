/**
 * The socket options a guarded socket passes to the shim's socket as they
 * are: they carry no address, so the policy has nothing to decide in them
 * (whether the protocol is on at all was decided when the socket was made;
 * the gate checks it again, failing closed). One definition serves tcp and
 * udp.
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

/** Defines each of `names` on `proto` as `gate()`, then the same method of `inner(this)` with the same arguments. */
export function forwardOptions(proto: object, names: readonly string[], inner: (self: never) => ShimObject, gate: () => void): void {
  for (const name of names) {
    Object.defineProperty(proto, name, {
      configurable: true,
      writable: true,
      value: function forward(this: never, ...args: unknown[]): unknown {
        gate();
        return (inner(this)[name] as (...a: unknown[]) => unknown)(...args);
      },
    });
  }
}
