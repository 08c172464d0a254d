/**
 * Builds the `fetch` test guest (test/guests/fetch/) with componentize-js
 * (StarlingMonkey, whose `fetch()` lowers to wasi:http/outgoing-handler),
 * caching the output under `packages/wasi/.cache/guests/fetch-<hash>/` by the
 * SHA-256 of the source, the WIT and the builder version. A cached build costs
 * a hash; a cold one ~15 s on a 2-core machine (wizer pre-initialises the
 * engine in a subprocess).
 */
import { existsSync, realpathSync } from "node:fs";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { cacheRoot } from "./build.js";
import { sourceHash, storeBuild } from "./guest-cache.js";

const here = import.meta.dirname;
const sources = join(here, "fetch");
const WORLD = "fetcher";

interface ShimFilesystem {
  _addPreopen(virtualPath: string, hostPath: string): void;
  _getPreopens(): unknown[];
  _clearPreopens(): void;
}

/**
 * componentize-js's splicer is itself a component run on the preview2 shim
 * (the copy its own import resolves to), and reads `witPath` through the
 * shim's filesystem, whose preopens are empty by default in 0.26 ("reading
 * file ...: No such file or directory"). Load that same shim module so the
 * WIT directory can be preopened for the build.
 */
async function splicerFilesystem(): Promise<ShimFilesystem> {
  // componentize-js exports no CommonJS entry and vitest's module runner has
  // no import.meta.resolve: find its directory on the node_modules path.
  const require = createRequire(import.meta.url);
  const pkg = (require.resolve.paths("@bytecodealliance/componentize-js") ?? [])
    .map((dir) => join(dir, "@bytecodealliance/componentize-js"))
    .find((dir) => existsSync(join(dir, "package.json")));
  if (!pkg) throw new Error("@bytecodealliance/componentize-js is not installed");
  const entry = join(realpathSync(pkg), "src/componentize.js");
  const shim = createRequire(entry).resolve("@bytecodealliance/preview2-shim/filesystem");
  return (await import(pathToFileURL(shim).href)) as ShimFilesystem;
}

async function builderVersion(): Promise<string> {
  const { version } = (await import("@bytecodealliance/componentize-js")) as { version: string };
  return `componentize-js@${version};world=${WORLD}`;
}

/** Builds (or finds in the cache) the fetch guest; resolves to its .wasm path. */
export async function buildFetchGuest(): Promise<string> {
  const dir = join(cacheRoot, `fetch-${await sourceHash(await builderVersion(), [sources])}`);
  const file = join(dir, "fetch.wasm");
  if (existsSync(file)) return file;

  const { componentize } = await import("@bytecodealliance/componentize-js");
  const fs = await splicerFilesystem();
  const wit = await mkdtemp(join(tmpdir(), "netperm-fetch-wit-"));
  const hadPreopens = fs._getPreopens().length > 0;
  try {
    await copyFile(join(sources, "world.wit"), join(wit, "world.wit"));
    fs._addPreopen(wit, wit);
    const { component } = await componentize({ sourcePath: join(sources, "fetch.js"), witPath: wit, worldName: WORLD });
    await storeBuild(dir, (tmp) => writeFile(join(tmp, "fetch.wasm"), component));
  } finally {
    if (!hadPreopens) fs._clearPreopens();
    await rm(wit, { recursive: true, force: true });
  }
  return file;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(here, "build-fetch.ts")) {
  const started = Date.now();
  const path = await buildFetchGuest();
  console.log(JSON.stringify({ ms: Date.now() - started, path }, null, 2));
}
