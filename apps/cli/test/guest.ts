/**
 * The `netops` test guest of @netperm/wasi for end-to-end `netperm run`
 * tests: built from its JS sources on demand by that package's builder
 * (cached by source hash under packages/wasi/.cache/guests, so a fresh clone
 * running only these tests builds it once), transpiled by the spawned CLI
 * into one cache for this package.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { cliDir } from "./run-cli.js";

/** Where the spawned CLI caches transpiled guests (gitignored). */
export const transpileCache: string = resolve(cliDir, ".cache/transpiled");

/** The builder, by URL: it lives outside this package's rootDir, so tsc must not pull it in. */
const builder = pathToFileURL(resolve(cliDir, "../../packages/wasi/test/guests/build.ts")).href;

/** The netops component's path, built if needed. */
export async function netopsWasm(): Promise<string> {
  const { buildGuests } = (await import(builder)) as { buildGuests(): Promise<{ netops: string }> };
  return (await buildGuests()).netops;
}
