/**
 * What every benchmark records beside its figures, and where: the machine
 * (Node, CPUs, load average), the commit, and the file under bench/results
 * (`<name>-<stamp>[-quick].json`, plus `<name>-latest.json` for a full run).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "results");

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The short commit, with `+dirty` when the work tree has changes. */
export function gitCommit(): string {
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim() || "unknown";
  const dirty = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" }).stdout.trim();
  return dirty ? `${head}+dirty` : head;
}

export function machine(): { node: string; cpus: number; cpuModel: string; loadAverage: number[] } {
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

/** Writes the result and returns the file's path. */
export function saveResult(name: string, started: Date, quick: boolean, result: object): string {
  mkdirSync(resultsDir, { recursive: true });
  const json = `${JSON.stringify({ benchmark: name, date: started.toISOString(), git: gitCommit(), quick, ...result }, null, 2)}\n`;
  const stamp = started.toISOString().slice(0, 19).replaceAll(":", "");
  const file = join(resultsDir, `${name}-${stamp}${quick ? "-quick" : ""}.json`);
  writeFileSync(file, json);
  if (!quick) writeFileSync(join(resultsDir, `${name}-latest.json`), json);
  return file;
}
