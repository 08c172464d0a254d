/**
 * Builds the guest components and transpiles them once, in vitest's main
 * process, before any test file runs (both steps are cached on disk, so a
 * second run costs a hash).
 */
import { readFile } from "node:fs/promises";
import { transpileComponent } from "../src/transpile.js";
import { buildGuests } from "./guests/build.js";
import { buildFetchGuest } from "./guests/build-fetch.js";
import { transpileCache } from "./helpers/cache.js";

export default async function setup(): Promise<void> {
  const guests = await buildGuests();
  const fetchGuest = await buildFetchGuest();
  for (const file of [...Object.values(guests), fetchGuest]) await transpileComponent(await readFile(file), { cacheDir: transpileCache });
}
