/**
 * IPv6 addresses as four uint32 words (most significant first), which the
 * address index compares without building strings, and a fast reader for
 * IPv6 text that is already canonical (RFC 5952 as the WHATWG URL parser
 * prints it: lower case, no leading zeros, the first longest run of two or
 * more zero groups written `::`). Any other spelling is left to `parseIp`.
 */
import { ipv6Groups } from "./ip.js";

/** Four uint32 words of an IPv6 address. */
export type Words = readonly [number, number, number, number];

/** Words of canonical IPv6 text (any text `ipv6Groups` reads). */
export function textToWords(text: string): Words {
  const g = ipv6Groups(text);
  return [(g[0]! * 65536 + g[1]!) >>> 0, (g[2]! * 65536 + g[3]!) >>> 0, (g[4]! * 65536 + g[5]!) >>> 0, (g[6]! * 65536 + g[7]!) >>> 0];
}

/** Words of 32 hex digits. */
export function hexToWords(hex: string): Words {
  return [parseInt(hex.slice(0, 8), 16), parseInt(hex.slice(8, 16), 16), parseInt(hex.slice(16, 24), 16), parseInt(hex.slice(24, 32), 16)];
}

/** Compares words `a` with the four words at `at` in `list`: <0, 0, >0. */
export function compareWords(a: Words, list: Uint32Array, at: number): number {
  for (let i = 0; i < 4; i++) {
    const d = a[i]! - list[at + i]!;
    if (d !== 0) return d;
  }
  return 0;
}

const groups = new Int32Array(8);

/**
 * Reads `s` (optionally in brackets) when it is canonical IPv6 text without
 * a zone or an embedded IPv4: its words, or undefined when the slow path
 * must decide (which it then does in full).
 */
export function fastCanonicalIpv6(s: string, from: number, to: number): Words | undefined {
  if (to - from < 2 || to - from > 39) return undefined;
  const at = s.indexOf("::", from);
  const gap = at >= 0 && at + 2 <= to ? at : -1;
  let count: number;
  let zeros = 0;
  let gapIndex = -1;
  if (gap < 0) {
    count = readGroups(s, from, to, 0);
    if (count !== 8) return undefined;
  } else {
    const head = readGroups(s, from, gap, 0);
    if (head < 0) return undefined;
    const tail = readGroups(s, gap + 2, to, head);
    if (tail < 0 || head + tail > 6) return undefined;
    count = head + tail;
    zeros = 8 - count;
    gapIndex = head;
    groups.copyWithin(head + zeros, head, count);
    groups.fill(0, head, head + zeros);
  }
  if (!canonicalGap(gapIndex, zeros)) return undefined;
  return [(groups[0]! * 65536 + groups[1]!) >>> 0, (groups[2]! * 65536 + groups[3]!) >>> 0, (groups[4]! * 65536 + groups[5]!) >>> 0, (groups[6]! * 65536 + groups[7]!) >>> 0];
}

/**
 * Reads `s[from, to)` as canonical groups (`a:b:c`, each 1-4 lower-case hex
 * digits, no leading zero) into `groups` from `offset`: how many, or -1.
 * An empty range is zero groups.
 */
function readGroups(s: string, from: number, to: number, offset: number): number {
  if (from === to) return 0;
  let count = 0;
  let value = 0;
  let digits = 0;
  for (let i = from; i <= to; i++) {
    const c = i === to ? 58 : s.charCodeAt(i);
    if (c === 58) {
      if (digits === 0 || offset + count === 8) return -1;
      groups[offset + count++] = value;
      value = 0;
      digits = 0;
      continue;
    }
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0 || (digits > 0 && value === 0) || digits === 4) return -1;
    value = value * 16 + d;
    digits++;
  }
  return count;
}

/** True when `::` at `gap` over `zeros` groups is where RFC 5952 puts it in `groups`. */
function canonicalGap(gap: number, zeros: number): boolean {
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  return bestAt < 0 ? gap < 0 : gap === bestAt && zeros === bestLen;
}
