/**
 * The audit record: what every enforcement point writes, one JSON line per
 * decision, with `--audit FILE` (`netperm run`, `proxy`, `exec`). Defined
 * once here, with its JSON Schema beside the package
 * (`@netperm/core/audit-record.schema.json`), so a log pipeline reads one
 * shape whatever command wrote the line.
 *
 * A record holds:
 * - `decision`: the decision value, exactly what `netperm check --json`
 *   prints (op, protocol, host, port, allowed, reason, the deciding rule as
 *   flag + index + source, the mapped target, the family);
 * - `time`: when it was decided (ISO 8601);
 * - `point` and `frontEnd`: which enforcement point decided, and through
 *   which of its front ends the request came;
 * - `client`: who asked (the proxy's client `ip:port`, a WASI instance's id);
 * - `connection`: for an allowed operation that opened a socket, where the
 *   socket really went and, where the point counts them, bytes each way and
 *   the duration; `error` when the allowed operation failed anyway.
 *
 * Building a record is cheap and pure; writing it (I/O) is the caller's.
 */
import { decisionValue } from "../matcher/lazy-decisions.js";
import type { Decision } from "../types.js";

/** The program that enforced: the guarded WASI host, the proxy, or `exec`'s namespace. */
export type EnforcementPoint = "wasi" | "proxy" | "exec";

/**
 * Where the request came in.
 * - wasi: `tcp`, `udp` (wasi:sockets), `lookup` (ip-name-lookup), `http` (wasi:http).
 * - proxy (and exec's outbound, which goes through the proxy): `socks5`
 *   (CONNECT), `udp` (SOCKS5 UDP ASSOCIATE), `bind` (SOCKS5 BIND),
 *   `connect` (HTTP CONNECT), `forward` (plain HTTP forwarding).
 * - exec: `inbound` (a published port).
 */
export type FrontEnd = "tcp" | "udp" | "lookup" | "http" | "socks5" | "bind" | "connect" | "forward" | "inbound";

/** What an allowed operation did with its socket. */
export interface AuditConnection {
  /** Where the socket really went (connect) or was bound (bind), `ip:port`, IPv6 in brackets. */
  readonly remote?: string;
  /** Bytes sent towards the target (the guest's or client's writes). */
  readonly bytesUp?: number;
  /** Bytes received from the target. */
  readonly bytesDown?: number;
  /** Milliseconds from the decision to the close. */
  readonly durationMs?: number;
  /** Why an allowed operation failed anyway (`ECONNREFUSED`, `not-resolved`, ...). */
  readonly error?: string;
}

/** One line of `--audit FILE`. */
export interface AuditRecord {
  /** ISO 8601 time of the decision. */
  readonly time: string;
  readonly point: EnforcementPoint;
  readonly frontEnd: FrontEnd;
  /** Who asked: the client `ip:port` (proxy, exec inbound), `netns:<pid>/127.0.0.1:<port>` for a connection out of exec's namespace (the namespace by its first process's host pid, and the program's socket in it), the instance id (wasi). */
  readonly client?: string;
  /** The decision value, as `netperm check --json` prints it. */
  readonly decision: Decision;
  readonly connection?: AuditConnection;
}

/** Where a decision was made. */
export interface AuditContext {
  readonly point: EnforcementPoint;
  readonly frontEnd: FrontEnd;
  readonly client?: string;
}

/**
 * The record of `decision`, made at `at` (milliseconds since the epoch,
 * default now). The decision is copied as a plain value.
 */
export function auditRecord(decision: Decision, context: AuditContext, connection?: AuditConnection, at: number = Date.now()): AuditRecord {
  return {
    time: new Date(at).toISOString(),
    point: context.point,
    frontEnd: context.frontEnd,
    ...(context.client === undefined ? {} : { client: context.client }),
    decision: decisionValue(decision),
    ...(connection === undefined ? {} : { connection }),
  };
}

/** The record as one JSON line, newline included. */
export function auditLine(record: AuditRecord): string {
  return `${JSON.stringify(record)}\n`;
}
