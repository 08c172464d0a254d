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
import { family, ipv4, ipv6Groups, ports, v4block, v4text, v6block, v6text, WORDS, zone } from "./hosts.js";
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
