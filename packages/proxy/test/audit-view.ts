/**
 * A flat view of the one audit record (@netperm/core `AuditRecord`) for the
 * proxy's tests: the fields they assert on, named as the tests name them
 * (verdict, reason, rule, target, connected, bytes), read from the record's
 * decision and connection. `verdict` is `error` when the record carries a
 * connection error (an allowed target that failed, an allowed name without
 * a usable answer).
 */
import type { AuditRecord } from "../src/index.js";

export interface AuditView {
  readonly protocol: string;
  readonly op: string;
  readonly client: string | undefined;
  /** The decided `host:port` (canonical host). */
  readonly target: string;
  readonly connected: string | null;
  readonly verdict: "allow" | "deny" | "error";
  readonly reason: string;
  readonly rule: string | null;
  readonly message: string | undefined;
  readonly bytesUp: number;
  readonly bytesDown: number;
  readonly durationMs: number | undefined;
}

const FRONT_ENDS: Record<string, string> = { socks5: "socks5", udp: "socks5-udp", bind: "socks5-bind", connect: "http-connect", forward: "http" };

export function auditView(r: AuditRecord): AuditView {
  const d = r.decision;
  const c = r.connection;
  const host = d.host.includes(":") ? `[${d.host}]` : d.host;
  return {
    protocol: FRONT_ENDS[r.frontEnd] ?? r.frontEnd,
    op: d.op === "resolve" ? "connect" : d.op,
    client: r.client,
    target: d.port === undefined ? host : `${host}:${d.port}`,
    connected: c?.remote ?? null,
    verdict: c?.error !== undefined ? "error" : d.allowed ? "allow" : "deny",
    reason: d.reason,
    rule: d.rule?.flag ?? null,
    message: c?.error ?? d.message,
    bytesUp: c?.bytesUp ?? 0,
    bytesDown: c?.bytesDown ?? 0,
    durationMs: c?.durationMs,
  };
}
