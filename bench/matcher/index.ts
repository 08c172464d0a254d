/**
 * `pnpm bench matcher`: the compiled matcher at 1k, 10k, 100k and 1M rules,
 * against the naive reference decider and Node's `net.BlockList`, in one
 * run. Prints markdown on stdout, progress on stderr, and writes the figures
 * to `bench/results/matcher-<stamp>.json` and `bench/results/matcher-latest.json`.
 *
 * Options:
 *   --sizes 1k,10k     policy sizes (default 1k,10k,100k,1M)
 *   --quick            shorter time budgets (a smoke run; figures are noisier)
 *   --seed N           generator seed (default 7)
 *   --no-save          print only, write no JSON
 */
import { spawnSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { saveResult } from "../record.js";
import { settledMemory } from "./harness.js";
import { dependentLoads, type LoadLatency } from "./memory-latency.js";
import { markdown, sizeLabel, targets } from "./report.js";
import { runSize, type Budgets, type SizeResult } from "./suite.js";

const DEFAULT_SIZES = "1k,10k,100k,1M";

function parseSize(text: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(text.trim());
  if (m === null) throw new Error(`bench matcher: not a size: ${text} (write 1k, 10k, 1M or a number)`);
  const unit = m[2]!.toLowerCase();
  return Number(m[1]) * (unit === "k" ? 1e3 : unit === "m" ? 1e6 : 1);
}

/** The commit measured, and whether core's sources differed from it (uncommitted work). */
function gitState(root: string): { commit?: string; coreModified?: boolean } {
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" });
  const status = spawnSync("git", ["status", "--porcelain", "--", "packages/core/src"], { cwd: root, encoding: "utf8" });
  return {
    ...(head.status === 0 ? { commit: head.stdout.trim() } : {}),
    ...(status.status === 0 ? { coreModified: status.stdout.trim().length > 0 } : {}),
  };
}

function machine(): Record<string, unknown> {
  const list = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}/${process.arch}`,
    cpuCount: list.length,
    cpuModel: list[0]?.model ?? "unknown",
    totalMemoryMB: Math.round(totalmem() / 2 ** 20),
    // The machine may be shared: a load above ~1 means another process competed for the 2 cores.
    loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
  };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: DEFAULT_SIZES },
      quick: { type: "boolean", default: false },
      seed: { type: "string", default: "7" },
      "no-save": { type: "boolean", default: false },
    },
    strict: true,
  });
  const sizes = values.sizes.split(",").map(parseSize);
  const seed = Number(values.seed);
  const budgets: Budgets = values.quick ? { compiledMs: 200, baselineMs: 200 } : { compiledMs: 1000, baselineMs: 1000 };
  settledMemory(); // fails early without --expose-gc
  const here = dirname(fileURLToPath(import.meta.url));
  // Read before measuring: the sources loaded at start are the ones measured.
  const git = gitState(join(here, "..", ".."));
  const started = Date.now();
  const loadBefore = Number(loadavg()[0]!.toFixed(2));
  const results: SizeResult[] = [];
  process.stderr.write("  memory: one dependent load at random in 256 KiB .. 256 MiB\n");
  const loads: LoadLatency[] = dependentLoads();
  for (const size of sizes) results.push(runSize(size, seed, budgets));
  const goals = targets(results);
  const info: Record<string, unknown> = { ...machine(), dependentLoadNs: loads };
  const text = markdown(results, goals, loads);
  process.stdout.write(
    `## netperm matcher benchmark\n\n${info["node"]}, ${info["cpuCount"]} x ${info["cpuModel"]}, load average ${loadBefore} before / ${info["loadAverage1m"]} after, seed ${seed}, sizes ${sizes.map(sizeLabel).join(", ")}` +
      `${values.quick ? " (quick)" : ""}, ${((Date.now() - started) / 1000).toFixed(0)} s, commit ${git.commit ?? "?"}` +
      `${git.coreModified === true ? " with uncommitted changes in packages/core/src" : ""}\n\n${text}`,
  );
  if (values["no-save"]) return;
  const file = saveResult("matcher", new Date(started), values.quick === true, {
    git,
    machine: { ...info, loadAverage1mBefore: loadBefore },
    seed,
    budgetsMs: budgets,
    durationS: (Date.now() - started) / 1000,
    targets: goals,
    sizes: results,
  });
  process.stderr.write(`bench matcher: wrote ${file}\n`);
}

main();
