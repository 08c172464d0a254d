/**
 * The guarded jco host: a `WASIShim` import object whose `wasi:sockets` and
 * `wasi:http/outgoing-handler` are decided by one policy, and helpers that
 * transpile, instantiate and run a command component under it.
 */
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { cli } from "@bytecodealliance/preview2-shim";
import { WASIShim } from "@bytecodealliance/preview2-shim/instantiation";
import type { CompiledPolicy, Policy } from "@netperm/core";
import { GuestExit, WasiHostError } from "./errors.js";
import { Guard, type GuardOptions } from "./guard.js";
import { guardedHttp } from "./http.js";
import { guardedSockets } from "./sockets.js";
import { transpileComponent } from "./transpile.js";

export interface HostOptions extends GuardOptions {
  /**
   * The guest's environment variables (default: none). The host's own are
   * never passed through, nor its working directory: `initial-cwd` is none.
   */
  readonly env?: Readonly<Record<string, string>>;
  /** The guest's arguments, the program name first (default: `["main"]`). */
  readonly args?: readonly string[];
  /** Preopened directories: guest path -> host path (default: none). */
  readonly preopens?: Readonly<Record<string, string>>;
}

export interface Host {
  /** The import object for a transpiled component's `instantiate`. */
  readonly imports: Record<string, unknown>;
  /** The guard deciding for this instance. */
  readonly guard: Guard;
}

/**
 * A fresh host for one instance: guarded sockets and HTTP, the given env,
 * args and preopens (all per instance: the shim's process-wide defaults are
 * not used), no initial working directory, and a `wasi:cli/exit` that
 * throws `GuestExit` rather than ending the process.
 */
export function createHost(policy: Policy | CompiledPolicy, options: HostOptions = {}): Host {
  const guard = new Guard(policy, options);
  const exit = {
    exit(status: { tag: string }): never {
      throw new GuestExit(status.tag === "err" ? 1 : 0);
    },
    exitWithCode(code: number): never {
      throw new GuestExit(code);
    },
  };
  // The shim's `initial-cwd` answers the host process's cwd even in a sandbox; like wasmtime, answer none.
  const environment = { ...cli.environment, initialCwd: (): string | undefined => undefined };
  const shim = new WASIShim({
    cli: { ...cli, exit, environment },
    sockets: guardedSockets(guard),
    http: guardedHttp(guard),
    sandbox: {
      env: { ...(options.env ?? {}) },
      args: [...(options.args ?? ["main"])],
      preopens: { ...(options.preopens ?? {}) },
    },
  } as ConstructorParameters<typeof WASIShim>[0]);
  return { imports: shim.getImportObject() as Record<string, unknown>, guard };
}

/**
 * Node 20 keeps wasm extended-const (which QuickJS-built components use)
 * behind a V8 flag; Node 22 ships it. V8 flags must be set before other
 * threads run wasm, so this happens when the module loads, not per call.
 */
if (Number(process.versions.node.split(".")[0]) < 22) setFlagsFromString("--experimental-wasm-extended-const");

export interface Instance {
  /** The component's exports, as jco's glue presents them. */
  readonly exports: Record<string, unknown>;
  readonly guard: Guard;
  /** The export names (`wasi:cli/run@0.2.3`, ...). */
  readonly exportNames: readonly string[];
}

/** Transpiles (cached) and instantiates a component file under `policy`. */
export async function instantiateFile(
  file: string,
  policy: Policy | CompiledPolicy,
  options: HostOptions & { readonly cacheDir?: string } = {},
): Promise<Instance> {
  const bytes = await readFile(file);
  const transpiled = await transpileComponent(bytes, { name: basename(file), ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}) });
  const glue = (await import(pathToFileURL(join(transpiled.dir, "component.js")).href)) as {
    instantiate(getCoreModule: (path: string) => Promise<unknown>, imports: unknown): Promise<Record<string, unknown>>;
  };
  const host = createHost(policy, options);
  const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<unknown> } }).WebAssembly;
  const getCoreModule = async (path: string) => wasm.compile(await readFile(join(transpiled.dir, path)));
  let exports: Record<string, unknown>;
  try {
    exports = await glue.instantiate(getCoreModule, host.imports);
  } catch (error) {
    throw new WasiHostError("NETPERM_TRANSPILE", `cannot instantiate ${basename(file)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return { exports, guard: host.guard, exportNames: transpiled.exports };
}

/** Finds `wasi:cli/run` in an instance's exports. */
function runExport(instance: Instance, file: string): { run(): unknown } {
  const name = instance.exportNames.find((n) => /^wasi:cli\/run(@|$)/.test(n));
  const found = (name ? instance.exports[name] : undefined) ?? (name ? instance.exports.run : undefined);
  if (!found || typeof (found as { run?: unknown }).run !== "function") {
    throw new WasiHostError("NETPERM_NOT_COMMAND", `${basename(file)} does not export wasi:cli/run`, {
      hint: "netperm run runs command components (a `world` that exports wasi:cli/run)",
    });
  }
  return found as { run(): unknown };
}

/** Options of `runCommand`. */
export interface RunOptions extends HostOptions {
  /** Where transpiled components are cached (default `defaultCacheDir()`). */
  readonly cacheDir?: string;
  /** Told when the guest fails other than by returning an error or exiting (a trap). */
  readonly onTrap?: (error: unknown) => void;
}

/**
 * Runs a command component's `wasi:cli/run` under `policy`; resolves to its
 * exit code: 0 ok, the code it exits with, or 1 when `run` returns an error
 * or the guest traps. Throws `WasiHostError` when the file cannot be run.
 */
export async function runCommand(file: string, policy: Policy | CompiledPolicy, options: RunOptions = {}): Promise<number> {
  const instance = await instantiateFile(file, policy, options);
  const command = runExport(instance, file);
  try {
    await command.run();
    return 0;
  } catch (error) {
    if (error instanceof GuestExit) return error.exitCode;
    // jco's glue throws a ComponentError for `run` returning err; anything else is a trap.
    if (!(error instanceof Error && error.name === "ComponentError") && !(error === undefined)) options.onTrap?.(error);
    return 1;
  }
}
