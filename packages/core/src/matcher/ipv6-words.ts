/**
 * IPv6 addresses as four uint32 words (most significant first), which the
 * address index compares without building strings, and a fast reader for
 * IPv6 text that is already canonical (RFC 5952 as the WHATWG URL parser
 * prints it: lower case, no leading zeros, the first longest run of two or
 * more zero groups written `::`). Any other spelling is left to `parseIp`.
 */
import { ipv6Groups } from "../grammar/ip.js";

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

/** Value of a lower-case hex digit by character code below 128, else -1. */
const HEX = new Int8Array(128).fill(-1);
for (let c = 48; c <= 57; c++) HEX[c] = c - 48;
for (let c = 97; c <= 102; c++) HEX[c] = c - 87;

/**
 * Reads `s[from, to)` when it is canonical IPv6 text without a zone or an
 * embedded IPv4: its words, or undefined when the slow path must decide
 * (which it then does in full). One pass over the characters.
 */
export function fastCanonicalIpv6(s: string, from: number, to: number): Words | undefined {
  if (to - from < 2 || to - from > 39) return undefined;
  let count = 0;
  let value = 0;
  let digits = 0;
  let gap = -1;
  let i = from;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return undefined;
    gap = 0;
    i += 2;
  }
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) {
      if (digits === 0 || count === 8) return undefined;
      groups[count++] = value;
      value = 0;
      digits = 0;
      if (i + 1 < to && s.charCodeAt(i + 1) === 58) {
        if (gap >= 0) return undefined;
        gap = count;
        i++;
      } else if (i + 1 === to) return undefined;
      continue;
    }
    // A table, not comparisons: hex digits and letters alternate at random, and branches on them mispredict.
    const d = c < 128 ? HEX[c]! : -1;
    if (d < 0 || (digits > 0 && value === 0) || digits === 4) return undefined;
    value = value * 16 + d;
    digits++;
  }
  if (digits > 0) {
    if (count === 8) return undefined;
    groups[count++] = value;
  }
  let zeros = 0;
  if (gap < 0) {
    if (count !== 8) return undefined;
  } else {
    if (count > 6) return undefined;
    zeros = 8 - count;
    for (let k = count - 1; k >= gap; k--) groups[k + zeros] = groups[k]!;
    for (let k = gap; k < gap + zeros; k++) groups[k] = 0;
  }
  if (!canonicalGap(gap, zeros)) return undefined;
  return [(groups[0]! * 65536 + groups[1]!) >>> 0, (groups[2]! * 65536 + groups[3]!) >>> 0, (groups[4]! * 65536 + groups[5]!) >>> 0, (groups[6]! * 65536 + groups[7]!) >>> 0];
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
