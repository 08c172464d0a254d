/**
 * The processes the proxy benchmark talks to, each in its own Node process
 * so the load generator, the targets and the proxy never share an event
 * loop: `targets` (sink, source, echo servers on 127.0.0.1) and `netperm`
 * (the proxy under test). Each prints one JSON line with its ports, then
 * answers `{ "rss": true }` messages with its resident set size and its
 * used heap (V8 heap used + external) after a GC.
 */
import { createServer } from "node:net";
import { parsePolicy } from "../../packages/core/src/index.ts";
import { createProxy } from "../../packages/proxy/src/index.ts";

const CHUNK = Buffer.alloc(64 * 1024, 0x61);

function listen(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const server = createServer({ allowHalfOpen: true, noDelay: true }, handler);
  return new Promise((resolve) => server.listen({ host: "127.0.0.1", port: 0, backlog: 4096 }, () => resolve((server.address() as { port: number }).port)));
}

async function targets(): Promise<Record<string, number>> {
  // sink: reads an 8-byte count, then that many bytes, then answers the count (no half-close needed).
  const sink = await listen((s) => {
    let want = -1;
    let n = -8;
    let head = Buffer.alloc(0);
    s.on("data", (c: Buffer) => {
      if (want < 0) {
        head = Buffer.concat([head, c.subarray(0, 8 - head.length)]);
        if (head.length === 8) want = Number(head.readBigUInt64BE(0));
      }
      n += c.length;
      if (want >= 0 && n >= want) {
        const b = Buffer.alloc(8);
        b.writeBigUInt64BE(BigInt(n));
        s.end(b);
      }
    });
    s.on("error", () => undefined);
  });
  // source: reads an 8-byte count, sends that many bytes, ends.
  const source = await listen((s) => {
    s.once("data", (c: Buffer) => {
      let left = Number(c.readBigUInt64BE(0));
      const pump = (): void => {
        while (left > 0) {
          const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
          left -= piece.length;
          if (!s.write(piece)) return void s.once("drain", pump);
        }
        s.end();
      };
      pump();
    });
    s.on("error", () => undefined);
  });
  const echo = await listen((s) => {
    s.on("error", () => undefined);
    s.pipe(s);
  });
  return { sink, source, echo };
}

async function netperm(): Promise<Record<string, number>> {
  const policy = parsePolicy(["--allow-outbound=tcp://127.0.0.1", "--deny-outbound=tcp://10.0.0.0/8"]);
  const proxy = await createProxy({ policy, limits: { maxConnections: 20_000 } });
  return { port: proxy.address.port };
}

const role = process.argv[2];
const ports = role === "targets" ? await targets() : await netperm();
process.on("message", (m: { rss?: boolean }) => {
  if (m.rss !== true) return;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const mu = process.memoryUsage();
  if (process.env.NETPERM_BENCH_DEBUG) process.stderr.write(`mem ${JSON.stringify(mu)}\n`);
  process.send?.({ rss: mu.rss, heap: mu.heapUsed + mu.external });
});
process.send?.({ ports });
