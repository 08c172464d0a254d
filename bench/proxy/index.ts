/**
 * `pnpm bench proxy [--quick] [--reps N] [--only a,b] [--profile DIR] [--no-save]`:
 * netperm's proxy against a direct connection, microsocks (C), a Node SOCKS5
 * library and a minimal policy-free Node relay (also in a second form that
 * keeps TCP half-close, as netperm does), side by side in one run, with
 * a C client and a C target (`native/npbench.c`, compiled at start) so the
 * load generator is not the bottleneck. Loopback only, every loop bounded.
 *
 * Per contender and repetition, each in a process started for it: after 200
 * connections to warm up, RSS per idle connection (2000 tunnels held), then
 * bulk up and down (after an eighth of the bytes up, to warm up), sequential
 * connections (open, 32-byte echo, the target closes; p50/p99 connect
 * latency), 50 concurrent, denied connections
 * (sequential, to the deny port), and the proxy's CPU per connection
 * (/proc/<pid>/stat of its process tree over the sequential run). The
 * repetitions are interleaved across contenders and the table shows the
 * median of each figure; ratios are to direct in the same run. The load
 * average is recorded at the start of each repetition, and the share of CPU
 * time the hypervisor stole during each sequential run (`steal_pct`): the
 * machine is shared, and a run with much stolen time is a disturbed one.
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { startMicrosocks, startNetperm, startNodeAnchor, type Running } from "./contenders.ts";
import { buildNative, holdTunnels, runClient, startTarget, type TargetPorts } from "./native.ts";
import { cpuSeconds, machineTicks, processTree, rssKiB, stealPercent } from "./proc.ts";
import { gitCommit, median, saveResult } from "../record.ts";
import { table, type Row } from "./report.ts";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Rate {
  ok: number;
  denied: number;
  failed: number;
  secs: number;
  perSecond: number;
  p50us: number;
  p99us: number;
}
interface Bulk {
  bytes: number;
  complete: boolean;
  MBps: number;
}

/** One repetition's figures for one contender. */
export type Sample = Record<string, number>;

async function measure(bin: string, c: Running | undefined, ports: TargetPorts, o: Options): Promise<Sample> {
  const proto = c?.proto ?? "direct";
  const pport = c?.port ?? 0;
  const tree = (): number[] => (c === undefined ? [] : processTree(c.pid));
  const s: Sample = {};
  await runClient<Rate>(bin, ["rate", proto, pport, ports.close, 1, 200, 2, 0], 30); // warm-up
  if (c !== undefined) {
    // First, while the process has freed nothing yet: memory a proxy keeps
    // after bulk transfers (glibc's freed heap; the CLI keeps up to 64 MiB)
    // would hold the tunnels without the RSS moving.
    await sleep(o.gapMs);
    const before = rssKiB(tree());
    const held = await holdTunnels(bin, proto, pport, ports.echo, o.idle);
    await sleep(1000);
    const during = rssKiB(tree());
    await held.release();
    if (held.failed > 0) throw new Error(`${c.name}: ${held.failed} of ${o.idle} idle tunnels failed`);
    s.rss_kib_per_idle = (during - before) / held.held;
  }
  // One transfer to warm up (JIT, and the heap the read buffers come from), as
  // the connection figures have their warm-up connections.
  await runClient<Bulk>(bin, ["bulk", proto, pport, ports.bulk, "up", o.bulkBytes / 8, 20], 40);
  for (const dir of ["up", "down"] as const) {
    const b = await runClient<Bulk>(bin, ["bulk", proto, pport, ports.bulk, dir, o.bulkBytes, 20], 40);
    if (!b.complete) throw new Error(`${c?.name ?? "direct"}: bulk ${dir} incomplete`);
    s[`bulk_${dir}_MBps`] = b.MBps;
  }
  await sleep(o.gapMs);
  const pids = tree();
  const c0 = cpuSeconds(pids);
  const m0 = machineTicks();
  const seq = await runClient<Rate>(bin, ["rate", proto, pport, ports.close, 1, o.conns, o.secs, 0], o.secs + 30);
  const cpu = cpuSeconds(pids) - c0;
  s.steal_pct = stealPercent(m0, machineTicks());
  if (seq.failed > 0) throw new Error(`${c?.name ?? "direct"}: ${seq.failed} sequential connections failed`);
  Object.assign(s, { seq_per_s: seq.perSecond, p50_us: seq.p50us, p99_us: seq.p99us });
  if (c !== undefined) s.cpu_us_per_conn = (cpu / seq.ok) * 1e6;
  await sleep(o.gapMs);
  const conc = await runClient<Rate>(bin, ["rate", proto, pport, ports.close, 50, o.conns * 2, o.secs, 0], o.secs + 30);
  s.conc50_per_s = conc.perSecond;
  if (c?.denies === true) {
    await sleep(o.gapMs);
    const d0 = cpuSeconds(pids);
    const den = await runClient<Rate>(bin, ["rate", proto, pport, ports.deny, 1, o.conns, o.secs, 1], o.secs + 30);
    if (den.failed > 0) throw new Error(`${c.name}: ${den.failed} denied requests were not refused as they should be`);
    s.denied_per_s = den.perSecond;
    s.cpu_us_per_denied = ((cpuSeconds(pids) - d0) / den.denied) * 1e6;
  }
  return s;
}

interface Options {
  bulkBytes: number;
  conns: number;
  secs: number;
  idle: number;
  reps: number;
  gapMs: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      reps: { type: "string" },
      only: { type: "string" },
      profile: { type: "string" },
      "no-save": { type: "boolean", default: false },
    },
    strict: true,
  });
  const o: Options = values.quick
    ? { bulkBytes: 128e6, conns: 2000, secs: 2, idle: 2000, reps: 1, gapMs: 300 }
    : { bulkBytes: 512e6, conns: 6000, secs: 3, idle: 2000, reps: 3, gapMs: 1000 };
  if (values.reps !== undefined) o.reps = Math.max(1, Math.min(9, Number(values.reps) || 1));
  const only = values.only?.split(",");
  const bin = buildNative();
  const ports: TargetPorts = { echo: 19301, bulk: 19302, close: 19304, deny: 19303 };
  const target = await startTarget(bin, ports);
  const prof = values.profile === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${values.profile}`];
  // Keys for --only: direct, socks5, connect, workers, microsocks, pondwader, minimal, half-close.
  const wanted = (key: string): boolean => only === undefined || only.includes(key);
  // Each contender is started afresh for each repetition (and stopped after
  // it): every repetition gets its own process, its own heap layout (which
  // moves bulk figures by itself: see packages/proxy/src/freed-heap.ts) and
  // an idle-memory figure not masked by memory an earlier transfer freed.
  const starters: (() => Promise<Running | undefined>)[] = [];
  if (wanted("direct")) starters.push(async () => undefined);
  if (wanted("socks5")) starters.push(() => startNetperm("netperm SOCKS5", "socks5", ports.deny, [], prof));
  if (wanted("connect")) starters.push(() => startNetperm("netperm HTTP CONNECT", "connect", ports.deny));
  if (wanted("workers")) starters.push(() => startNetperm("netperm SOCKS5 --workers 2", "socks5", ports.deny, ["--workers=2"]));
  if (wanted("microsocks")) starters.push(() => startMicrosocks(19305));
  if (wanted("pondwader")) starters.push(() => startNodeAnchor("@pondwader/socks5-server (Node)", "pondwader.mjs", ports.deny));
  if (wanted("minimal")) starters.push(() => startNodeAnchor("minimal Node relay", "minimal-relay.mjs", ports.deny));
  if (wanted("half-close")) starters.push(() => startNodeAnchor("minimal Node relay, half-close kept", "minimal-relay.mjs", ports.deny, ["half-close"]));
  const started = Date.now();
  // The commit the contenders run (read now: the worktree may move on during a long run).
  const commit = gitCommit();
  let running: Running | undefined;
  try {
    const samples = new Map<string, Sample[]>();
    const loads: number[][] = [];
    for (let rep = 1; rep <= o.reps; rep++) {
      loads.push(loadavg().map((l) => Number(l.toFixed(2))));
      for (const [i, start] of starters.entries()) {
        running = await start();
        if (running === undefined && !(i === 0 && wanted("direct"))) continue; // skipped, and said why
        const name = running?.name ?? "direct";
        process.stderr.write(`bench proxy: rep ${rep}/${o.reps} ${name} (load ${loadavg()[0]!.toFixed(2)})\n`);
        const s = await measure(bin, running, ports, o);
        samples.set(name, [...(samples.get(name) ?? []), s]);
        await running?.stop();
        running = undefined;
      }
    }
    loads.push(loadavg().map((l) => Number(l.toFixed(2))));
    const rows: Row[] = [...samples].map(([name, list]) => {
      const keys = Object.keys(list[0]!);
      return { name, median: Object.fromEntries(keys.map((k) => [k, median(list.map((s) => s[k]!))])), runs: list };
    });
    const machine = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", loadAverage: loads };
    const header = `${machine.node}, ${machine.cpus} x ${machine.cpuModel}; median of ${o.reps}; load average (1/5/15 min) per repetition: ${loads.map((l) => l.join("/")).join(", ")}; ${((Date.now() - started) / 1000).toFixed(0)} s`;
    process.stdout.write(`## netperm proxy benchmark (${commit})\n\n${header}\n\n${table(rows)}\n`);
    if (values["no-save"] || values.only !== undefined || values.profile !== undefined) return;
    const file = saveResult("proxy", new Date(started), values.quick === true, { git: commit, machine, options: o, rows });
    process.stderr.write(`bench proxy: wrote ${file}\n`);
  } finally {
    await running?.stop();
    target.kill();
  }
}

await main();
