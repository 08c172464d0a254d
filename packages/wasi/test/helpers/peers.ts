/**
 * Loopback peers for the guests, each in a worker thread: the jco host
 * blocks the main thread during a guest call (Atomics.wait on its socket
 * worker), so a peer in the test's own thread would deadlock with the guest.
 * Every peer is bounded in time and counts what it saw.
 */
import { Worker } from "node:worker_threads";
import { clocks } from "@bytecodealliance/preview2-shim";
import { TLS_FIXTURES } from "./tls.js";

let shimStarted = false;
/**
 * Starts the shim's own I/O worker first: under vitest, the shim's worker
 * (started lazily, with Atomics.wait on the main thread) hangs at start-up
 * when another worker thread was created before it.
 */
function startShimWorker(): void {
  if (shimStarted) return;
  shimStarted = true;
  clocks.monotonicClock.subscribeDuration(0n).block();
}

const WORKER = String.raw`
const { parentPort, workerData } = require("node:worker_threads");
const net = require("node:net");
const dgram = require("node:dgram");
const cfg = workerData;
const seen = { connections: 0, data: [], peers: [] };
parentPort.on("message", (m) => {
  if (m === "stats") parentPort.postMessage({ kind: "stats", ...seen });
  if (m === "close") { try { server && server.close(); } catch {} parentPort.postMessage({ kind: "closed" }); process.exit(0); }
});
let server;
if (cfg.kind === "tcp-server") {
  server = net.createServer((sock) => {
    seen.connections++;
    seen.peers.push(sock.remoteAddress + ":" + sock.remotePort);
    const index = seen.data.push("") - 1;
    let first = true;
    sock.on("data", (c) => { seen.data[index] += c.toString(); sock.write(first ? Buffer.concat([Buffer.from(cfg.prefix || ""), c]) : c); first = false; });
    sock.on("end", () => sock.end());
    sock.on("error", () => {});
  });
  server.listen({ host: cfg.host, port: cfg.port, ipv6Only: cfg.host.includes(":") }, () => parentPort.postMessage({ kind: "ready", port: server.address().port }));
  server.on("error", (e) => parentPort.postMessage({ kind: "error", error: e.code }));
} else if (cfg.kind === "http-server" || cfg.kind === "https-server") {
  const fs = require("node:fs");
  const tls = cfg.tls && { key: fs.readFileSync(cfg.tls.key), cert: fs.readFileSync(cfg.tls.cert) };
  const serve = (req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const sni = tls ? " sni=" + req.socket.servername : "";
      seen.data.push(req.method + " " + req.url + " host=" + req.headers.host + sni + (body ? " body=" + body : ""));
      res.end(cfg.reply || "ok");
    });
  };
  server = tls ? require("node:https").createServer(tls, serve) : require("node:http").createServer(serve);
  server.on("tlsClientError", () => {});
  server.on("connection", (sock) => { seen.connections++; seen.peers.push(sock.remoteAddress + ":" + sock.remotePort); });
  server.listen({ host: cfg.host, port: cfg.port }, () => parentPort.postMessage({ kind: "ready", port: server.address().port }));
} else if (cfg.kind === "udp-server") {
  server = dgram.createSocket(cfg.host.includes(":") ? "udp6" : "udp4");
  server.on("message", (msg, rinfo) => { seen.connections++; seen.data.push(msg.toString()); seen.peers.push(rinfo.address + ":" + rinfo.port); server.send(Buffer.from((cfg.prefix || "") + msg.toString()), rinfo.port, rinfo.address); });
  server.bind({ address: cfg.host, port: cfg.port }, () => parentPort.postMessage({ kind: "ready", port: server.address().port }));
  server.on("error", (e) => parentPort.postMessage({ kind: "error", error: e.code }));
} else if (cfg.kind === "tcp-client") {
  const deadline = Date.now() + cfg.timeoutMs;
  const attempt = () => {
    const sock = net.connect({ host: cfg.host, port: cfg.port });
    const chunks = [];
    sock.on("connect", () => sock.end(cfg.send));
    sock.on("data", (c) => chunks.push(c));
    sock.on("end", () => parentPort.postMessage({ kind: "done", reply: Buffer.concat(chunks).toString(), local: sock.localAddress + ":" + sock.localPort }));
    sock.on("error", (e) => { if (Date.now() < deadline) setTimeout(attempt, 50); else parentPort.postMessage({ kind: "done", error: e.code }); });
  };
  attempt();
  parentPort.postMessage({ kind: "ready", port: cfg.port });
} else if (cfg.kind === "udp-client") {
  const sock = dgram.createSocket(cfg.host.includes(":") ? "udp6" : "udp4");
  const deadline = Date.now() + cfg.timeoutMs;
  let timer;
  sock.on("message", (msg, rinfo) => { clearTimeout(timer); parentPort.postMessage({ kind: "done", reply: msg.toString(), from: rinfo.address + ":" + rinfo.port }); sock.close(); });
  const send = () => { if (Date.now() > deadline) { parentPort.postMessage({ kind: "done", error: "timeout" }); sock.close(); return; } sock.send(Buffer.from(cfg.send), cfg.port, cfg.host); timer = setTimeout(send, 200); };
  sock.bind(0, cfg.host.includes(":") ? "::1" : "127.0.0.1", () => { send(); parentPort.postMessage({ kind: "ready", port: sock.address().port }); });
}
`;

interface Stats {
  readonly connections: number;
  readonly data: readonly string[];
  readonly peers: readonly string[];
}

export interface Peer {
  readonly port: number;
  /** What the peer saw so far. */
  stats(): Promise<Stats>;
  /** For clients: their outcome (the reply, or an error code after the deadline). */
  readonly done: Promise<{ reply?: string; error?: string; from?: string; local?: string }>;
  close(): Promise<void>;
}

function start(config: Record<string, unknown>): Promise<Peer> {
  startShimWorker();
  const worker = new Worker(WORKER, { eval: true, workerData: config });
  worker.unref();
  let resolveDone!: (v: { reply?: string; error?: string }) => void;
  const done = new Promise<{ reply?: string; error?: string }>((r) => (resolveDone = r));
  const waiters: ((s: Stats) => void)[] = [];
  return new Promise((ready, fail) => {
    worker.on("error", fail);
    worker.on("message", (m: { kind: string; port?: number; error?: string } & Stats & { reply?: string }) => {
      if (m.kind === "ready") {
        ready({
          port: m.port ?? 0,
          done,
          stats: () => new Promise<Stats>((r) => { waiters.push(r); worker.postMessage("stats"); }),
          close: async () => { await worker.terminate(); },
        });
      } else if (m.kind === "error") fail(new Error(`peer failed: ${m.error}`));
      else if (m.kind === "stats") waiters.shift()?.(m);
      else if (m.kind === "done") resolveDone(m);
    });
  });
}

/** A TCP server that echoes what a client sends as it arrives, the first chunk after an optional prefix. */
export function tcpServer(host = "127.0.0.1", port = 0, prefix = ""): Promise<Peer> {
  return start({ kind: "tcp-server", host, port, prefix });
}

/**
 * An HTTP server answering 200 with `reply` ("ok" by default) to every
 * request; it counts TCP connections, and `data` holds
 * `METHOD /path host=HOST[ body=BODY]` per request.
 */
export function httpServer(host = "127.0.0.1", port = 0, reply = "ok"): Promise<Peer> {
  return start({ kind: "http-server", host, port, reply });
}

/** `httpServer` over TLS with the `api.internal` certificate; `data` also names the TLS server name (`sni=`). */
export function httpsServer(host = "127.0.0.1", port = 0): Promise<Peer> {
  return start({ kind: "https-server", host, port, tls: { key: TLS_FIXTURES.key, cert: TLS_FIXTURES.cert } });
}

/** A UDP server that echoes each datagram to its sender. */
export function udpServer(host = "127.0.0.1", port = 0, prefix = ""): Promise<Peer> {
  return start({ kind: "udp-server", host, port, prefix });
}

/** A TCP client that connects (retrying for `timeoutMs`), sends, half-closes and reads the reply. */
export function tcpClient(host: string, port: number, send: string, timeoutMs = 20_000): Promise<Peer> {
  return start({ kind: "tcp-client", host, port, send, timeoutMs });
}

/** A UDP client that sends until it gets one reply (for `timeoutMs`). */
export function udpClient(host: string, port: number, send: string, timeoutMs = 20_000): Promise<Peer> {
  return start({ kind: "udp-client", host, port, send, timeoutMs });
}

/** A port the OS says is free on `host` right now (for a mapping's host side). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
