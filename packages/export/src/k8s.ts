/**
 * `networking.k8s.io/v1` NetworkPolicy: egress `ipBlock` peers (with
 * `except` carved out by deny rules), ingress for inbound grants on any
 * local address, ports with `endPort` for ranges. A NetworkPolicy has no
 * names, no deny rules and no view of a pod's local address; what it cannot
 * say is left out with a warning, never widened.
 */
import type { Policy, PortRange, Rule } from "@netperm/core";
import { blockContains, blocksOverlap, blockText, hostBlocks, portRanges, rangesCover, rangesOverlap, subtractRanges } from "./blocks.js";
import { blockEntries, byRule, cutDenyPorts, cutMappedSources, live, mappingMessage, socketRules, type Entry, type Warnings } from "./plan.js";
import type { Target } from "./target.js";

const NAME = "a NetworkPolicy";

/** `{ protocol, port, endPort? }` items for one entry. */
export function k8sPorts(protocol: "tcp" | "udp", ports: readonly PortRange[]): Record<string, unknown>[] {
  const p = protocol.toUpperCase();
  return ports.map((r) => (r.from === r.to ? { protocol: p, port: r.from } : { protocol: p, port: r.from, endPort: r.to }));
}

function collect(policy: Policy, warnings: Warnings): Entry[] {
  const entries: Entry[] = [];
  for (const rule of policy.rules) {
    if (rule.direction === "resolve") {
      warnings.add(
        rule,
        `resolve rules cannot be expressed by ${NAME}: a lookup is DNS traffic, allowed only where an outbound rule grants the resolver's port 53; rule left out`,
      );
    }
  }
  for (const rule of socketRules(policy.rules)) {
    if (rule.effect !== "allow") continue;
    if (rule.map !== undefined) {
      warnings.add(rule, mappingMessage("k8s"));
      continue;
    }
    const kind = rule.host.kind;
    if (kind === "name" || kind === "wildcard") warnings.add(rule, `names cannot be expressed by ${NAME} (ipBlock takes addresses only): rule left out`);
    else if (kind === "interface") warnings.add(rule, `interface names cannot be expressed by ${NAME}: rule left out`);
    else if (rule.direction === "inbound" && kind !== "any") {
      warnings.add(rule, `${NAME} cannot restrict the local address a pod binds (only the peer): rule left out`);
    } else entries.push(...blockEntries(rule, warnings));
  }
  return entries;
}

/** Outbound deny of address blocks: cut ports where it covers a block, `except` where it lies inside one. */
function applyOutboundDeny(deny: Rule, entries: Entry[], warnings: Warnings): void {
  const denied = portRanges(deny.ports);
  for (const e of entries) {
    if (e.direction !== "outbound" || e.protocol !== deny.protocol || e.block === undefined) continue;
    for (const db of hostBlocks(deny.host, deny.family) ?? []) {
      if (!rangesOverlap(e.ports, denied) || !blocksOverlap(db, e.block)) continue;
      if (blockContains(db, e.block)) e.ports = subtractRanges(e.ports, denied);
      else {
        if (!e.except.some((x) => blockContains(x, db))) e.except.push(db);
        if (!rangesCover(denied, e.ports)) {
          warnings.add(
            e.rule,
            `an ipBlock except applies to every port of the rule: ${blockText(db)} (from ${deny.source.flag}) is left out for all of this rule's ports`,
          );
        }
      }
    }
  }
}

function applyDenies(policy: Policy, entries: Entry[], warnings: Warnings): void {
  for (const deny of socketRules(policy.rules)) {
    if (deny.effect !== "deny") continue;
    const kind = deny.host.kind;
    if (deny.direction === "outbound") {
      if (kind === "name" || kind === "wildcard") {
        cutDenyPorts(deny, entries, warnings, `${NAME} cannot deny a name, whose addresses are not known ahead`);
      } else applyOutboundDeny(deny, entries, warnings);
    } else if (kind === "any") cutDenyPorts(deny, entries, warnings);
    else cutDenyPorts(deny, entries, warnings, `${NAME} cannot tell a pod's local addresses apart`);
  }
}

function peerRule(e: Entry, side: "to" | "from"): Record<string, unknown> {
  const block = e.block!;
  const ipBlock = e.except.length > 0 ? { cidr: blockText(block), except: e.except.map(blockText) } : { cidr: blockText(block) };
  return { [side]: [{ ipBlock }], ports: k8sPorts(e.protocol, e.ports) };
}

/** Builds the NetworkPolicy object for a policy. */
export function k8sObject(policy: Policy, target: Target, warnings: Warnings): Record<string, unknown> {
  const entries = collect(policy, warnings);
  applyDenies(policy, entries, warnings);
  cutMappedSources(policy.rules, entries, warnings);
  const kept = byRule(live(entries));
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: target.name },
    spec: {
      podSelector: Object.keys(target.selector).length > 0 ? { matchLabels: { ...target.selector } } : {},
      policyTypes: ["Ingress", "Egress"],
      ingress: kept.filter((e) => e.direction === "inbound").map((e) => peerRule(e, "from")),
      egress: kept.filter((e) => e.direction === "outbound").map((e) => peerRule(e, "to")),
    },
  };
}

/** Comment lines at the top of the YAML. */
export const K8S_NOTES: readonly string[] = [
  "Exported by netperm: a NetworkPolicy allows only what the policy allows, or less.",
  "Both policyTypes are listed, so a pod this selects is default-deny in both directions.",
  "Traffic on a pod's own loopback interface is never filtered by a NetworkPolicy.",
  "Names, mappings, interfaces and resolve rules cannot be expressed: each one left out is a warning.",
];
