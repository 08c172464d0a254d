/**
 * WIT socket addresses (`{ tag: 'ipv4', val: { port, address: [a,b,c,d] } }`)
 * to and from the `{ host, port }` text form that `@netperm/core` decides on.
 * IPv4-mapped IPv6 (`::ffff:a.b.c.d`) reads as the IPv4 it carries.
 */
import { ipv4ToInt, ipv6Groups, parseIp } from "@netperm/core";

/** An IPv4 address as four octets, or IPv6 as eight 16-bit groups. */
export type WitIpAddress =
  | { tag: "ipv4"; val: [number, number, number, number] }
  | { tag: "ipv6"; val: [number, number, number, number, number, number, number, number] };

export type WitSocketAddress =
  | { tag: "ipv4"; val: { port: number; address: [number, number, number, number] } }
  | {
      tag: "ipv6";
      val: { port: number; flowInfo: number; address: [number, number, number, number, number, number, number, number]; scopeId: number };
    };

/** A host and port as core sees them: canonical IP text, no brackets. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Eight groups as canonical text, read by core (RFC 5952; IPv4-mapped reads as the IPv4). */
function v6Text(groups: readonly number[]): string {
  const ip = parseIp(`[${groups.map((g) => g.toString(16)).join(":")}]`);
  if (ip === undefined) throw new TypeError(`not an IPv6 address: ${groups.join(",")}`);
  return ip.text;
}

/** A WIT ip-address as text (`127.0.0.1`, `::1`; v4-mapped reads as IPv4). */
export function ipText(address: WitIpAddress): string {
  return address.tag === "ipv4" ? address.val.join(".") : v6Text(address.val);
}

/** A WIT ip-socket-address as `{ host, port }`. */
export function fromWit(address: WitSocketAddress): HostPort {
  const host = address.tag === "ipv4" ? address.val.address.join(".") : v6Text(address.val.address);
  return { host, port: address.val.port };
}

function v4Octets(text: string): [number, number, number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const octets = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  return octets.every((o) => o <= 255) ? octets : undefined;
}

/**
 * The eight groups of an IPv6 address in any spelling core reads (brackets,
 * a zone, embedded IPv4), by core's `parseIp` and `ipv6Groups`. An
 * IPv4-mapped address (which `parseIp` reads as its IPv4) keeps its
 * `::ffff:` groups: a WIT ipv6 address stays ipv6.
 */
function v6Groups(text: string): number[] | undefined {
  if (!text.includes(":")) return undefined;
  const ip = parseIp(text);
  if (ip === undefined) return undefined;
  if (ip.family === "ipv6") return ipv6Groups(ip.text);
  const v4 = ipv4ToInt(ip.text);
  return [0, 0, 0, 0, 0, 0xffff, v4 >>> 16, v4 & 0xffff];
}

/**
 * `{ host, port }` (canonical IP text) as a WIT socket address of `family`:
 * an IPv4 host on an IPv6 socket becomes `::ffff:a.b.c.d`. Returns undefined
 * when the host is not an IP of a usable family (fail closed at the caller).
 */
export function toWit(target: HostPort, family: "ipv4" | "ipv6"): WitSocketAddress | undefined {
  const octets = v4Octets(target.host);
  if (family === "ipv4") {
    return octets ? { tag: "ipv4", val: { port: target.port, address: octets } } : undefined;
  }
  const groups = octets ? [0, 0, 0, 0, 0, 0xffff, (octets[0] << 8) | octets[1], (octets[2] << 8) | octets[3]] : v6Groups(target.host);
  if (!groups || groups.length !== 8) return undefined;
  return {
    tag: "ipv6",
    val: { port: target.port, flowInfo: 0, address: groups as [number, number, number, number, number, number, number, number], scopeId: 0 },
  };
}

/** A WIT ip-address from text, or undefined. */
export function ipFromText(text: string): WitIpAddress | undefined {
  const octets = v4Octets(text);
  if (octets) return { tag: "ipv4", val: octets };
  const groups = v6Groups(text);
  return groups && groups.length === 8
    ? { tag: "ipv6", val: groups as [number, number, number, number, number, number, number, number] }
    : undefined;
}

/** The same address with another port (keeps flow info and scope). */
export function withPort(address: WitSocketAddress, port: number): WitSocketAddress {
  return address.tag === "ipv4"
    ? { tag: "ipv4", val: { ...address.val, port } }
    : { tag: "ipv6", val: { ...address.val, port } };
}
