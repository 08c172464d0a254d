/**
 * Guarded `wasi:http/outgoing-handler`: a request is an outbound tcp
 * connection to its authority (port 80 for http, 443 for https when none is
 * given), decided like any other. A denial is the wasi:http error
 * `HTTP-request-denied`; the shim never sees the request. A mapped target
 * rewrites the authority (so the `Host` header shows the mapped target).
 */
import { http as shimHttp } from "@bytecodealliance/preview2-shim";
import { splitAuthority as splitHostPort, type Authority } from "@netperm/core";
import type { Guard } from "./guard.js";
import type { ShimObject } from "./context.js";

const DENIED = { tag: "HTTP-request-denied" } as const;

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
  return {
    ...base,
    outgoingHandler: {
      handle(request: ShimObject, options: ShimObject): unknown {
        const authority = request.authority() as string | undefined;
        const target = authority ? splitAuthority(authority, schemeOf(request)) : undefined;
        if (!target) throw DENIED;
        const decision = guard.decide({ op: "connect", protocol: "tcp", host: target.host, port: target.port }, "http");
        if (!decision.allowed) throw DENIED;
        if (decision.mapped?.host !== undefined || decision.mapped?.port !== undefined) {
          const host = decision.mapped.host ?? target.host;
          if (host.includes(":")) throw DENIED; // the shim's authority cannot carry an IPv6 literal
          request.setAuthority(`${host}:${decision.mapped.port ?? target.port}`);
        }
        return base.outgoingHandler.handle(request, options);
      },
    },
  };
}
