/**
 * fast-check arbitraries of netperm rules and policies, shared by the tests
 * of every package. Rules are generated as flag TEXT in varied spellings
 * (upper case, trailing dots, every WHATWG IPv4 spelling, IPv6 with and
 * without compression, host bits in CIDRs), always valid, and parsed by
 * `parseRule` into `Rule` values: `ruleArb` and `policyArb` cover every
 * legal rule form of docs/design.md, Grammar, mappings included.
 */
import fc from "fast-check";
import { FLAG_KINDS, type FlagKind } from "../src/grammar/flags.js";
import { parsePolicy, parseRule } from "../src/grammar/parse.js";
import type { Family, Policy, Rule } from "../src/types.js";

/** Internationalised names with their canonical ASCII form (from the WHATWG URL parser, recorded once). */
export const IDN_NAMES: readonly (readonly [string, string])[] = [
  ["bücher.example", "xn--bcher-kva.example"],
  ["münchen.de", "xn--mnchen-3ya.de"],
  ["例え.jp", "xn--r8jz45g.jp"],
  ["пример.рф", "xn--e1afmkfd.xn--p1ai"],
  ["example。com", "example.com"],
  ["ＥＸＡＭＰＬＥ.com", "example.com"],
];

/** A canonical DNS name (lower case ASCII, 2+ labels, <= 253 characters). */
export const nameArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.domain().filter((d) => d.length <= 253) },
  { weight: 1, arbitrary: fc.constantFrom(...IDN_NAMES.map(([, ascii]) => ascii)) },
);

/** A spelling of a canonical ASCII name: random upper case, sometimes a trailing dot. */
export function nameSpellingArb(name: string): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }), fc.boolean())
    .map(([upper, dot]) => [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join("") + (dot ? "." : ""));
}

/** A name as a user may type it: a spelling of `nameArb`, or an internationalised name. */
export const nameTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: nameArb.chain(nameSpellingArb) },
  { weight: 1, arbitrary: fc.constantFrom(...IDN_NAMES.map(([unicode]) => unicode)) },
);

/** Dotted-quad text of a 32-bit value (computed here, independently of `ip.ts`). */
export function dottedQuad(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** Every IPv4 spelling the WHATWG host parser accepts that these tests use, for one 32-bit value. */
export function ipv4Spellings(n: number): string[] {
  const [a, b, c, d] = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  const octal = (x: number): string => `0${x.toString(8)}`;
  return [
    `${a}.${b}.${c}.${d}`,
    `${n}`,
    `0x${n.toString(16)}`,
    `0X${n.toString(16).toUpperCase()}`,
    [a, b, c, d].map(octal).join("."),
    [a, b, c, d].map((x) => `0x${x.toString(16)}`).join("."),
    `${a}.${b}.${(c << 8) | d}`,
    `${a}.${(b << 16) | (c << 8) | d}`,
    `${a}.${b}.${c}.${d}.`,
  ];
}

/** Every IPv6 spelling used here for eight 16-bit groups: full, padded, upper case, compressed, IPv4 tail. */
export function ipv6Spellings(groups: readonly number[]): string[] {
  const hex = groups.map((g) => g.toString(16));
  const out = [hex.join(":"), groups.map((g) => g.toString(16).padStart(4, "0")).join(":"), hex.join(":").toUpperCase()];
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i >= 1) out.push(`${hex.slice(0, i).join(":")}::${hex.slice(j).join(":")}`);
    if (j > i) i = j;
  }
  const tail = (groups[6]! << 16) | groups[7]!;
  out.push(`${hex.slice(0, 6).join(":")}:${dottedQuad(tail >>> 0)}`);
  return out;
}

const groupsArb = fc
  .array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
  .filter((g) => !(g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff));

/** One IP and all its spellings; IPv6 spellings are bare (put them in brackets where a port may follow). */
export type IpSpellings =
  | { readonly family: "ipv4"; readonly value: number; readonly canonical: string; readonly spellings: readonly string[] }
  | { readonly family: "ipv6"; readonly groups: readonly number[]; readonly spellings: readonly string[] };

/** An IP of `family` (either when absent) with its spellings. */
export function ipSpellingsArb(family?: Family): fc.Arbitrary<IpSpellings> {
  const v4 = fc.nat({ max: 0xffffffff }).map((n): IpSpellings => ({ family: "ipv4", value: n, canonical: dottedQuad(n), spellings: ipv4Spellings(n) }));
  const v6 = groupsArb.map((g): IpSpellings => ({ family: "ipv6", groups: g, spellings: ipv6Spellings(g) }));
  return family === "ipv4" ? v4 : family === "ipv6" ? v6 : fc.oneof(v4, v6);
}

/** One spelling of an IP of `family`, IPv6 in brackets when `brackets`. */
export function ipTextArb(family: Family | undefined, brackets: boolean, exclude?: (ip: IpSpellings) => boolean): fc.Arbitrary<string> {
  return ipSpellingsArb(family)
    .filter((ip) => exclude === undefined || !exclude(ip))
    .chain((ip) => fc.constantFrom(...ip.spellings).map((s) => (ip.family === "ipv6" && brackets ? `[${s}]` : s)));
}

/** A CIDR as text, host bits random: `10.1.2.3/8`, `[fe80::1]/10`. */
export function cidrTextArb(family: Family | undefined): fc.Arbitrary<string> {
  const v4 = fc.tuple(ipTextArb("ipv4", true), fc.integer({ min: 0, max: 32 })).map(([ip, p]) => `${ip}/${p}`);
  const v6 = fc.tuple(ipTextArb("ipv6", true), fc.integer({ min: 0, max: 128 })).map(([ip, p]) => `${ip}/${p}`);
  return family === "ipv4" ? v4 : family === "ipv6" ? v6 : fc.oneof(v4, v6);
}

/** An inclusive port range `[from, to]`. */
export const portRangeArb = fc
  .tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }))
  .map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) }));

const rangeText = (r: { from: number; to: number }, asRange: boolean): string => (r.from === r.to && !asRange ? `${r.from}` : `${r.from}-${r.to}`);

/** PORTS text: `*`, or a list of ports and ranges. */
export const portsTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.constant("*"),
  fc.array(fc.tuple(portRangeArb, fc.boolean()), { minLength: 1, maxLength: 5 }).map((items) => items.map(([r, b]) => rangeText(r, b)).join(",")),
);

/** A port item and a legal mapping of it: `80->8080`, `8000-8009->9000-9009` (no port 0). */
export const portMapTextArb: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 0, max: 200 }))
  .filter(([a, b, len]) => a + len <= 65535 && b + len <= 65535)
  .map(([a, b, len]) => (len === 0 ? `${a}->${b}` : `${a}-${a + len}->${b}-${b + len}`));

const familyArb: fc.Arbitrary<Family | undefined> = fc.constantFrom(undefined, "ipv4", "ipv6");
const suffix = (f: Family | undefined): string => (f === undefined ? "" : `#${f}-only`);
const interfaceArb = fc.stringMatching(/^[a-z][a-z0-9_-]{0,14}$/).filter((s) => s !== "localhost");
/** Map targets: never 0.0.0.0/8, which the parser refuses as a destination. */
const notThisNetwork = (ip: IpSpellings): boolean => ip.family === "ipv4" && ip.value >>> 24 === 0;

/** The value of a resolve flag. */
function resolveValueArb(effect: "allow" | "deny"): fc.Arbitrary<string> {
  return familyArb.chain((f) => {
    const plain = fc.oneof(fc.constant("*"), fc.constant("localhost"), nameTextArb, nameTextArb.map((n) => `*.${n}`));
    const mapped = fc
      .tuple(nameTextArb, fc.array(fc.tuple(ipTextArb(f, false), fc.boolean()), { minLength: 1, maxLength: 3 }))
      .filter(([n]) => n.toLowerCase().replace(/\.$/, "") !== "localhost")
      .map(([n, ips]) => `${n}->${ips.map(([ip, b]) => (b && ip.includes(":") ? `[${ip}]` : ip)).join(",")}`);
    return (effect === "allow" ? fc.oneof(plain, mapped) : plain).map((v) => v + suffix(f));
  });
}

/** The value of an outbound or inbound flag. */
function socketValueArb(effect: "allow" | "deny", direction: "outbound" | "inbound"): fc.Arbitrary<string> {
  const scheme = fc.constantFrom("tcp://", "udp://", "TCP://", "Udp://");
  return fc.tuple(scheme, familyArb).chain(([s, f]) => {
    const hosts: fc.Arbitrary<string>[] = [
      fc.constant("*"),
      fc.constant("localhost"),
      nameTextArb,
      nameTextArb.map((n) => `*.${n}`),
      ipTextArb(f, true),
      cidrTextArb(f),
    ];
    if (direction === "inbound") hosts.push(interfaceArb, fc.constantFrom("db.", "api."));
    if (direction === "outbound") hosts.push(fc.constantFrom("db", "api"));
    const plain = fc
      .tuple(fc.oneof(...hosts), fc.option(portsTextArb, { nil: undefined }))
      .map(([h, p]) => `${s}${h}${p === undefined ? "" : `:${p}`}`);
    const any = fc.constant(`${s}...`);
    const forms = [plain, any];
    if (effect === "allow") {
      forms.push(fc.tuple(fc.oneof(...hosts), portMapTextArb).map(([h, m]) => `${s}${h}:${m}`));
      if (direction === "outbound") {
        const single = fc.oneof(nameTextArb, ipTextArb(f, true));
        const target = ipTextArb(f, true, notThisNetwork);
        const tail = fc.oneof(fc.constant(""), portMapTextArb.map((m) => `:${m}`), portsTextArb.map((p) => `:${p}`));
        forms.push(fc.tuple(single, target, tail).map(([h, t, rest]) => `${s}${h}->${t}${rest}`));
      }
    }
    return fc.oneof(...forms).map((v) => v + suffix(f));
  });
}

/**
 * The value of a flag of `kind` (what follows `=`), valid by construction
 * (never filtered through the parser, so a parser that wrongly refuses a
 * valid rule fails the tests that use it): IPs agree with the family,
 * mappings appear only where the grammar allows them.
 */
export function ruleValueArb(kind: FlagKind): fc.Arbitrary<string> {
  const [effect, direction] = kind.split("-") as ["allow" | "deny", "outbound" | "inbound" | "resolve"];
  return direction === "resolve" ? resolveValueArb(effect) : socketValueArb(effect, direction);
}

/** A flag as `{ kind, value }`. */
export const flagArb: fc.Arbitrary<{ kind: FlagKind; value: string }> = fc
  .constantFrom(...FLAG_KINDS)
  .chain((kind) => ruleValueArb(kind).map((value) => ({ kind, value })));

/** A flag as one argument: `--allow-outbound=tcp://...`. */
export const flagTextArb: fc.Arbitrary<string> = flagArb.map(({ kind, value }) => `--${kind}=${value}`);

/** A parsed rule (index 0, origin "flags"). */
export const ruleArb: fc.Arbitrary<Rule> = flagArb.map(({ kind, value }) => parseRule(kind, value));

/** A parsed policy of up to `maxRules` rules (default 12). */
export function policyArbOf(maxRules = 12): fc.Arbitrary<Policy> {
  return fc.array(flagTextArb, { maxLength: maxRules }).map((flags) => parsePolicy(flags));
}

/** A parsed policy of up to 12 rules. */
export const policyArb: fc.Arbitrary<Policy> = policyArbOf();

/** A rule without `source.flag` and `source.origin`: what a round trip must keep. */
export function comparableRule(rule: Rule): Omit<Rule, "source"> & { source: { index: number } } {
  const { source, ...rest } = rule;
  return { ...rest, source: { index: source.index } };
}

/** A policy's rules without `source.flag` and `source.origin`. */
export function comparable(policy: Policy): ReturnType<typeof comparableRule>[] {
  return policy.rules.map(comparableRule);
}
