/**
 * Host and port as text, the way enforcement points read and write them:
 * `host:port` with IPv6 in brackets (`[::1]:80`), as URL authorities, HTTP
 * CONNECT targets and the audit record's `connection.remote` spell them.
 * One formatter and one splitter, so the wasi:http authority, the proxy's
 * CONNECT target, the CLI's `tcp://HOST:PORT` and the audit log agree.
 */
import { MAX_PORT } from "../grammar/ports.js";

/**
 * `host:port`, bracketing an IPv6 host (any host with a `:` not already in
 * brackets); `host` alone when `port` is undefined.
 *
 * @example
 * hostPort("::1", 80); // "[::1]:80"
 * hostPort("example.com", 443); // "example.com:443"
 * hostPort("::1", undefined); // "[::1]"
 */
export function hostPort(host: string, port: number | undefined): string {
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

/** Strips one pair of brackets (`[::1]` -> `::1`); any other host is returned as it is. */
export function bareHost(host: string): string {
  return host.length >= 2 && host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** An authority split into its host (without brackets) and port. */
export interface Authority {
  readonly host: string;
  readonly port: number;
}

// `[v6]` (anything but brackets inside, a zone included) or a host with no `:`, `@`, `/`, `\`, brackets or space; then `:port`.
const AUTHORITY = /^(?:\[([^[\]\s/@]+)\]|([^:[\]\s/@\\]+))(?::([0-9]{1,5}))?$/;

/**
 * Splits `host:port`, `[v6]:port` (and, when `defaultPort` is given, `host`
 * or `[v6]` alone) into host and port. The host is returned as written,
 * without brackets; deciding whether it is a valid name or IP is core's
 * `decide`. Undefined (the caller refuses) for anything else: an empty host,
 * an IPv6 host without brackets, userinfo (`user@host`), a path, a port
 * missing without a default, or a port above 65535.
 *
 * @example
 * splitAuthority("[::1]:8080"); // { host: "::1", port: 8080 }
 * splitAuthority("example.com", 443); // { host: "example.com", port: 443 }
 * splitAuthority("::1:80"); // undefined
 */
export function splitAuthority(authority: string, defaultPort?: number): Authority | undefined {
  if (typeof authority !== "string" || authority.length > 1024) return undefined;
  const m = AUTHORITY.exec(authority);
  if (m === null) return undefined;
  const host = m[1] ?? m[2] ?? "";
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (port === undefined || !Number.isInteger(port) || port < 0 || port > MAX_PORT) return undefined;
  return { host, port };
}
