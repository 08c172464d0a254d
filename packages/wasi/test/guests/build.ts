/**
 * Builds the test guest components from their JS sources with
 * componentize-qjs (the QuickJS backend of `jco componentize`), caching each
 * output under `packages/wasi/.cache/guests/<hash>/` by the SHA-256 of the
 * sources, the WIT and the builder version. A cached build costs a hash.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { sourceHash, storeBuild } from "./guest-cache.js";

const here = import.meta.dirname;
const BUILDER = "componentize-qjs@0.4.5;sync";
export const cacheRoot: string = resolve(here, "../../.cache/guests");

/** The guests: world name -> entry source. */
export const GUESTS = { netops: "src/netops.js" } as const;
export type GuestName = keyof typeof GUESTS;

function witBuiltin(): string {
  const require = createRequire(import.meta.url);
  const api = require.resolve("@bytecodealliance/jco"); // .../jco/dist/api.js
  return join(dirname(dirname(api)), "lib/wit/builtin/0.2.12");
}

/** Builds (or finds in the cache) every guest; resolves to name -> .wasm path. */
export async function buildGuests(): Promise<Record<GuestName, string>> {
  const dir = join(cacheRoot, await sourceHash(BUILDER, [join(here, "src"), join(here, "wit")]));
  const paths = Object.fromEntries(Object.keys(GUESTS).map((name) => [name, join(dir, `${name}.wasm`)])) as Record<GuestName, string>;
  if (Object.values(paths).every((p) => existsSync(p))) return paths;

  const { componentize } = (await import("componentize-qjs")) as typeof import("componentize-qjs");
  const wit = await mkdtemp(join(tmpdir(), "netperm-guest-wit-"));
  try {
    await mkdir(join(wit, "deps"), { recursive: true });
    await writeFile(join(wit, "world.wit"), await readFile(join(here, "wit/world.wit")));
    const builtin = witBuiltin();
    for (const pkg of await readdir(builtin)) await symlink(join(builtin, pkg), join(wit, "deps", pkg));
    await storeBuild(dir, async (tmp) => {
      for (const [name, entry] of Object.entries(GUESTS)) {
        const jsPath = join(here, entry);
        const { component } = await componentize({
          witPath: wit,
          jsSource: await readFile(jsPath, "utf8"),
          jsPath,
          moduleRoot: join(here, "src"),
          world: name,
          sync: true,
        });
        await writeFile(join(tmp, `${name}.wasm`), component);
      }
    });
  } finally {
    await rm(wit, { recursive: true, force: true });
  }
  return paths;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(here, "build.ts")) {
  const started = Date.now();
  const paths = await buildGuests();
  console.log(JSON.stringify({ ms: Date.now() - started, paths }, null, 2));
}
