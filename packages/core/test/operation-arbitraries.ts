/**
 * fast-check arbitraries of operations aimed at a policy: hosts, ports and
 * resolution-table entries taken from the policy's own rules (a name, a
 * label in front of a wildcard's suffix, the edges of a CIDR block and just
 * beyond, the edges of port ranges), mixed with unrelated ones, so that
 * random operations hit, graze and miss the rules.
 */
import fc from "fast-check";
import { ipv4Range, ipv6Range } from "../src/matcher/address-blocks.js";
import type { CompileOptions } from "../src/matcher/compile.js";
import { hexToIpv6, intToIpv4 } from "../src/grammar/ip.js";
import { ResolutionTable } from "../src/matcher/resolution-table.js";
import type { Operation, Policy, Protocol, Rule } from "../src/types.js";
import { ipv4Spellings } from "./arbitraries.js";

/** Hosts and ports that a policy's rules talk about. */
export interface PolicyVocabulary {
  readonly names: readonly string[];
  readonly addresses: readonly string[];
  readonly interfaces: readonly string[];
  readonly ports: readonly number[];
}

const clampPort = (p: number): number => Math.max(0, Math.min(65535, p));

function hexAround(hex: string, delta: 1 | -1): string | undefined {
  const n = BigInt(`0x${hex}`) + BigInt(delta);
  if (n < 0n || n >= 1n << 128n) return undefined;
  return n.toString(16).padStart(32, "0");
}

/** Collects the vocabulary of a policy. */
export function vocabularyOf(policy: Policy): PolicyVocabulary {
  const names = new Set(["localhost", "example.com", "www.example.com"]);
  const addresses = new Set(["127.0.0.1", "127.0.0.2", "::1", "0.0.0.0", "::", "192.0.2.1", "2001:db8::1", "10.0.0.1"]);
  const interfaces = new Set<string>(["eth0"]);
  const ports = new Set([0, 1, 80, 443, 65535]);
  for (const rule of policy.rules) {
    const h = rule.host;
    if (h.kind === "name") names.add(h.name).add(`a.${h.name}`);
    if (h.kind === "wildcard") names.add(h.suffix).add(`x.${h.suffix}`).add(`y.z.${h.suffix}`);
    if (h.kind === "interface") interfaces.add(h.name);
    if (h.kind === "cidr" && h.family === "ipv4") {
      const [start, end] = ipv4Range(h.address, h.prefix);
      for (const n of [start - 1, start, end, end + 1]) if (n >= 0 && n <= 0xffffffff) addresses.add(intToIpv4(n));
    }
    if (h.kind === "cidr" && h.family === "ipv6") {
      const [start, end] = ipv6Range(h.address, h.prefix);
      for (const hex of [hexAround(start, -1), start, end, hexAround(end, 1)]) if (hex !== undefined) addresses.add(hexToIpv6(hex));
    }
    for (const a of rule.map?.addresses ?? []) addresses.add(a.text);
    if (rule.ports !== "*") for (const r of rule.ports) for (const p of [r.from - 1, r.from, r.to, r.to + 1]) ports.add(clampPort(p));
    const m = rule.map?.port;
    if (m !== undefined) for (const p of [m.from.from, m.from.to, m.to.from, m.to.to, m.to.to + 1]) ports.add(clampPort(p));
  }
  return { names: [...names], addresses: [...addresses], interfaces: [...interfaces], ports: [...ports] };
}

/** An address of the vocabulary in some spelling (IPv4 in every WHATWG form), or any address. */
export function addressTextArb(v: PolicyVocabulary): fc.Arbitrary<string> {
  const known = fc.constantFrom(...v.addresses).chain((a) => {
    if (a.includes(":")) return fc.constantFrom(a, `[${a}]`, a.toUpperCase());
    const n = a.split(".").reduce((acc, x) => acc * 256 + Number(x), 0);
    return fc.constantFrom(...ipv4Spellings(n));
  });
  return fc.oneof({ weight: 4, arbitrary: known }, { weight: 1, arbitrary: fc.oneof(fc.ipV4(), fc.ipV6()) });
}

/** A host: a name or address of the vocabulary, sometimes anything at all. */
export function hostTextArb(v: PolicyVocabulary): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...v.names) },
    { weight: 4, arbitrary: addressTextArb(v) },
    { weight: 1, arbitrary: fc.domain() },
    { weight: 1, arbitrary: fc.constantFrom("", "*", "a..b", "300.1.1.1", "[::g]", "-x.com", "exa mple.com", "__proto__") },
  );
}

export function portArb(v: PolicyVocabulary): fc.Arbitrary<number> {
  return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...v.ports) }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 65536 }) });
}

/** An operation aimed at the vocabulary. */
export function operationArb(v: PolicyVocabulary): fc.Arbitrary<Operation> {
  const protocol = fc.constantFrom<Protocol>("tcp", "udp");
  const socket = fc
    .record({
      op: fc.constantFrom("connect" as const, "bind" as const, "send" as const),
      protocol,
      host: hostTextArb(v),
      port: portArb(v),
      via: fc.option(fc.constantFrom(...v.names), { nil: undefined, freq: 4 }),
    })
    .map(({ via, ...op }): Operation => (via === undefined ? op : { ...op, via }));
  const resolve = hostTextArb(v).map((host): Operation => ({ op: "resolve", host }));
  return fc.oneof({ weight: 3, arbitrary: socket }, { weight: 1, arbitrary: resolve });
}

/** Hosts an operation may name to hit one rule (or just miss it). */
function hostsOfRule(rule: Rule, v: PolicyVocabulary): string[] {
  const h = rule.host;
  const mapped = (rule.map?.addresses ?? []).map((a) => a.text);
  switch (h.kind) {
    case "name":
      return [h.name, `a.${h.name}`, ...mapped];
    case "wildcard":
      return [`x.${h.suffix}`, `y.z.${h.suffix}`, h.suffix, ...mapped];
    case "localhost":
      return ["localhost", "127.0.0.1", "127.3.4.5", "::1", "[::1]", ...mapped];
    case "any":
    case "interface":
      return [...v.names.slice(0, 3), ...v.addresses];
    case "cidr": {
      if (h.family === "ipv4") {
        const [start, end] = ipv4Range(h.address, h.prefix);
        return [start - 1, start, end, end + 1].filter((n) => n >= 0 && n <= 0xffffffff).map(intToIpv4);
      }
      const [start, end] = ipv6Range(h.address, h.prefix);
      return [hexAround(start, -1), start, end, hexAround(end, 1)].filter((x): x is string => x !== undefined).map(hexToIpv6);
    }
  }
}

function portsOfRule(rule: Rule): number[] {
  const out = [80];
  if (rule.ports === "*") out.push(0, 1, 65535);
  else for (const r of rule.ports) out.push(clampPort(r.from - 1), r.from, r.to, clampPort(r.to + 1));
  const m = rule.map?.port;
  if (m !== undefined) out.push(m.from.from, m.from.to, m.to.from);
  return out;
}

/** An operation aimed at one rule of the policy: its kind, a host it covers or nearly, a port at its edges. */
export function aimedOperationArb(policy: Policy, v: PolicyVocabulary): fc.Arbitrary<Operation> {
  if (policy.rules.length === 0) return operationArb(v);
  return fc.constantFrom(...policy.rules).chain((rule) => {
    const host = fc.constantFrom(...hostsOfRule(rule, v));
    if (rule.direction === "resolve") return host.map((h): Operation => ({ op: "resolve", host: h }));
    const protocol = rule.protocol!;
    const kinds = rule.direction === "inbound" ? (["bind"] as const) : protocol === "udp" ? (["connect", "send"] as const) : (["connect"] as const);
    const socket = fc
      .record({
        op: fc.constantFrom(...kinds),
        host,
        port: fc.constantFrom(...portsOfRule(rule)),
        via: fc.option(fc.constantFrom(...v.names), { nil: undefined, freq: 3 }),
      })
      .map(({ via, ...rest }): Operation => (via === undefined ? { ...rest, protocol } : { ...rest, protocol, via }));
    return rule.direction === "outbound" ? fc.oneof({ weight: 4, arbitrary: socket }, { weight: 1, arbitrary: host.map((h): Operation => ({ op: "resolve", host: h })) }) : socket;
  });
}

/** What a resolution table is filled with: name, addresses, TTL (0 entries are expired by the time of the check). */
export type TableEntries = readonly { name: string; addresses: string[]; ttl: 0 | 1 | 60 }[];

export function tableEntriesArb(v: PolicyVocabulary): fc.Arbitrary<TableEntries> {
  return fc.array(
    fc.record({
      name: fc.constantFrom(...v.names),
      addresses: fc.array(addressTextArb(v), { minLength: 1, maxLength: 3 }),
      ttl: fc.constantFrom<0 | 1 | 60>(0, 1, 60),
    }),
    { maxLength: 6 },
  );
}

/** A table holding `entries`, read half a second after they were recorded. */
export function tableOf(entries: TableEntries): ResolutionTable {
  let now = 1_000;
  const table = new ResolutionTable({ clock: { now: () => now } });
  for (const e of entries) table.record(e.name, e.addresses, e.ttl);
  now += 500;
  return table;
}

/** Interfaces of the host: some of the vocabulary's addresses under its interface names, or none given. */
export function interfacesArb(v: PolicyVocabulary): fc.Arbitrary<CompileOptions> {
  const record = fc.dictionary(
    fc.constantFrom(...v.interfaces),
    fc.array(fc.constantFrom(...v.addresses).map((address) => ({ address })), { maxLength: 3 }),
  );
  return fc.option(record, { nil: undefined }).map((r): CompileOptions => (r === undefined ? {} : { interfaces: () => r }));
}
