/**
 * Runs the CLI the way a user does: a real process, from sources through the
 * @netperm/source condition (`pnpm netperm` does the same), or in-process
 * through `main` with captured streams for fast tests.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
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

/** The command line that runs the CLI from sources with ARGS. */
export function cliArgv(args: readonly string[]): string[] {
  return [process.execPath, "--conditions=@netperm/source", "--import", tsx, resolve(cliDir, "src/bin.ts"), ...args];
}

/** A CLI process started with `startCli`: its output so far. */
export type CliProcess = ChildProcess & { out: () => string; err: () => string };

/**
 * Starts `node src/bin.ts ARGS` as a real process (for signals and
 * long-running commands). `prefix` runs it through another program first
 * (`setpriv --reuid=65534 ...`).
 */
export function startCli(args: readonly string[], options: { env?: Record<string, string>; prefix?: readonly string[] } = {}): CliProcess {
  const [file, ...rest] = [...(options.prefix ?? []), ...cliArgv(args)];
  const child = spawn(file!, rest, { cwd: cliDir, env: { ...process.env, NO_COLOR: "1", ...options.env }, stdio: "pipe" });
  let out = "";
  let err = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  return Object.assign(child, { out: () => out, err: () => err });
}

/** Waits until `check()` is true, polling; throws after `ms`. */
export async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The exit code of a started process (null when a signal ended it). */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once("exit", (code) => r(code))));
}
