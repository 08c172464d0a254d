/**
 * Guarded `wasi:http/outgoing-handler`: a request is an outbound tcp
 * connection to its authority (port 80 for http, 443 for https when none is
 * given), decided like any other; a named authority is resolved by netperm
 * and sent to a checked address (http-target.ts). A refusal never reaches
 * the shim: `handle` returns a ready future holding the error code
 * (http-refusal.ts), `HTTP-request-denied` for a denial.
 */
import { http as shimHttp } from "@bytecodealliance/preview2-shim";
import { splitAuthority as splitHostPort, type Authority } from "@netperm/core";
import type { ShimObject } from "./context.js";
import type { Guard } from "./guard.js";
import { refusalClass } from "./http-refusal.js";
import { createNameResolver } from "./http-resolve.js";
import { DENIED, httpTarget } from "./http-target.js";

/** Splits an authority (`host`, `host:port`, `[v6]:port`) into host and port by core's `splitAuthority`, the scheme's port by default. */
export function splitAuthority(authority: string, scheme: string): Authority | undefined {
  return splitHostPort(authority, scheme === "https" ? 443 : 80);
}

function schemeOf(request: ShimObject): string {
  const scheme = request.scheme() as { tag: string; val?: string } | undefined;
  if (!scheme) return "http";
  return scheme.tag === "other" ? String(scheme.val).toLowerCase() : scheme.tag.toLowerCase();
}

/** The `wasi:http` namespace with a guarded outgoing handler, for `new WASIShim({ http })`. */
export function guardedHttp(guard: Guard, base: ShimObject = shimHttp) {
  const lookup = createNameResolver(guard);
  const Refused = refusalClass(base.types.FutureIncomingResponse);
  return {
    ...base,
    outgoingHandler: {
      handle(request: ShimObject, options: ShimObject): unknown {
        let authority: string;
        try {
          const scheme = schemeOf(request);
          const asked = request.authority() as string | undefined;
          const split = asked ? splitAuthority(asked, scheme) : undefined;
          const target = split ? httpTarget(guard, lookup, split.host, split.port, scheme) : undefined;
          if (!target?.ok) return new Refused(target?.error ?? DENIED);
          authority = target.authority;
          request.setAuthority(authority);
        } catch {
          return new Refused(DENIED);
        }
        return base.outgoingHandler.handle(request, options);
      },
    },
  };
}
