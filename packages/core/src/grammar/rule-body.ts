/**
 * The body of one rule (docs/design.md, Grammar), after the flag kind is known: an
 * outbound or inbound RULE (`tcp://HOST[->MAPHOST][:PORTS[->MAPPORT]][#FAMILY]`)
 * or a resolve NAMERULE (`NAME[->IP,IP][#FAMILY]`), read left to right with
 * `indexOf` and bounded loops, into canonical parts.
 */
import { fail } from "./errors.js";
import { shift, type At } from "./frame.js";
import { parseHostPattern, parseIpAt, parseNamePattern } from "./rule-host.js";
import { ipv4ToInt } from "./ip.js";
import { parsePortItem, parsePorts } from "./ports.js";
import type { Direction, Effect, Family, HostPattern, IpAddress, Mapping, PortSpec, Protocol } from "../types.js";

/** The parts of a rule its body decides. */
export interface Body {
  readonly protocol?: Protocol;
  readonly host: HostPattern;
  readonly ports: PortSpec;
  readonly map?: Mapping;
}

const FAMILIES: ReadonlyMap<string, Family> = new Map([
  ["ipv4-only", "ipv4"],
  ["ipv6-only", "ipv6"],
]);

/** Splits off `#ipv4-only` / `#ipv6-only`: the end of the body and the family. */
function splitFamily(value: string, from: number, at: At): { end: number; family?: Family } {
  const hash = value.indexOf("#", from);
  if (hash < 0) return { end: value.length };
  const text = value.slice(hash + 1);
  const family = FAMILIES.get(text);
  if (family !== undefined) return { end: hash, family };
  const parts = text.split("#");
  const message = parts.length > 1 && parts.every((p) => FAMILIES.has(p)) ? "a rule takes one family" : `unknown family '#${text.slice(0, 20)}'`;
  fail("NETPERM_FAMILY", message, at.input, at.offset + hash, text.length + 1, "write #ipv4-only or #ipv6-only");
}

/** Refuses a rule whose own address or mapped address contradicts its family. */
export function checkFamily(family: Family | undefined, body: Body, value: string, at: At): void {
  if (family === undefined) return;
  const hash = value.lastIndexOf("#");
  const own = body.host.kind === "cidr" ? body.host.family : undefined;
  const mapped = body.map?.addresses?.find((a) => a.family !== family);
  const other = own !== undefined && own !== family ? own : mapped?.family;
  if (other === undefined) return;
  const name = (f: Family): string => (f === "ipv4" ? "IPv4" : "IPv6");
  const what = own !== undefined && own !== family ? "the rule's address" : "a mapped address";
  fail("NETPERM_FAMILY", `${what} is ${name(other)} but the rule is #${family}-only`, at.input, at.offset + hash, value.length - hash);
}

/** Index of the first `:` or `->` in `s` at or after `from`, else `s.length`. */
function hostEnd(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === ":" || (s[i] === "-" && s[i + 1] === ">")) return i;
  }
  return s.length;
}

function noMapOnDeny(effect: Effect, at: At, offset: number): void {
  if (effect === "deny") fail("NETPERM_MAP", "deny rules take no mappings", at.input, at.offset + offset, 2);
}

/** `->IP` after an outbound host: the one address the name or IP really is. */
function parseMapHost(body: string, arrow: number, host: HostPattern, direction: Direction, effect: Effect, at: At): { ip: IpAddress; end: number } {
  noMapOnDeny(effect, at, arrow);
  if (direction === "inbound") {
    fail("NETPERM_MAP", "inbound rules map ports only", at.input, at.offset + arrow, 2, "write tcp://*:80->8888");
  }
  const single = host.kind === "name" || (host.kind === "cidr" && host.prefix === (host.family === "ipv4" ? 32 : 128));
  if (!single) {
    fail("NETPERM_MAP", "only an exact name or a single IP address can be mapped to an address", at.input, at.offset, arrow);
  }
  const start = arrow + 2;
  let end: number;
  if (body[start] === "[") {
    const close = body.indexOf("]", start);
    end = close < 0 ? body.length : close + 1;
  } else {
    const colon = body.indexOf(":", start);
    end = colon < 0 ? body.length : colon;
  }
  const text = body.slice(start, end);
  if (text.length === 0) {
    fail("NETPERM_MAP", "missing address after ->", at.input, at.offset + start, 0, "write IPv6 addresses in brackets: db->[::1]:5432");
  }
  const ip = parseIpAt(text, shift(at, start), false);
  if (ip.family === "ipv4" && ipv4ToInt(ip.text) >>> 24 === 0) {
    fail("NETPERM_MAP", `${ip.text} (0.0.0.0/8) is not a destination`, at.input, at.offset + start, text.length, "to map a port write tcp://db:80->8080");
  }
  return { ip, end };
}

/** The part after `tcp://` or `udp://`. */
export function parseSocketBody(value: string, effect: Effect, direction: Direction, at: At): { body: Body; family?: Family } {
  const sep = value.indexOf("://");
  if (sep < 0) {
    const colon = value.indexOf(":");
    fail("NETPERM_SCHEME", "a rule starts with tcp:// or udp://", at.input, at.offset, colon < 0 ? value.length : colon, `write tcp://${value.slice(0, 80)}`);
  }
  const scheme = value.slice(0, sep).toLowerCase();
  if (scheme !== "tcp" && scheme !== "udp") {
    const hint = scheme === "http" || scheme === "https" ? "an HTTP request is a tcp connection: tcp://example.com:443" : "write tcp:// or udp://";
    fail("NETPERM_SCHEME", "unknown scheme", at.input, at.offset, sep, hint);
  }
  const protocol: Protocol = scheme;
  const start = sep + 3;
  const { end, family } = splitFamily(value, start, at);
  const body = value.slice(start, end);
  const bodyAt = shift(at, start);
  const withFamily = (b: Body): { body: Body; family?: Family } => (family === undefined ? { body: b } : { body: b, family });
  if (body === "...") return withFamily({ protocol, host: { kind: "any" }, ports: "*" });
  if (body.startsWith("...")) {
    fail("NETPERM_HOST", "... means any host and any port and takes nothing after it", at.input, bodyAt.offset + 3, body.length - 3, "write tcp://*:80 for any host on port 80");
  }
  const close = body.startsWith("[") ? body.indexOf("]") : -1;
  const k = body.startsWith("[") && close < 0 ? body.length : hostEnd(body, close + 1);
  if (k === 0 && body.startsWith(":") && body.indexOf(":", 1) > 0) {
    fail("NETPERM_IP", "IPv6 address without brackets", at.input, bodyAt.offset, body.length, "write IPv6 addresses in brackets: tcp://[::1]:80");
  }
  const host = parseHostPattern(body.slice(0, k), direction, bodyAt);
  let i = k;
  let addresses: IpAddress[] | undefined;
  if (body.startsWith("->", i)) {
    const mapped = parseMapHost(body, i, host, direction, effect, bodyAt);
    addresses = [mapped.ip];
    i = mapped.end;
  }
  let ports: PortSpec = "*";
  let port: Mapping["port"];
  if (i < body.length) {
    if (body[i] !== ":") fail("NETPERM_HOST", `unexpected '${body[i]}'`, at.input, bodyAt.offset + i, 1);
    const pstart = i + 1;
    const arrow = body.indexOf("->", pstart);
    const pend = arrow < 0 ? body.length : arrow;
    const ptext = body.slice(pstart, pend);
    const colon = ptext.indexOf(":");
    if (colon >= 0) {
      fail("NETPERM_PORT", "unexpected ':' in ports", at.input, bodyAt.offset + pstart + colon, 1, "write IPv6 addresses in brackets: tcp://[::1]:80");
    }
    ports = parsePorts(ptext, shift(bodyAt, pstart));
    if (arrow >= 0) port = parsePortMap(body, ptext, ports, arrow, effect, bodyAt);
  }
  let map: Mapping | undefined;
  if (addresses !== undefined || port !== undefined) {
    map = { ...(addresses === undefined ? {} : { addresses }), ...(port === undefined ? {} : { port }) };
  }
  return withFamily(map === undefined ? { protocol, host, ports } : { protocol, host, ports, map });
}

/** `:80->8888` or `:8000-8009->9000-9009`: one port item onto another of the same length. */
function parsePortMap(body: string, ptext: string, ports: PortSpec, arrow: number, effect: Effect, at: At): Mapping["port"] {
  noMapOnDeny(effect, at, arrow);
  const pstart = arrow - ptext.length;
  const from = ports === "*" || ports.length !== 1 ? undefined : ports[0];
  if (from === undefined) {
    fail("NETPERM_MAP", "only a single port or one range can be mapped", at.input, at.offset + pstart, ptext.length, "write one rule per mapped port: tcp://*:80->8080");
  }
  const mtext = body.slice(arrow + 2);
  const to = parsePortItem(mtext, shift(at, arrow + 2));
  if (to.to - to.from !== from.to - from.from) {
    fail("NETPERM_MAP", "a port range maps onto a range of the same length", at.input, at.offset + arrow + 2, mtext.length);
  }
  if (from.from === 0 || to.from === 0) {
    fail("NETPERM_MAP", "port 0 can not be mapped", at.input, at.offset + pstart, body.length - pstart);
  }
  return { from, to };
}

/** A resolve rule: `*`, a name, `*.` DOMAIN, or `name->ip,ip`. */
export function parseResolveBody(value: string, effect: Effect, at: At): { body: Body; family?: Family } {
  const url = value.indexOf("://");
  if (url >= 0) fail("NETPERM_HOST", "resolve rules take a name, not a URL", at.input, at.offset, url + 3, "write --allow-resolve=example.com");
  const { end, family } = splitFamily(value, 0, at);
  const text = value.slice(0, end);
  const arrow = text.indexOf("->");
  const host = parseNamePattern(arrow < 0 ? text : text.slice(0, arrow), at);
  let body: Body = { host, ports: "*" };
  if (arrow >= 0) {
    noMapOnDeny(effect, at, arrow);
    if (host.kind !== "name") fail("NETPERM_MAP", "only an exact name can be mapped to addresses", at.input, at.offset, arrow);
    const addresses: IpAddress[] = [];
    let start = arrow + 2;
    for (let i = start; i <= text.length; i++) {
      if (i < text.length && text[i] !== ",") continue;
      if (i === start) fail("NETPERM_MAP", "missing address in a mapping", at.input, at.offset + start, 0);
      addresses.push(parseIpAt(text.slice(start, i), shift(at, start), true));
      start = i + 1;
    }
    body = { host, ports: "*", map: { addresses } };
  }
  return family === undefined ? { body } : { body, family };
}

