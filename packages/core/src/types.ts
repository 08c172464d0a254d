/**
 * The policy model: plain readonly data. A policy is a list of rules, each
 * rule exactly one flag as a user typed it (docs/design.md, Grammar), parsed into canonical
 * form. Nothing here has behaviour; see `parse.ts`, `compile.ts`.
 */

/** The six flag kinds are `--{allow,deny}-{outbound,inbound,resolve}`. */
export type Effect = "allow" | "deny";
export type Direction = "outbound" | "inbound" | "resolve";
export type Protocol = "tcp" | "udp";
/** An address family restriction, from `#ipv4-only` / `#ipv6-only`. */
export type Family = "ipv4" | "ipv6";

/**
 * A canonical IP address.
 * - IPv4: dotted quad, e.g. `127.0.0.1` (any WHATWG spelling canonicalises here;
 *   IPv4-mapped IPv6 `::ffff:a.b.c.d` is IPv4).
 * - IPv6: RFC 5952 text without brackets, e.g. `::1`, `fe80::1`; the zone id
 *   is kept separately and ignored for matching.
 */
export interface IpAddress {
  readonly family: Family;
  /** Canonical text, no brackets, no zone. */
  readonly text: string;
  /** Zone id (`eth0` in `fe80::1%eth0`), kept for binding, ignored for matching. */
  readonly zone?: string;
}

/** What a rule's host part says. Every name is canonical: IDNA ASCII, lower case, no trailing dot. */
export type HostPattern =
  /** `*` or the host part of `...`: every address and every name. */
  | { readonly kind: "any" }
  /** `localhost`: 127.0.0.0/8, ::1 and the name `localhost`. */
  | { readonly kind: "localhost" }
  /** An exact DNS name. */
  | { readonly kind: "name"; readonly name: string }
  /** `*.suffix`: one or more labels in front of `suffix`, never `suffix` itself. */
  | { readonly kind: "wildcard"; readonly suffix: string }
  /** An IP (prefix 32 / 128) or a CIDR block; `address` is the network address (host bits zero). */
  | { readonly kind: "cidr"; readonly family: Family; readonly address: string; readonly prefix: number }
  /** Inbound only: a network interface name such as `eth0`. */
  | { readonly kind: "interface"; readonly name: string };

/** An inclusive port range; a single port is `{ from: p, to: p }`. 0..65535. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/**
 * The ports a rule grants: `"*"` (every port, 0 included) or the items as
 * written, in the order written (a list such as `21,35000-35999`).
 */
export type PortSpec = "*" | readonly PortRange[];

/** Where a rule came from: a flag on the command line, a policy file, a package.json. */
export interface RuleSource {
  /** The flag exactly as typed, e.g. `--allow-outbound=tcp://example.com:80`. */
  readonly flag: string;
  /** Position of the rule in the policy (0-based), which is also policy order. */
  readonly index: number;
  /** `"flags"`, a file path, or `"package.json"`; free text for humans. */
  readonly origin: string;
}

/**
 * A rule's mapping (docs/design.md, Decisions), allowed on allow rules only.
 * - resolve `name->ip,ip`: `addresses` answer the lookup without DNS.
 * - outbound `name->ip:5432->5433`: `addresses` holds the one IP the name
 *   resolves to and `port` maps guest port range to host port range.
 * - inbound `*:80->8888`: only `port`.
 */
export interface Mapping {
  readonly addresses?: readonly IpAddress[];
  /** The guest's port range (`from`) maps onto the host's (`to`), same length. */
  readonly port?: { readonly from: PortRange; readonly to: PortRange };
}

export interface Rule {
  readonly effect: Effect;
  readonly direction: Direction;
  /** Absent for resolve rules. */
  readonly protocol?: Protocol;
  readonly host: HostPattern;
  /** `"*"` for resolve rules. */
  readonly ports: PortSpec;
  readonly family?: Family;
  readonly map?: Mapping;
  readonly source: RuleSource;
}

/** A parsed policy. Rules are in policy order; `rules[i].source.index === i`. */
export interface Policy {
  readonly rules: readonly Rule[];
}

/**
 * The JSON policy document (docs/design.md, Grammar). Each string is the value of one flag
 * (what follows `=`), e.g. `{ "allow": { "outbound": ["tcp://example.com:80"] } }`.
 */
export interface PolicyDocument {
  readonly $schema?: string;
  readonly allow?: { readonly outbound?: readonly string[]; readonly inbound?: readonly string[]; readonly resolve?: readonly string[] };
  readonly deny?: { readonly outbound?: readonly string[]; readonly inbound?: readonly string[]; readonly resolve?: readonly string[] };
}

/** What a socket wants to do. */
export type OperationKind = "resolve" | "connect" | "bind" | "send";

/**
 * One operation to decide.
 * - `resolve`: `host` is the name looked up (or an IP literal).
 * - `connect` (tcp or udp), `bind` (tcp or udp), `send` (udp): `host` is an IP
 *   address in any accepted spelling, or a name (a proxy's named request: the
 *   name is decided by name, without DNS).
 * - `via`: for an address, the name it was obtained from by a lookup the
 *   caller made itself (the proxy); name rules then match the address as if
 *   the resolution table held `via -> host`.
 */
export type Operation =
  | { readonly op: "resolve"; readonly host: string }
  | {
      readonly op: "connect" | "bind" | "send";
      readonly protocol: Protocol;
      readonly host: string;
      readonly port: number;
      readonly via?: string;
    };

export type Reason = "allowed" | "no-rule" | "denied-by-rule" | "family" | "not-resolved" | "invalid-input";

/** The rule that decided, as the audit log and `check --json` show it. */
export interface DecidingRule {
  readonly flag: string;
  readonly index: number;
  readonly source: string;
}

/** A decision is a value (docs/design.md, Decisions): the same object `check --json` prints and the audit log writes. */
export interface Decision {
  readonly allowed: boolean;
  readonly op: OperationKind;
  readonly protocol?: Protocol;
  /** The host as decided: canonical IP text or canonical name. */
  readonly host: string;
  readonly port?: number;
  readonly rule?: DecidingRule;
  /**
   * The host's view when a mapping applies: where to really connect or bind
   * (`host`, `port`), or for resolve the `addresses` that answer the lookup
   * without DNS.
   */
  readonly mapped?: { readonly host?: string; readonly port?: number; readonly addresses?: readonly string[] };
  /** For an allowed decision on a name: the only family its answers may have. */
  readonly family?: Family;
  readonly reason: Reason;
  /** A short human sentence, e.g. "no --allow-outbound rule for tcp". */
  readonly message?: string;
}
