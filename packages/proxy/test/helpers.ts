/**
 * Test fixtures: loopback target servers, a proxy over a policy given as
 * flags with an injected resolver, a raw SOCKS5 client and curl.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from "node:http";
import { connect, createServer, type Server, type Socket } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePolicy } from "@netperm/core";
import { createProxy, type AuditRecord, type Proxy, type ProxyOptions } from "../src/index.js";
import { auditView, type AuditView } from "./audit-view.js";

export const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

/** A deterministic payload of `n` bytes. */
export function payload(n: number, seed = 1): Buffer {
  const block = createHash("sha256").update(String(seed)).digest();
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i += block.length) block.copy(out, i);
  for (let i = 0; i < n; i += 4093) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

export interface EchoServer {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

/** A TCP echo server on `host` (a loopback address). */
export async function echoServer(host = "127.0.0.1"): Promise<EchoServer> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    accepted += 1;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen({ host, port: 0 }, resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  return {
    server,
    host,
    port,
    accepted: () => accepted,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly bodySha: string;
  readonly bodyLength: number;
  /** The client port the origin saw: equal for requests on one kept-alive connection. */
  readonly remotePort: number;
}

/** An HTTP origin: `GET /bytes/N` returns `payload(N)`; any request with a body gets its sha256 back. */
export async function httpServer(host = "127.0.0.1"): Promise<{ server: HttpServer; port: number; seen: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server = createHttpServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const body = Buffer.concat(parts);
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, bodySha: sha256(body), bodyLength: body.length, remotePort: req.socket.remotePort ?? 0 });
      const m = /^\/bytes\/(\d+)/.exec(req.url ?? "");
      if (m !== null) {
        const data = payload(Number(m[1]));
        res.writeHead(200, { "content-type": "application/octet-stream", "x-sha256": sha256(data) });
        res.end(data);
        return;
      }
      if (req.url === "/chunked") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("hello ");
        res.end("chunked world");
        return;
      }
      res.writeHead(200, { "content-type": "text/plain", "x-body-sha256": sha256(body) });
      res.end(`ok ${req.method} ${req.url} ${body.length}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen({ host, port: 0 }, resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  return {
    server,
    port,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A resolver over a fixed table; unknown names fail like NXDOMAIN. Counts lookups. */
export function fakeResolver(table: Record<string, readonly string[]>): ProxyOptions["resolver"] & { calls: string[] } {
  const calls: string[] = [];
  const resolver = async (name: string): Promise<readonly string[]> => {
    calls.push(name);
    const answers = Object.hasOwn(table, name) ? table[name] : undefined;
    if (answers === undefined) throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: "ENOTFOUND" });
    return answers;
  };
  return Object.assign(resolver, { calls });
}

export interface TestProxy {
  readonly proxy: Proxy;
  readonly port: number;
  /** The records seen on the `audit` event, as flat views (see audit-view.ts). */
  readonly audit: AuditView[];
  /** The same records as written. */
  readonly records: AuditRecord[];
  readonly auditPath: string;
  /** The audit file, parsed, as flat views (after `close()`). */
  auditFile(): AuditView[];
  /** The audit file's lines, parsed as written. */
  auditLines(): unknown[];
  close(): Promise<void>;
}

/** Starts a proxy over `flags` on 127.0.0.1 with an audit file and a fake resolver. */
export async function startProxy(
  flags: readonly string[],
  options: Omit<Partial<ProxyOptions>, "policy"> = {},
): Promise<TestProxy> {
  const dir = mkdtempSync(join(tmpdir(), "netperm-proxy-"));
  const auditPath = join(dir, "audit.jsonl");
  const proxy = await createProxy({ policy: parsePolicy(flags), audit: auditPath, ...options });
  const audit: AuditView[] = [];
  const records: AuditRecord[] = [];
  proxy.on("audit", (r) => {
    records.push(r);
    audit.push(auditView(r));
  });
  const auditLines = (): unknown[] =>
    readFileSync(auditPath, "utf8")
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as unknown);
  return {
    proxy,
    port: proxy.address.port,
    audit,
    records,
    auditPath,
    auditFile: () => auditLines().map((l) => auditView(l as AuditRecord)),
    auditLines,
    close: () => proxy.close(),
  };
}

/** Waits until `check()` is true, polling; throws after `ms`. */
export async function until(check: () => boolean, ms = 15_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Opens a TCP connection to the proxy. */
export function dial(port: number, host = "127.0.0.1"): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, allowHalfOpen: true }, () => resolve(s));
    s.once("error", reject);
  });
}

/** Reads until `n` bytes arrived (or the socket ends): resolves what came. */
export function readN(s: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let have = 0;
    const done = (): void => {
      s.off("data", onData);
      s.off("end", done);
      s.off("close", done);
      s.pause();
      const all = Buffer.concat(parts);
      if (all.length > n) s.unshift(all.subarray(n));
      resolve(all.subarray(0, n));
    };
    const onData = (c: Buffer): void => {
      parts.push(c);
      have += c.length;
      if (have >= n) done();
    };
    s.on("data", onData);
    s.once("end", done);
    s.once("close", done);
    s.resume();
  });
}

/** Reads everything until the peer ends. */
export function readAll(s: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    s.on("data", (c: Buffer) => parts.push(c));
    s.once("end", () => resolve(Buffer.concat(parts)));
    s.once("close", () => resolve(Buffer.concat(parts)));
    s.on("error", () => undefined);
    s.resume();
  });
}

export { randomBytes };

/** Runs curl; fails the test loudly when curl is not installed (Debian package `curl`). */
export function curl(args: readonly string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["--silent", "--show-error", "--max-time", "30", "--noproxy", "", ...args], { encoding: "buffer", maxBuffer: 64 * 1024 * 1024, env: { PATH: process.env.PATH ?? "" } }, (err, stdout, stderr) => {
      if (err !== null && (err as NodeJS.ErrnoException).code === "ENOENT") {
        reject(new Error("curl is not installed: these tests need the Debian package `curl` (apt-get install -y curl)"));
        return;
      }
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
      resolve({ code, stdout, stderr: stderr.toString("utf8") });
    });
  });
}
