/**
 * `cilium.io/v2` CiliumNetworkPolicy: `toFQDNs` for names (with the DNS
 * rule that makes them work, limited to the names netperm lets the workload
 * resolve), `toCIDRSet` for addresses, `toPorts` with `endPort`, `egressDeny`
 * for outbound deny rules on addresses, ingress for inbound grants on any
 * local address. What Cilium cannot say is left out with a warning.
 */
import type { HostPattern, Policy, PortRange, Rule } from "@netperm/core";
import { blockText, portRanges, wirePorts, type Block } from "./blocks.js";
import { namesOverlap } from "./names.js";
import { blockEntries, byRule, cutDenyPorts, cutMappedSources, live, mappingMessage, nameEntry, socketRules, type Entry, type Warnings } from "./plan.js";
import type { Target } from "./target.js";

const NAME = "a CiliumNetworkPolicy";
/** Cilium allows at most 40 ports in one PortRule. */
const PORTS_PER_RULE = 40;

/** The pods that answer DNS in a cluster (Cilium's documented kube-dns selector). */
export const KUBE_DNS = { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns" } as const;

/** `toPorts` for one protocol and port ranges, 40 ports per PortRule. */
export function ciliumPorts(protocol: "tcp" | "udp", ports: readonly PortRange[]): Record<string, unknown>[] {
  const items = ports.map((r) => ({ port: String(r.from), ...(r.to > r.from ? { endPort: r.to } : {}), protocol: protocol.toUpperCase() }));
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < items.length; i += PORTS_PER_RULE) out.push({ ports: items.slice(i, i + PORTS_PER_RULE) });
  return out;
}

/** A netperm name pattern as a Cilium FQDN selector: `*.x` (any depth) is `**.x`. */
export function fqdnSelector(host: HostPattern): Record<string, string> {
  if (host.kind === "any") return { matchPattern: "*" };
  if (host.kind === "wildcard") return { matchPattern: `**.${host.suffix}` };
  if (host.kind === "name") return { matchName: host.name };
  return { matchName: "localhost" };
}

/** Name patterns netperm lets the workload resolve, minus any a deny-resolve rule could touch. */
function dnsPatterns(policy: Policy, warnings: Warnings): HostPattern[] {
  const grants: { rule: Rule; host: HostPattern }[] = [];
  for (const rule of policy.rules) {
    if (rule.effect !== "allow") continue;
    const implied = rule.direction === "outbound" && ["name", "wildcard", "localhost"].includes(rule.host.kind);
    if (rule.direction !== "resolve" && !implied) continue;
    if (rule.map !== undefined) {
      if (rule.direction === "resolve") warnings.add(rule, mappingMessage("cilium"));
      continue;
    }
    if (rule.family !== undefined) {
      if (rule.direction === "resolve") warnings.add(rule, `${NAME} cannot restrict the family of DNS answers: rule left out`);
      continue;
    }
    grants.push({ rule, host: rule.host });
  }
  const denies = policy.rules.filter((r) => r.effect === "deny" && r.direction === "resolve");
  const kept: HostPattern[] = [];
  for (const g of grants) {
    const deny = denies.find((d) => namesOverlap(d.host, g.host));
    if (deny === undefined) kept.push(g.host);
    else warnings.add(g.rule, `${NAME} cannot deny DNS names inside an allowed pattern: the lookups of this rule are left out because of ${deny.source.flag}`);
  }
  return kept.filter((h, i) => kept.findIndex((o) => JSON.stringify(o) === JSON.stringify(h)) === i);
}

function collect(policy: Policy, warnings: Warnings): Entry[] {
  const entries: Entry[] = [];
  for (const rule of socketRules(policy.rules)) {
    if (rule.effect !== "allow") continue;
    const kind = rule.host.kind;
    if (rule.map !== undefined) warnings.add(rule, mappingMessage("cilium"));
    else if (kind === "interface") warnings.add(rule, `interface names cannot be expressed by ${NAME}: rule left out`);
    else if (rule.direction === "inbound" && kind !== "any") {
      warnings.add(rule, `${NAME} cannot restrict the local address a pod binds (only the peer): rule left out`);
    } else if (kind === "name" || kind === "wildcard") {
      if (rule.family !== undefined) warnings.add(rule, `${NAME} cannot restrict the family of a toFQDNs rule: rule left out`);
      else {
        const e = nameEntry(rule);
        if (e) entries.push(e);
      }
    } else entries.push(...blockEntries(rule, warnings));
  }
  return entries;
}

/** Applies deny rules: outbound address denies become egressDeny entries; the rest narrow the allows. */
function applyDenies(policy: Policy, entries: Entry[], warnings: Warnings): Entry[] {
  const denyEntries: Entry[] = [];
  for (const deny of socketRules(policy.rules)) {
    if (deny.effect !== "deny") continue;
    const kind = deny.host.kind;
    if (deny.direction === "outbound" && (kind === "name" || kind === "wildcard")) {
      cutDenyPorts(deny, entries, warnings, `egressDeny has no toFQDNs, so ${NAME} cannot deny a name`);
    } else if (deny.direction === "outbound") {
      const ports = wirePorts(portRanges(deny.ports));
      if (ports.length === 0) continue;
      for (const e of blockEntries({ ...deny, ports }, warnings)) denyEntries.push(e);
    } else if (kind === "any") cutDenyPorts(deny, entries, warnings);
    else cutDenyPorts(deny, entries, warnings, `${NAME} cannot tell a pod's local addresses apart`);
  }
  return denyEntries;
}

function egressItem(e: Entry): Record<string, unknown> {
  const peer = e.name ? { toFQDNs: [fqdnSelector(e.name)] } : { toCIDRSet: [{ cidr: blockText(e.block as Block) }] };
  return { ...peer, toPorts: ciliumPorts(e.protocol, e.ports) };
}

function ingressItems(entries: readonly Entry[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const next = entries[i + 1];
    // `*` on both families with the same ports: every peer, in the cluster or not.
    const both = next !== undefined && next.rule === e.rule && e.block?.prefix === 0 && next.block?.prefix === 0 && JSON.stringify(e.ports) === JSON.stringify(next.ports);
    if (both) {
      out.push({ fromEntities: ["all"], toPorts: ciliumPorts(e.protocol, e.ports) });
      i++;
    } else out.push({ fromCIDRSet: [{ cidr: blockText(e.block as Block) }], toPorts: ciliumPorts(e.protocol, e.ports) });
  }
  return out;
}

/** Builds the CiliumNetworkPolicy object for a policy. */
export function ciliumObject(policy: Policy, target: Target, warnings: Warnings): Record<string, unknown> {
  const patterns = dnsPatterns(policy, warnings);
  const entries = collect(policy, warnings);
  const denyEntries = applyDenies(policy, entries, warnings);
  cutMappedSources(policy.rules, entries, warnings);
  const kept = byRule(live(entries));
  const egress = kept.filter((e) => e.direction === "outbound").map(egressItem);
  if (patterns.length > 0) {
    egress.unshift({
      toEndpoints: [{ matchLabels: { ...KUBE_DNS } }],
      toPorts: [{ ports: [{ port: "53", protocol: "ANY" }], rules: { dns: patterns.map(fqdnSelector) } }],
    });
  }
  const ingress = ingressItems(kept.filter((e) => e.direction === "inbound"));
  const spec: Record<string, unknown> = {
    endpointSelector: Object.keys(target.selector).length > 0 ? { matchLabels: { ...target.selector } } : {},
    enableDefaultDeny: { ingress: true, egress: true },
    // `[{}]` selects nothing and keeps default deny on Cilium versions without enableDefaultDeny.
    ingress: ingress.length > 0 ? ingress : [{}],
    egress: egress.length > 0 ? egress : [{}],
  };
  if (denyEntries.length > 0) spec.egressDeny = denyEntries.map((e) => ({ toCIDRSet: [{ cidr: blockText(e.block as Block) }], toPorts: ciliumPorts(e.protocol, e.ports) }));
  return { apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy", metadata: { name: target.name }, spec };
}

/** Comment lines at the top of the YAML. */
export const CILIUM_NOTES: readonly string[] = [
  "Exported by netperm: this policy allows only what the netperm policy allows, or less.",
  "netperm's *.example.com matches names of any depth; Cilium's *. matches one label, so",
  "wildcards are written **.example.com, Cilium's any-depth prefix (see matchPattern in the",
  "CRD). A Cilium without **. reads it as one label: narrower, never wider.",
  "The DNS rule to kube-dns lets the pod look up exactly the names netperm lets it resolve;",
  "toFQDNs only allows addresses learned through those lookups.",
  "toCIDRSet covers destinations outside the cluster only; in-cluster endpoints are not granted.",
  "Traffic on a pod's own loopback interface is never filtered by Cilium.",
  "Mappings, interfaces, name deny rules and family restrictions on names cannot be",
  "expressed: each one left out or narrowed is a warning.",
];
