/**
 * The canonical form of rules and policies (docs/design.md, Packages): canonical names and
 * IPs, `tcp://...` for any host on any port, ports left out when `*`, the
 * family suffix, mappings. `parsePolicy(format(p))` equals `p` (apart from
 * `source.flag` and `source.origin`).
 */
import { formatHost, formatIp } from "./rule-host.js";
import { NetpermError } from "./errors.js";
import { flagText, type FlagKind } from "./flags.js";
import { formatPortRange, formatPorts } from "./ports.js";
import type { HostPattern, Policy, Rule } from "../types.js";

function badRule(message: string, rule: Rule): never {
  throw new NetpermError("NETPERM_ARGUMENT", message, { input: rule.source.flag, length: rule.source.flag.length });
}

function formatNamePattern(host: HostPattern, rule: Rule): string {
  if (host.kind === "cidr" || host.kind === "interface") return badRule(`a resolve rule can not have a host of kind ${host.kind}`, rule);
  return formatHost(host, "resolve");
}

/**
 * The canonical value of a rule (what follows `=`), e.g. `tcp://example.com:80`,
 * `udp://...#ipv4-only`, `db.internal->172.17.0.14`.
 * @throws NetpermError NETPERM_ARGUMENT for a rule no flag can express (a resolve rule with an IP host, an outbound rule without protocol)
 */
export function formatRuleValue(rule: Rule): string {
  const family = rule.family === undefined ? "" : `#${rule.family}-only`;
  if (rule.direction === "resolve") {
    const addresses = rule.map?.addresses;
    const map = addresses === undefined ? "" : `->${addresses.map((a) => formatIp(a, false)).join(",")}`;
    return `${formatNamePattern(rule.host, rule)}${map}${family}`;
  }
  if (rule.protocol === undefined) return badRule(`an ${rule.direction} rule needs a protocol`, rule);
  const scheme = `${rule.protocol}://`;
  if (rule.host.kind === "any" && rule.ports === "*" && rule.map === undefined) return `${scheme}...${family}`;
  const mappedHost = rule.map?.addresses?.[0];
  const mapPort = rule.map?.port;
  let text = scheme + formatHost(rule.host, rule.direction);
  if (mappedHost !== undefined) text += `->${formatIp(mappedHost, true)}`;
  if (rule.ports !== "*" || mapPort !== undefined) text += `:${formatPorts(rule.ports)}`;
  if (mapPort !== undefined) text += `->${formatPortRange(mapPort.to)}`;
  return text + family;
}

/**
 * The canonical flag of a rule.
 * @example formatRule(parseRule("allow-outbound", "TCP://Example.com.:080")) // "--allow-outbound=tcp://example.com:80"
 */
export function formatRule(rule: Rule): string {
  const kind: FlagKind = `${rule.effect}-${rule.direction}`;
  return flagText(kind, formatRuleValue(rule));
}

/** The canonical flags of a policy, in policy order. */
export function format(policy: Policy): string[] {
  return policy.rules.map(formatRule);
}
