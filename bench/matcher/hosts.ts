/**
 * Seeded pieces of rules and operations: service names under shared zones,
 * IPv4 and IPv6 addresses and blocks (mostly private space, some public),
 * and port specs as users write them (single ports, lists, ranges, `*`).
 */
import type { Random } from "./random.js";

export const WORDS = ["api", "auth", "billing", "cache", "cdn", "db", "edge", "feed", "git", "img", "kv", "log", "mail", "metrics", "mq", "pay", "search", "sso", "static", "store", "user", "vault", "web", "ws"];
export const TLDS = ["com", "net", "org", "io", "dev", "cloud", "internal"];
export const COMMON_PORTS = [80, 443, 22, 53, 5432, 3306, 6379, 8080, 8443, 9000, 9090, 25, 587, 993, 27017, 11211];

/** A port spec as written and one port inside it. */
export function ports(r: Random): { text: string; sample: number } {
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
export function zone(r: Random, zones: number): string {
  const org = r.below(zones);
  return `${WORDS[org % WORDS.length]}.org${org}.${TLDS[org % TLDS.length]}`;
}

export function ipv4(r: Random): number {
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

export function v4text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** A /prefix block of IPv4 and one address inside it. */
export function v4block(r: Random, prefix: number): { cidr: string; inside: string } {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const net = (ipv4(r) & mask) >>> 0;
  const inside = (net | r.below(2 ** (32 - prefix))) >>> 0;
  return { cidr: `${v4text(net)}/${prefix}`, inside: v4text(inside) };
}

/** Eight random 16-bit groups under 2001:db8::/32, the documentation block, or 2a00::/12. */
export function ipv6Groups(r: Random): number[] {
  const g = Array.from({ length: 8 }, () => r.below(65536));
  if (r.chance(0.5)) {
    g[0] = 0x2001;
    g[1] = 0x0db8;
  } else {
    g[0] = 0x2a00 | r.below(16);
  }
  return g;
}

export function v6text(g: readonly number[]): string {
  return g.map((x) => x.toString(16)).join(":");
}

/** A /prefix block of IPv6 (prefix a multiple of 16 from 32 to 112) and an address inside. */
export function v6block(r: Random, prefix: number): { cidr: string; inside: string } {
  const inside = ipv6Groups(r);
  const net = inside.map((x, i) => (i * 16 < prefix ? x : 0));
  return { cidr: `[${v6text(net)}]/${prefix}`, inside: v6text(inside) };
}

export function family(r: Random): string {
  return r.chance(0.1) ? r.pick(["#ipv4-only", "#ipv6-only"]) : "";
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
