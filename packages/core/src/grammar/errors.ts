/**
 * The one error type of netperm. Every parse error carries a stable `code`,
 * the whole flag as typed (`input`), the `offset` and `length` of the part
 * that is wrong, and a message; `formatError` prints it with a caret frame.
 */
import { renderFrame } from "./frame.js";

/**
 * Stable error codes. They are part of the public API: a code is never
 * renamed or reused for another meaning.
 *
 * - `NETPERM_EMPTY`: a flag has no value (`--allow-outbound=`), or a flag given as two arguments lacks the second.
 * - `NETPERM_FLAG`: not one of the six rule flags (`--allow-net=...`), or a flag kind passed to `parseRule` is unknown.
 * - `NETPERM_SCHEME`: an outbound or inbound rule does not start with `tcp://` or `udp://`.
 * - `NETPERM_HOST`: the host part is missing or malformed (`tcp://:80`, `tcp://...:80`, an IP in a resolve rule, a bad interface name).
 * - `NETPERM_NAME`: a DNS name is invalid as a whole (bad character, longer than 253, IDNA failure, numeric).
 * - `NETPERM_LABEL`: one label of a DNS name is invalid (empty as in `a..b`, longer than 63, leading or trailing `-`).
 * - `NETPERM_WILDCARD`: a `*` anywhere but as the whole first label (`ex*mple.com`, `*.*.x`, `*.`).
 * - `NETPERM_IP`: an IP address is invalid (`1.2.3.256`, `[::g]`, IPv6 without brackets where a port may follow).
 * - `NETPERM_CIDR`: a CIDR prefix is invalid (`/33` for IPv4, `/129` for IPv6, not a number).
 * - `NETPERM_PORT`: a port is not a number in 0..65535, or a port list is malformed (`80,,443`).
 * - `NETPERM_PORT_RANGE`: a port range is reversed (`35999-35000`).
 * - `NETPERM_MAP`: a mapping where none is allowed (deny rules, wildcards, port lists, inbound host maps) or a malformed one.
 * - `NETPERM_FAMILY`: an unknown family (`#ipv5-only`), two families, or a family that contradicts the rule's own address.
 * - `NETPERM_CHAR`: a control character (NUL, newline, ...) or a space in a rule.
 * - `NETPERM_TOO_LONG`: a rule longer than 4096 characters, or a policy of more than 65536 rules.
 * - `NETPERM_DOCUMENT`: a policy document (JSON) of the wrong shape: unknown key, not an array, not a string.
 * - `NETPERM_ARGUMENT`: a programming error in a call into the API (a value of the wrong type where a check can not decide).
 * - `NETPERM_ISOLATE`: a program can not be confined as asked (no network namespace can be made here: the message names what is missing).
 * - `NETPERM_INTERNAL`: an unexpected exception inside netperm, wrapped (in `cause`) so that callers fail closed.
 */
export type NetpermErrorCode =
  | "NETPERM_EMPTY"
  | "NETPERM_FLAG"
  | "NETPERM_SCHEME"
  | "NETPERM_HOST"
  | "NETPERM_NAME"
  | "NETPERM_LABEL"
  | "NETPERM_WILDCARD"
  | "NETPERM_IP"
  | "NETPERM_CIDR"
  | "NETPERM_PORT"
  | "NETPERM_PORT_RANGE"
  | "NETPERM_MAP"
  | "NETPERM_FAMILY"
  | "NETPERM_CHAR"
  | "NETPERM_TOO_LONG"
  | "NETPERM_DOCUMENT"
  | "NETPERM_ARGUMENT"
  | "NETPERM_ISOLATE"
  | "NETPERM_INTERNAL";

/** Every code, in a stable order (for docs and exhaustive tests). */
export const NETPERM_ERROR_CODES: readonly NetpermErrorCode[] = [
  "NETPERM_EMPTY",
  "NETPERM_FLAG",
  "NETPERM_SCHEME",
  "NETPERM_HOST",
  "NETPERM_NAME",
  "NETPERM_LABEL",
  "NETPERM_WILDCARD",
  "NETPERM_IP",
  "NETPERM_CIDR",
  "NETPERM_PORT",
  "NETPERM_PORT_RANGE",
  "NETPERM_MAP",
  "NETPERM_FAMILY",
  "NETPERM_CHAR",
  "NETPERM_TOO_LONG",
  "NETPERM_DOCUMENT",
  "NETPERM_ARGUMENT",
  "NETPERM_ISOLATE",
  "NETPERM_INTERNAL",
];

/** The optional details of a `NetpermError`. */
export interface NetpermErrorDetails {
  /** The whole flag as typed (`--allow-outbound=tcp://*:80`), or the text the error is about. */
  readonly input?: string;
  /** Offset of the wrong part in `input` (UTF-16 code units). Default 0. */
  readonly offset?: number;
  /** Length of the wrong part. Default 0 (one caret is still drawn). */
  readonly length?: number;
  /** A one-line suggestion, e.g. `write the low port first: 35000-35999`. */
  readonly hint?: string;
  /** Where the flag came from inside a document or argument list, e.g. `allow.outbound[2]`. */
  readonly where?: string;
  /** The error this one wraps. */
  readonly cause?: unknown;
}

/**
 * The error every netperm API throws. Plain data besides the message:
 * `code` is stable, `input`/`offset`/`length` locate the problem.
 *
 * @example
 * try { parsePolicy(["--allow-outbound=tcp://*:35999-35000"]) }
 * catch (e) { if (e instanceof NetpermError) console.error(formatError(e)) }
 */
export class NetpermError extends Error {
  override readonly name = "NetpermError";
  readonly code: NetpermErrorCode;
  readonly input: string;
  readonly offset: number;
  readonly length: number;
  readonly hint?: string;
  readonly where?: string;

  constructor(code: NetpermErrorCode, message: string, details: NetpermErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.input = details.input ?? "";
    this.offset = details.offset ?? 0;
    this.length = details.length ?? 0;
    if (details.hint !== undefined) this.hint = details.hint;
    if (details.where !== undefined) this.where = details.where;
  }

  /** A copy of this error with `where` set (used when a rule came from a document). */
  withWhere(where: string): NetpermError {
    return new NetpermError(this.code, this.message, {
      input: this.input,
      offset: this.offset,
      length: this.length,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      where,
      ...(this.cause === undefined ? {} : { cause: this.cause }),
    });
  }
}

/**
 * Prints an error for humans, as docs/design.md, Grammar shows it:
 *
 * ```
 * netperm: NETPERM_PORT_RANGE: port range is reversed
 *   --allow-outbound=tcp://*:35999-35000
 *                            ^^^^^^^^^^^
 * ```
 *
 * followed, when present, by `  in <where>` and `  hint: <hint>` lines.
 * The frame is left out when the error has no input. Control characters are
 * shown as control pictures (␀) so that the frame is safe for a terminal.
 */
export function formatError(err: NetpermError): string {
  const lines = [`netperm: ${err.code}: ${err.message}`];
  if (err.input.length > 0) lines.push(...renderFrame(err.input, err.offset, err.length));
  if (err.where !== undefined) lines.push(`  in ${err.where}`);
  if (err.hint !== undefined) lines.push(`  hint: ${err.hint}`);
  return lines.join("\n");
}

/** Throws a `NetpermError` located at `offset` (absolute, in `input`). */
export function fail(
  code: NetpermErrorCode,
  message: string,
  input: string,
  offset: number,
  length: number,
  hint?: string,
): never {
  throw new NetpermError(code, message, hint === undefined ? { input, offset, length } : { input, offset, length, hint });
}
