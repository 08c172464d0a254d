/**
 * IP addresses in canonical form (docs/design.md, Grammar): every IPv4 spelling the WHATWG
 * URL host parser accepts (`127.1`, `0x7f000001`, `2130706433`, `0177.0.0.1`)
 * is one IPv4; IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is that IPv4; a zone id
 * is kept but ignored for matching. The WHATWG parser does the reading; this
 * file only decides what is numeric and converts to integer keys.
 */
import type { Family, IpAddress } from "../types.js";

const IPV4_PART = /^(?:0[xX][0-9a-fA-F]*|[0-9]+)$/;

/**
 * True when the WHATWG host parser would read `host` as an IPv4 address
 * ("ends in a number"): the last non-empty dot label is numeric. Such a host
 * is never a name; if it is not a valid IPv4 it is invalid.
 */
export function endsInNumber(host: string): boolean {
  const labels = host.split(".");
  if (labels[labels.length - 1] === "" && labels.length > 1) labels.pop();
  const last = labels[labels.length - 1] ?? "";
  if (/^[0-9]+$/.test(last)) return true;
  return /^0[xX][0-9a-fA-F]*$/.test(last);
}

function whatwgHost(host: string): string | undefined {
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * A canonical dotted quad (`a.b.c.d`: four decimal parts, 0..255, no
 * leading zeros, no trailing dot) to its 32-bit value, in one scan with no
 * allocation; undefined for every other text, which then takes the WHATWG
 * parser. This is what nearly every address a proxy or a guest sends looks
 * like, and the URL parser costs most of a decision.
 */
function canonicalQuad(text: string): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      if (c < 48 || c > 57 || (digits > 0 && part === 0)) return undefined;
      part = part * 10 + (c - 48);
      if (part > 255) return undefined;
      digits++;
    }
  }
  return dots === 3 && digits > 0 ? value * 256 + part : undefined;
}

/** Parses an IPv4 in any WHATWG spelling to its 32-bit value, or undefined. */
export function parseIpv4Number(text: string): number | undefined {
  return canonicalQuad(text) ?? ipv4ByUrlParser(text);
}

/** Every IPv4 spelling but the canonical quad, through the WHATWG URL host parser. */
function ipv4ByUrlParser(text: string): number | undefined {
  if (text.length === 0 || text.length > 64 || !endsInNumber(text)) return undefined;
  const parts = text.split(".");
  if (parts[parts.length - 1] === "") parts.pop();
  if (parts.length === 0 || parts.length > 4 || !parts.every((p) => IPV4_PART.test(p))) return undefined;
  const canonical = whatwgHost(text);
  if (canonical === undefined || !/^\d+\.\d+\.\d+\.\d+$/.test(canonical)) return undefined;
  return ipv4ToInt(canonical);
}

/** `a.b.c.d` (canonical dotted quad) to an unsigned 32-bit integer. */
export function ipv4ToInt(dotted: string): number {
  const [a, b, c, d] = dotted.split(".").map(Number) as [number, number, number, number];
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

export function intToIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Expands canonical IPv6 text to its eight 16-bit groups. */
export function ipv6Groups(text: string): number[] {
  let head = text;
  let tail = "";
  const gap = text.indexOf("::");
  if (gap >= 0) {
    head = text.slice(0, gap);
    tail = text.slice(gap + 2);
  }
  const parse = (s: string): number[] => {
    if (s === "") return [];
    const out: number[] = [];
    for (const g of s.split(":")) {
      if (g.includes(".")) {
        const v = ipv4ToInt(g);
        out.push(v >>> 16, v & 0xffff);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const h = parse(head);
  const t = parse(tail);
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/** IPv6 as 32 lowercase hex digits: string order is numeric order. */
export function ipv6ToHex(text: string): string {
  return ipv6Groups(text)
    .map((g) => g.toString(16).padStart(4, "0"))
    .join("");
}

/** 32 hex digits back to canonical (RFC 5952, as WHATWG prints it) IPv6 text. */
export function hexToIpv6(hex: string): string {
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4));
  const canonical = whatwgHost(`[${groups.join(":")}]`);
  return canonical!.slice(1, -1);
}

/**
 * Parses an IP literal in any accepted spelling: IPv4 as WHATWG reads it,
 * IPv6 with or without brackets and with an optional `%zone`. Returns
 * undefined for anything that is not an IP (a name, or garbage).
 */
export function parseIp(input: string): IpAddress | undefined {
  if (input.length === 0 || input.length > 128) return undefined;
  let text = input;
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  if (canonicalQuad(text) !== undefined) return { family: "ipv4", text };
  if (text.includes(":")) return parseIpv6(text);
  if (/[^0-9a-fA-FxX.]/.test(text)) return undefined;
  const n = ipv4ByUrlParser(text); // the canonical quad was tried above
  return n === undefined ? undefined : { family: "ipv4", text: intToIpv4(n) };
}

function parseIpv6(text: string): IpAddress | undefined {
  let zone: string | undefined;
  const pct = text.indexOf("%");
  if (pct >= 0) {
    zone = text.slice(pct + 1);
    text = text.slice(0, pct);
    if (!/^[A-Za-z0-9_.\-]{1,64}$/.test(zone)) return undefined;
  }
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const canonical = whatwgHost(`[${text}]`);
  if (canonical === undefined) return undefined;
  const bare = canonical.slice(1, -1);
  const hex = ipv6ToHex(bare);
  if (hex.startsWith("00000000000000000000ffff")) {
    const v4 = intToIpv4(parseInt(hex.slice(24), 16));
    return { family: "ipv4", text: v4 };
  }
  return zone === undefined ? { family: "ipv6", text: bare } : { family: "ipv6", text: bare, zone };
}

/** The number of bits in an address of this family. */
export function familyBits(family: Family): 32 | 128 {
  return family === "ipv4" ? 32 : 128;
}

/** True when `address` (canonical) lies in `network/prefix` (canonical). */
export function cidrContains(family: Family, network: string, prefix: number, address: IpAddress): boolean {
  if (address.family !== family) return false;
  if (family === "ipv4") {
    if (prefix === 0) return true;
    const mask = prefix === 32 ? 0xffffffff : (~(0xffffffff >>> prefix)) >>> 0;
    return ((ipv4ToInt(address.text) & mask) >>> 0) === ((ipv4ToInt(network) & mask) >>> 0);
  }
  const a = ipv6ToHex(address.text);
  const n = ipv6ToHex(network);
  const full = Math.floor(prefix / 4);
  if (a.slice(0, full) !== n.slice(0, full)) return false;
  const rest = prefix % 4;
  if (rest === 0) return true;
  const m = (0xf << (4 - rest)) & 0xf;
  return (parseInt(a[full]!, 16) & m) === (parseInt(n[full]!, 16) & m);
}

/** Zeroes the host bits: the canonical network address of `address/prefix`. */
export function networkAddress(family: Family, address: string, prefix: number): string {
  if (family === "ipv4") {
    const mask = prefix === 0 ? 0 : prefix === 32 ? 0xffffffff : (~(0xffffffff >>> prefix)) >>> 0;
    return intToIpv4((ipv4ToInt(address) & mask) >>> 0);
  }
  const hex = ipv6ToHex(address);
  let bits = "";
  for (const ch of hex) bits += parseInt(ch, 16).toString(2).padStart(4, "0");
  bits = bits.slice(0, prefix).padEnd(128, "0");
  let out = "";
  for (let i = 0; i < 128; i += 4) out += parseInt(bits.slice(i, i + 4), 2).toString(16);
  return hexToIpv6(out);
}

/** True for 127.0.0.0/8 and ::1: what the host `localhost` means. */
export function isLoopback(address: IpAddress): boolean {
  return address.family === "ipv4" ? address.text.startsWith("127.") : address.text === "::1";
}
