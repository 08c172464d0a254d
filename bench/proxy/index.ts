/**
 * `pnpm bench proxy [--quick] [--no-save]`: @netperm/proxy against a direct
 * loopback connection, and microsocks (Debian `microsocks`) side by side when
 * it is installed. In one run: bulk throughput both ways (SOCKS5 and HTTP
 * CONNECT), sequential connection rate, p50/p99 connect latency, RSS per
 * idle connection (2,000 held), denied request rate. Figures are ratios to
 * direct measured in the same run; results go to
 * `bench/results/proxy-<date>T<hhmm>.json` and `bench/results/proxy-latest.json`.
 */
import { execFileSync, fork, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { denied, download, hold, sequential, upload, type Route, type Sequential } from "./load.ts";

const here = dirname(fileURLToPath(import.meta.url));

function child(role: string): Promise<{ proc: ChildProcess; ports: Record<string, number> }> {
  const proc = fork(join(here, "children.ts"), [role], { execArgv: process.execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve) => proc.once("message", (m: { ports: Record<string, number> }) => resolve({ proc, ports: m.ports })));
}

interface Memory {
  rss: number;
  /** V8 heap used + external, for a Node process; absent for others. */
  heap?: number;
}

function nodeMemory(proc: ChildProcess): Promise<Memory> {
  return new Promise((resolve) => {
    proc.once("message", (m: { rss: number; heap: number }) => resolve({ rss: m.rss, heap: m.heap }));
    proc.send({ rss: true });
  });
}

function procRss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? NaN) * 1024;
}

/** Starts microsocks on a free port and waits until it accepts; undefined when it is not installed. */
async function startMicrosocks(): Promise<{ proc: ChildProcess; port: number } | undefined> {
  if (spawnSync("sh", ["-c", "command -v microsocks"]).status !== 0) return undefined;
  for (let attempt = 0; attempt < 10; attempt++) {
    const port = await freePort();
    const proc = spawn("microsocks", ["-i", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      if (await accepts(port)) return { proc, port };
      if (proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill();
  }
  throw new Error("microsocks is installed but did not start");
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen({ host: "127.0.0.1", port: 0 }, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

const best = async (n: number, f: () => Promise<number>): Promise<number> => {
  let top = 0;
  for (let i = 0; i < n; i++) top = Math.max(top, await f());
  return top;
};

interface RouteResult {
  route: string;
  uploadMBps: number;
  downloadMBps: number;
  sequential: Sequential;
  deniedPerSecond?: number;
  /** RSS growth with the idle connections held, per connection. */
  idleBytesPerConnection?: number;
  /** Heap (used + external) growth per idle connection, Node proxies only: steadier than RSS. */
  idleHeapBytesPerConnection?: number;
}

async function measure(name: string, route: Route, ports: Record<string, number>, o: { bulk: number; seq: number; idle: number; reps: number }, rss?: () => Promise<Memory>): Promise<RouteResult> {
  process.stderr.write(`bench proxy: ${name}...\n`);
  const uploadMBps = await best(o.reps, () => upload(route, ports.sink!, o.bulk));
  const downloadMBps = await best(o.reps, () => download(route, ports.source!, o.bulk));
  await sequential(route, ports.echo!, Math.min(200, o.seq)); // warm-up
  const seq = await sequential(route, ports.echo!, o.seq);
  const result: RouteResult = { route: name, uploadMBps, downloadMBps, sequential: seq };
  if (route.kind === "socks5" && name.startsWith("netperm")) {
    await denied(route, 200);
    result.deniedPerSecond = await denied(route, o.seq);
  }
  if (rss !== undefined && route.kind !== "direct") {
    const before = await rss();
    const close = await hold(route, ports.echo!, o.idle);
    const after = await rss();
    close();
    result.idleBytesPerConnection = (after.rss - before.rss) / o.idle;
    if (after.heap !== undefined && before.heap !== undefined) result.idleHeapBytesPerConnection = (after.heap - before.heap) / o.idle;
  }
  return result;
}

function gitState(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: here, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, "no-save": { type: "boolean", default: false } }, strict: true });
  const o = values.quick ? { bulk: 64e6, seq: 500, idle: 2000, reps: 1 } : { bulk: 512e6, seq: 3000, idle: 2000, reps: 3 };
  const started = Date.now();
  const targets = await child("targets");
  const netperm = await child("netperm");
  const micro = await startMicrosocks();
  const results: RouteResult[] = [];
  try {
    results.push(await measure("direct", { kind: "direct" }, targets.ports, o));
    results.push(await measure("netperm SOCKS5", { kind: "socks5", port: netperm.ports.port! }, targets.ports, o, () => nodeMemory(netperm.proc)));
    results.push(await measure("netperm HTTP CONNECT", { kind: "connect", port: netperm.ports.port! }, targets.ports, { ...o, idle: 0 }));
    if (micro !== undefined) {
      results.push(await measure("microsocks SOCKS5", { kind: "socks5", port: micro.port }, targets.ports, o, async () => ({ rss: procRss(micro.proc.pid!) })));
    }
  } finally {
    targets.proc.kill();
    netperm.proc.kill();
    micro?.proc.kill();
  }
  const direct = results[0]!;
  const ratio = (a: number, b: number): string => (a / b).toFixed(2);
  const lines = [
    "| route | upload MB/s | download MB/s | bulk vs direct (up / down) | sequential conn/s | vs direct | connect p50 / p99 µs | idle KiB/conn: RSS (heap) | denied req/s |",
    "|---|---|---|---|---|---|---|---|---|",
    ...results.map(
      (r) =>
        `| ${r.route} | ${r.uploadMBps.toFixed(0)} | ${r.downloadMBps.toFixed(0)} | ${ratio(r.uploadMBps, direct.uploadMBps)}x / ${ratio(r.downloadMBps, direct.downloadMBps)}x | ` +
        `${r.sequential.perSecond.toFixed(0)} | ${ratio(r.sequential.perSecond, direct.sequential.perSecond)}x | ${r.sequential.p50us.toFixed(0)} / ${r.sequential.p99us.toFixed(0)} | ` +
        `${r.idleBytesPerConnection === undefined ? "" : (r.idleBytesPerConnection / 1024).toFixed(1)}${r.idleHeapBytesPerConnection === undefined ? "" : ` (${(r.idleHeapBytesPerConnection / 1024).toFixed(1)})`} | ${r.deniedPerSecond === undefined ? "" : r.deniedPerSecond.toFixed(0)} |`,
    ),
  ];
  // The load average tells whether other work shared the cores during the run.
  const info = { node: process.version, cpuCount: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))) };
  process.stdout.write(
    `## netperm proxy benchmark\n\n${info.node}, ${info.cpuCount} x ${info.cpuModel}, load ${info.loadAverageAtEnd.join(" ")}, bulk ${o.bulk / 1e6} MB (best of ${o.reps}), ${o.seq} sequential connections, ${o.idle} idle${values.quick ? " (quick)" : ""}, ${((Date.now() - started) / 1000).toFixed(0)} s\n\n${lines.join("\n")}\n`,
  );
  if (values["no-save"]) return;
  const dir = join(here, "..", "results");
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify({ benchmark: "proxy", date: new Date(started).toISOString(), git: gitState(), machine: info, quick: values.quick, options: o, results }, null, 2)}\n`;
  const stamp = new Date(started).toISOString().slice(0, 19).replaceAll(":", "");
  const file = join(dir, `proxy-${stamp}${values.quick ? "-quick" : ""}.json`);
  writeFileSync(file, json);
  if (!values.quick) writeFileSync(join(dir, "proxy-latest.json"), json);
  process.stderr.write(`bench proxy: wrote ${file}\n`);
}

await main();
