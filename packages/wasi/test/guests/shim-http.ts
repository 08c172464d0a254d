/**
 * A host-side client of the shim's `wasi:http`: one GET made with the
 * shim's genuine request objects, the call a componentize-js guest's
 * fetch() makes, through any outgoing handler (netperm's guarded one or the
 * shim's own), its response read whole so the connection goes back to the
 * agent's pool. For the http tests and `pnpm bench wasi`.
 */
import { http } from "@bytecodealliance/preview2-shim";

/* eslint-disable @typescript-eslint/no-explicit-any */
const types = (http as any).types;

export interface OutgoingHandler {
  handle(request: unknown, options: unknown): unknown;
}

/** What a GET gave: the response (headers but `date`) or the error code. */
export interface HttpOutcome {
  readonly status?: number;
  readonly headers?: [string, string][];
  readonly body?: string;
  readonly error?: unknown;
}

/** The shim's own outgoing handler, unguarded. */
export const stockHandler: OutgoingHandler = (http as any).outgoingHandler;

/** A request's scheme as jco lowers it; null sets none. */
export type Scheme = { readonly tag: "HTTP" | "HTTPS" } | { readonly tag: "other"; readonly val: string } | null;

/** A GET of `/` at `authority` (none when undefined), built as a guest builds it, its body finished. */
export function getRequest(authority: string | undefined, scheme: "HTTP" | "HTTPS" | Scheme): any {
  const request = new types.OutgoingRequest(new types.Fields());
  if (scheme !== null) request.setScheme(typeof scheme === "string" ? { tag: scheme } : scheme);
  if (authority !== undefined) request.setAuthority(authority);
  request.setPathWithQuery("/");
  types.OutgoingBody.finish(request.body(), undefined);
  return request;
}

/** Blocks until the future holds its value: `some(ok(ok(response)))` or `some(ok(err(code)))`. */
function settle(future: any): any {
  let got = future.get();
  for (let i = 0; got === undefined && i < 200; i++) {
    future.subscribe().block();
    got = future.get();
  }
  return got;
}

/** Reads a response whole: status, headers (but `date`), body. */
function readResponse(response: any): HttpOutcome {
  const headers = (response.headers().entries() as [string, Uint8Array][]).map(([k, v]): [string, string] => [k, Buffer.from(v).toString()]).filter(([k]) => k !== "date");
  const stream = response.consume().stream();
  let body = "";
  for (let i = 0; i < 1000; i++) {
    try {
      body += Buffer.from(stream.blockingRead(65536n) as Uint8Array).toString();
    } catch (error) {
      if ((error as { tag?: string }).tag === "closed") break;
      throw error;
    }
  }
  stream[Symbol.dispose]?.();
  return { status: response.status(), headers, body };
}

/** Sends a GET of `/` at `authority` through `handler`; the response read whole, or the error code (thrown or in the future). */
export function sendThrough(handler: OutgoingHandler, authority: string | undefined, scheme: "HTTP" | "HTTPS" | Scheme = "HTTP"): HttpOutcome {
  try {
    const got = settle(handler.handle(getRequest(authority, scheme), undefined));
    if (got?.tag === "ok" && got.val.tag === "err") return { error: got.val.val };
    return readResponse(got.val.val);
  } catch (error) {
    return { error };
  }
}
