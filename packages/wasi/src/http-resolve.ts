/**
 * The answers for a named `wasi:http` authority, looked up by netperm as the
 * proxy looks up a granted name: the outbound grant by name implies the
 * lookup (no resolve grant is asked for), a `--deny-resolve` rule for the
 * name is honoured, a resolve mapping (`--allow-resolve=api->127.0.0.1`) or
 * a connect mapping answers without DNS, anything else is the shim's own
 * lookup (the same one the guest's `ip-name-lookup` gets), and the answers
 * are filtered by the family of the rule that allowed the name and recorded
 * in the instance's resolution table. This lookup is not a guest operation:
 * it is not audited by itself; each answer used is (http-target.ts).
 */
import type { Decision } from "@netperm/core";
import { ipFromText, ipText, type WitIpAddress } from "./addresses.js";
import { createContext, type ShimObject } from "./context.js";
import type { Guard } from "./guard.js";

/** Why a name gave no answer: a deny rule, or the lookup's own error code. */
export type NameFailure = { readonly denied: true; readonly decision: Decision } | { readonly denied: false; readonly code: string };

/**
 * `exact`: the answers are what the shim's worker, resolving the name
 * itself, gets too: they came from the system lookup and none was dropped
 * (by the rule's family, or past MAX_ANSWERS). Not so for a mapped name.
 */
export type NameAnswers = { readonly ok: true; readonly addresses: readonly string[]; readonly exact: boolean } | ({ readonly ok: false } & NameFailure);

/** Most answers taken from one lookup (getaddrinfo gives a handful). */
const MAX_ANSWERS = 64;

/** Drains one shim lookup stream, blocking on its pollable; throws the lookup's error code. */
function drain(stream: ShimObject): WitIpAddress[] {
  const answers: WitIpAddress[] = [];
  for (let polls = 0; polls < 10_000 && answers.length < MAX_ANSWERS; ) {
    let next: WitIpAddress | undefined;
    try {
      next = stream.resolveNextAddress() as WitIpAddress | undefined;
    } catch (error) {
      if (error !== "would-block") throw error;
      (stream.subscribe() as { block(): void }).block();
      polls++;
      continue;
    }
    if (next === undefined) return answers;
    answers.push(next);
  }
  return answers;
}

/** A resolver over `guard`'s table and one instance-local shim network; never throws. */
export function createNameResolver(guard: Guard): (name: string, byName: Decision) => NameAnswers {
  const context = createContext(guard);
  const lookup = (name: string): string[] => drain(context.base.ipNameLookup.resolveAddresses(context.realNetwork, name)).map(ipText);

  return (name, byName) => {
    try {
      let raw: readonly string[];
      let family = byName.family;
      let exact = false;
      if (byName.mapped?.host !== undefined) {
        raw = [byName.mapped.host];
      } else {
        const resolve = guard.compiled.decide({ op: "resolve", host: name }, guard.table);
        if (!resolve.allowed && resolve.reason === "denied-by-rule") return { ok: false, denied: true, decision: resolve };
        if (resolve.allowed) family ??= resolve.family;
        const mapped = resolve.allowed && resolve.mapped?.addresses?.length ? resolve.mapped.addresses : undefined;
        raw = mapped ?? lookup(name);
        exact = mapped === undefined && raw.length < MAX_ANSWERS;
      }
      const addresses: string[] = [];
      for (const text of raw) {
        const ip = ipFromText(text);
        if (ip === undefined || (family !== undefined && ip.tag !== family)) {
          exact = false;
          continue;
        }
        const canonical = ipText(ip);
        if (!addresses.includes(canonical)) addresses.push(canonical);
      }
      if (addresses.length === 0) return { ok: false, denied: false, code: "name-unresolvable" };
      guard.table.record(name, addresses);
      return { ok: true, addresses, exact };
    } catch (error) {
      return { ok: false, denied: false, code: typeof error === "string" ? error : "permanent-resolver-failure" };
    }
  };
}
