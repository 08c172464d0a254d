/**
 * DNS names in canonical form (docs/design.md, Grammar): IDNA to ASCII (punycode) through
 * the WHATWG URL host parser, lower case, one trailing dot removed. Every
 * label is 1-63 characters of letters, digits, `-` (not first or last) and
 * `_` (as in `_dmarc.example.com`, which DNS and the URL parser allow); the
 * whole name is at most 253 characters. A numeric host (one the URL parser
 * reads as IPv4, such as `127.1` or `example.123`) is never a name.
 */
import { fail, NetpermError } from "./errors.js";
import { shift, type At } from "./frame.js";
import { endsInNumber } from "./ip.js";

/** Longest DNS name, without the trailing dot (RFC 1035). */
export const MAX_NAME_LENGTH = 253;
/** Longest DNS label (RFC 1035). */
export const MAX_LABEL_LENGTH = 63;
/** Longest name text accepted before IDNA (mapping may shorten it). */
const MAX_RAW_LENGTH = 4096;

/** Dots that IDNA (UTS #46) reads as `.`: full stop, ideographic, fullwidth, halfwidth ideographic. */
function isDot(c: number): boolean {
  return c === 0x2e || c === 0x3002 || c === 0xff0e || c === 0xff61;
}

function isLdhu(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
}

/** Checks the characters before IDNA: ASCII must be letters, digits, `-`, `_` or `.`. */
function checkChars(text: string, at: At): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80 || isLdhu(c) || c === 0x2e) continue;
    const ch = text[i]!;
    if (c < 0x20 || c === 0x7f) fail("NETPERM_CHAR", "control character in a name", at.input, at.offset + i, 1);
    if (ch === "*") {
      fail(
        "NETPERM_WILDCARD",
        "a wildcard may only be the whole first label",
        at.input,
        at.offset + i,
        1,
        "write *.example.com to match every name under example.com",
      );
    }
    fail("NETPERM_NAME", `'${ch}' is not allowed in a DNS name`, at.input, at.offset + i, 1);
  }
}

/** Splits raw text at IDNA dots: each label with its offset. */
function rawLabels(text: string): { label: string; offset: number }[] {
  const out: { label: string; offset: number }[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || isDot(text.charCodeAt(i))) {
      out.push({ label: text.slice(start, i), offset: start });
      start = i + 1;
    }
  }
  return out;
}

function numeric(text: string, at: At): never {
  fail("NETPERM_NAME", "a numeric host is an IP address, not a name", at.input, at.offset, text.length);
}

/**
 * Canonicalises a DNS name whose text sits at `at` in a flag, throwing a
 * located `NetpermError` (NETPERM_NAME, NETPERM_LABEL, NETPERM_WILDCARD,
 * NETPERM_CHAR, NETPERM_TOO_LONG) when it is not a valid name.
 */
export function parseName(text: string, at: At): string {
  if (text.length === 0) fail("NETPERM_NAME", "missing name", at.input, at.offset, 0);
  if (text.length > MAX_RAW_LENGTH) {
    fail("NETPERM_TOO_LONG", `name is ${text.length} characters long`, at.input, at.offset, text.length);
  }
  checkChars(text, at);
  const trimmed = isDot(text.charCodeAt(text.length - 1)) ? text.slice(0, -1) : text;
  const raw = rawLabels(trimmed);
  for (const { label, offset } of raw) {
    if (label.length === 0) {
      fail("NETPERM_LABEL", "empty label in a name", at.input, at.offset + offset, 1, "remove the extra dot");
    }
  }
  if (endsInNumber(trimmed)) numeric(text, at);
  let ascii: string;
  try {
    ascii = new URL(`http://${trimmed}/`).hostname;
  } catch (cause) {
    throw new NetpermError("NETPERM_NAME", "not a valid internationalised domain name (IDNA)", {
      input: at.input,
      offset: at.offset,
      length: text.length,
      cause,
    });
  }
  if (endsInNumber(ascii)) numeric(text, at);
  const labels = ascii.split(".");
  const located = labels.length === raw.length;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    const where = located ? shift(at, raw[i]!.offset) : at;
    const span = located ? raw[i]!.label.length : text.length;
    if (label.length === 0) fail("NETPERM_LABEL", "empty label in a name", where.input, where.offset, span);
    if (label.length > MAX_LABEL_LENGTH) {
      fail("NETPERM_LABEL", `label is ${label.length} characters long; at most ${MAX_LABEL_LENGTH}`, where.input, where.offset, span);
    }
    for (let j = 0; j < label.length; j++) {
      if (!isLdhu(label.charCodeAt(j))) fail("NETPERM_NAME", "not a valid DNS name after IDNA", at.input, at.offset, text.length);
    }
    if (label.startsWith("-") || label.endsWith("-")) {
      fail("NETPERM_LABEL", "a label may not start or end with '-'", where.input, where.offset, span);
    }
  }
  if (ascii.length > MAX_NAME_LENGTH) {
    fail("NETPERM_NAME", `name is ${ascii.length} characters long; at most ${MAX_NAME_LENGTH}`, at.input, at.offset, text.length);
  }
  return ascii;
}

/**
 * The canonical form of a DNS name: IDNA ASCII (punycode), lower case, one
 * trailing dot removed.
 *
 * @example canonicalName("Bücher.Example.") // "xn--bcher-kva.example"
 * @throws NetpermError NETPERM_NAME, NETPERM_LABEL, NETPERM_WILDCARD, NETPERM_CHAR or NETPERM_TOO_LONG
 *   when `text` is not a valid name (offsets are positions in `text`).
 */
export function canonicalName(text: string): string {
  return parseName(text, { input: text, offset: 0 });
}
