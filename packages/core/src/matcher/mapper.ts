/**
 * The mapper (docs/design.md, Mapping): translates endpoints between the guest's view and
 * the host's. `--allow-outbound=tcp://db->127.0.0.5:5432->5433` sends the
 * guest's `db:5432` (or `127.0.0.5:5432`, which the guest got by resolving
 * db) to the host's 127.0.0.5:5433, and shows the guest 127.0.0.5:5432
 * again; `--allow-inbound=tcp://*:80->8888` binds :8888 for a guest's :80.
 * Where no rule maps, an endpoint is passed through unchanged.
 *
 * Only allow rules with a mapping are consulted, lowest policy index first
 * (as a decision ranks them). The mapper does not decide: ask
 * `compile(policy).decide` whether the operation is allowed at all.
 */
import type { CompileOptions } from "./compile.js";
import { NetpermError } from "../grammar/errors.js";
import { addressText, readHost, type AddressKey, type HostKey } from "./lookup-key.js";
import { cidrContains, isLoopback, parseIp } from "../grammar/ip.js";
import { portInSpec } from "../grammar/ports.js";
import type { IpAddress, Policy, PortRange, Protocol, Rule } from "../types.js";

/** A host (IP in any spelling, or a name) and a port. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export type MapDirection = "outbound" | "inbound";

export interface Mapper {
  /** Where the host really connects or binds for the guest's `guest` endpoint. */
  toHost(direction: MapDirection, protocol: Protocol, guest: Endpoint): Endpoint;
  /** What the guest is shown for the host's real endpoint `host` (a local or remote address). */
  toGuest(direction: MapDirection, protocol: Protocol, host: Endpoint): Endpoint;
}

/**
 * Builds a mapper for a policy. `options.interfaces` lets inbound interface
 * rules (`tcp://eth0:80->8080`) recognise their addresses; without it they
 * map nothing.
 *
 * @example
 * const m = createMapper(parsePolicy(["--allow-inbound=tcp://*:80->8888"]));
 * m.toHost("inbound", "tcp", { host: "0.0.0.0", port: 80 }); // { host: "0.0.0.0", port: 8888 }
 * m.toGuest("inbound", "tcp", { host: "0.0.0.0", port: 8888 }); // { host: "0.0.0.0", port: 80 }
 * @throws NetpermError NETPERM_ARGUMENT from `toHost`/`toGuest` for a host that is
 *   neither an IP nor a name, or a port outside 0..65535.
 */
export function createMapper(policy: Policy, options: CompileOptions = {}): Mapper {
  const byKind = new Map<string, Rule[]>();
  for (const rule of policy.rules) {
    const map = rule.map;
    if (rule.effect !== "allow" || rule.direction === "resolve" || map === undefined) continue;
    if (map.port === undefined && (map.addresses?.length ?? 0) === 0) continue;
    const key = `${rule.direction}/${rule.protocol}`;
    const list = byKind.get(key);
    if (list === undefined) byKind.set(key, [rule]);
    else list.push(rule);
  }
  const rulesFor = (direction: MapDirection, protocol: Protocol): readonly Rule[] => byKind.get(`${direction}/${protocol}`) ?? [];
  const onInterface = (name: string, ip: AddressKey): boolean => {
    const entries = options.interfaces?.()[name];
    return entries?.some((e) => parseIp(e.address)?.text === ip.text) ?? false;
  };

  return {
    toHost(direction, protocol, guest) {
      const host = readEndpoint(guest);
      for (const rule of rulesFor(direction, protocol)) {
        if (!portInSpec(rule.ports, guest.port) || !underRule(rule, host, onInterface)) continue;
        const address = rule.map!.addresses?.[0];
        return { host: address?.text ?? canonical(host), port: shift(rule.map!.port, guest.port, "from") };
      }
      return { host: guest.host, port: guest.port };
    },
    toGuest(direction, protocol, hostSide) {
      const host = readEndpoint(hostSide);
      for (const rule of rulesFor(direction, protocol)) {
        const ports = rule.map!.port;
        if (ports === undefined || hostSide.port < ports.to.from || hostSide.port > ports.to.to) continue;
        if (!underRule(rule, host, onInterface)) continue;
        return { host: canonical(host), port: shift(ports, hostSide.port, "to") };
      }
      return { host: hostSide.host, port: hostSide.port };
    },
  };
}

function readEndpoint(e: Endpoint): HostKey {
  const ok = typeof e === "object" && e !== null && Number.isInteger(e.port) && e.port >= 0 && e.port <= 65535;
  const host = ok && typeof e.host === "string" ? readHost(e.host) : undefined;
  if (host === undefined) {
    throw new NetpermError("NETPERM_ARGUMENT", `not an endpoint: ${JSON.stringify(e)?.slice(0, 300) ?? String(e)}`);
  }
  return host;
}

function canonical(host: HostKey): string {
  return host.kind === "name" ? host.name : addressText(host);
}

/** Moves `port` from one side of a port mapping to the other (`from`: guest to host). */
function shift(ports: { readonly from: PortRange; readonly to: PortRange } | undefined, port: number, side: "from" | "to"): number {
  if (ports === undefined) return port;
  const [here, there] = side === "from" ? [ports.from, ports.to] : [ports.to, ports.from];
  return port >= here.from && port <= here.to ? there.from + (port - here.from) : port;
}

type OnInterface = (name: string, ip: AddressKey) => boolean;

/**
 * Does an endpoint's host fall under this rule's host: a name the rule names,
 * or an address it covers? A rule that maps its name to an address covers
 * exactly that address (the guest holds it because it resolved the name; the
 * host connects to it), on either side.
 */
function underRule(rule: Rule, host: HostKey, onInterface: OnInterface): boolean {
  if (host.kind === "name") {
    const h = rule.host;
    if (h.kind === "any") return true;
    if (h.kind === "localhost") return host.name === "localhost";
    if (h.kind === "name") return host.name === h.name;
    if (h.kind === "wildcard") return host.name.endsWith(`.${h.suffix}`);
    return false;
  }
  if (rule.map?.addresses !== undefined && rule.map.addresses.length > 0) return rule.map.addresses.some((a) => a.text === host.text);
  return addressUnder(rule, host, onInterface);
}

function addressUnder(rule: Rule, host: AddressKey, onInterface: OnInterface): boolean {
  const ip: IpAddress = { family: host.family, text: host.text };
  if (rule.family !== undefined && rule.family !== ip.family) return false;
  const h = rule.host;
  switch (h.kind) {
    case "any":
      return true;
    case "localhost":
      return isLoopback(ip);
    case "cidr":
      return cidrContains(h.family, h.address, h.prefix, ip);
    case "interface":
      return onInterface(h.name, host);
    case "name":
    case "wildcard":
      return false;
  }
}
