// Helpers shared by the test guests: bytes, addresses, errors, blocking waits.
// QuickJS has no TextEncoder, so bytes are converted by hand (UTF-8).

import { subscribeDuration } from "wasi:clocks/monotonic-clock@0.2.12";
import { poll } from "wasi:io/poll@0.2.12";

/** Every wait of a guest is bounded: a test must never block the host forever. */
const WAIT_NS = 15e9;

/** A pollable that becomes ready when this operation has waited too long. */
export function deadline() {
  return subscribeDuration(WAIT_NS);
}

/** Waits until `pollable` is ready; throws "guest-timeout" when `until` comes first. */
export function wait(pollable, until) {
  const ready = Array.from(poll([pollable, until]));
  if (!ready.includes(0)) throw "guest-timeout";
}

export function encode(text) {
  const out = [];
  for (const ch of text) {
    let c = ch.codePointAt(0);
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

export function decode(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b < 0x80) s += String.fromCharCode(b);
    else if (b >= 0xf0) { s += String.fromCodePoint(((b & 7) << 18) | ((bytes[i + 1] & 63) << 12) | ((bytes[i + 2] & 63) << 6) | (bytes[i + 3] & 63)); i += 3; }
    else if (b >= 0xe0) { s += String.fromCodePoint(((b & 15) << 12) | ((bytes[i + 1] & 63) << 6) | (bytes[i + 2] & 63)); i += 2; }
    else { s += String.fromCodePoint(((b & 31) << 6) | (bytes[i + 1] & 63)); i += 1; }
  }
  return s;
}

/** "127.0.0.1:80" or "[::1]:80" -> a WIT ip-socket-address. */
export function parseAddress(text) {
  const m = /^\[([0-9a-fA-F:.]*)\]:(\d+)$/.exec(text);
  if (m) return { tag: "ipv6", val: { port: Number(m[2]), flowInfo: 0, address: ipv6Groups(m[1]), scopeId: 0 } };
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+):(\d+)$/.exec(text);
  if (!v4) throw new Error("bad address " + text);
  return { tag: "ipv4", val: { port: Number(v4[5]), address: [Number(v4[1]), Number(v4[2]), Number(v4[3]), Number(v4[4])] } };
}

function ipv6Groups(text) {
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const h = head ? head.split(":").map((g) => parseInt(g, 16)) : [];
  if (tail === undefined) return h;
  const t = tail ? tail.split(":").map((g) => parseInt(g, 16)) : [];
  return [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
}

/** A WIT ip-socket-address -> "127.0.0.1:80" / "[::1]:80". */
export function formatAddress(addr) {
  if (addr.tag === "ipv4") return addr.val.address.join(".") + ":" + addr.val.port;
  return "[" + formatIp(addr) + "]:" + addr.val.port;
}

/** A WIT ip-address (or socket address) -> text, IPv6 uncompressed hex groups. */
export function formatIp(addr) {
  const a = addr.val.address ?? addr.val;
  if (addr.tag === "ipv4") return a.join(".");
  return a.map((g) => g.toString(16)).join(":");
}

/** The WASI error code a host call failed with, as a string. */
export function errorCode(e) {
  if (typeof e === "string") return e;
  if (e && typeof e === "object") {
    if (typeof e.payload === "string") return e.payload;
    if (e.payload && typeof e.payload.tag === "string") return e.payload.tag;
    if (typeof e.tag === "string") return e.tag;
    if (typeof e.message === "string") return "trap:" + e.message;
  }
  return "unknown:" + String(e);
}

/** Runs start/finish pairs: waits on the pollable while finish says would-block. */
export function finish(pollable, fn) {
  const until = deadline();
  for (;;) {
    try {
      return fn();
    } catch (e) {
      if (errorCode(e) !== "would-block") throw e;
      wait(pollable, until);
    }
  }
}

/** Reads until the peer closes or `max` bytes arrived (bounded in time: `until`, or the default wait). */
export function readAll(input, max, until = deadline()) {
  const chunks = [];
  let total = 0;
  while (total < max) {
    let chunk;
    try {
      chunk = input.read(max - total);
    } catch (e) {
      if (errorCode(e) === "closed") break;
      throw e;
    }
    if (chunk.length === 0) {
      wait(input.subscribe(), until);
      continue;
    }
    for (const b of chunk) chunks.push(b);
    total += chunk.length;
  }
  return new Uint8Array(chunks);
}

export function writeAll(output, bytes) {
  let offset = 0;
  while (offset < bytes.length) {
    const n = Math.min(4096, bytes.length - offset);
    output.blockingWriteAndFlush(bytes.slice(offset, offset + n));
    offset += n;
  }
}
