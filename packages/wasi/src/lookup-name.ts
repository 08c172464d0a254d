/**
 * What `resolve-addresses` accepts as a name, read as wasmtime reads it
 * (`url::Host::parse`, then a bare IPv6 address): an IP literal in any
 * spelling the WHATWG host parser takes (`127.1`, `0x7f.0.0.1`,
 * `2130706433`, `[::1]`) or a bare IPv6 address (no zone), which is
 * answered as-is without a lookup; a domain name (IDNA to ASCII, lower
 * case); or nothing (`invalid-argument`): empty, spaces, controls, a port,
 * a path, a URL, a zone.
 */
import { ipFromText, type WitIpAddress } from "./addresses.js";

export type LookupName = { readonly kind: "ip"; readonly ip: WitIpAddress } | { readonly kind: "name"; readonly name: string };

/** Characters the URL parser would strip or read as a delimiter: never part of a host. */
const NOT_IN_HOST = /[\u0000-\u0020\u007f/\\?#@:[\]]/;
const BARE_V6 = /^[0-9A-Fa-f:.]+$/;
const DOTTED_QUAD = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** The WHATWG host parser's reading of `host`, or undefined when it refuses it. */
function whatwgHost(host: string): string | undefined {
  let url: URL;
  try {
    url = new URL(`http://${host}/`);
  } catch {
    return undefined;
  }
  return url.pathname === "/" && url.port === "" && url.username === "" && url.search === "" && url.hash === "" ? url.hostname : undefined;
}

function v6(text: string): LookupName | undefined {
  const host = whatwgHost(`[${text}]`);
  const ip = host ? ipFromText(host.slice(1, -1)) : undefined;
  return ip?.tag === "ipv6" ? { kind: "ip", ip } : undefined;
}

/** Reads a guest's lookup name; undefined means `invalid-argument`. Never throws. */
export function readLookupName(name: string): LookupName | undefined {
  if (typeof name !== "string" || name.length === 0) return undefined;
  if (name.startsWith("[")) return name.endsWith("]") && !NOT_IN_HOST.test(name.slice(1, -1).replace(/:/g, "")) ? v6(name.slice(1, -1)) : undefined;
  if (NOT_IN_HOST.test(name)) return BARE_V6.test(name) ? v6(name) : undefined;
  const host = whatwgHost(name);
  if (host === undefined) return undefined;
  if (DOTTED_QUAD.test(host)) {
    const ip = ipFromText(host);
    return ip ? { kind: "ip", ip } : undefined;
  }
  return { kind: "name", name: host };
}
