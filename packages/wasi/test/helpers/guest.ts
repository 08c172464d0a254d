/**
 * Drives the `netops` test guest under the real guarded host: one instance
 * per call of `netops(flags)`, one JSON request per `exec`, every decision
 * kept in `audit`.
 */
import { parsePolicy, type Policy } from "@netperm/core";
import { instantiateFile, type AuditEntry, type Guard, type HostOptions } from "../../src/index.js";
import { buildGuests } from "../guests/build.js";
import { transpileCache } from "./cache.js";

export interface GuestResult {
  readonly ok: boolean;
  readonly stage?: string;
  readonly error?: string;
  readonly id?: number;
  readonly local?: string;
  readonly remote?: string;
  readonly received?: string;
  readonly addresses?: readonly string[];
  readonly sent?: number;
  readonly reply?: { readonly data: string; readonly from: string };
  readonly from?: string;
}

export interface Netops {
  exec(request: Record<string, unknown>): GuestResult;
  readonly audit: AuditEntry[];
  readonly guard: Guard;
}

/** A fresh instance of the netops guest under `policy` (flags or a parsed policy). */
export async function netops(policy: readonly string[] | Policy, options: HostOptions = {}): Promise<Netops> {
  const { netops: file } = await buildGuests();
  const audit: AuditEntry[] = [];
  const parsed = Array.isArray(policy) ? parsePolicy(policy as readonly string[]) : (policy as Policy);
  const instance = await instantiateFile(file, parsed, { audit: (e) => audit.push(e), cacheDir: transpileCache, ...options });
  const name = instance.exportNames.find((n) => n.includes("probe"));
  const probe = (name ? instance.exports[name] : undefined) ?? instance.exports.probe;
  if (!probe) throw new Error(`netops has no probe export: ${instance.exportNames.join(", ")}`);
  return {
    exec: (request) => JSON.parse((probe as { exec(s: string): string }).exec(JSON.stringify(request))) as GuestResult,
    audit,
    guard: instance.guard,
  };
}
