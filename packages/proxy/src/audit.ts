/**
 * The audit record: one JSON line per decision (DESIGN §4, `--audit FILE`).
 * A record is opened when the decision is made and written when the
 * connection it allowed closes (so it carries the byte counts and the
 * duration); a refusal is written at once.
 */
import { appendFileSync, createWriteStream, type WriteStream } from "node:fs";
import type { Decision } from "@netperm/core";

/** Which front end of the proxy the request came through. */
export type FrontEnd = "socks5" | "socks5-udp" | "socks5-bind" | "http-connect" | "http";

export interface AuditRecord {
  /** ISO 8601 time of the decision. */
  readonly time: string;
  /** The client as `ip:port` (IPv6 in brackets). */
  readonly client: string;
  readonly protocol: FrontEnd;
  readonly op: "connect" | "bind" | "send";
  /** The target exactly as the client asked for it, `host:port`. */
  readonly target: string;
  /** Where the socket really went, `ip:port`; null when no socket was opened. */
  readonly connected: string | null;
  /** `allow`, `deny` (the policy refused) or `error` (allowed but the target failed or did not resolve). */
  readonly verdict: "allow" | "deny" | "error";
  readonly reason: Decision["reason"];
  /** The canonical flag that decided, or null. */
  readonly rule: string | null;
  readonly message?: string;
  /** Bytes sent to the target / received from it. */
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Milliseconds from the decision to the close. */
  readonly durationMs: number;
}

/** Formats `host:port`, bracketing IPv6. */
export function hostPort(host: string, port: number | undefined): string {
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

/** One decision in flight: fill in what happened, then `finish()` once. */
export class AuditEntry {
  readonly started = Date.now();
  connected: string | null = null;
  verdict: AuditRecord["verdict"];
  bytesUp = 0;
  bytesDown = 0;
  message: string | undefined;
  private finished = false;

  constructor(
    readonly client: string,
    readonly protocol: FrontEnd,
    readonly target: string,
    readonly decision: Decision,
    private readonly sink: (record: AuditRecord) => void,
  ) {
    this.verdict = decision.allowed ? "allow" : "deny";
    this.message = decision.message;
  }

  /** Writes the record (once; later calls do nothing). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const d = this.decision;
    const record: AuditRecord = {
      time: new Date(this.started).toISOString(),
      client: this.client,
      protocol: this.protocol,
      op: d.op === "resolve" ? "connect" : d.op,
      target: this.target,
      connected: this.connected,
      verdict: this.verdict,
      reason: d.reason,
      rule: d.rule?.flag ?? null,
      ...(this.message === undefined ? {} : { message: this.message }),
      bytesUp: this.bytesUp,
      bytesDown: this.bytesDown,
      durationMs: Date.now() - this.started,
    };
    this.sink(record);
  }
}

/** Appends records as JSON lines to a file; `close()` flushes. */
export interface AuditFile {
  write(record: AuditRecord): void;
  close(): Promise<void>;
}

/** Opens `path` for appending (created if missing). Writes are ordered; `close` waits for them. */
export function openAuditFile(path: string): AuditFile {
  appendFileSync(path, "");
  const stream: WriteStream = createWriteStream(path, { flags: "a" });
  return {
    write: (record) => {
      stream.write(`${JSON.stringify(record)}\n`);
    },
    close: () => new Promise((resolve) => stream.end(() => resolve())),
  };
}
