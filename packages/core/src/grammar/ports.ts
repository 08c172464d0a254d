/**
 * Ports (docs/design.md, Grammar): `*`, a port, or a list of ports and inclusive ranges
 * (`21,35000-35999`), each in 0..65535. Port 0 is special only for inbound
 * rules (bind to "any free port"); `*` includes it.
 */
import { fail } from "./errors.js";
import type { At } from "./frame.js";
import type { PortRange, PortSpec } from "../types.js";

/** The highest port number. */
export const MAX_PORT = 65535;

/** True for `0`..`65535` written as 1 to 5 decimal digits. */
function readPort(text: string): number | undefined {
  if (text.length === 0 || text.length > 5) return undefined;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return n <= MAX_PORT ? n : undefined;
}

/**
 * Reads one `PORT` or `PORT-PORT` item located at `at`.
 * @throws NetpermError NETPERM_PORT (not a port), NETPERM_PORT_RANGE (reversed)
 */
export function parsePortItem(text: string, at: At): PortRange {
  if (text.length === 0) fail("NETPERM_PORT", "missing port", at.input, at.offset, 0, "use * for any port");
  const dash = text.indexOf("-");
  const first = dash < 0 ? text : text.slice(0, dash);
  const from = readPort(first);
  if (from === undefined) badPort(first, at.input, at.offset);
  if (dash < 0) return { from, to: from };
  const second = text.slice(dash + 1);
  const to = readPort(second);
  if (to === undefined) badPort(second, at.input, at.offset + dash + 1);
  if (to < from) {
    fail("NETPERM_PORT_RANGE", "port range is reversed", at.input, at.offset, text.length, `write the low port first: ${to}-${from}`);
  }
  return { from, to };
}

function badPort(text: string, input: string, offset: number): never {
  if (text.length === 0) fail("NETPERM_PORT", "missing port", input, offset, 0);
  if (/^[0-9]+$/.test(text)) {
    fail("NETPERM_PORT", `port ${text.length > 12 ? `${text.slice(0, 12)}...` : text} is out of range 0..65535`, input, offset, text.length);
  }
  fail("NETPERM_PORT", "a port is a number in 0..65535", input, offset, text.length);
}

/**
 * Parses PORTS: `*` or a comma-separated list of items, kept in the order
 * written. `at` locates `text` inside a flag (default: `text` itself).
 *
 * @example parsePorts("21,35000-35999") // [{ from: 21, to: 21 }, { from: 35000, to: 35999 }]
 * @throws NetpermError NETPERM_PORT, NETPERM_PORT_RANGE
 */
export function parsePorts(text: string, at: At = { input: text, offset: 0 }): PortSpec {
  if (text === "*") return "*";
  const items: PortRange[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && text[i] !== ",") continue;
    const item = text.slice(start, i);
    if (item === "*") fail("NETPERM_PORT", "* can not be part of a port list", at.input, at.offset + start, 1, "* alone means every port");
    if (item.length === 0 && text.length > 0) {
      fail("NETPERM_PORT", "empty item in a port list", at.input, at.offset + (i < text.length ? i : start - 1), 1);
    }
    items.push(parsePortItem(item, { input: at.input, offset: at.offset + start }));
    start = i + 1;
  }
  return items;
}

/** True when `port` is one of the ports of `spec`. */
export function portInSpec(spec: PortSpec, port: number): boolean {
  if (spec === "*") return Number.isInteger(port) && port >= 0 && port <= MAX_PORT;
  for (const r of spec) if (port >= r.from && port <= r.to) return true;
  return false;
}

/**
 * Sorts and merges ranges into disjoint, non-adjacent ranges covering the
 * same ports: `[{80,80},{81,90},{10,20}]` -> `[{10,20},{80,90}]`.
 */
export function mergeRanges(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from || a.to - b.to);
  const out: { from: number; to: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else out.push({ from: r.from, to: r.to });
  }
  return out;
}

/** Prints one range: `80` or `35000-35999`. */
export function formatPortRange(r: PortRange): string {
  return r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`;
}

/** Prints PORTS: `*` or the items joined by `,`. */
export function formatPorts(spec: PortSpec): string {
  return spec === "*" ? "*" : spec.map(formatPortRange).join(",");
}
