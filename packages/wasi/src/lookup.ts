/**
 * Guarded `wasi:sockets/ip-name-lookup`, in wasmtime's order: no resolve
 * grant at all is `permanent-resolver-failure` for every name (wasmtime's
 * `allow-ip-name-lookup=n`); a name that is not a host is
 * `invalid-argument`; an IP literal is answered as-is, without a lookup or
 * a decision, and is not entered in the resolution table. A domain is
 * decided by the resolve rules (and the grants implied by outbound name
 * rules): a denial is `permanent-resolver-failure` and no DNS query is made;
 * a mapped name (`db->10.0.0.5`) is answered locally. Answers are filtered
 * by the rule's family and recorded in the instance's resolution table, so
 * name rules later match exactly the addresses this name resolved to.
 */
import { monotonicClock } from "@bytecodealliance/preview2-shim/clocks";
import type { Decision } from "@netperm/core";
import { ipFromText, ipText, type WitIpAddress } from "./addresses.js";
import { checkNetwork, symbolDispose, type Context, type ShimObject } from "./context.js";
import { failClosed } from "./fail-closed.js";
import { readLookupName } from "./lookup-name.js";

export function createLookup(context: Context) {
  const { guard, base, realNetwork, grants } = context;

  class ResolveAddressStream {
    readonly #inner: ShimObject | undefined;
    /** The decision for a domain; none for an IP literal (nothing to record). */
    readonly #decision: Decision | undefined;
    #answers: WitIpAddress[] | undefined;
    #next = 0;

    constructor(decision: Decision | undefined, inner: ShimObject | undefined, answers?: WitIpAddress[]) {
      this.#decision = decision;
      this.#inner = inner;
      if (answers) this.#answers = failClosed(() => this.#settle(answers));
    }

    /** Filters by family and records the answers for this name. */
    #settle(raw: WitIpAddress[]): WitIpAddress[] {
      const decision = this.#decision;
      if (!decision) return raw;
      const family = decision.family;
      const kept = raw.filter((a) => !family || (ipText(a).includes(":") ? "ipv6" : "ipv4") === family);
      if (raw.length > 0 && kept.length === 0) throw "name-unresolvable";
      guard.table.record(decision.host, kept.map(ipText));
      return kept;
    }

    resolveNextAddress(): WitIpAddress | undefined {
      if (!this.#answers) {
        const raw: WitIpAddress[] = [];
        for (;;) {
          const next = this.#inner.resolveNextAddress() as WitIpAddress | undefined; // may throw would-block
          if (next === undefined) break;
          raw.push(next);
        }
        this.#answers = failClosed(() => this.#settle(raw));
      }
      return this.#answers[this.#next++];
    }
    subscribe(): unknown {
      return this.#inner ? this.#inner.subscribe() : monotonicClock.subscribeDuration(0n);
    }
    [symbolDispose](): void {
      this.#inner?.[symbolDispose]?.();
    }
  }

  function start(name: string): ResolveAddressStream {
    if (!grants.resolve) {
      guard.decide({ op: "resolve", host: name });
      throw "permanent-resolver-failure";
    }
    const read = readLookupName(name);
    if (!read) throw "invalid-argument";
    if (read.kind === "ip") return new ResolveAddressStream(undefined, undefined, [read.ip]);
    const decision = guard.decide({ op: "resolve", host: read.name });
    if (!decision.allowed) throw "permanent-resolver-failure";
    const mapped = decision.mapped?.addresses;
    if (mapped) {
      const answers = mapped.map(ipFromText);
      if (answers.some((a) => a === undefined)) throw "permanent-resolver-failure";
      return new ResolveAddressStream(decision, undefined, answers as WitIpAddress[]);
    }
    return new ResolveAddressStream(decision, base.ipNameLookup.resolveAddresses(realNetwork, read.name));
  }

  function resolveAddresses(network: unknown, name: string): ResolveAddressStream {
    checkNetwork(context, network);
    return failClosed(() => start(name));
  }

  return { ipNameLookup: { ResolveAddressStream, resolveAddresses } };
}
