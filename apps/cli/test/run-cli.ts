/**
 * Runs the CLI the way a user does: a real process, from sources through the
 * @netperm/source condition (`pnpm netperm` does the same), or in-process
 * through `main` with captured streams for fast tests.
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { PassThrough } from "node:stream";
import { pathToFileURL } from "node:url";
import { main } from "../src/main.js";

export const cliDir: string = resolve(import.meta.dirname, "..");

/** tsx's loader by URL: `--import tsx` would resolve from the child's cwd, which may be outside the repo. */
const tsx: string = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Spawns `node src/bin.ts ARGS` with tsx; resolves with exit code and output. */
export function spawnCli(args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["--conditions=@netperm/source", "--import", tsx, resolve(cliDir, "src/bin.ts"), ...args],
      { cwd: options.cwd ?? cliDir, env: { ...process.env, NO_COLOR: "1", ...options.env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 2) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** Runs `main(ARGS)` in this process with captured, non-TTY streams. */
export async function runCli(args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (c: Buffer) => (stdout += c.toString()));
  err.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await main(args, { stdout: out, stderr: err, env: { NO_COLOR: "1", ...options.env }, cwd: options.cwd ?? cliDir });
  return { code, stdout, stderr };
}
