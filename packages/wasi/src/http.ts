/**
 * Guarded `wasi:http/outgoing-handler`: a request is an outbound tcp
 * connection to its authority (port 80 for http, 443 for https when none is
 * given; https when no scheme is), decided like any other, after the
 * argument checks of wasmtime's `handle`; a named authority is resolved by
 * netperm and every answer decided (http-target.ts). An allowed request is
 * the shim's own, unchanged, with its connection pinned to the checked
 * endpoints (http-pin.ts). A refusal never reaches the shim: `handle`
 * returns a ready future holding the error code (http-refusal.ts),
 * `HTTP-request-denied` for a denial.
 */
import { http as shimHttp } from "@bytecodealliance/preview2-shim";
import { splitAuthority as splitHostPort, type Authority } from "@netperm/core";
import type { ShimObject } from "./context.js";
import type { Guard } from "./guard.js";
import { refusalClass } from "./http-refusal.js";
import { drop, pin, type Endpoints } from "./http-pin.js";
import { createNameResolver } from "./http-resolve.js";
import { DENIED, httpTarget, type HttpErrorCode, type ResolveName } from "./http-target.js";

const defaultPort = (scheme: string): number => (scheme === "https" ? 443 : 80);

/** Splits an authority (`host`, `host:port`, `[v6]:port`) into host and port by core's `splitAuthority`, the scheme's port by default. */
export function splitAuthority(authority: string, scheme: string): Authority | undefined {
  return splitHostPort(authority, defaultPort(scheme));
}

/**
 * The scheme the shim sends a request with: https when none is set (the
 * shim's default and wasmtime's); undefined for any other, which wasmtime's
 * `handle` refuses as `HTTP-protocol-error` before anything else.
 */
function schemeOf(request: ShimObject): "http" | "https" | undefined {
  const scheme = request.scheme() as { tag: string } | undefined;
  if (!scheme) return "https";
  return scheme.tag === "HTTP" ? "http" : scheme.tag === "HTTPS" ? "https" : undefined;
}

/** What `handle` does with a request: throw wasmtime's argument error, refuse it, or send it pinned. */
type Checked =
  | { readonly kind: "invalid"; readonly error: HttpErrorCode }
  | { readonly kind: "refused"; readonly error: HttpErrorCode }
  | { readonly kind: "send"; readonly authority: string; readonly defaultPort: number; readonly to: Endpoints };

/** Checks a request as wasmtime's `handle` does (arguments first), then decides where it may go. Never throws. */
function checkRequest(guard: Guard, lookup: ResolveName, request: ShimObject): Checked {
  try {
    const scheme = schemeOf(request);
    if (scheme === undefined) return { kind: "invalid", error: { tag: "HTTP-protocol-error" } };
    const authority = request.authority() as string | undefined;
    if (!authority) return { kind: "invalid", error: { tag: "HTTP-request-URI-invalid" } };
    const split = splitAuthority(authority, scheme);
    const target = split ? httpTarget(guard, lookup, split.host, split.port) : undefined;
    if (!target?.ok) return { kind: "refused", error: target?.error ?? DENIED };
    return { kind: "send", authority, defaultPort: defaultPort(scheme), to: target.to };
  } catch {
    return { kind: "refused", error: DENIED };
  }
}

/** The `wasi:http` namespace with a guarded outgoing handler, for `new WASIShim({ http })`. */
export function guardedHttp(guard: Guard, base: ShimObject = shimHttp) {
  const lookup = createNameResolver(guard);
  const Refused = refusalClass(base.types.FutureIncomingResponse);
  return {
    ...base,
    outgoingHandler: {
      handle(request: ShimObject, options: ShimObject): unknown {
        const checked = checkRequest(guard, lookup, request);
        if (checked.kind === "invalid") throw checked.error;
        if (checked.kind === "refused") return new Refused(checked.error);
        try {
          pin(checked.authority, checked.defaultPort, checked.to);
        } catch {
          return new Refused(DENIED);
        }
        try {
          return base.outgoingHandler.handle(request, options);
        } catch (error) {
          drop(); // the shim refused the request on this thread (HTTP-request-URI-invalid, say): its pin is unused
          throw error;
        }
      },
    },
  };
}
