/**
 * The proxies measured side by side, each in its own process on 127.0.0.1:
 * netperm (the CLI, as users run it), microsocks (C, from Debian; installed
 * with apt-get when missing, skipped loudly when that fails),
 * @pondwader/socks5-server (a Node SOCKS5 library) and a minimal
 * policy-free Node relay (`anchors/minimal-relay.mjs`). Every one refuses
 * the target's deny port (microsocks has no policy: it is not asked).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Proto } from "./native.ts";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

export interface Running {
  readonly name: string;
  readonly proto: Proto;
  readonly port: number;
  readonly pid: number;
  /** False where the contender has no policy to refuse with. */
  readonly denies: boolean;
  stop(): Promise<void>;
}

/** Waits for the first stdout line with a port (`HOST:PORT` or `PORT`). */
function portFrom(proc: ChildProcess, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${what} did not start`)), 20_000);
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /(?:^|:)(\d{2,5})\s*$/m.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.once("exit", (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

function stopper(proc: ChildProcess): () => Promise<void> {
  return async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGTERM");
    // The netperm CLI drains on the first signal and closes at once on the second.
    const again = setTimeout(() => proc.kill("SIGTERM"), 500);
    const kill = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(again);
    clearTimeout(kill);
  };
}

async function started(name: string, proto: Proto, proc: ChildProcess, denies: boolean): Promise<Running> {
  const port = await portFrom(proc, name);
  return { name, proto, port, pid: proc.pid!, denies, stop: stopper(proc) };
}

/** `netperm proxy` from source; the policy allows 127.0.0.1 except the deny port. */
export function startNetperm(name: string, proto: Proto, denyPort: number, extra: readonly string[] = [], nodeFlags: readonly string[] = []): Promise<Running> {
  const args = [
    ...nodeFlags,
    "--conditions=@netperm/source",
    "--import",
    "tsx",
    join(root, "apps", "cli", "src", "bin.ts"),
    "proxy",
    "--listen=127.0.0.1:0",
    "--allow-outbound=tcp://127.0.0.1:*",
    `--deny-outbound=tcp://127.0.0.1:${denyPort}`,
    "--max-connections=20000",
    ...extra,
  ];
  const proc = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "ignore"] });
  return started(name, proto, proc, true);
}

export function startNodeAnchor(name: string, file: string, denyPort: number, extra: readonly string[] = []): Promise<Running> {
  const proc = spawn(process.execPath, [join(here, "anchors", file), String(denyPort), ...extra], { cwd: here, stdio: ["ignore", "pipe", "inherit"] });
  return started(name, "socks5", proc, true);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

function hasMicrosocks(): boolean {
  return spawnSync("sh", ["-c", "command -v microsocks"]).status === 0;
}

/** microsocks, installed from Debian when missing; undefined (and said on stderr) when it cannot be had. */
export async function startMicrosocks(port: number): Promise<Running | undefined> {
  if (!hasMicrosocks()) {
    process.stderr.write("bench proxy: microsocks is missing; apt-get install -y microsocks\n");
    let r = spawnSync("apt-get", ["install", "-y", "microsocks"], { stdio: "inherit" });
    if (r.status !== 0) {
      spawnSync("apt-get", ["update"], { stdio: "inherit" });
      r = spawnSync("apt-get", ["install", "-y", "microsocks"], { stdio: "inherit" });
    }
    if (!hasMicrosocks()) {
      process.stderr.write("bench proxy: SKIPPING microsocks: it could not be installed (the table has no C anchor)\n");
      return undefined;
    }
  }
  // microsocks 1.0.3 logs every connection on stderr (it has no quiet flag): to /dev/null, not the bench log.
  const proc = spawn("microsocks", ["-i", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "ignore"] });
  for (let i = 0; i < 100; i++) {
    if (await accepts(port)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name: "microsocks (C)", proto: "socks5", port, pid: proc.pid!, denies: false, stop: stopper(proc) };
}
