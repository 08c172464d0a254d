/**
 * The cache both guest builders share: a build lives in a directory named by
 * the hash of its sources and builder, and appears there whole or not at all.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";

/** SHA-256 (24 hex digits) of `builder` and every `.js` / `.wit` file in `dirs`, in order, by name. */
export async function sourceHash(builder: string, dirs: readonly string[]): Promise<string> {
  const hash = createHash("sha256").update(builder);
  for (const dir of dirs) {
    for (const file of (await readdir(dir)).sort()) {
      if (!/\.(js|wit)$/.test(file)) continue;
      hash.update(file).update(await readFile(join(dir, file)));
    }
  }
  return hash.digest("hex").slice(0, 24);
}

/**
 * Runs `write` on a fresh directory beside `dir`, then renames it to `dir`
 * (replacing what was there), so a reader never sees half a build. The
 * temporary directory is removed whatever happens.
 */
export async function storeBuild(dir: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  try {
    await mkdir(tmp, { recursive: true });
    await write(tmp);
    await mkdir(dirname(dir), { recursive: true });
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
