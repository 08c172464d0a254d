/**
 * An nft ruleset: one `inet` table whose `output` chain holds the outbound
 * grants and whose `input` chain holds the inbound ones (matched on the local
 * destination address and port), each as named sets of addresses and ports,
 * deny rules first, default drop. nft sees packets, not names or lookups:
 * name rules, resolve rules, interfaces and mappings are left out with a
 * warning.
 */
import type { Policy } from "@netperm/core";
import { blockText, hostBlocks, minimalBlocks, portRanges, type Block } from "./blocks.js";
import { blockEntries, cutDenyPorts, cutMappedSources, live, mappingMessage, socketRules, type Entry, type Warnings } from "./plan.js";
import type { Target } from "./target.js";

const NAME = "nftables";

interface Group {
  readonly set: string;
  readonly effect: "allow" | "deny";
  readonly direction: "outbound" | "inbound";
  readonly protocol: "tcp" | "udp";
  readonly family: "ipv4" | "ipv6";
  readonly ports: string;
  readonly blocks: Block[];
  readonly flags: string[];
}

function collect(policy: Policy, warnings: Warnings): { allows: Entry[]; denies: Entry[] } {
  const allows: Entry[] = [];
  const denies: Entry[] = [];
  for (const rule of policy.rules) {
    if (rule.direction === "resolve") warnings.add(rule, `resolve rules cannot be expressed by ${NAME}, which sees packets, not lookups: rule left out`);
  }
  const sockets = socketRules(policy.rules);
  for (const rule of sockets) {
    const kind = rule.host.kind;
    if (rule.effect === "deny") {
      const blocks = hostBlocks(rule.host, rule.family);
      const ports = portRanges(rule.ports);
      for (const block of blocks ?? []) denies.push({ rule, direction: rule.direction, protocol: rule.protocol, block, ports, except: [] });
    } else if (rule.map !== undefined) warnings.add(rule, mappingMessage("nftables"));
    else if (kind === "name" || kind === "wildcard") {
      warnings.add(rule, `names cannot be expressed by ${NAME} (a ruleset holds addresses; resolving now would freeze today's DNS answers): rule left out`);
    } else if (kind === "interface") warnings.add(rule, `interface rules are left out of ${NAME}: an interface's addresses are not known ahead`);
    else allows.push(...blockEntries(rule, warnings));
  }
  for (const deny of sockets) {
    if (deny.effect !== "deny") continue;
    if (deny.host.kind === "name" || deny.host.kind === "wildcard") cutDenyPorts(deny, allows, warnings, `${NAME} cannot deny a name, whose addresses are not known ahead`);
    if (deny.host.kind === "interface") cutDenyPorts(deny, allows, warnings, `${NAME} cannot deny an interface, whose addresses are not known ahead`);
  }
  cutMappedSources(policy.rules, allows, warnings);
  return { allows: live(allows), denies };
}

function portText(e: Entry): string {
  return e.ports.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)).join(", ");
}

function group(entries: readonly Entry[], effect: "allow" | "deny"): Group[] {
  const groups = new Map<string, Group>();
  for (const e of entries) {
    const block = e.block!;
    const ports = portText(e);
    const key = [e.direction, e.protocol, block.family, ports].join("|");
    let g = groups.get(key);
    if (g === undefined) {
      const n = [...groups.values()].filter((x) => x.direction === e.direction && x.protocol === e.protocol && x.family === block.family).length;
      const set = `${effect}_${e.direction === "outbound" ? "out" : "in"}_${e.protocol}_${block.family === "ipv4" ? 4 : 6}_${n}`;
      g = { set, effect, direction: e.direction, protocol: e.protocol, family: block.family, ports, blocks: [], flags: [] };
      groups.set(key, g);
    }
    g.blocks.push(block);
    if (!g.flags.includes(e.rule.source.flag)) g.flags.push(e.rule.source.flag);
  }
  return [...groups.values()];
}

function everything(g: Group): boolean {
  return minimalBlocks(g.blocks).some((b) => b.prefix === 0);
}

function sets(g: Group): string[] {
  const lines: string[] = [];
  if (!everything(g)) {
    const type = g.family === "ipv4" ? "ipv4_addr" : "ipv6_addr";
    lines.push(`  set ${g.set} { type ${type}; flags interval; elements = { ${minimalBlocks(g.blocks).map(blockText).join(", ")} } }`);
  }
  lines.push(`  set ${g.set}_ports { type inet_service; flags interval; elements = { ${g.ports} } }`);
  return lines;
}

function rule(g: Group): string[] {
  const address = everything(g) ? `meta nfproto ${g.family}` : `${g.family === "ipv4" ? "ip" : "ip6"} daddr @${g.set}`;
  return [...g.flags.map((f) => `    # ${f}`), `    ${address} ${g.protocol} dport @${g.set}_ports ${g.effect === "allow" ? "accept" : "drop"}`];
}

const ND = "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept";

function chain(name: "output" | "input", groups: readonly Group[]): string[] {
  const direction = name === "output" ? "outbound" : "inbound";
  const mine = groups.filter((g) => g.direction === direction);
  return [
    `  chain ${name} {`,
    `    type filter hook ${name} priority filter; policy drop;`,
    "    ct state established,related accept",
    `    ${ND}`,
    ...mine.filter((g) => g.effect === "deny").flatMap(rule),
    ...mine.filter((g) => g.effect === "allow").flatMap(rule),
    "  }",
  ];
}

/** Comment lines at the top of the ruleset. */
export const NFT_NOTES: readonly string[] = [
  "Exported by netperm: this ruleset accepts only what the netperm policy allows, or less.",
  "output: new connections and datagrams to granted destination addresses and ports (outbound rules).",
  "input: new connections and datagrams to granted local addresses and ports (inbound rules).",
  "Deny rules come first; everything else is dropped (policy drop). Replies of accepted",
  "connections pass (ct state established,related); so does ICMPv6 neighbour discovery,",
  "without which IPv6 stops working. netperm grants tcp and udp only.",
  "Loopback is not exempt: traffic to 127.0.0.0/8 and ::1 leaves through output and comes",
  "back through input, so a connection to a local server needs an outbound grant for the",
  "client and an inbound grant for the server's port.",
  "Names, resolve rules, interfaces and mappings cannot be expressed: each one left out is a warning.",
];

/** Builds the nft ruleset text (without the leading comments). */
export function nftText(policy: Policy, target: Target, warnings: Warnings): string {
  const { allows, denies } = collect(policy, warnings);
  const groups = [...group(denies, "deny"), ...group(allows, "allow")];
  const lines = [
    // Declaring then deleting the table makes `nft -f` replace a previous export instead of adding to it.
    `table inet ${target.name}`,
    `delete table inet ${target.name}`,
    `table inet ${target.name} {`,
    ...groups.flatMap(sets),
    ...chain("output", groups),
    ...chain("input", groups),
    "}",
  ];
  return `${lines.join("\n")}\n`;
}
