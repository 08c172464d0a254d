/**
 * `pnpm bench exec [--quick]`: what the namespace costs, measured in one run.
 * - start-up: `netperm exec -- true` (the CLI from sources, isolated) vs
 *   `true`, and vs `netperm exec --no-isolate -- true`;
 * - through the relay vs through the proxy directly: bulk download (MiB/s)
 *   and sequential SOCKS5 connections (per second), the client a Node
 *   program inside the namespace vs the same program on the host.
 * Results: bench/results/exec-<stamp>.json and exec-latest.json (bench/record.ts).
 */
import { execFile, spawnSync } from "node:child_process";
import { createServer, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parsePolicy } from "@netperm/core";
import { createProxy, execIsolated, keepFreedMemory } from "@netperm/proxy";
import { machine, median, saveResult } from "../record.js";

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes("--quick");
const cli = join(here, "../../apps/cli/src/bin.ts");

function time(file: string, args: string[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(file, args, { stdio: "ignore" });
  if (r.status !== 0) throw new Error(`${file} ${args.join(" ")} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

// The client: SOCKS5 CONNECT to the sink server `n` times (sequential) or once for `bytes` (bulk).
const client = `
const net = require("net");
const [ph, pp] = (process.env.BENCH_PROXY || process.env.ALL_PROXY).replace("socks5h://", "").split(":");
const [mode, port, n] = process.argv.slice(1);
function once(bytes) { return new Promise((res, rej) => {
  const s = net.connect(+pp, ph); let st = 0, got = 0;
  s.on("error", rej);
  s.on("connect", () => s.write(Buffer.from([5, 1, 0])));
  s.on("data", (d) => {
    if (st === 0) { st = 1; const b = Buffer.from([5, 1, 0, 1, 127, 0, 0, 1, 0, 0]); b.writeUInt16BE(+port, 8); s.write(b); return; }
    if (st === 1) { st = 2; s.write(bytes + "\\n"); d = d.subarray(10); }
    got += d.length; if (got >= bytes) { s.destroy(); res(); }
  });
}); }
(async () => {
  const t = process.hrtime.bigint();
  if (mode === "seq") for (let i = 0; i < +n; i++) await once(1); else await once(+n);
  console.log(Number(process.hrtime.bigint() - t) / 1e6);
})();`;

async function main(): Promise<void> {
  const started = new Date();
  const runs = quick ? 5 : 15;
  const bare = median(Array.from({ length: runs }, () => time("true", [])));
  const node = [process.execPath, "--conditions=@netperm/source", "--import", "tsx", cli];
  const noIsolate = median(Array.from({ length: runs }, () => time(node[0]!, [...node.slice(1), "exec", "--no-isolate", "--", "true"])));
  const isolated = median(Array.from({ length: runs }, () => time(node[0]!, [...node.slice(1), "exec", "--", "true"])));

  const chunk = Buffer.alloc(1 << 16, 7);
  const sink = createServer((s: Socket) => {
    s.once("data", (d) => {
      let left = Number(d.toString().trim());
      const pump = (): void => {
        while (left > 0) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void s.once("drain", pump);
        }
        s.end();
      };
      pump();
    });
    s.on("error", () => undefined);
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
  const port = (sink.address() as { port: number }).port;
  const policy = parsePolicy(["--allow-outbound=tcp://localhost"]);
  const bytes = (quick ? 64 : 256) * 1024 * 1024;
  const seqN = quick ? 200 : 1000;
  keepFreedMemory(); // as the CLI's proxy does
  const proxy = await createProxy({ policy });
  const direct = (mode: string, n: number): Promise<number> =>
    new Promise((resolve, reject) =>
      execFile(process.execPath, ["-e", client, mode, String(port), String(n)], { env: { ...process.env, BENCH_PROXY: `127.0.0.1:${proxy.address.port}` } }, (e, out) => (e ? reject(e) : resolve(Number(out)))),
    );
  const relayed = async (mode: string, n: number): Promise<number> => {
    const run = await execIsolated(policy, process.execPath, ["-e", client, mode, String(port), String(n)], { stdio: "pipe", proxy });
    let out = "";
    run.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    const exit = await run.exited;
    if (exit.exitCode !== 0) throw new Error(`relayed client exited ${exit.exitCode}`);
    return Number(out);
  };
  const rounds = quick ? 2 : 3;
  const bulk = { proxy: [] as number[], relay: [] as number[] };
  const seq = { proxy: [] as number[], relay: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    bulk.proxy.push(bytes / 1048576 / ((await direct("bulk", bytes)) / 1000));
    bulk.relay.push(bytes / 1048576 / ((await relayed("bulk", bytes)) / 1000));
    seq.proxy.push(seqN / ((await direct("seq", seqN)) / 1000));
    seq.relay.push(seqN / ((await relayed("seq", seqN)) / 1000));
  }
  await proxy.close();
  sink.close();
  const result = {
    machine: machine(),
    startupMs: { true: bare, execNoIsolate: noIsolate, execIsolated: isolated, isolatedOverNoIsolateMs: isolated - noIsolate, isolatedOverTrue: isolated / bare },
    bulkMiBps: { proxy: median(bulk.proxy), relay: median(bulk.relay), ratio: median(bulk.relay) / median(bulk.proxy) },
    sequentialPerSecond: { proxy: median(seq.proxy), relay: median(seq.relay), ratio: median(seq.relay) / median(seq.proxy) },
    runs: { startup: runs, rounds, bulkBytes: bytes, sequential: seqN },
  };
  console.log(JSON.stringify(result, null, 2));
  if (!process.argv.includes("--no-save")) process.stderr.write(`bench exec: wrote ${saveResult("exec", started, quick, result)}\n`);

}

await main();
