/**
 * Seeded policies of any size, as flags (`{ kind, value }`, what a user would
 * type), plus the targets each rule was written for, so that an operation
 * stream can aim at rules that exist (and at hosts that no rule names).
 *
 * The mixed policy looks like an organisation's: exact service names under a
 * few thousand zones, `*.` wildcards, single IPv4 and IPv6 addresses, CIDR
 * blocks of both families, port lists and ranges, udp, inbound, resolve
 * rules and mappings, a blocklist of deny rules (~18%), and family
 * restrictions on some name rules. The address-only policy holds IPv4 and
 * IPv6 addresses and blocks on any port: what Node's `net.BlockList` can say.
 */
import { Random } from "./random.js";

/** The six flag kinds (as `parseRule` takes them). */
export type FlagKind = `${"allow" | "deny"}-${"outbound" | "inbound" | "resolve"}`;

/** One flag: `--${kind}=${value}`. */
export interface Flag {
  readonly kind: FlagKind;
  readonly value: string;
}

/** A host (name or IP) and a port that some rule of the policy was written for. */
export interface Target {
  readonly host: string;
  readonly port: number;
  /** `deny` when the rule that named it is a deny rule. */
  readonly effect: "allow" | "deny";
  readonly what: "name" | "address";
}

export interface GeneratedPolicy {
  readonly flags: readonly Flag[];
  readonly targets: readonly Target[];
}

const WORDS = ["api", "auth", "billing", "cache", "cdn", "db", "edge", "feed", "git", "img", "kv", "log", "mail", "metrics", "mq", "pay", "search", "sso", "static", "store", "user", "vault", "web", "ws"];
const TLDS = ["com", "net", "org", "io", "dev", "cloud", "internal"];
const COMMON_PORTS = [80, 443, 22, 53, 5432, 3306, 6379, 8080, 8443, 9000, 9090, 25, 587, 993, 27017, 11211];

/** A port spec as written and one port inside it. */
function ports(r: Random): { text: string; sample: number } {
  switch (r.weighted([25, 30, 15, 15, 10, 5])) {
    case 0:
      return { text: "", sample: r.pick(COMMON_PORTS) };
    case 1: {
      const p = r.pick(COMMON_PORTS);
      return { text: `:${p}`, sample: p };
    }
    case 2: {
      const list = [...new Set([r.pick(COMMON_PORTS), r.pick(COMMON_PORTS), r.pick(COMMON_PORTS)])];
      return { text: `:${list.join(",")}`, sample: r.pick(list) };
    }
    case 3: {
      const from = r.between(1024, 60000);
      const to = from + r.between(1, 1000);
      return { text: `:${from}-${to}`, sample: r.between(from, to) };
    }
    case 4: {
      const from = r.between(1024, 30000);
      const to = from + r.between(10, 999);
      return { text: `:443,${from}-${to}`, sample: r.chance(0.5) ? 443 : r.between(from, to) };
    }
    default:
      return { text: ":*", sample: r.between(1, 65535) };
  }
}

/** A zone such as `billing.acme42.io`; about one zone per 20 rules, so names share suffixes. */
function zone(r: Random, zones: number): string {
  const org = r.below(zones);
  return `${WORDS[org % WORDS.length]}.org${org}.${TLDS[org % TLDS.length]}`;
}

function ipv4(r: Random): number {
  // Mostly private space, some public: blocklists hold public addresses.
  switch (r.weighted([40, 20, 15, 25])) {
    case 0:
      return (10 << 24) | r.below(1 << 24);
    case 1:
      return ((172 << 24) | (16 << 16) | r.below(1 << 20)) >>> 0;
    case 2:
      return ((192 << 24) | (168 << 16) | r.below(1 << 16)) >>> 0;
    default:
      return ((r.between(11, 223) << 24) | r.below(1 << 24)) >>> 0;
  }
}

function v4text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** A /prefix block of IPv4 and one address inside it. */
function v4block(r: Random, prefix: number): { cidr: string; inside: string } {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const net = (ipv4(r) & mask) >>> 0;
  const inside = (net | r.below(2 ** (32 - prefix))) >>> 0;
  return { cidr: `${v4text(net)}/${prefix}`, inside: v4text(inside) };
}

/** Eight random 16-bit groups under 2001:db8::/32, the documentation block, or 2a00::/12. */
function ipv6Groups(r: Random): number[] {
  const g = Array.from({ length: 8 }, () => r.below(65536));
  if (r.chance(0.5)) {
    g[0] = 0x2001;
    g[1] = 0x0db8;
  } else {
    g[0] = 0x2a00 | r.below(16);
  }
  return g;
}

function v6text(g: readonly number[]): string {
  return g.map((x) => x.toString(16)).join(":");
}

/** A /prefix block of IPv6 (prefix a multiple of 16 from 32 to 112) and an address inside. */
function v6block(r: Random, prefix: number): { cidr: string; inside: string } {
  const inside = ipv6Groups(r);
  const net = inside.map((x, i) => (i * 16 < prefix ? x : 0));
  return { cidr: `[${v6text(net)}]/${prefix}`, inside: v6text(inside) };
}

function family(r: Random): string {
  return r.chance(0.1) ? r.pick(["#ipv4-only", "#ipv6-only"]) : "";
}

/**
 * The mixed policy: `size` rules, seeded.
 *
 * @example generateMixed(1000, 1).flags[0] // { kind: "allow-outbound", value: "tcp://cdn7.edge.org3.io:443" }
 */
export function generateMixed(size: number, seed: number): GeneratedPolicy {
  const r = new Random(seed);
  const zones = Math.max(10, Math.floor(size / 20));
  const flags: Flag[] = [];
  const targets: Target[] = [];
  const name = (i: number): string => `${r.pick(WORDS)}${i}.${zone(r, zones)}`;
  for (let i = 0; i < size; i++) {
    const p = ports(r);
    const aim = (host: string, what: Target["what"], effect: Target["effect"] = "allow"): void => {
      targets.push({ host, port: p.sample, effect, what });
    };
    switch (r.weighted([28, 8, 14, 8, 4, 4, 5, 3, 6, 14, 4])) {
      case 0: {
        const host = name(i);
        flags.push({ kind: "allow-outbound", value: `tcp://${host}${p.text}${family(r)}` });
        aim(host, "name");
        break;
      }
      case 1: {
        const suffix = zone(r, zones);
        flags.push({ kind: "allow-outbound", value: `tcp://*.${suffix}${p.text}${family(r)}` });
        aim(`${r.pick(WORDS)}${r.below(1e6)}.${suffix}`, "name");
        break;
      }
      case 2: {
        const host = v4text(ipv4(r));
        flags.push({ kind: "allow-outbound", value: `tcp://${host}${p.text}` });
        aim(host, "address");
        break;
      }
      case 3: {
        const b = v4block(r, r.between(12, 30));
        flags.push({ kind: "allow-outbound", value: `tcp://${b.cidr}${p.text}` });
        aim(b.inside, "address");
        break;
      }
      case 4: {
        const host = v6text(ipv6Groups(r));
        flags.push({ kind: "allow-outbound", value: `tcp://[${host}]${p.text}` });
        aim(host, "address");
        break;
      }
      case 5: {
        const b = v6block(r, 16 * r.between(2, 7));
        flags.push({ kind: "allow-outbound", value: `tcp://${b.cidr}${p.text}` });
        aim(b.inside, "address");
        break;
      }
      case 6: {
        const host = r.chance(0.5) ? name(i) : v4text(ipv4(r));
        flags.push({ kind: "allow-outbound", value: `udp://${host}:${r.pick([53, 123, 443, 514, 4789])}` });
        break;
      }
      case 7: {
        const host = r.chance(0.2) ? "*" : v4block(r, r.between(16, 32)).cidr;
        flags.push({ kind: "allow-inbound", value: `tcp://${host}${p.text}` });
        break;
      }
      case 8: {
        const host = name(i);
        const mapped = r.chance(0.1) ? `->${v4text(ipv4(r))}` : "";
        flags.push({ kind: "allow-resolve", value: r.chance(0.2) ? `*.${zone(r, zones)}` : `${host}${mapped}` });
        aim(host, "name");
        break;
      }
      case 9: {
        const k = r.weighted([35, 10, 35, 15, 5]);
        if (k === 0 || k === 1) {
          const host = name(i);
          const suffix = zone(r, zones);
          flags.push({ kind: "deny-outbound", value: k === 0 ? `tcp://${host}` : `tcp://*.${suffix}` });
          aim(k === 0 ? host : `${r.pick(WORDS)}.${suffix}`, "name", "deny");
        } else {
          const b = k === 4 ? v6block(r, 48) : v4block(r, k === 2 ? 32 : r.between(16, 28));
          const cidr = k === 2 ? b.cidr.slice(0, -3) : b.cidr;
          flags.push({ kind: "deny-outbound", value: `tcp://${cidr}${r.chance(0.3) ? p.text : ""}` });
          aim(b.inside, "address", "deny");
        }
        break;
      }
      default: {
        const host = name(i);
        flags.push({ kind: "deny-resolve", value: host });
        aim(host, "name", "deny");
      }
    }
  }
  return { flags, targets };
}

/**
 * The address-only policy: IPv4 and IPv6 addresses and blocks on any port,
 * 75% allow and 25% deny (addresses and small blocks): the shape
 * `net.BlockList` can also hold.
 */
export function generateAddressOnly(size: number, seed: number): GeneratedPolicy {
  const r = new Random(seed);
  const flags: Flag[] = [];
  const targets: Target[] = [];
  for (let i = 0; i < size; i++) {
    const effect = r.chance(0.25) ? "deny" : "allow";
    const k = r.weighted([50, 30, 10, 10]);
    // A blocklist holds addresses and small blocks; allow lists hold networks too.
    const v4prefix = effect === "deny" ? r.between(22, 30) : r.between(12, 30);
    const v6prefix = effect === "deny" ? 16 * r.between(4, 7) : 16 * r.between(2, 7);
    const b = k === 0 ? v4block(r, 32) : k === 1 ? v4block(r, v4prefix) : v6block(r, k === 2 ? 128 : v6prefix);
    const host = k === 0 ? b.cidr.slice(0, -3) : k === 2 ? `[${b.inside}]` : b.cidr;
    flags.push({ kind: `${effect}-outbound`, value: `tcp://${host}` });
    targets.push({ host: b.inside, port: r.between(1, 65535), effect, what: "address" });
  }
  return { flags, targets };
}

/** A name no rule was written for (it may still fall under a wildcard's zone). */
export function strayName(r: Random, size: number): string {
  return r.chance(0.5) ? `${r.pick(WORDS)}${r.below(1e7)}.${zone(r, Math.max(10, Math.floor(size / 20)))}` : `host${r.below(1e7)}.example.${r.pick(TLDS)}`;
}

/** An address no rule was written for (it may still fall inside a block), IPv4 or IPv6. */
export function strayAddress(r: Random): string {
  return r.chance(0.8) ? v4text(ipv4(r)) : v6text(ipv6Groups(r));
}

/** A port that is often one some rule names. */
export function strayPort(r: Random): number {
  return r.chance(0.7) ? r.pick(COMMON_PORTS) : r.between(1, 65535);
}
