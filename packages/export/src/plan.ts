/**
 * The part of an export every target shares: which allow rules a target can
 * carry, split into one entry per address block (or per name), and the
 * narrowing a deny rule forces where the target cannot express the deny.
 * The one law: an entry may lose ports or addresses, never gain them, so an
 * exported policy never allows what netperm denies. Whatever is left out
 * is a warning naming the rule.
 */
import type { HostPattern, PortRange, Protocol, Rule, RuleSource } from "@netperm/core";
import { hostBlocks, portRanges, rangesOverlap, subtractRanges, wirePorts, type Block } from "./blocks.js";

/** The engines a policy can be exported to. */
export type ExportFormat = "cilium" | "k8s" | "nftables";

/** Something the target cannot express, and what the export did about it (always: narrower). */
export interface ExportWarning {
  readonly rule: RuleSource;
  readonly message: string;
}

/** One allowed (or, for native denies, denied) peer of one rule: a block or a name pattern, with ports. */
export interface Entry {
  readonly rule: Rule;
  readonly direction: "outbound" | "inbound";
  readonly protocol: Protocol;
  /** An address block; absent when `name` is set. */
  readonly block?: Block;
  /** A name or `*.` wildcard host (Cilium only). */
  readonly name?: Extract<HostPattern, { kind: "name" | "wildcard" }>;
  /** Sorted disjoint ranges, 1..65535 for allows. */
  ports: PortRange[];
  /** Blocks inside `block` taken out again (k8s `except`). */
  readonly except: Block[];
}

export const TARGET_NAME: Record<ExportFormat, string> = {
  cilium: "a CiliumNetworkPolicy",
  k8s: "a Kubernetes NetworkPolicy",
  nftables: "nftables",
};

/** Collects warnings, one per rule and message. */
export class Warnings {
  readonly list: ExportWarning[] = [];
  add(rule: Rule, message: string): void {
    if (!this.list.some((w) => w.rule.index === rule.source.index && w.message === message)) this.list.push({ rule: rule.source, message });
  }
}

/** Socket rules (outbound / inbound) with their protocol, in policy order. */
export function socketRules(rules: readonly Rule[]): (Rule & { direction: "outbound" | "inbound"; protocol: Protocol })[] {
  return rules.filter((r): r is Rule & { direction: "outbound" | "inbound"; protocol: Protocol } => r.direction !== "resolve" && r.protocol !== undefined);
}

/**
 * The entries of an allow rule whose host is an address pattern (`*`,
 * `localhost`, an IP or CIDR): one per block, family restriction applied,
 * ports limited to what is on the wire.
 */
export function blockEntries(rule: Rule & { direction: "outbound" | "inbound"; protocol: Protocol }, warnings: Warnings): Entry[] {
  const blocks = hostBlocks(rule.host, rule.family) ?? [];
  const ports = wirePorts(portRanges(rule.ports));
  if (ports.length === 0) {
    warnings.add(rule, "port 0 (a free port the OS picks) is not known ahead and cannot be expressed: rule left out");
    return [];
  }
  return blocks.map((block) => ({ rule, direction: rule.direction, protocol: rule.protocol, block, ports: [...ports], except: [] }));
}

/** The entry of an allow rule whose host is a name or `*.` wildcard. */
export function nameEntry(rule: Rule & { direction: "outbound" | "inbound"; protocol: Protocol }): Entry | undefined {
  if (rule.host.kind !== "name" && rule.host.kind !== "wildcard") return undefined;
  const ports = wirePorts(portRanges(rule.ports));
  if (ports.length === 0) return undefined;
  return { rule, direction: rule.direction, protocol: rule.protocol, name: rule.host, ports, except: [] };
}

/**
 * A deny rule the target cannot express whose matching addresses are not
 * known ahead (a name, a wildcard, an interface, a local address): every
 * same-direction, same-protocol entry it could overlap loses the deny's
 * ports. Narrower than netperm where the deny would have matched only some
 * addresses, and said so in a warning on the allow rule.
 */
export function cutDenyPorts(deny: Rule, entries: Entry[], warnings: Warnings, why?: string): void {
  const denied = portRanges(deny.ports);
  const blocks = hostBlocks(deny.host, deny.family);
  const families = blocks ? new Set(blocks.map((b) => b.family)) : deny.family === undefined ? undefined : new Set([deny.family]);
  for (const e of entries) {
    if (e.direction !== deny.direction || e.protocol !== deny.protocol) continue;
    if (families !== undefined && e.block !== undefined && !families.has(e.block.family)) continue;
    if (!rangesOverlap(e.ports, denied)) continue;
    e.ports = subtractRanges(e.ports, denied);
    if (why !== undefined) {
      warnings.add(e.rule, `${why}: the ports of ${deny.source.flag} are left out of this rule${e.ports.length === 0 ? " (nothing is left of it)" : ""}`);
    }
  }
}

/**
 * A mapped allow rule the target leaves out still decides netperm's answer
 * for its own targets (docs/design.md, Decision order: an allow rule whose
 * mapping applies decides before one without, and the mapped target is
 * checked against the deny rules). Where a deny rule of its direction and
 * protocol could refuse the mapped target, netperm may deny a target that
 * another allow rule passes on the wire: the entries it could overlap lose
 * the mapped rule's ports.
 */
export function cutMappedSources(rules: readonly Rule[], entries: Entry[], warnings: Warnings): void {
  const sockets = socketRules(rules);
  for (const m of sockets) {
    if (m.effect !== "allow" || m.map === undefined) continue;
    if (!sockets.some((d) => d.effect === "deny" && d.direction === m.direction && d.protocol === m.protocol)) continue;
    cutDenyPorts(m, entries, warnings, `netperm decides these ports by the mapped rule ${m.source.flag}, whose mapped target a deny rule may refuse`);
  }
}

/** Entries that still grant at least one port. */
export function live(entries: readonly Entry[]): Entry[] {
  return entries.filter((e) => e.ports.length > 0);
}

/** Why a mapped rule is left out. */
export function mappingMessage(format: ExportFormat): string {
  return `mappings cannot be expressed by ${TARGET_NAME[format]} (it sees the real address and port, not the guest's): rule left out`;
}

/**
 * Sorts entries so output is stable: policy order, then block text.
 * (Entries are built in policy order already; this keeps families grouped.)
 */
export function byRule(entries: readonly Entry[]): Entry[] {
  return [...entries].sort((a, b) => a.rule.source.index - b.rule.source.index);
}
