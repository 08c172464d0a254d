/**
 * SOCKS5 wire format (RFC 1928, RFC 1929): reading the greeting, the
 * username/password sub-negotiation, the request and the UDP datagram
 * header, and writing replies.
 */
import { isIP } from "node:net";
import { ipv6Groups } from "@netperm/core";
import type { SocketReader } from "./reader.js";

export const SOCKS_VERSION = 0x05;
export const METHOD_NONE = 0x00;
export const METHOD_USERPASS = 0x02;
export const METHOD_UNACCEPTABLE = 0xff;

export const CMD_CONNECT = 0x01;
export const CMD_BIND = 0x02;
export const CMD_UDP_ASSOCIATE = 0x03;

export const ATYP_IPV4 = 0x01;
export const ATYP_DOMAIN = 0x03;
export const ATYP_IPV6 = 0x04;

/** Reply codes (RFC 1928 §6). */
export const REP = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowed: 0x02,
  networkUnreachable: 0x03,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  ttlExpired: 0x06,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;

/** A SOCKS5 address as sent: `kind` tells whether the host was a domain name or an IP. */
export interface SocksAddress {
  readonly kind: "ipv4" | "ipv6" | "domain";
  /** IP text, or the domain as sent (UTF-8 decoded; may be an IP literal or garbage: decided later). */
  readonly host: string;
  readonly port: number;
}

export type ReadResult<T> = { ok: true; value: T } | { ok: false; error: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The handshake messages are parsed from what the reader has buffered,
 * synchronously: each parser answers `undefined` while the message is
 * incomplete (call again when more bytes arrive), and otherwise consumes
 * exactly the message's bytes and answers it. A parser never looks past the
 * lengths the message declares, so nothing can make it hold more than the
 * 255-byte fields the format allows.
 */
export type Parsed<T> = ReadResult<T> | undefined;

/** VER NMETHODS METHODS (the version byte included). */
export function parseGreeting(reader: SocketReader): Parsed<Uint8Array> {
  const head = reader.peek(2);
  if (head === undefined) return undefined;
  if (head[0] !== SOCKS_VERSION) return { ok: false, error: "not SOCKS5" };
  const n = head[1]!;
  if (n === 0) return { ok: false, error: "no authentication methods offered" };
  const all = reader.peek(2 + n);
  if (all === undefined) return undefined;
  const methods = all.subarray(2, 2 + n);
  reader.skip(2 + n);
  return { ok: true, value: methods };
}

/** The RFC 1929 VER ULEN UNAME PLEN PASSWD message. */
export function parseUserPass(reader: SocketReader): Parsed<{ user: string; pass: string }> {
  const head = reader.peek(2);
  if (head === undefined) return undefined;
  if (head[0] !== 0x01) return { ok: false, error: "bad authentication version" };
  const ulen = head[1]!;
  const withPlen = reader.peek(3 + ulen);
  if (withPlen === undefined) return undefined;
  const plen = withPlen[2 + ulen]!;
  const all = reader.peek(3 + ulen + plen);
  if (all === undefined) return undefined;
  const user = all.toString("utf8", 2, 2 + ulen);
  const pass = all.toString("utf8", 3 + ulen, 3 + ulen + plen);
  reader.skip(3 + ulen + plen);
  return { ok: true, value: { user, pass } };
}

/** VER CMD RSV ATYP DST.ADDR DST.PORT. `error` "address type not supported" maps to reply 0x08. */
export function parseRequest(reader: SocketReader): Parsed<{ cmd: number; address: SocksAddress }> {
  const head = reader.peek(4);
  if (head === undefined) return undefined;
  if (head[0] !== SOCKS_VERSION) return { ok: false, error: "bad request version" };
  const atyp = head[3]!;
  let size: number;
  if (atyp === ATYP_IPV4) size = 4 + 4 + 2;
  else if (atyp === ATYP_IPV6) size = 4 + 16 + 2;
  else if (atyp === ATYP_DOMAIN) {
    const withLen = reader.peek(5);
    if (withLen === undefined) return undefined;
    size = 5 + withLen[4]! + 2;
  } else return { ok: false, error: "address type not supported" };
  const b = reader.peek(size);
  if (b === undefined) return undefined;
  let host: string;
  let kind: SocksAddress["kind"];
  if (atyp === ATYP_IPV4) {
    host = `${b[4]}.${b[5]}.${b[6]}.${b[7]}`;
    kind = "ipv4";
  } else if (atyp === ATYP_IPV6) {
    host = ipv6FromBytes(b.subarray(4, 20));
    kind = "ipv6";
  } else {
    try {
      host = utf8.decode(b.subarray(5, size - 2));
    } catch {
      return { ok: false, error: "domain is not UTF-8" };
    }
    kind = "domain";
  }
  const port = b.readUInt16BE(size - 2);
  const cmd = b[1]!;
  reader.skip(size);
  return { ok: true, value: { cmd, address: { kind, host, port } } };
}

/** 16 bytes to RFC 5952-ish text (node accepts any valid spelling). */
export function ipv6FromBytes(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(":");
}

/** Encodes an address (IP text or domain) as ATYP ADDR PORT. */
export function encodeAddress(host: string, port: number): Buffer {
  const family = isIP(host);
  let out: Buffer;
  if (family === 4) {
    out = Buffer.alloc(7);
    writeIpv4(out, 0, host);
  } else if (family === 6) {
    out = Buffer.alloc(19);
    out[0] = ATYP_IPV6;
    ipv6ToBytes(host).copy(out, 1);
  } else {
    const name = Buffer.from(host, "utf8").subarray(0, 255);
    out = Buffer.alloc(4 + name.length);
    out[0] = ATYP_DOMAIN;
    out[1] = name.length;
    name.copy(out, 2);
  }
  out.writeUInt16BE(port & 0xffff, out.length - 2);
  return out;
}

/** ATYP 0x01 and the four bytes of dotted-quad `ip` (already checked by isIP) at `at`. */
function writeIpv4(out: Buffer, at: number, ip: string): void {
  out[at++] = ATYP_IPV4;
  let n = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 0x2e) {
      out[at++] = n;
      n = 0;
    } else n = n * 10 + c - 0x30;
  }
  out[at] = n;
}

/** Sixteen bytes of an IPv6 address (any valid spelling; a zone id is dropped). */
function ipv6ToBytes(text: string): Buffer {
  const out = Buffer.alloc(16);
  ipv6Groups(text.split("%")[0]!).forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** VER REP RSV ATYP BND.ADDR BND.PORT. */
export function encodeReply(rep: number, host = "0.0.0.0", port = 0): Buffer {
  if (isIP(host) === 4) {
    // The common reply (an IPv4 bound address), in one buffer.
    const out = Buffer.allocUnsafe(10);
    out[0] = SOCKS_VERSION;
    out[1] = rep;
    out[2] = 0x00;
    writeIpv4(out, 3, host);
    out.writeUInt16BE(port & 0xffff, 8);
    return out;
  }
  const address = encodeAddress(host, port);
  const out = Buffer.allocUnsafe(3 + address.length);
  out[0] = SOCKS_VERSION;
  out[1] = rep;
  out[2] = 0x00;
  address.copy(out, 3);
  return out;
}

/** A parsed UDP request header (RFC 1928 §7) and the payload after it. */
export interface UdpDatagram {
  readonly frag: number;
  readonly address: SocksAddress;
  readonly data: Buffer;
}

/** Parses RSV(2) FRAG ATYP DST.ADDR DST.PORT DATA; `undefined` for anything malformed. */
export function parseUdpDatagram(msg: Buffer): UdpDatagram | undefined {
  if (msg.length < 4 || msg[0] !== 0 || msg[1] !== 0) return undefined;
  const frag = msg[2]!;
  const atyp = msg[3]!;
  let host: string;
  let kind: SocksAddress["kind"];
  let at = 4;
  if (atyp === ATYP_IPV4) {
    if (msg.length < at + 6) return undefined;
    host = `${msg[4]}.${msg[5]}.${msg[6]}.${msg[7]}`;
    kind = "ipv4";
    at += 4;
  } else if (atyp === ATYP_IPV6) {
    if (msg.length < at + 18) return undefined;
    host = ipv6FromBytes(msg.subarray(4, 20));
    kind = "ipv6";
    at += 16;
  } else if (atyp === ATYP_DOMAIN) {
    const len = msg[4];
    if (len === undefined || msg.length < 5 + len + 2) return undefined;
    try {
      host = utf8.decode(msg.subarray(5, 5 + len));
    } catch {
      return undefined;
    }
    kind = "domain";
    at = 5 + len;
  } else {
    return undefined;
  }
  const port = msg.readUInt16BE(at);
  return { frag, address: { kind, host, port }, data: msg.subarray(at + 2) };
}

/** Wraps a payload from `host:port` in the UDP request header for the client. */
export function encodeUdpDatagram(host: string, port: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0, 0, 0]), encodeAddress(host, port), data]);
}
