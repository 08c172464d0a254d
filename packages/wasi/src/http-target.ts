/**
 * Where a `wasi:http` request may really go. The authority is decided as an
 * outbound tcp connection; a named authority is then resolved by netperm
 * (the guest's own lookup path: resolve rules, mappings, `#ipv4-only` /
 * `#ipv6-only`, the resolution table) and every answer used is decided as
 * an address, so deny, CIDR and family rules apply to what the name really
 * resolved to. The request is then sent to a checked address, never to the
 * name, so a second lookup cannot answer something else.
 *
 * What the shim (preview2-shim 0.26) can carry decides the rest: its
 * authority holds a name or an IPv4 address, never an IPv6 one, and its
 * worker sets `Host` (and, for https, the TLS server name) from the
 * authority. So plain http is sent to the first allowed IPv4 answer, and
 * the server sees `Host: <address>:<port>`; an https request keeps the name
 * (the certificate is checked against it) and is sent only when every
 * answer is allowed.
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

/** A named authority: decided by name (no lookup when denied), resolved, and each answer used decided as an address. */
function namedTarget(guard: Guard, resolve: ResolveName, name: string, port: number, scheme: string): HttpTarget {
  const byName = guard.decide({ op: "connect", protocol: "tcp", host: name, port }, "http");
  if (!byName.allowed) return refused();
  const answers = resolve(name, byName);
  if (!answers.ok) {
    if (answers.denied) guard.decide({ op: "resolve", host: name }, "http"); // audited: the deny rule that refused the lookup
    return refused(answers.denied ? DENIED : dnsError(answers.code));
  }
  const pinned: string[] = [];
  let renamed = false;
  let allowedAny = false;
  for (const answer of answers.addresses) {
    const decision = guard.decide({ op: "connect", protocol: "tcp", host: answer, port, via: name }, "http");
    if (!decision.allowed) {
      if (scheme === "https") return refused(); // the shim's worker may pick any answer: all must pass
      continue;
    }
    allowedAny = true;
    const real = endpoint(decision, answer, port);
    if (real !== undefined) pinned.push(real);
    if (decision.mapped?.host !== undefined || decision.mapped?.port !== undefined) renamed = true;
    if (scheme !== "https" && real !== undefined) break;
  }
  if (scheme === "https" && !renamed) return { ok: true, authority: hostPort(name, port) };
  const first = pinned[0];
  if (first === undefined) {
    if (!allowedAny) return refused();
    return refused({ tag: "internal-error", val: `netperm: no allowed IPv4 address for ${name} (the jco host sends HTTP over IPv4 only)` });
  }
  return { ok: true, authority: first };
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
