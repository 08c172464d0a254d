/**
 * The answers for a named `wasi:http` authority, looked up by netperm as the
 * proxy looks up a granted name (core's `answerSource` and `usableAnswers`:
 * the outbound grant implies the lookup, a `--deny-resolve` rule refuses it,
 * a mapping answers without DNS, answers filtered by the rule's family);
 * the lookup itself is the shim's own (the one the guest's `ip-name-lookup`
 * gets), and the answers are recorded in the instance's resolution table.
 * This lookup is not a guest operation: it is not audited by itself; each
 * answer used is (http-target.ts).
 */
import { answerSource, usableAnswers, type Decision } from "@netperm/core";
import { ipText, type WitIpAddress } from "./addresses.js";
import { createContext, type ShimObject } from "./context.js";
import type { Guard } from "./guard.js";

/** Why a name gave no answer: a deny rule, or the lookup's own error code. */
export type NameFailure = { readonly denied: true; readonly decision: Decision } | { readonly denied: false; readonly code: string };

/** A name's usable answers, in the lookup's order, or why there are none. */
export type NameAnswers = { readonly ok: true; readonly addresses: readonly string[] } | ({ readonly ok: false } & NameFailure);

/** Most answers taken from one lookup (getaddrinfo gives a handful). */
const MAX_ANSWERS = 64;

/**
 * Drains one shim lookup stream, blocking on its pollable first (a lookup is
 * never ready at once, so asking before would be a call to the shim's
 * worker for nothing); throws the lookup's error code.
 */
function drain(stream: ShimObject): WitIpAddress[] {
  const answers: WitIpAddress[] = [];
  (stream.subscribe() as { block(): void }).block();
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
      const source = answerSource(guard.compiled, guard.table, name, byName);
      if (source.kind === "denied") return { ok: false, denied: true, decision: source.decision };
      const raw = source.kind === "mapped" ? source.addresses : lookup(name);
      const { addresses } = usableAnswers(raw, source.family);
      if (addresses.length === 0) return { ok: false, denied: false, code: "name-unresolvable" };
      guard.table.record(name, addresses);
      return { ok: true, addresses };
    } catch (error) {
      return { ok: false, denied: false, code: typeof error === "string" ? error : "permanent-resolver-failure" };
    }
  };
}
