/**
 * `keepFreedMemory` (src/freed-heap.ts): with it, a process relaying bulk
 * data reuses the memory of its freed read buffers instead of giving it back
 * to the kernel and faulting it in again. Counted in page faults (a count of
 * what the kernel did, not a time): 256 MB through a tunnel reads about 8,000
 * buffers of 64 KiB (the proxy's and the sink's); with the threshold raised
 * the transfer faulted 100-750 pages in every run measured, without it
 * 4,000-130,000 (16 per buffer at worst), depending on where the heap lies.
 * The run without it is printed, not asserted: on a lucky layout glibc does
 * not trim at all.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { capability, itWhere } from "@netperm/testkit";
import { expect } from "vitest";

const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const child = fileURLToPath(new URL("./freed-memory-child.ts", import.meta.url));

const glibc = capability("glibc on Linux", "the allocator keepFreedMemory tunes, and /proc/self/stat", () => {
  if (!existsSync("/proc/self/stat")) return "no /proc/self/stat";
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  return header?.glibcVersionRuntime === undefined ? "not glibc" : undefined;
});

function faultsOf(mode: "keep" | "plain"): Promise<{ faults: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--conditions=@netperm/source", "--import", tsx, child, mode], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${mode}: ${error.message}\n${stderr}`));
      resolve(JSON.parse(stdout) as { faults: number; bytes: number });
    });
  });
}

itWhere(
  [glibc],
  "a bulk transfer through the proxy faults fewer than one page per 128 KiB once keepFreedMemory ran",
  async () => {
    const kept = await faultsOf("keep");
    const plain = await faultsOf("plain");
    process.stderr.write(`freed-memory: 256 MB relayed, minor faults: ${kept.faults} with keepFreedMemory, ${plain.faults} without\n`);
    expect(kept.faults).toBeLessThan(kept.bytes / (128 * 1024));
  },
  120_000,
);
