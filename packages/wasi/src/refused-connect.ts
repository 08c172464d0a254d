/**
 * A tcp socket whose `start-connect` the policy refused, as wasmtime's host
 * leaves it (`sockets/tcp.rs`): the permission check runs inside the connect
 * future, so `start-connect` succeeds and the socket is `Connecting` until
 * `finish-connect` answers `access-denied`; from then on it is
 * `Closed(access-denied)`. The shim's socket underneath never saw the
 * connect (it is still new), so the calls whose answer depends on the state
 * are answered here, each in wasmtime's order: a value check first where
 * wasmtime has one, then the state.
 */

/** Setters that refuse the value 0 with `invalid-argument` before they look at the socket. */
const ZERO_IS_INVALID: ReadonlySet<string> = new Set(["setListenBacklogSize", "setKeepAliveIdleTime", "setKeepAliveInterval", "setKeepAliveCount"]);

/**
 * What a socket option call or an address query throws on a refused socket:
 * wasmtime's `as_fd()` is `invalid-state` while connecting and the socket's
 * error once closed (`local-address`, `remote-address` and
 * `set-listen-backlog-size` answer alike).
 */
export function refusedOption(connecting: boolean, name: string, value: unknown): never {
  if (ZERO_IS_INVALID.has(name) && (value === 0n || value === 0)) throw "invalid-argument";
  throw connecting ? "invalid-state" : "access-denied";
}
