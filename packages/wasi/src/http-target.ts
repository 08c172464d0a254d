/**
 * Where a `wasi:http` request may really go. The authority is decided as an
 * outbound tcp connection; a named authority is then resolved by netperm
 * (the guest's own lookup path: resolve rules, mappings, `#ipv4-only` /
 * `#ipv6-only`, the resolution table) and every answer is decided as an
 * address, so deny, CIDR and family rules apply to what the name really
 * resolved to. The request is then pinned to the allowed answers (their
 * real endpoints, after any mapping): the shim's worker connects only
 * there and never looks the name up again (http-pin.ts), while `Host` and
 * the TLS server name stay what the guest asked.
 */
import { realEndpoint, type Decision } from "@netperm/core";
import { ipFromText, ipText } from "./addresses.js";
import type { Guard } from "./guard.js";
import type { Endpoints } from "./http-pin.js";
import type { NameAnswers } from "./http-resolve.js";
import { readLookupName } from "./lookup-name.js";

/** The answers for a name the request may go to (http-resolve.ts). */
export type ResolveName = (name: string, byName: Decision) => NameAnswers;

/** A wasi:http `error-code` value, as jco lowers it. */
export type HttpErrorCode = { readonly tag: string; readonly val?: unknown };

export const DENIED: HttpErrorCode = { tag: "HTTP-request-denied" };

/** `to`: where the request's connection goes, every address of it decided and allowed. */
export type HttpTarget = { readonly ok: true; readonly to: Endpoints } | { readonly ok: false; readonly error: HttpErrorCode };

const refused = (error: HttpErrorCode = DENIED): HttpTarget => ({ ok: false, error });

/** The real endpoint of an allowed decision for `host:port`, as a canonical IP and a port; undefined when it is not an address. */
function endpoint(decision: Decision, host: string, port: number): { readonly address: string; readonly port: number } | undefined {
  const real = realEndpoint(decision, { host, port });
  const ip = real ? ipFromText(real.host) : undefined;
  return real && ip ? { address: ipText(ip), port: real.port } : undefined;
}

/** A lookup that gave nothing, as wasmtime's wasi:http reports it: `DNS-error` with the lookup's code. */
function dnsError(code: string): HttpErrorCode {
  return { tag: "DNS-error", val: { rcode: code, infoCode: undefined } };
}

/**
 * A named authority: decided by name (no lookup when denied), resolved, and
 * every answer decided as an address. The request goes to the allowed
 * answers, in the lookup's order, on the port the first of them really has
 * (an answer mapped to another port than that one is left out); a denied
 * answer is never connected to, for http and https alike.
 */
function namedTarget(guard: Guard, resolve: ResolveName, name: string, port: number): HttpTarget {
  const byName = guard.decide({ op: "connect", protocol: "tcp", host: name, port }, "http");
  if (!byName.allowed) return refused();
  const answers = resolve(name, byName);
  if (!answers.ok) {
    if (answers.denied) guard.decide({ op: "resolve", host: name }, "http"); // audited: the deny rule that refused the lookup
    return refused(answers.denied ? DENIED : dnsError(answers.code));
  }
  const addresses: string[] = [];
  let realPort: number | undefined;
  for (const answer of answers.addresses) {
    const decision = guard.decide({ op: "connect", protocol: "tcp", host: answer, port, via: name }, "http");
    const real = endpoint(decision, answer, port);
    if (real === undefined) continue;
    realPort ??= real.port;
    if (real.port === realPort && !addresses.includes(real.address)) addresses.push(real.address);
  }
  return realPort === undefined ? refused() : { ok: true, to: { addresses, port: realPort } };
}

/** Decides `host:port` for a request; where it may connect, or the error code. Never throws. */
export function httpTarget(guard: Guard, resolve: ResolveName, host: string, port: number): HttpTarget {
  try {
    const read = readLookupName(host);
    if (read === undefined) return refused();
    if (read.kind === "name") return namedTarget(guard, resolve, read.name, port);
    const address = ipText(read.ip);
    const real = endpoint(guard.decide({ op: "connect", protocol: "tcp", host: address, port }, "http"), address, port);
    return real === undefined ? refused() : { ok: true, to: { addresses: [real.address], port: real.port } };
  } catch {
    return refused();
  }
}
