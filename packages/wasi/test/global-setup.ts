/**
 * Builds the guest components and transpiles them once, in vitest's main
 * process, before any test file runs (both steps are cached on disk, so a
 * second run costs a hash). Also makes the test processes, forked after
 * this, trust the test CA (test/fixtures/tls): Node reads
 * NODE_EXTRA_CA_CERTS when a process starts, so it is set here, not in a
 * test.
 */
import { readFile } from "node:fs/promises";
import { transpileComponent } from "../src/transpile.js";
import { buildGuests } from "./guests/build.js";
import { buildFetchGuest } from "./guests/build-fetch.js";
import { transpileCache } from "./helpers/cache.js";
import { TLS_FIXTURES } from "./helpers/tls.js";

export default async function setup(): Promise<void> {
  process.env["NODE_EXTRA_CA_CERTS"] = TLS_FIXTURES.ca;
  const guests = await buildGuests();
  const fetchGuest = await buildFetchGuest();
  for (const file of [...Object.values(guests), fetchGuest]) await transpileComponent(await readFile(file), { cacheDir: transpileCache });
}
