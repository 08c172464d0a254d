/**
 * Drives the `netops` test guest under the real guarded host (or, for
 * differential tests, under the stock jco host): one instance per call, one
 * JSON request per `exec`, every decision kept in `audit`. A trap (the host
 * threw something that is not a WASI error) comes back as
 * `{ ok: false, stage: "trap", error }` instead of an exception, so a test
 * can assert that it never happens.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { WASIShim } from "@bytecodealliance/preview2-shim/instantiation";
import { parsePolicy, type Decision, type Policy } from "@netperm/core";
import { instantiateFile, transpileComponent, type Guard, type HostOptions } from "../../src/index.js";
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
  /** The `script` op: one line per step. */
  readonly results?: readonly string[];
}

export interface Netops {
  exec(request: Record<string, unknown>): GuestResult;
  /** The decision of every audit record, in order. */
  readonly audit: Decision[];
  readonly guard: Guard;
}

type Probe = { exec(s: string): string };

function execOn(probe: Probe): (request: Record<string, unknown>) => GuestResult {
  return (request) => {
    let text: string;
    try {
      text = probe.exec(JSON.stringify(request));
    } catch (error) {
      return { ok: false, stage: "trap", error: error instanceof Error ? error.message : String(error) };
    }
    return JSON.parse(text) as GuestResult;
  };
}

/** A fresh instance of the netops guest under `policy` (flags or a parsed policy). */
export async function netops(policy: readonly string[] | Policy, options: HostOptions = {}): Promise<Netops> {
  const { netops: file } = await buildGuests();
  const audit: Decision[] = [];
  const parsed = Array.isArray(policy) ? parsePolicy(policy as readonly string[]) : (policy as Policy);
  const instance = await instantiateFile(file, parsed, { audit: (r) => audit.push(r.decision), cacheDir: transpileCache, ...options });
  const name = instance.exportNames.find((n) => n.includes("probe"));
  const probe = (name ? instance.exports[name] : undefined) ?? instance.exports.probe;
  if (!probe) throw new Error(`netops has no probe export: ${instance.exportNames.join(", ")}`);
  return { exec: execOn(probe as Probe), audit, guard: instance.guard };
}

/** The netops guest under the stock jco host (preview2-shim's own sockets, everything allowed). */
export async function stockNetops(): Promise<(request: Record<string, unknown>) => GuestResult> {
  const { netops: file } = await buildGuests();
  const t = await transpileComponent(await readFile(file), { cacheDir: transpileCache });
  const glue = (await import(pathToFileURL(join(t.dir, "component.js")).href)) as {
    instantiate: (g: unknown, i: unknown) => Promise<Record<string, Probe>>;
  };
  const wasm = (globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<unknown> } }).WebAssembly;
  const instance = await glue.instantiate(async (p: string) => wasm.compile(await readFile(join(t.dir, p))), new WASIShim().getImportObject());
  const probe = instance["netperm:guests/probe@0.1.0"] ?? instance.probe;
  if (!probe) throw new Error("netops has no probe export");
  return execOn(probe);
}
