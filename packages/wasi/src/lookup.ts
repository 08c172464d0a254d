/**
 * Guarded `wasi:sockets/ip-name-lookup`: each lookup is decided by the
 * resolve rules (and the grants implied by outbound name rules). A denial is
 * `permanent-resolver-failure` and no DNS query is made. A mapped name
 * (`db->10.0.0.5`) is answered locally. Answers are filtered by the rule's
 * family and recorded in the instance's resolution table, so name rules
 * later match exactly the addresses this name resolved to.
 */
import { monotonicClock } from "@bytecodealliance/preview2-shim/clocks";
import type { Decision } from "@netperm/core";
import { ipFromText, ipText, type WitIpAddress } from "./addresses.js";
import { checkNetwork, symbolDispose, type Context, type ShimObject } from "./context.js";

export function createLookup(context: Context) {
  const { guard, base, realNetwork } = context;

  class ResolveAddressStream {
    readonly #inner: ShimObject | undefined;
    readonly #decision: Decision;
    #answers: WitIpAddress[] | undefined;
    #next = 0;

    constructor(decision: Decision, inner: ShimObject | undefined, answers?: WitIpAddress[]) {
      this.#decision = decision;
      this.#inner = inner;
      if (answers) this.#answers = this.#settle(answers);
    }

    /** Filters by family and records the answers for this name. */
    #settle(raw: WitIpAddress[]): WitIpAddress[] {
      const family = this.#decision.family;
      const kept = raw.filter((a) => {
        if (!family) return true;
        return (ipText(a).includes(":") ? "ipv6" : "ipv4") === family;
      });
      if (raw.length > 0 && kept.length === 0) throw "name-unresolvable";
      guard.table.record(this.#decision.host, kept.map(ipText));
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
        this.#answers = this.#settle(raw);
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

  function resolveAddresses(network: unknown, name: string): ResolveAddressStream {
    checkNetwork(context, network);
    const decision = guard.decide({ op: "resolve", host: name });
    if (!decision.allowed) throw "permanent-resolver-failure";
    const mapped = decision.mapped?.addresses;
    if (mapped) {
      const answers = mapped.map(ipFromText);
      if (answers.some((a) => a === undefined)) throw "permanent-resolver-failure";
      return new ResolveAddressStream(decision, undefined, answers as WitIpAddress[]);
    }
    return new ResolveAddressStream(decision, base.ipNameLookup.resolveAddresses(realNetwork, name));
  }

  return { ipNameLookup: { ResolveAddressStream, resolveAddresses } };
}
