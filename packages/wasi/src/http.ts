/**
 * Guarded `wasi:http/outgoing-handler`: a request is an outbound tcp
 * connection to its authority (port 80 for http, 443 for https when none is
 * given), decided like any other; a named authority is resolved by netperm
 * and every answer decided (http-target.ts). An allowed request is the
 * shim's own, unchanged, with its connection pinned to the checked
 * endpoints (http-pin.ts). A refusal never reaches the shim: `handle`
 * returns a ready future holding the error code (http-refusal.ts),
 * `HTTP-request-denied` for a denial.
 */
import { http as shimHttp } from "@bytecodealliance/preview2-shim";
import { splitAuthority as splitHostPort, type Authority } from "@netperm/core";
import type { ShimObject } from "./context.js";
import type { Guard } from "./guard.js";
import { refusalClass } from "./http-refusal.js";
import { pin } from "./http-pin.js";
import { createNameResolver } from "./http-resolve.js";
import { DENIED, httpTarget } from "./http-target.js";

const defaultPort = (scheme: string): number => (scheme === "https" ? 443 : 80);

/** Splits an authority (`host`, `host:port`, `[v6]:port`) into host and port by core's `splitAuthority`, the scheme's port by default. */
export function splitAuthority(authority: string, scheme: string): Authority | undefined {
  return splitHostPort(authority, defaultPort(scheme));
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
        let unpin: () => void;
        try {
          const scheme = schemeOf(request);
          const asked = request.authority() as string | undefined;
          const split = asked ? splitAuthority(asked, scheme) : undefined;
          const target = split ? httpTarget(guard, lookup, split.host, split.port) : undefined;
          if (asked === undefined || target === undefined) return new Refused(DENIED);
          if (!target.ok) return new Refused(target.error);
          unpin = pin(asked, defaultPort(scheme), target.to);
        } catch {
          return new Refused(DENIED);
        }
        try {
          return base.outgoingHandler.handle(request, options);
        } finally {
          unpin();
        }
      },
    },
  };
}
