/**
 * The proxy's side of the one audit record (`AuditRecord` from
 * @netperm/core): a decision is noted when it is made (a few plain fields,
 * no record, no time string) and finished once, in `finishDecision`, when
 * the connection it allowed closes (so the record carries the byte counts
 * and the duration) or at once for a refusal. The record is built there and
 * only when someone reads it (an audit file or an `audit` listener).
 */
import { appendFileSync, createWriteStream, type WriteStream } from "node:fs";
import { auditLine, auditRecord, type AuditConnection, type AuditRecord, type Decision, type EnforcementPoint, type FrontEnd } from "@netperm/core";

/** The front ends of the proxy: SOCKS5 CONNECT, UDP ASSOCIATE, BIND; HTTP CONNECT, HTTP forwarding. */
export type ProxyFrontEnd = Extract<FrontEnd, "socks5" | "udp" | "bind" | "connect" | "forward">;

/** One decision in flight: fill in what happened, then `finishDecision` once. */
export interface Pending {
  readonly decision: Decision;
  readonly frontEnd: ProxyFrontEnd;
  /** The client `ip:port`, or undefined when nobody reads records. */
  readonly client: string | undefined;
  /** Milliseconds since the epoch, at the decision. */
  readonly at: number;
  /** Where the socket really went (or was bound), `ip:port`. */
  remote: string | undefined;
  /** Why an allowed operation failed anyway, or why an allowed name had no usable answer. */
  error: string | undefined;
  bytesUp: number;
  bytesDown: number;
  finished: boolean;
}

/** Where finished records go. */
export interface AuditSink {
  readonly point: EnforcementPoint;
  /** True when a record would be read (file or listener): otherwise none is built. */
  wanted(): boolean;
  write(record: AuditRecord): void;
}

export function pending(decision: Decision, frontEnd: ProxyFrontEnd, client: string | undefined): Pending {
  return { decision, frontEnd, client, at: Date.now(), remote: undefined, error: undefined, bytesUp: 0, bytesDown: 0, finished: false };
}

/** The one place a decision's record is finished (later calls do nothing). */
export function finishDecision(sink: AuditSink, p: Pending): void {
  if (p.finished) return;
  p.finished = true;
  if (!sink.wanted()) return;
  let connection: AuditConnection | undefined;
  if (p.decision.allowed) {
    connection = {
      ...(p.remote === undefined ? {} : { remote: p.remote }),
      bytesUp: p.bytesUp,
      bytesDown: p.bytesDown,
      durationMs: Math.max(0, Date.now() - p.at),
      ...(p.error === undefined ? {} : { error: p.error }),
    };
  } else if (p.error !== undefined) {
    connection = { error: p.error };
  }
  const context = { point: sink.point, frontEnd: p.frontEnd, ...(p.client === undefined ? {} : { client: p.client }) };
  sink.write(auditRecord(p.decision, context, connection, p.at));
}

/** Appends records as JSON lines to a file; `close()` flushes. */
export interface AuditFile {
  write(record: AuditRecord): void;
  close(): Promise<void>;
}

/**
 * Opens `path` for appending (created if missing). The file is opened with
 * O_APPEND and every line goes out whole in one write (a batch of whole
 * lines at most), so several processes (`--workers`) appending to one file
 * never interleave inside a line: on a regular file the kernel moves to the
 * end and writes in one step. Writes are ordered; `close` waits for them.
 */
export function openAuditFile(path: string): AuditFile {
  appendFileSync(path, "");
  const stream: WriteStream = createWriteStream(path, { flags: "a" });
  return {
    write: (record) => {
      stream.write(auditLine(record));
    },
    close: () => new Promise((resolve) => stream.end(() => resolve())),
  };
}
