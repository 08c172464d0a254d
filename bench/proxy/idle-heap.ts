/**
 * What one idle SOCKS5 tunnel keeps in the proxy's heap, from two V8 heap
 * snapshots (node:v8 writeHeapSnapshot): one with no connection, one with N
 * tunnels held open (each after one echoed round trip), both after forced
 * GCs. The proxy runs in this process (createProxy, no audit file, a
 * refusals-only decision listener as the CLI has); the clients and the echo
 * target are the C `npbench` (other processes, so their sockets are not in
 * this heap). Prints the growth per tunnel by object kind, and the total.
 *
 *   node --expose-gc --conditions=@netperm/source --import tsx bench/proxy/idle-heap.ts [N] [PROXY_SRC_DIR]
 *
 * PROXY_SRC_DIR (default packages/proxy/src) lets an older copy of the
 * sources be measured the same way. Loopback only; the hold is bounded.
 */
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { parsePolicy } from "@netperm/core";
import { buildNative, holdTunnels, startTarget } from "./native.ts";

const n = Number(process.argv[2] ?? 1000);
const src = resolve(process.argv[3] ?? join(import.meta.dirname, "..", "..", "packages", "proxy", "src"));
const { createProxy } = (await import(join(src, "index.ts"))) as typeof import("../../packages/proxy/src/index.ts");
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");

interface Kind {
  count: number;
  bytes: number;
}

/** Self sizes by `type:name` over every node of a snapshot. */
function summarize(file: string): Map<string, Kind> {
  const snap = JSON.parse(readFileSync(file, "utf8")) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const [iType, iName, iSize] = ["type", "name", "self_size"].map((f) => fields.indexOf(f)) as [number, number, number];
  const types = snap.snapshot.meta.node_types[0];
  const out = new Map<string, Kind>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]!]!;
    const name = type === "object" || type === "closure" || type === "native" ? snap.strings[snap.nodes[i + iName]!]! : `(${type})`;
    const key = `${type}:${name}`;
    const k = out.get(key) ?? { count: 0, bytes: 0 };
    k.count += 1;
    k.bytes += snap.nodes[i + iSize]!;
    out.set(key, k);
  }
  return out;
}

function snapshot(tag: string): Map<string, Kind> {
  for (let i = 0; i < 4; i++) gc!();
  const file = writeHeapSnapshot(join(tmpdir(), `netperm-idle-${process.pid}-${tag}.heapsnapshot`));
  try {
    return summarize(file);
  } finally {
    rmSync(file, { force: true });
  }
}

const bin = buildNative();
const ports = { echo: 19351, bulk: 19352, close: 19354, deny: 19353 };
const target = await startTarget(bin, ports);
const proxy = await createProxy({ policy: parsePolicy(["--allow-outbound=tcp://127.0.0.1:*"]), limits: { maxConnections: n + 100 } });
proxy.on("decision", (e) => void (e.decision.allowed ? undefined : e.client));
try {
  // Warm the path (code compiled, pools filled) before the baseline.
  const warm = await holdTunnels(bin, "socks5", proxy.address.port, ports.echo, 200);
  await warm.release();
  await new Promise((r) => setTimeout(r, 300));
  const before = snapshot("before");
  const held = await holdTunnels(bin, "socks5", proxy.address.port, ports.echo, n);
  if (held.failed > 0) throw new Error(`${held.failed} of ${n} tunnels failed`);
  const during = snapshot("during");
  await held.release();
  const rows: [string, number, number][] = [];
  let total = 0;
  for (const [key, k] of during) {
    const b = before.get(key) ?? { count: 0, bytes: 0 };
    const bytes = (k.bytes - b.bytes) / held.held;
    total += bytes;
    if (Math.abs(bytes) >= 8) rows.push([key, (k.count - b.count) / held.held, bytes]);
  }
  rows.sort((a, b) => b[2] - a[2]);
  process.stdout.write(`${held.held} idle tunnels, ${src}\n\n| kind | objects per tunnel | bytes per tunnel |\n|---|---|---|\n`);
  for (const [key, count, bytes] of rows.slice(0, 30)) process.stdout.write(`| ${key} | ${count.toFixed(2)} | ${bytes.toFixed(0)} |\n`);
  process.stdout.write(`\ntotal heap growth per idle tunnel: ${(total / 1024).toFixed(2)} KiB\n`);
} finally {
  await proxy.close();
  target.kill();
}
