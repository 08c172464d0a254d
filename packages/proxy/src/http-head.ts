/**
 * HTTP/1.x message heads, read incrementally and bounded: bytes are
 * collected until the blank line, never more than `maxBytes`, then parsed
 * strictly (CRLF line ends, token header names, no obsolete line folding,
 * no control characters). Anything else is an error, answered 400/502.
 */
import type { SocketReader } from "./reader.js";

export type Header = readonly [name: string, value: string];

export interface RequestHead {
  readonly method: string;
  readonly target: string;
  /** `HTTP/1.1` or `HTTP/1.0`. */
  readonly version: string;
  readonly headers: readonly Header[];
}

export interface ResponseHead {
  readonly version: string;
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly Header[];
}

export type HeadResult<T> =
  | { kind: "ok"; head: T }
  | { kind: "eof" }
  | { kind: "too-large" }
  | { kind: "malformed"; error: string };

const END = Buffer.from("\r\n\r\n");
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible ASCII, space, tab and obs-text; no CR, LF or NUL.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Reads one head from `reader`: `eof` when the stream ended before any byte,
 * `too-large` past `maxBytes`, `malformed` for a truncated or bad head.
 * Bytes after the head are put back for the body.
 */
export async function readHead(reader: SocketReader, maxBytes: number): Promise<HeadResult<string[]>> {
  let buf: Buffer | undefined;
  for (;;) {
    const chunk = await reader.read();
    if (chunk === null) return buf === undefined ? { kind: "eof" } : { kind: "malformed", error: "truncated head" };
    const from = buf === undefined ? 0 : Math.max(0, buf.length - 3);
    buf = buf === undefined ? chunk : Buffer.concat([buf, chunk]);
    // Tolerate the empty lines RFC 9112 §2.2 allows before a request line.
    while (buf.length >= 2 && buf[0] === 0x0d && buf[1] === 0x0a) buf = buf.subarray(2);
    const end = buf.indexOf(END, from);
    if (end >= 0) {
      if (end + 4 > maxBytes) return { kind: "too-large" };
      reader.unshift(buf.subarray(end + 4));
      return { kind: "ok", head: buf.subarray(0, end).toString("latin1").split("\r\n") };
    }
    if (buf.length > maxBytes) return { kind: "too-large" };
  }
}

function parseHeaders(lines: readonly string[]): readonly Header[] | string {
  const headers: Header[] = [];
  for (const line of lines) {
    if (line.startsWith(" ") || line.startsWith("\t")) return "obsolete line folding";
    const colon = line.indexOf(":");
    if (colon <= 0) return "header without a name";
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return "bad header name";
    const value = line.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) return "bad header value";
    headers.push([name, value]);
  }
  return headers;
}

/** Parses the lines of a request head. */
export function parseRequestHead(lines: readonly string[]): RequestHead | string {
  const [start, ...rest] = lines;
  const parts = (start ?? "").split(" ");
  if (parts.length !== 3) return "bad request line";
  const [method, target, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) return "bad method";
  if (target.length === 0 || /[\x00-\x20\x7f]/.test(target)) return "bad request target";
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") return "unsupported HTTP version";
  const headers = parseHeaders(rest);
  if (typeof headers === "string") return headers;
  return { method, target, version, headers };
}

/** Parses the lines of a response head. */
export function parseResponseHead(lines: readonly string[]): ResponseHead | string {
  const [start, ...rest] = lines;
  const m = /^(HTTP\/1\.[01]) (\d{3})(?: (.*))?$/.exec(start ?? "");
  if (m === null) return "bad status line";
  const headers = parseHeaders(rest);
  if (typeof headers === "string") return headers;
  return { version: m[1]!, status: Number(m[2]), reason: m[3] ?? "", headers };
}

/** All values of a header (case-insensitive name). */
export function headerValues(headers: readonly Header[], name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** Comma-separated tokens of every instance of a header, lower-cased. */
export function headerTokens(headers: readonly Header[], name: string): string[] {
  return headerValues(headers, name)
    .flatMap((v) => v.split(","))
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t.length > 0);
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "upgrade",
]);

/**
 * Drops hop-by-hop headers (RFC 9110 §7.6.1) and those the Connection header
 * names. Transfer-Encoding is kept: the proxy forwards chunked bodies as they are.
 */
export function endToEnd(headers: readonly Header[]): Header[] {
  const named = new Set(headerTokens(headers, "connection"));
  return headers.filter(([n]) => {
    const lower = n.toLowerCase();
    return !HOP_BY_HOP.has(lower) && (lower === "transfer-encoding" || !named.has(lower));
  });
}

/** Serialises a head. */
export function serializeHead(startLine: string, headers: readonly Header[]): Buffer {
  let text = `${startLine}\r\n`;
  for (const [n, v] of headers) text += `${n}: ${v}\r\n`;
  return Buffer.from(`${text}\r\n`, "latin1");
}

/** How a message body is delimited. */
export type Framing = { kind: "none" } | { kind: "length"; length: number } | { kind: "chunked" } | { kind: "close" };

/**
 * The framing of a message from its headers, strictly: Transfer-Encoding
 * must be exactly `chunked`, Content-Length one non-negative integer, never
 * both (request smuggling defence). `close` only for responses.
 */
export function framingOf(headers: readonly Header[], isResponse: boolean): Framing | string {
  const te = headerTokens(headers, "transfer-encoding");
  const cl = headerValues(headers, "content-length").flatMap((v) => v.split(",")).map((v) => v.trim());
  if (te.length > 0) {
    if (cl.length > 0) return "both Transfer-Encoding and Content-Length";
    if (te.length !== 1 || te[0] !== "chunked") return "unsupported Transfer-Encoding";
    return { kind: "chunked" };
  }
  if (cl.length > 0) {
    if (!cl.every((v) => /^\d{1,15}$/.test(v)) || new Set(cl).size !== 1) return "bad Content-Length";
    return { kind: "length", length: Number(cl[0]) };
  }
  return isResponse ? { kind: "close" } : { kind: "none" };
}
