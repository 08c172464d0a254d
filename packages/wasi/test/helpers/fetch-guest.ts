/**
 * Drives the componentize-js `fetch` test guest under the real guarded host:
 * one instance per call of `fetchGuest(flags)`, one `fetch()` per `exec`,
 * every decision kept in `audit`.
 */
import { parsePolicy, type Decision, type Policy } from "@netperm/core";
import { instantiateFile, type Guard, type HostOptions } from "../../src/index.js";
import { buildFetchGuest } from "../guests/build-fetch.js";
import { transpileCache } from "./cache.js";

/** What the guest's `fetch()` gave it. */
export interface FetchResult {
  readonly ok: boolean;
  /** Where it failed: the `fetch()` call itself or reading the body. */
  readonly stage?: "fetch" | "body";
  readonly status?: number;
  readonly body?: string;
  readonly contentType?: string | null;
  /** The rejection's `name`, `message` and whether it is a `TypeError`. */
  readonly name?: string;
  readonly message?: string;
  readonly typeError?: boolean;
}

/**
 * What the guest sees when the guard denies: `handle` returns a future that
 * holds the wasi:http error `HTTP-request-denied` (or `DNS-error` for a name
 * that gave no usable answer), and StarlingMonkey (componentize-js 0.23)
 * rejects fetch() with the same `TypeError` a refused connection gives; the
 * code itself is not visible to JS.
 */
export const DENIED: FetchResult = {
  ok: false,
  stage: "fetch",
  name: "TypeError",
  typeError: true,
  message: "NetworkError when attempting to fetch resource",
};

export interface FetchRequest {
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface FetchGuest {
  exec(request: FetchRequest): FetchResult;
  /** The decision of every audit record, in order. */
  readonly audit: Decision[];
  readonly guard: Guard;
}

/** A fresh instance of the fetch guest under `policy` (flags or a parsed policy). */
export async function fetchGuest(policy: readonly string[] | Policy, options: HostOptions = {}): Promise<FetchGuest> {
  const file = await buildFetchGuest();
  const audit: Decision[] = [];
  const parsed = Array.isArray(policy) ? parsePolicy(policy as readonly string[]) : (policy as Policy);
  const instance = await instantiateFile(file, parsed, { audit: (r) => audit.push(r.decision), cacheDir: transpileCache, ...options });
  const name = instance.exportNames.find((n) => n.includes("probe"));
  const probe = (name ? instance.exports[name] : undefined) ?? instance.exports.probe;
  if (!probe) throw new Error(`the fetch guest has no probe export: ${instance.exportNames.join(", ")}`);
  return {
    exec: (request) => JSON.parse((probe as { exec(s: string): string }).exec(JSON.stringify(request))) as FetchResult,
    audit,
    guard: instance.guard,
  };
}
