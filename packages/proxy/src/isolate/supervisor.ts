/**
 * The supervisor: the first process inside the new namespaces (network, and
 * pid so that nothing outlives it). Run as `node supervisor.js DIR`.
 * 1. brings `lo` up when asked (unshare; bubblewrap has done it);
 * 2. starts the relay on 127.0.0.1 and listens on `in.sock` for published
 *    inbound connections;
 * 3. runs the program with the proxy variables pointing at the relay, the
 *    caller's stdio, cwd and environment;
 * 4. forwards signals to it, reports its exit on the control pipe (fd 3) and
 *    exits with it. When netperm goes away (fd 3 ends) the program is killed.
 *    A signal netperm asks for on the pipe is always delivered; one this
 *    process gets directly is delivered unless the terminal sent it to the
 *    whole foreground group, the program included (`terminal-signal.ts`),
 *    so that a Ctrl-C arrives once.
 * Nothing here blocks the event loop: the relay must keep running while the
 * program does (no spawnSync).
 */
import { execFile, spawn } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import { createInterface } from "node:readline";
import { createConnection, createServer, Socket } from "node:net";
import { constants } from "node:os";
import { join } from "node:path";
import { startRelay, splice } from "./relay.js";
import { FILES, readPortHeader, type Control, type Order, type SupervisorConfig } from "./wire.js";
import { sentByTerminal } from "./terminal-signal.js";
import { proxyVariables } from "./proxy-env.js";

const FORWARDED: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

const control = new Socket({ fd: 3, readable: true, writable: true });
control.on("error", () => undefined);
const report = (message: Control): void => void control.write(`${JSON.stringify(message)}\n`);

function fail(message: string, code: number): never {
  report({ kind: "error", message, code });
  control.end();
  process.exit(code);
}

function loUp(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("ip", ["link", "set", "lo", "up"], (error, _out, stderr) => (error === null ? resolve() : reject(new Error(stderr.trim() || error.message))));
  });
}

function listenInbound(dir: string): Promise<void> {
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (conn) => {
    conn.on("error", () => undefined);
    conn.resume();
    void readPortHeader(conn).then((port) => {
      if (port === undefined) return void conn.destroy();
      const inner = createConnection({ host: "127.0.0.1", port, allowHalfOpen: true });
      inner.pause();
      inner.once("connect", () => splice(conn, inner));
      inner.once("error", () => conn.destroy());
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ path: join(dir, FILES.inbound) }, () => resolve());
  });
}

async function main(dir: string): Promise<void> {
  const config = JSON.parse(readFileSync(join(dir, FILES.config), "utf8")) as SupervisorConfig;
  if (config.loUp) await loUp().catch((e: Error) => fail(`cannot bring lo up in the namespace: ${e.message}`, 2));
  // The pid netperm can signal: /proc is the host's, so /proc/self names this process there.
  const hostPid = Number(readlinkSync("/proc/self"));
  const relay = await startRelay(dir, hostPid);
  await listenInbound(dir);
  const env = { ...config.env, ...proxyVariables("127.0.0.1", relay.port) };
  const [file, args] =
    config.mapUser === undefined
      ? [config.command, config.args]
      : ["unshare", ["--user", `--map-user=${config.mapUser.uid}`, `--map-group=${config.mapUser.gid}`, "--", config.command, ...config.args]];
  const child = spawn(file, args, { cwd: config.cwd, env, stdio: ["inherit", "inherit", "inherit"] });
  child.once("error", (err: NodeJS.ErrnoException) => fail(`cannot run '${config.command}': ${err.code ?? err.message}`, err.code === "ENOENT" ? 127 : 126));
  for (const s of FORWARDED) process.on(s, () => void (sentByTerminal(s) || child.kill(s)));
  createInterface({ input: control }).on("line", (line) => {
    let order: Order;
    try {
      order = JSON.parse(line) as Order;
    } catch {
      return;
    }
    if (order.kind === "signal" && (FORWARDED as readonly string[]).includes(order.signal)) child.kill(order.signal as NodeJS.Signals);
  });
  control.on("end", () => child.kill("SIGKILL"));
  control.on("close", () => child.kill("SIGKILL"));
  child.once("spawn", () => report({ kind: "ready", pid: hostPid, relayPort: relay.port }));
  child.once("exit", (code, signal) => {
    report({ kind: "exit", code, signal });
    control.end(() => process.exit(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0))));
  });
}

void main(process.argv[2] ?? "").catch((e: unknown) => fail(`supervisor: ${e instanceof Error ? e.message : String(e)}`, 70));
