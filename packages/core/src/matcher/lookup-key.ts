/**
 * Reads the host of an operation once, into the key a decision looks up:
 * an IPv4 as a uint32, an IPv6 as four uint32 words, or a canonical name.
 *
 * The common spellings (a plain dotted quad, canonical IPv6, an ASCII name) take a
 * fast path that does not call the WHATWG URL parser; everything else goes
 * through `parseIp` / `canonicalName`, so the fast path never decides what
 * the slow path would not (a property test holds the two together).
 */
import { endsInNumber, intToIpv4, ipv4ToInt, parseIp } from "../grammar/ip.js";
import { fastCanonicalIpv6, textToWords, type Words } from "./ipv6-words.js";
import { canonicalName } from "../grammar/names.js";
import { foldChar, LABEL_SEED, lastRead, MAX_LABELS } from "./label-hashes.js";

export type HostKey =
  | { readonly kind: "address"; readonly family: "ipv4"; readonly text: string; readonly key: number; readonly zone?: string }
  | { readonly kind: "address"; readonly family: "ipv6"; readonly text: string; readonly key: Words; readonly zone?: string }
  | { readonly kind: "name"; readonly name: string };

export type AddressKey = Extract<HostKey, { kind: "address" }>;

/** Reads a host: an address, a name, or undefined when it is neither. Never throws. */
export function readHost(host: string): HostKey | undefined {
  const n = fastIpv4(host);
  if (n >= 0) return { kind: "address", family: "ipv4", text: host, key: n };
  const name = fastName(host);
  if (name !== undefined) return { kind: "name", name };
  if (host.length === 0 || host.length > 4096) return undefined;
  if (host.includes(":") || host.startsWith("[") || endsInNumber(host)) return readAddress(host);
  try {
    return { kind: "name", name: canonicalName(host) };
  } catch {
    return undefined;
  }
}

/** Reads an IP literal in any accepted spelling, or undefined. */
export function readAddress(text: string): AddressKey | undefined {
  const n = fastIpv4(text);
  if (n >= 0) return { kind: "address", family: "ipv4", text, key: n };
  const fast = text.length > 1 ? fastIpv6(text) : undefined;
  if (fast !== undefined) return fast;
  const ip = parseIp(text);
  if (ip === undefined) return undefined;
  const zone = ip.zone === undefined ? {} : { zone: ip.zone };
  return ip.family === "ipv4"
    ? { kind: "address", family: "ipv4", text: ip.text, key: ipv4ToInt(ip.text), ...zone }
    : { kind: "address", family: "ipv6", text: ip.text, key: textToWords(ip.text), ...zone };
}

/** Canonical IPv6 text, bare or in brackets; IPv4-mapped words are that IPv4. */
function fastIpv6(text: string): AddressKey | undefined {
  const bracket = text.charCodeAt(0) === 91;
  if (bracket && text.charCodeAt(text.length - 1) !== 93) return undefined;
  const from = bracket ? 1 : 0;
  const to = bracket ? text.length - 1 : text.length;
  const w = fastCanonicalIpv6(text, from, to);
  if (w === undefined) return undefined;
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return { kind: "address", family: "ipv4", text: intToIpv4(w[3]), key: w[3] };
  return { kind: "address", family: "ipv6", text: bracket ? text.slice(from, to) : text, key: w };
}

/** The address of a key as text, with its zone when it has one (for binding). */
export function addressText(a: AddressKey): string {
  return a.zone === undefined ? a.text : `${a.text}%${a.zone}`;
}

/**
 * A canonical dotted quad (`10.0.0.1`: four decimal parts 0-255, no leading
 * zeros, which WHATWG would read as octal) to its uint32, or -1 for anything
 * else, which then takes the slow path.
 */
export function fastIpv4(s: string): number {
  const len = s.length;
  if (len < 7 || len > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= len; i++) {
    const c = i === len ? 46 : s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255 || parts === 4) return -1;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - 48);
      digits++;
    } else return -1;
  }
  return parts === 4 ? value : -1;
}

const BAD = 0;
const PLAIN = 1;
const UPPER = 2;
const DOT = 3;
/** Class of a character code below 128 in a fast name: lower-case letters, digits, `-` and `_` are plain. */
const NAME_CHAR = new Uint8Array(128);
for (let c = 97; c <= 122; c++) NAME_CHAR[c] = PLAIN;
for (let c = 48; c <= 57; c++) NAME_CHAR[c] = PLAIN;
for (let c = 65; c <= 90; c++) NAME_CHAR[c] = UPPER;
NAME_CHAR[45] = PLAIN;
NAME_CHAR[95] = PLAIN;
NAME_CHAR[46] = DOT;

/**
 * A name already in canonical form, or one that only needs lower-casing:
 * ASCII letters, digits, `-` and `_`, labels of 1-63 characters not starting
 * or ending with `-` and not `xn--` (punycode, which the slow path checks), at
 * most 253 characters, one optional trailing dot, and not ending in a number.
 * Returns undefined when the slow path must decide.
 */
export function fastName(s: string): string | undefined {
  let len = s.length;
  if (len > 0 && s.charCodeAt(len - 1) === 46) len--;
  if (len === 0 || len > 253) return undefined;
  const { ends, hashes } = lastRead;
  // Label hashes for the name trie, made on the way (lower-cased); kept in `lastRead` when the name is.
  lastRead.name = undefined;
  let labels = 0;
  let h = LABEL_SEED;
  let labelStart = 0;
  let lastStart = 0;
  let upper = false;
  for (let i = 0; i <= len; i++) {
    // A table, not comparisons: letters and digits mix, and branches on them mispredict.
    const c = i === len ? 46 : s.charCodeAt(i);
    const k = c < 128 ? NAME_CHAR[c]! : BAD;
    if (k === PLAIN) {
      h = foldChar(h, c);
      continue;
    }
    if (k === DOT) {
      const size = i - labelStart;
      if (size === 0 || size > 63) return undefined;
      if (s.charCodeAt(labelStart) === 45 || s.charCodeAt(i - 1) === 45) return undefined;
      if (size >= 4 && s.charCodeAt(labelStart + 2) === 45 && s.charCodeAt(labelStart + 3) === 45) return undefined;
      if (labels < MAX_LABELS) {
        hashes[labels] = h;
        ends[labels++] = i;
      }
      h = LABEL_SEED;
      lastStart = labelStart;
      labelStart = i + 1;
    } else if (k === UPPER) {
      upper = true;
      h = foldChar(h, c + 32);
    } else return undefined;
  }
  if (numericLabel(s, lastStart, len)) return undefined;
  const text = len === s.length ? s : s.slice(0, len);
  const name = upper ? text.toLowerCase() : text;
  lastRead.count = labels;
  lastRead.name = name;
  return name;
}

/** True when `s[from, to)` is a label WHATWG reads as a number: decimal digits, or `0x` and hex digits. */
function numericLabel(s: string, from: number, to: number): boolean {
  let i = from;
  let hex = false;
  if (to - from >= 2 && s.charCodeAt(from) === 48 && (s.charCodeAt(from + 1) | 0x20) === 120) {
    i += 2;
    hex = true;
  }
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    const digit = c >= 48 && c <= 57;
    const letter = (c | 0x20) >= 97 && (c | 0x20) <= 102;
    if (!digit && !(hex && letter)) return false;
  }
  return true;
}
