/**
 * Small reference evaluators of the exported forms, written from each
 * engine's documented semantics (not from the exporter's code): given the
 * exported document and an operation, does the document let it through?
 * - k8s: an egress/ingress rule allows when a peer ipBlock holds the
 *   address (outside every except) and a port item matches.
 * - cilium: egressDeny wins; toCIDR/toCIDRSet hold the address, or toFQDNs
 *   match a name the address was resolved from (only names the DNS rule
 *   lets the pod look up); toEndpoints never match an external address.
 * - nftables: first matching rule of the chain decides; default drop.
 */
import { parseIp, type Operation, type ResolutionTable } from "@netperm/core";

type Doc = any;
type SocketOp = Extract<Operation, { op: "connect" | "bind" | "send" }>;

function inCidr(cidr: string, host: string): boolean {
  const [base = "", bits = "0"] = cidr.split("/");
  const a = parseIp(base);
  const h = parseIp(host);
  if (!a || !h || a.family !== h.family) return false;
  const width = a.family === "ipv4" ? 32 : 128;
  const value = (ip: string, family: string): bigint =>
    family === "ipv4"
      ? ip.split(".").reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n)
      : BigInt(`0x${expand6(ip)}`);
  const shift = BigInt(width - Number(bits));
  return value(a.text, a.family) >> shift === value(h.text, h.family) >> shift;
}

function expand6(text: string): string {
  const [l = "", r] = text.split("::");
  const left = l ? l.split(":") : [];
  const right = r ? r.split(":") : [];
  const groups = r === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return groups.map((g) => g.padStart(4, "0")).join("");
}

function portMatches(item: Doc, protocol: string, port: number): boolean {
  if (item.protocol !== undefined && item.protocol !== "ANY" && item.protocol !== protocol.toUpperCase()) return false;
  if (item.port === undefined || item.port === "0" || item.port === 0) return true;
  const from = Number(item.port);
  const to = item.endPort ?? from;
  return from <= port && port <= to;
}

// ---- k8s ----------------------------------------------------------------

function k8sPeer(peer: Doc, host: string): boolean {
  const b = peer.ipBlock;
  if (b === undefined) return false; // podSelector / namespaceSelector peers are pods, not addresses
  return inCidr(b.cidr, host) && !(b.except ?? []).some((e: string) => inCidr(e, host));
}

/** Whether a NetworkPolicy object lets the operation through. */
export function k8sAllows(doc: Doc, op: Operation): boolean {
  if (op.op === "resolve") return false;
  const inbound = op.op === "bind";
  const rules: Doc[] = (inbound ? doc.spec.ingress : doc.spec.egress) ?? [];
  const fam = parseIp(op.host)?.family;
  return rules.some((r) => {
    const peers: Doc[] | undefined = inbound ? r.from : r.to;
    // inbound: some source of the bound address's family may reach it.
    const peerOk = peers === undefined || peers.some((p) => (inbound ? p.ipBlock !== undefined && parseIp(p.ipBlock.cidr.split("/")[0])?.family === fam : k8sPeer(p, op.host)));
    const portOk = r.ports === undefined || r.ports.some((p: Doc) => portMatches(p, op.protocol, op.port));
    return peerOk && portOk;
  });
}

// ---- cilium -------------------------------------------------------------

/** Cilium's FQDN matching: matchName exact; matchPattern `*` = one label's characters, `**.` prefix = any depth. */
export function fqdnMatches(sel: Doc, name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, "");
  if (sel.matchName !== undefined) return sel.matchName.toLowerCase().replace(/\.$/, "") === n;
  const pattern: string = sel.matchPattern.toLowerCase().replace(/\.$/, "");
  if (pattern === "*") return true;
  const deep = pattern.startsWith("**.");
  const rest = deep ? pattern.slice(3) : pattern;
  const body = rest.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\-]/g, "\\$&")).join("[-a-z0-9_]*");
  return new RegExp(deep ? `^([-a-z0-9_]+\\.)+${body}$` : `^${body}$`).test(n);
}

function ciliumPorts(item: Doc, protocol: string, port: number): boolean {
  if (item.toPorts === undefined) return true;
  return item.toPorts.some((pr: Doc) => (pr.ports ?? [{}]).some((p: Doc) => portMatches(p, protocol, port)));
}

function cidrPeer(item: Doc, host: string, side: "to" | "from"): boolean {
  const list: string[] = item[`${side}CIDR`] ?? [];
  const sets: Doc[] = item[`${side}CIDRSet`] ?? [];
  return list.some((c) => inCidr(c, host)) || sets.some((s) => inCidr(s.cidr, host) && !(s.except ?? []).some((e: string) => inCidr(e, host)));
}

/** Whether a CiliumNetworkPolicy object lets the operation through. */
export function ciliumAllows(doc: Doc, op: Operation, table: ResolutionTable): boolean {
  const egress: Doc[] = doc.spec.egress ?? [];
  const resolvable = (name: string) => egress.some((e) => (e.toPorts ?? []).some((pr: Doc) => (pr.rules?.dns ?? []).some((d: Doc) => fqdnMatches(d, name))));
  if (op.op === "resolve") return resolvable(op.host);
  if (op.op === "bind") {
    const fam = parseIp(op.host)?.family;
    return (doc.spec.ingress ?? []).some(
      (i: Doc) =>
        ((i.fromEntities ?? []).includes("all") || (i.fromCIDRSet ?? []).some((s: Doc) => parseIp(s.cidr.split("/")[0])?.family === fam)) &&
        ciliumPorts(i, op.protocol, op.port),
    );
  }
  if ((doc.spec.egressDeny ?? []).some((d: Doc) => cidrPeer(d, op.host, "to") && ciliumPorts(d, op.protocol, op.port))) return false;
  const names = [...table.namesFor(op.host), ...(op.via ? [op.via] : [])].filter(resolvable);
  return egress.some(
    (e) => (cidrPeer(e, op.host, "to") || (e.toFQDNs ?? []).some((f: Doc) => names.some((n) => fqdnMatches(f, n)))) && ciliumPorts(e, op.protocol, op.port),
  );
}

// ---- nftables -----------------------------------------------------------

function setHas(elements: readonly string[], value: string, kind: "addr" | "port"): boolean {
  return elements.some((el) => {
    if (kind === "addr") return el.includes("/") ? inCidr(el, value) : el === value;
    const [a = "", b] = el.split("-");
    return Number(a) <= Number(value) && Number(value) <= Number(b ?? a);
  });
}

/** Whether the nft ruleset text accepts the first packet of the operation (output chain for connect/send, input for bind). */
export function nftAllows(text: string, op: SocketOp | Extract<Operation, { op: "resolve" }>): boolean {
  if (op.op === "resolve") return false;
  const sets = new Map<string, string[]>();
  for (const m of text.matchAll(/set (\w+) \{ type \w+; flags interval; elements = \{ ([^}]*) \} \}/g)) sets.set(m[1]!, m[2]!.split(", "));
  const chain = op.op === "bind" ? "input" : "output";
  const body = text.split(`chain ${chain} {`)[1]?.split("\n  }")[0];
  if (body === undefined) throw new Error(`no ${chain} chain`);
  const fam = parseIp(op.host)?.family;
  for (const raw of body.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("type filter") || line.startsWith("ct state established") || line.startsWith("icmpv6 type")) continue;
    const m = /^(?:(ip|ip6) daddr @(\w+)|meta nfproto (ipv4|ipv6)) (tcp|udp) dport @(\w+) (accept|drop)$/.exec(line);
    if (!m) throw new Error(`the evaluator does not know this nft rule: ${line}`);
    const [, ipKw, addrSet, nfproto, proto, portSet, verdict] = m;
    const famOk = ipKw ? (ipKw === "ip" ? "ipv4" : "ipv6") === fam && setHas(sets.get(addrSet!) ?? [], op.host, "addr") : nfproto === fam;
    if (famOk && proto === op.protocol && setHas(sets.get(portSet!) ?? [], String(op.port), "port")) return verdict === "accept";
  }
  if (!/policy drop;/.test(body)) throw new Error("chain without policy drop");
  return false;
}
