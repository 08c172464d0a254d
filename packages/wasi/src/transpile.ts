/**
 * Component -> ES module, through the jco-transpile API with
 * `instantiation: async` (imports are handed in at instantiation, so each
 * instance gets its own guarded host). Output is cached on disk by the
 * SHA-256 of the component bytes and the transpiler version.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { transpileBytes } from "@bytecodealliance/jco-transpile";
import { WasiHostError } from "./errors.js";

const TRANSPILER = "jco-transpile@0.15.0;instantiation=async";

export interface Transpiled {
  /** Directory holding `component.js` and its core modules. */
  readonly dir: string;
  /** The component's exports as jco names them (`wasi:cli/run@0.2.3`, ...). */
  readonly exports: readonly string[];
  /** True when this call found the output in the cache. */
  readonly cached: boolean;
}

/** The default cache: `$XDG_CACHE_HOME/netperm/components` or `~/.cache/netperm/components`. */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "netperm", "components");
}

/** Throws WasiHostError unless `bytes` is a WebAssembly component (not a core module). */
export function checkComponent(bytes: Uint8Array, name = "file"): void {
  const magic = bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
  if (!magic) throw new WasiHostError("NETPERM_NOT_WASM", `${name} is not a WebAssembly file`, { hint: "netperm run takes a WASI preview2 component (.wasm)" });
  if (bytes[4] === 1 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0) {
    throw new WasiHostError("NETPERM_NOT_COMPONENT", `${name} is a core WebAssembly module, not a component`, {
      hint: "build a WASI preview2 component (e.g. cargo build --target wasm32-wasip2, or wasm-tools component new)",
    });
  }
}

/** Transpiles `bytes` (cached by content hash) into `cacheDir`. */
export async function transpileComponent(bytes: Uint8Array, options: { cacheDir?: string; name?: string } = {}): Promise<Transpiled> {
  checkComponent(bytes, options.name);
  const hash = createHash("sha256").update(TRANSPILER).update(bytes).digest("hex").slice(0, 32);
  const dir = join(options.cacheDir ?? defaultCacheDir(), hash);
  const manifest = join(dir, "netperm.json");
  try {
    await stat(join(dir, "component.js"));
    const { exports } = JSON.parse(await readFile(manifest, "utf8")) as { exports: string[] };
    return { dir, exports, cached: true };
  } catch {
    // not cached (or a partial entry): transpile below
  }
  let result;
  try {
    result = await transpileBytes(bytes, { name: "component", instantiation: "async" });
  } catch (error) {
    throw new WasiHostError("NETPERM_TRANSPILE", `cannot transpile ${options.name ?? "component"}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  for (const [file, content] of Object.entries(result.files)) {
    if (file.endsWith(".d.ts")) continue;
    const path = join(tmp, file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
  const exports = result.exports.map(([name]) => name);
  await writeFile(join(tmp, "netperm.json"), JSON.stringify({ exports }));
  try {
    await rename(tmp, dir);
  } catch {
    await rm(tmp, { recursive: true, force: true }); // another process won the race: its output is the same
  }
  return { dir, exports, cached: false };
}
