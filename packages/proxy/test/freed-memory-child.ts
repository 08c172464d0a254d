/**
 * Child of freed-memory.test.ts: 256 MB up through a SOCKS5 tunnel of a
 * proxy in this process to a sink in this process, after one transfer to
 * warm up; prints the minor page faults the measured transfer cost. Argument
 * `keep`: `keepFreedMemory()` first, as the CLI does.
 */
import { readFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { parsePolicy } from "@netperm/core";
import { createProxy, keepFreedMemory } from "../src/index.js";

if (process.argv[2] === "keep") keepFreedMemory();

const TOTAL = 256 * 1024 * 1024;
/** minflt, the tenth field of /proc/self/stat (proc(5)). */
const minorFaults = (): number => Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ")[7]);

const sink = createServer((s) => {
  let n = 0;
  s.on("data", (d: Buffer) => {
    n += d.length;
    if (n >= TOTAL) s.end();
  });
});
await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
const sinkPort = (sink.address() as { port: number }).port;
const proxy = await createProxy({ policy: parsePolicy([`--allow-outbound=tcp://127.0.0.1:${sinkPort}`]) });
const block = Buffer.alloc(1024 * 1024, 7);

async function transfer(): Promise<void> {
  const c: Socket = connect(proxy.address.port, "127.0.0.1");
  const ended = new Promise((r) => c.once("end", r));
  let got = 0;
  const replied = new Promise<void>((r) => c.on("data", (d: Buffer) => ((got += d.length), got >= 12 && r())));
  c.write(Buffer.from([5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, sinkPort >> 8, sinkPort & 255]));
  await replied;
  if (got !== 12) throw new Error(`unexpected SOCKS5 replies: ${got} bytes`);
  for (let sent = 0; sent < TOTAL; sent += block.length) if (!c.write(block)) await new Promise((r) => c.once("drain", r));
  await ended;
  c.destroy();
}

await transfer();
const before = minorFaults();
await transfer();
process.stdout.write(`${JSON.stringify({ faults: minorFaults() - before, bytes: TOTAL })}\n`);
await proxy.close();
sink.close();
