/**
 * The C load generator and target (`native/npbench.c`), compiled with `cc`
 * when the bench starts into a cache directory keyed by the source's hash
 * (never committed as a binary), and run one mode at a time.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "native", "npbench.c");

/** Compiles npbench once per source version; returns the binary's path. */
export function buildNative(): string {
  const hash = createHash("sha256").update(readFileSync(source)).digest("hex").slice(0, 16);
  const dir = join(here, "..", "node_modules", ".cache", "netperm-bench");
  const bin = join(dir, `npbench-${hash}`);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}`;
  execFileSync("cc", ["-O2", "-Wall", "-o", tmp, source], { stdio: "inherit" });
  renameSync(tmp, bin);
  return bin;
}

export type Proto = "direct" | "socks5" | "connect";

export interface TargetPorts {
  readonly echo: number;
  readonly bulk: number;
  readonly close: number;
  /** Nothing is allowed to reach it: the policy of every contender refuses it. */
  readonly deny: number;
}

/** Starts the C target server on three ports; resolves once it listens. */
export function startTarget(bin: string, ports: TargetPorts): Promise<ChildProcess> {
  const proc = spawn(bin, ["target", String(ports.echo), String(ports.bulk), String(ports.close)], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    proc.stdout!.once("data", (d: Buffer) => (d.toString().startsWith("READY") ? resolve(proc) : reject(new Error(`target: ${d.toString()}`))));
    proc.once("exit", (code) => reject(new Error(`target exited with ${code}`)));
  });
}

/** Runs one client mode; resolves its JSON line. Killed after `timeoutS`. */
export function runClient<T>(bin: string, args: readonly (string | number)[], timeoutS: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, args.map(String), { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    const kill = setTimeout(() => proc.kill("SIGKILL"), timeoutS * 1000);
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    proc.once("exit", () => {
      clearTimeout(kill);
      try {
        resolve(JSON.parse(out.trim().split("\n").pop() ?? "") as T);
      } catch {
        reject(new Error(`npbench ${String(args[0])} printed: ${out}`));
      }
    });
  });
}

/** Opens `n` tunnels and holds them; resolves the count and a function that closes them. */
export function holdTunnels(bin: string, proto: Proto, proxyPort: number, echoPort: number, n: number): Promise<{ held: number; failed: number; release: () => Promise<void> }> {
  const proc = spawn(bin, ["hold", proto, String(proxyPort), String(echoPort), String(n)], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const kill = setTimeout(() => proc.kill("SIGKILL"), 90_000);
    proc.stdout.once("data", (d: Buffer) => {
      clearTimeout(kill);
      try {
        const r = JSON.parse(d.toString()) as { held: number; failed: number };
        resolve({ ...r, release: async () => (proc.stdin.end(), await exited) });
      } catch {
        reject(new Error(`npbench hold printed: ${d.toString()}`));
      }
    });
  });
}
