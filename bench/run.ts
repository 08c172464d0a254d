/**
 * `pnpm bench [name...] [--option ...]`: runs each benchmark `bench/<name>/index.ts`
 * in its own Node process (so one benchmark's heap never skews another's
 * memory figures), in the order of `BENCHMARKS`. With no name, runs them all;
 * a benchmark whose directory has no `index.ts` yet is skipped with a note.
 * Names come first; everything from the first `-option` on is passed to every
 * selected benchmark.
 *
 * @example pnpm bench                  # every benchmark
 * @example pnpm bench matcher --quick  # one, shorter
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Every benchmark the dispatcher knows, by directory name under `bench/`. */
export const BENCHMARKS = ["matcher", "wasi", "proxy", "exec"] as const;

const here = dirname(fileURLToPath(import.meta.url));

function main(argv: readonly string[]): number {
  const args = argv.filter((a) => a !== "--");
  const first = args.findIndex((a) => a.startsWith("-"));
  const names = first < 0 ? args : args.slice(0, first);
  const options = first < 0 ? [] : args.slice(first);
  const unknown = names.filter((n) => !(BENCHMARKS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown benchmark ${unknown.join(", ")}; known: ${BENCHMARKS.join(", ")}\n`);
    return 2;
  }
  const selected = names.length > 0 ? names : [...BENCHMARKS];
  let failed = 0;
  for (const name of selected) {
    const entry = join(here, name, "index.ts");
    if (!existsSync(entry)) {
      process.stdout.write(`\n> bench ${name}: skipped (no bench/${name}/index.ts yet)\n`);
      continue;
    }
    process.stdout.write(`\n> bench ${name}\n\n`);
    // Same flags as this process: --expose-gc, the source condition, the tsx loader.
    const child = spawnSync(process.execPath, [...process.execArgv, entry, ...options], { stdio: "inherit", cwd: here });
    if (child.status !== 0) {
      failed++;
      process.stderr.write(`bench ${name}: exited with ${child.status ?? child.signal}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
