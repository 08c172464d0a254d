// Runs INSIDE a throwaway network namespace (`unshare --net node namespace-child.mjs`,
// started by kernel-namespace.ts): brings up `lo`, puts the test's addresses
// on it, listens on TCP and UDP on every target, then answers one request per
// stdin line: load a ruleset with `nft -f`, probe every target in both
// directions, and report which probes got through. Nothing here can reach
// another namespace: the namespace has only `lo`, and it dies with this process.
import { spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { writeFileSync, mkdtempSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const config = JSON.parse(process.argv[2]);
const { targets, ports, sources, waitMs } = config;
const dir = mkdtempSync(join(tmpdir(), "netperm-kernel-"));

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr.trim()}`);
}

run("ip", ["link", "set", "lo", "up"]);
for (const a of [...targets, ...Object.values(sources.outbound), ...Object.values(sources.inbound)]) {
  if (a === "127.0.0.1" || a === "::1") continue;
  run("ip", a.includes(":") ? ["addr", "add", `${a}/128`, "dev", "lo", "nodad"] : ["addr", "add", `${a}/32`, "dev", "lo"]);
}

/** Datagram tokens each UDP listener received. */
const received = new Set();
const closers = [];
async function listen() {
  for (const host of targets) {
    for (const port of ports) {
      const tcp = createServer((s) => s.destroy());
      await new Promise((ok, fail) => tcp.once("error", fail).listen({ host, port, ipv6Only: host.includes(":") }, ok));
      const udp = createSocket({ type: host.includes(":") ? "udp6" : "udp4", ipv6Only: host.includes(":") });
      udp.on("message", (m) => received.add(m.toString()));
      await new Promise((ok, fail) => udp.once("error", fail).bind({ address: host, port }, ok));
      closers.push(() => tcp.close(), () => udp.close());
    }
  }
}

/** Decides after the deadline, but only once pending I/O had its turn (a late event loop must not turn a success into a timeout). */
const afterDeadline = (ms) => new Promise((ok) => setTimeout(() => setImmediate(() => setImmediate(ok)), ms));

function probeTcp({ host, port, direction }) {
  return new Promise((done) => {
    const family = host.includes(":") ? "v6" : "v4";
    const s = connect({ host, port, localAddress: sources[direction][family] });
    let result;
    s.once("connect", () => (result ??= true));
    s.once("error", () => (result ??= false));
    afterDeadline(waitMs).then(() => {
      s.destroy();
      done(result ?? false);
    });
  });
}

let token = 0;
function probeUdp({ host, port, direction }) {
  const family = host.includes(":") ? "v6" : "v4";
  const id = `probe-${token++}`;
  const s = createSocket(family === "v6" ? "udp6" : "udp4");
  return new Promise((done) => {
    s.once("error", () => undefined);
    s.bind({ address: sources[direction][family], port: 0 }, () => s.send(id, port, host, () => undefined));
    afterDeadline(waitMs).then(() => {
      s.close();
      done(received.has(id));
    });
  });
}

async function handle({ ruleset, probes }) {
  const file = join(dir, "ruleset.nft");
  writeFileSync(file, ruleset);
  run("nft", ["flush", "ruleset"]);
  run("nft", ["-f", file]);
  return Promise.all(probes.map((p) => (p.protocol === "tcp" ? probeTcp(p) : probeUdp(p))));
}

await listen();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const request = JSON.parse(line);
  try {
    process.stdout.write(`${JSON.stringify({ id: request.id, reached: await handle(request) })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ id: request.id, error: String(error?.message ?? error) })}\n`);
  }
}
for (const close of closers) close();
process.exit(0);
