/**
 * The host part of a rule (docs/design.md, Grammar), read into a canonical `HostPattern`
 * and printed back: `*`, `localhost`, names, `*.` wildcards, IPv4 in every
 * WHATWG spelling, `[IPv6]` (a zone is accepted and ignored for matching),
 * CIDR blocks, and (inbound only) interface names.
 */
import { fail } from "./errors.js";
import { shift, type At } from "./frame.js";
import { endsInNumber, familyBits, networkAddress, parseIp } from "./ip.js";
import { parseName } from "./names.js";
import type { Direction, HostPattern, IpAddress } from "../types.js";

/** Longest interface name accepted (Linux allows 15, other systems more). */
const MAX_INTERFACE_LENGTH = 63;
const V4_MAPPED_BITS = 96;
const BRACKETS_HINT = "write IPv6 addresses in brackets: tcp://[::1]:80";

/**
 * Reads an IP address at `at`: IPv4 in any WHATWG spelling, IPv6 in
 * brackets (with an optional `%zone`) or, when `bareIpv6`, without.
 * @throws NetpermError NETPERM_IP
 */
export function parseIpAt(text: string, at: At, bareIpv6: boolean): IpAddress {
  if (text.length === 0) fail("NETPERM_IP", "missing IP address", at.input, at.offset, 0);
  const bracketed = text.startsWith("[");
  if (bracketed && (!text.endsWith("]") || !text.includes(":"))) {
    fail("NETPERM_IP", "brackets hold an IPv6 address", at.input, at.offset, text.length);
  }
  if (!bracketed && text.includes(":") && !bareIpv6) {
    fail("NETPERM_IP", "IPv6 address without brackets", at.input, at.offset, text.length, BRACKETS_HINT);
  }
  if (!bracketed && !text.includes(":") && !endsInNumber(text)) {
    fail("NETPERM_IP", "not an IP address", at.input, at.offset, text.length);
  }
  const ip = parseIp(text);
  if (ip === undefined) {
    const family = text.includes(":") ? "IPv6" : "IPv4";
    fail("NETPERM_IP", `not a valid ${family} address`, at.input, at.offset, text.length);
  }
  return ip;
}

/** Reads a CIDR prefix (`/N` already stripped) for a family of `bits` bits. */
function parsePrefix(text: string, bits: number, at: At): number {
  if (!/^[0-9]{1,3}$/.test(text)) {
    fail("NETPERM_CIDR", `a prefix length is a number in 0..${bits}`, at.input, at.offset - 1, text.length + 1);
  }
  const n = Number(text);
  if (n > bits) fail("NETPERM_CIDR", `prefix /${n} is longer than ${bits} bits`, at.input, at.offset - 1, text.length + 1);
  return n;
}

/** An IP or CIDR host: `1.2.3.4`, `10.0.0.0/8`, `[::1]`, `[fe80::]/10`. Host bits are zeroed. */
function parseCidr(token: string, at: At): HostPattern {
  let addressText = token;
  let prefixText: string | undefined;
  if (token.startsWith("[")) {
    const close = token.indexOf("]");
    if (close < 0) fail("NETPERM_IP", "missing ] after an IPv6 address", at.input, at.offset, token.length);
    addressText = token.slice(0, close + 1);
    const after = token.slice(close + 1);
    if (after.startsWith("/")) prefixText = after.slice(1);
    else if (after.length > 0) fail("NETPERM_HOST", `unexpected '${after[0]}' after an IPv6 address`, at.input, at.offset + close + 1, 1);
  } else {
    const slash = token.indexOf("/");
    if (slash >= 0) {
      addressText = token.slice(0, slash);
      prefixText = token.slice(slash + 1);
    }
  }
  const ip = parseIpAt(addressText, at, false);
  const prefixAt = shift(at, addressText.length + 1);
  let prefix: number = familyBits(ip.family);
  if (prefixText !== undefined) {
    const written = addressText.startsWith("[") ? 128 : 32;
    prefix = parsePrefix(prefixText, written, prefixAt);
    if (written === 128 && ip.family === "ipv4") {
      if (prefix < V4_MAPPED_BITS) {
        fail("NETPERM_CIDR", "a prefix of an IPv4-mapped IPv6 address must be at least /96", at.input, prefixAt.offset - 1, prefixText.length + 1);
      }
      prefix -= V4_MAPPED_BITS;
    }
  }
  return { kind: "cidr", family: ip.family, address: networkAddress(ip.family, ip.text, prefix), prefix };
}

function parseWildcard(token: string, at: At): HostPattern {
  if (token === "*") return { kind: "any" };
  if (!token.startsWith("*.") || token.length === 2) {
    fail(
      "NETPERM_WILDCARD",
      "a wildcard must be * alone or the whole first label: *.example.com",
      at.input,
      at.offset,
      token.startsWith("*.") ? 2 : 1,
    );
  }
  const suffix = token.slice(2);
  const star = suffix.indexOf("*");
  if (star >= 0) fail("NETPERM_WILDCARD", "only the first label may be a wildcard", at.input, at.offset + 2 + star, 1);
  if (endsInNumber(suffix)) fail("NETPERM_WILDCARD", "a wildcard suffix must be a name, not an IP", at.input, at.offset + 2, suffix.length);
  return { kind: "wildcard", suffix: parseName(suffix, shift(at, 2)) };
}

function isInterfaceChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
}

/** A bare word of interface characters (no dot): an interface name in an inbound rule. */
function isInterfaceWord(token: string): boolean {
  for (let i = 0; i < token.length; i++) if (!isInterfaceChar(token.charCodeAt(i))) return false;
  return true;
}

function parseInterface(token: string, at: At): HostPattern {
  if (token.length > MAX_INTERFACE_LENGTH) {
    fail("NETPERM_HOST", `interface name is longer than ${MAX_INTERFACE_LENGTH} characters`, at.input, at.offset, token.length);
  }
  return { kind: "interface", name: token };
}

/**
 * Reads the host part of an outbound or inbound rule at `at`. In inbound
 * rules a bare word of letters, digits, `-` and `_` without dots is an
 * interface name (`eth0`); write a trailing dot (`db.`) for a one-label DNS
 * name there.
 * @throws NetpermError NETPERM_HOST, NETPERM_NAME, NETPERM_LABEL, NETPERM_WILDCARD, NETPERM_IP, NETPERM_CIDR
 */
export function parseHostPattern(token: string, direction: Direction, at: At): HostPattern {
  if (token.length === 0) fail("NETPERM_HOST", "missing host", at.input, at.offset, 0, "use * for any host");
  if (token.startsWith("*")) return parseWildcard(token, at);
  if (token.startsWith("[") || token.includes("/") || endsInNumber(token)) return parseCidr(token, at);
  const lower = token.toLowerCase();
  if (lower === "localhost" || lower === "localhost.") return { kind: "localhost" };
  if (direction === "inbound" && isInterfaceWord(token)) return parseInterface(token, at);
  const name = parseName(token, at);
  return name === "localhost" ? { kind: "localhost" } : { kind: "name", name };
}

/**
 * Reads the name part of a resolve rule at `at`: `*`, a name, `*.` DOMAIN
 * or `localhost`. IP addresses need no lookup and are refused.
 * @throws NetpermError NETPERM_HOST, NETPERM_NAME, NETPERM_LABEL, NETPERM_WILDCARD
 */
export function parseNamePattern(token: string, at: At): HostPattern {
  if (token.length === 0) fail("NETPERM_NAME", "missing name", at.input, at.offset, 0, "use * for every name");
  if (token.startsWith("*")) return parseWildcard(token, at);
  if (token.startsWith("[") || token.includes(":") || token.includes("/") || endsInNumber(token)) {
    fail("NETPERM_HOST", "resolve rules take DNS names; an IP address needs no lookup", at.input, at.offset, token.length);
  }
  const name = parseName(token, at);
  return name === "localhost" ? { kind: "localhost" } : { kind: "name", name };
}

/** Prints an IP: IPv6 in brackets when `brackets`, with its zone. */
export function formatIp(ip: IpAddress, brackets: boolean): string {
  if (ip.family === "ipv4") return ip.text;
  const text = ip.zone === undefined ? ip.text : `${ip.text}%${ip.zone}`;
  return brackets ? `[${text}]` : text;
}

/**
 * Prints a host pattern canonically. `direction` decides how a one-label
 * name is written: `db.` in inbound rules (where `db` is an interface).
 */
export function formatHost(host: HostPattern, direction: Direction): string {
  switch (host.kind) {
    case "any":
      return "*";
    case "localhost":
      return "localhost";
    case "name":
      return direction === "inbound" && !host.name.includes(".") ? `${host.name}.` : host.name;
    case "wildcard":
      return `*.${host.suffix}`;
    case "interface":
      return host.name;
    case "cidr": {
      const full = host.prefix === familyBits(host.family);
      const address = host.family === "ipv4" ? host.address : `[${host.address}]`;
      return full ? address : `${address}/${host.prefix}`;
    }
  }
}
