/**
 * Rule containment: `subsumes(a, b)` is true when every operation rule `b`
 * matches, rule `a` matches too (same direction and protocol, a host that
 * contains b's host, ports that contain b's ports, a family restriction no
 * narrower). It is conservative: "false" may mean "could not prove it".
 * `lint` builds its findings on it; a property test checks that whenever it
 * says true, every target b allows, a allows.
 */
import { cidrContains, isLoopback, parseIp } from "../grammar/ip.js";
import type { HostPattern, PortSpec, Rule } from "../types.js";

/** True when host pattern `a` matches everything host pattern `b` matches. */
export function hostContains(a: HostPattern, b: HostPattern): boolean {
  switch (a.kind) {
    case "any":
      return true;
    case "localhost":
      if (b.kind === "localhost") return true;
      if (b.kind === "name") return b.name === "localhost";
      if (b.kind === "cidr") {
        const net = parseIp(b.address);
        return net !== undefined && (b.family === "ipv4" ? b.prefix >= 8 && isLoopback(net) : b.prefix === 128 && net.text === "::1");
      }
      return false;
    case "name":
      return b.kind === "name" && b.name === a.name;
    case "wildcard":
      if (b.kind === "name") return b.name.endsWith(`.${a.suffix}`);
      if (b.kind === "wildcard") return b.suffix === a.suffix || b.suffix.endsWith(`.${a.suffix}`);
      return false;
    case "cidr": {
      if (b.kind !== "cidr" || b.family !== a.family || b.prefix < a.prefix) return false;
      const net = parseIp(b.address);
      return net !== undefined && cidrContains(a.family, a.address, a.prefix, net);
    }
    case "interface":
      return b.kind === "interface" && b.name === a.name;
  }
}

/** True when port spec `a` includes every port of `b`. */
export function portsContain(a: PortSpec, b: PortSpec): boolean {
  if (a === "*") return true;
  if (b === "*") return false;
  return b.every((range) => {
    // Walk a's ranges sorted, covering [range.from, range.to] left to right.
    let next = range.from;
    for (const r of [...a].sort((x, y) => x.from - y.from)) {
      if (r.from > next) break;
      if (r.to >= next) next = r.to + 1;
      if (next > range.to) return true;
    }
    return next > range.to;
  });
}

/**
 * True when rule `a` matches every operation rule `b` matches. Effects are
 * not compared (lint asks it of an allow and a deny too); a rule with a
 * mapping is never said to subsume or be subsumed, since which one decides
 * changes where the connection goes.
 */
export function subsumes(a: Rule, b: Rule): boolean {
  return a.map === undefined && b.map === undefined && covers(a, b);
}

/** Like `subsumes`, but blind to mappings: rule `a` matches every operation `b` matches. */
export function covers(a: Rule, b: Rule): boolean {
  if (a.direction !== b.direction || a.protocol !== b.protocol) return false;
  if (a.family !== undefined && a.family !== b.family) return false;
  return hostContains(a.host, b.host) && portsContain(a.ports, b.ports);
}
