/**
 * `pnpm bench wasi`: the overhead of the guarded host, in three workloads,
 * each under the stock jco host (preview2-shim's own) and under
 * @netperm/wasi's guarded host, in one run, alternating blocks so drift
 * hits both alike:
 *
 * - `tcp`: the same component (the netops test guest) does connect + write +
 *   read round trips with a loopback echo server (in a child process);
 * - `http-name` / `http-address`: GET requests through wasi:http's outgoing
 *   handler (the call a guest's fetch() makes, driven from the host side) to
 *   a loopback HTTP server (in a child process, keep-alive) named
 *   `localhost:PORT` (guarded: decided, resolved by netperm, each answer
 *   decided, pinned) or `127.0.0.1:PORT` (decided, pinned).
 *
 * Reports the median time per operation of each host and their ratio
 * (guarded / stock). Several runs (fresh alternation each), each giving a
 * ratio per workload; the reported figure is the median of the runs' ratios.
 * Results: bench/results/wasi-*.json (`ratio` is tcp's, as before).
 *
 * Options: --runs=N (default 5), --rounds=N (default 10), --per-round=N
 * (default 100), --quick (2 runs x 4 rounds x 30), --no-save.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { parsePolicy } from "@netperm/core";
import { machine, median, saveResult } from "../record.js";
// Imported from sources: the bench runs with the @netperm/source condition.
import { createHost, Guard, guardedHttp, transpileComponent } from "@netperm/wasi";
import { buildGuests } from "@netperm/test-guests/build";
import { sendThrough, stockHandler, type OutgoingHandler } from "@netperm/test-guests/shim-http";

const { values } = parseArgs({
  options: {
    runs: { type: "string" },
    rounds: { type: "string" },
    "per-round": { type: "string" },
    quick: { type: "boolean", default: false },
    "no-save": { type: "boolean", default: false },
  },
});
const quick = values.quick === true;
const RUNS = Number(values.runs ?? (quick ? 2 : 5));
const ROUNDS = Number(values.rounds ?? (quick ? 4 : 10));
const PER_ROUND = Number(values["per-round"] ?? (quick ? 30 : 100));

const wasiDir = resolve(import.meta.dirname, "../../packages/wasi");
const requireFromWasi = createRequire(join(wasiDir, "package.json"));
const shimInstantiation = pathToFileURL(
  join(requireFromWasi.resolve("@bytecodealliance/preview2-shim").replace(/dist\/nodejs\/index\.js$/, ""), "dist/common/instantiation.js"),
).href;

type Exec = (req: Record<string, unknown>) => { ok: boolean; received?: string; error?: string };

/** One operation of a workload under one host; throws when it does not succeed. */
type Operation = () => void;

/** A loopback server in a child process (the jco host blocks this thread during a call); resolves with its port. */
function childServer(code: string): Promise<{ port: number; stop(): void }> {
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((ok) => child.stdout.once("data", (d: Buffer) => ok({ port: Number(d.toString().trim()), stop: () => child.kill() })));
}
const echoServer = () => childServer(`const s=require("net").createServer(c=>{c.on("data",d=>c.write(d));c.on("error",()=>{})});s.listen(0,"127.0.0.1",()=>console.log(s.address().port));`);
const httpServer = () => childServer(`const s=require("http").createServer((q,r)=>r.end("ok"));s.listen(0,"127.0.0.1",()=>console.log(s.address().port));`);

async function instance(imports: Record<string, unknown>): Promise<Exec> {
  const { netops } = await buildGuests();
  const t = await transpileComponent(await readFile(netops), { cacheDir: join(wasiDir, ".cache/transpiled") });
  const glue = (await import(pathToFileURL(join(t.dir, "component.js")).href)) as {
    instantiate(g: (p: string) => Promise<unknown>, i: unknown): Promise<Record<string, { exec(s: string): string }>>;
  };
  const wasm = (globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<unknown> } }).WebAssembly;
  const exports = await glue.instantiate(async (p) => wasm.compile(await readFile(join(t.dir, p))), imports);
  const probe = exports["netperm:guests/probe@0.1.0"] ?? exports.probe;
  if (!probe) throw new Error("netops guest has no probe export");
  return (req) => JSON.parse(probe.exec(JSON.stringify(req))) as ReturnType<Exec>;
}

function roundTrip(exec: Exec, port: number): Operation {
  return () => {
    const r = exec({ op: "tcpConnect", to: `127.0.0.1:${port}`, send: "ping" });
    if (!r.ok || r.received !== "ping") throw new Error(`round trip failed: ${JSON.stringify(r)}`);
  };
}

function get(handler: OutgoingHandler, authority: string): Operation {
  return () => {
    const r = sendThrough(handler, authority);
    if (r.status !== 200 || r.body !== "ok") throw new Error(`GET ${authority} failed: ${JSON.stringify(r)}`);
  };
}

/** Milliseconds per operation over `n` of them. */
function block(operation: Operation, n: number): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) operation();
  return Number(process.hrtime.bigint() - started) / 1e6 / n;
}

type Run = { stockMs: number; guardedMs: number; ratio: number; roundRatios: number[] };
type Workload = { readonly name: string; readonly what: string; readonly stock: Operation; readonly guarded: Operation };

/** One run of a workload: ROUNDS rounds, alternating which host goes first so drift within a round is shared. */
function run(workload: Workload): Run {
  const times = { stock: [] as number[], guarded: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const order: Array<"stock" | "guarded"> = round % 2 === 0 ? ["stock", "guarded"] : ["guarded", "stock"];
    for (const host of order) times[host].push(block(workload[host], PER_ROUND));
  }
  const stockMs = median(times.stock);
  const guardedMs = median(times.guarded);
  return { stockMs, guardedMs, ratio: guardedMs / stockMs, roundRatios: times.stock.map((x, i) => times.guarded[i]! / x) };
}

const started = new Date();
const echo = await echoServer();
const web = await httpServer();
try {
  const { WASIShim } = (await import(shimInstantiation)) as { WASIShim: new () => { getImportObject(): Record<string, unknown> } };
  const stock = await instance(new WASIShim().getImportObject());
  const guarded = await instance(createHost(parsePolicy([`--allow-outbound=tcp://127.0.0.1:${echo.port}`])).imports);
  const http = guardedHttp(new Guard(parsePolicy([`--allow-outbound=tcp://localhost:${web.port}`, `--allow-outbound=tcp://127.0.0.1:${web.port}`]))).outgoingHandler;
  const workloads: Workload[] = [
    { name: "tcp", what: "connect + write + read round trips", stock: roundTrip(stock, echo.port), guarded: roundTrip(guarded, echo.port) },
    { name: "http-name", what: `wasi:http GET of localhost:${web.port}`, stock: get(stockHandler, `localhost:${web.port}`), guarded: get(http, `localhost:${web.port}`) },
    { name: "http-address", what: `wasi:http GET of 127.0.0.1:${web.port}`, stock: get(stockHandler, `127.0.0.1:${web.port}`), guarded: get(http, `127.0.0.1:${web.port}`) },
  ];
  const results: Record<string, { ratio: number; runs: Run[] }> = {};
  for (const workload of workloads) {
    block(workload.stock, 20); // warm up both
    block(workload.guarded, 20);
    const runs: Run[] = [];
    for (let r = 0; r < RUNS; r++) {
      const one = run(workload);
      runs.push(one);
      console.log(`  ${workload.name} run ${r + 1}/${RUNS}: stock ${one.stockMs.toFixed(3)} ms, guarded ${one.guardedMs.toFixed(3)} ms per operation, ratio ${one.ratio.toFixed(3)}`);
    }
    results[workload.name] = { ratio: median(runs.map((r) => r.ratio)), runs };
  }
  const host = machine();
  console.log(`${RUNS} runs x ${ROUNDS} rounds x ${PER_ROUND} per host and workload, node ${host.node}, load ${host.loadAverage.join("/")}`);
  for (const workload of workloads) {
    const { ratio, runs } = results[workload.name]!;
    console.log(`  ${workload.what}: ratio guarded/stock, median of runs ${ratio.toFixed(3)} (runs ${runs.map((r) => r.ratio.toFixed(3)).join(", ")})`);
  }
  if (!values["no-save"]) {
    const tcp = results["tcp"]!;
    const file = saveResult("wasi", started, quick, { machine: host, runs: RUNS, rounds: ROUNDS, perRound: PER_ROUND, ratio: tcp.ratio, results: tcp.runs, workloads: results });
    process.stderr.write(`bench wasi: wrote ${file}\n`);
  }
} finally {
  echo.stop();
  web.stop();
}
