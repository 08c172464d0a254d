/**
 * Which protocols and directions a policy grants at all. wasmtime's host can
 * switch a protocol off (`-S tcp=n`, `udp=n`, `allow-ip-name-lookup=n`); a
 * policy with no allow rule for a protocol and direction is that: every call
 * of it is refused first, before the argument and state checks, with the
 * code wasmtime gives (`access-denied`; `permanent-resolver-failure` for a
 * lookup). Deny rules alone grant nothing.
 */
import type { Policy, Protocol, Rule } from "@netperm/core";

export interface Grants {
  readonly tcpOutbound: boolean;
  readonly tcpInbound: boolean;
  readonly udpOutbound: boolean;
  readonly udpInbound: boolean;
  /** Resolve rules, or outbound rules for a name (which imply resolving it). */
  readonly resolve: boolean;
}

function allows(rules: readonly Rule[], direction: Rule["direction"], protocol?: Protocol): boolean {
  return rules.some((r) => r.effect === "allow" && r.direction === direction && (protocol === undefined || r.protocol === protocol));
}

export function grantsOf(policy: Policy): Grants {
  const rules = policy.rules;
  const impliesResolve = rules.some(
    (r) => r.effect === "allow" && r.direction === "outbound" && (r.host.kind === "name" || r.host.kind === "wildcard" || r.host.kind === "localhost"),
  );
  return {
    tcpOutbound: allows(rules, "outbound", "tcp"),
    tcpInbound: allows(rules, "inbound", "tcp"),
    udpOutbound: allows(rules, "outbound", "udp"),
    udpInbound: allows(rules, "inbound", "udp"),
    resolve: allows(rules, "resolve") || impliesResolve,
  };
}
