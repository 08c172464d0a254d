/**
 * Sends a `wasi:http` request through the shim, pinned to the endpoints
 * netperm checked: the request itself (authority, `Host`, TLS server name,
 * body, response) is the shim's, unchanged; only where its connection goes
 * is netperm's. The pinning runs in the shim's own I/O worker, where the
 * shim's HTTP client lives (http-pin-worker.js, loaded through the shim's
 * extension hook `callExtension`).
 */
import { callExtension } from "@bytecodealliance/preview2-shim/io-worker";

/** Where one request may connect: its checked addresses, in order, and port. */
export interface Endpoints {
  readonly addresses: readonly string[];
  readonly port: number;
}

const WORKER = new URL("./http-pin-worker.js", import.meta.url);

/** The host and port the shim's worker passes to `http.request` for `authority` (it splits at the first `:`). */
export function shimHostPort(authority: string, defaultPort: number): { readonly host: string; readonly port: number } {
  const [host = "", port] = authority.split(":");
  return { host, port: port === undefined || port === "" ? defaultPort : Number(port) };
}

/**
 * Pins the next request the shim makes (for `authority`, `defaultPort` its
 * scheme's) to `to`: make exactly that one request next. The request uses
 * the pin up in the shim's worker; when the shim refuses the request before
 * it reaches the worker (it throws), call `drop`. Throws when the pin cannot
 * be set (the caller refuses the request then).
 */
export function pin(authority: string, defaultPort: number, to: Endpoints): void {
  const { host, port } = shimHostPort(authority, defaultPort);
  const addresses = to.addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  callExtension(WORKER, "arm", [{ host, port, connectPort: to.port, addresses }]);
}

/** Drops a pin whose request never reached the shim's worker. Never throws. */
export function drop(): void {
  try {
    callExtension(WORKER, "disarm", []);
  } catch {
    // The shim's worker failed: every later call of it fails too, so no request can use the pin.
  }
}
