/**
 * Where a `wasi:http` request may really go. The authority is decided as an
 * outbound tcp connection; a named authority is then resolved by netperm
 * (the guest's own lookup path: resolve rules, mappings, `#ipv4-only` /
 * `#ipv6-only`, the resolution table) and every answer used is decided as
 * an address, so deny, CIDR and family rules apply to what the name really
 * resolved to.
 *
 * What the shim (preview2-shim 0.26) can carry decides the rest: its
 * authority holds a name or an IPv4 address, never an IPv6 one, and its
 * worker sets `Host` (and, for https, the TLS server name) from the
 * authority and looks a name up again itself. So a request keeps its name
 * only when every answer is allowed and the worker's lookup gives the same
 * answers; a mapped name, or one with a denied answer, is sent to a checked
 * IPv4 address (the server then sees `Host: <address>:<port>`), and https
 * with a denied answer is refused. Between netperm's lookup and the
 * worker's, a name whose answers change (DNS rebinding) can still reach an
 * address netperm did not check; the proxy (`netperm exec`) pins instead.
 */
import { hostPort, realEndpoint, type Decision } from "@netperm/core";
import { ipFromText, ipText } from "./addresses.js";
import type { Guard } from "./guard.js";
import type { NameAnswers } from "./http-resolve.js";
import { readLookupName } from "./lookup-name.js";

/** The answers for a name the request may go to (http-resolve.ts). */
export type ResolveName = (name: string, byName: Decision) => NameAnswers;

/** A wasi:http `error-code` value, as jco lowers it. */
export type HttpErrorCode = { readonly tag: string; readonly val?: unknown };

export const DENIED: HttpErrorCode = { tag: "HTTP-request-denied" };

export type HttpTarget = { readonly ok: true; readonly authority: string } | { readonly ok: false; readonly error: HttpErrorCode };

const refused = (error: HttpErrorCode = DENIED): HttpTarget => ({ ok: false, error });

/** The real endpoint of an allowed decision for `host:port`, as an authority the shim carries (IPv4 only). */
function endpoint(decision: Decision, host: string, port: number): string | undefined {
  const real = realEndpoint(decision, { host, port });
  const ip = real ? ipFromText(real.host) : undefined;
  return real && ip?.tag === "ipv4" ? hostPort(ipText(ip), real.port) : undefined;
}

/** A lookup that gave nothing, as wasmtime's wasi:http reports it: `DNS-error` with the lookup's code. */
function dnsError(code: string): HttpErrorCode {
  return { tag: "DNS-error", val: { rcode: code, infoCode: undefined } };
}

/**
 * A named authority: decided by name (no lookup when denied), resolved, and
 * every answer decided as an address (the shim's worker may pick any of
 * them). Where they are all allowed, unmapped, and exactly what the worker's
 * own lookup gives, the request keeps the name, so it leaves as it would
 * without netperm (`Host` and the TLS server name are the name). Otherwise
 * it is sent to the first allowed IPv4 answer; https, whose certificate is
 * for the name, is refused when an answer is denied.
 */
function namedTarget(guard: Guard, resolve: ResolveName, name: string, port: number, scheme: string): HttpTarget {
  const byName = guard.decide({ op: "connect", protocol: "tcp", host: name, port }, "http");
  if (!byName.allowed) return refused();
  const answers = resolve(name, byName);
  if (!answers.ok) {
    if (answers.denied) guard.decide({ op: "resolve", host: name }, "http"); // audited: the deny rule that refused the lookup
    return refused(answers.denied ? DENIED : dnsError(answers.code));
  }
  let pinned: string | undefined;
  let renamed = false;
  let allowedAny = false;
  let deniedAny = false;
  for (const answer of answers.addresses) {
    const decision = guard.decide({ op: "connect", protocol: "tcp", host: answer, port, via: name }, "http");
    if (!decision.allowed) {
      deniedAny = true;
      if (scheme === "https") return refused();
      continue;
    }
    allowedAny = true;
    pinned ??= endpoint(decision, answer, port);
    if (decision.mapped?.host !== undefined || decision.mapped?.port !== undefined) renamed = true;
  }
  if (!deniedAny && !renamed && answers.exact) return { ok: true, authority: hostPort(name, port) };
  if (pinned === undefined) {
    if (!allowedAny) return refused();
    return refused({ tag: "internal-error", val: `netperm: no allowed IPv4 address for ${name} (the jco host sends HTTP over IPv4 only)` });
  }
  return { ok: true, authority: pinned };
}

/** Decides `host:port` for a request; the authority to send it to, or the error code. Never throws. */
export function httpTarget(guard: Guard, resolve: ResolveName, host: string, port: number, scheme: string): HttpTarget {
  try {
    const read = readLookupName(host);
    if (read === undefined) return refused();
    if (read.kind === "name") return namedTarget(guard, resolve, read.name, port, scheme);
    const address = ipText(read.ip);
    const decision = guard.decide({ op: "connect", protocol: "tcp", host: address, port }, "http");
    if (!decision.allowed) return refused();
    const real = endpoint(decision, address, port);
    return real === undefined ? refused() : { ok: true, authority: real };
  } catch {
    return refused();
  }
}
