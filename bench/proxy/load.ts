/**
 * The load generator's measurements, each over one "route": direct to the
 * target, or through a SOCKS5 / HTTP CONNECT proxy (netperm or microsocks).
 */
import { connect, type Socket } from "node:net";

export type Route = { kind: "direct" } | { kind: "socks5"; port: number } | { kind: "connect"; port: number };

const CHUNK = Buffer.alloc(64 * 1024, 0x62);

function onceData(s: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (c: Buffer): void => {
      got = got.length === 0 ? c : Buffer.concat([got, c]);
      if (got.length >= n) {
        s.off("data", onData);
        s.off("error", reject);
        s.pause();
        if (got.length > n) s.unshift(got.subarray(n));
        resolve(got.subarray(0, n));
      }
    };
    s.on("data", onData);
    s.once("error", reject);
    s.resume();
  });
}

/** Opens a socket that reaches 127.0.0.1:`port` by `route`; resolves once bytes can flow. */
export async function open(route: Route, port: number, host = "127.0.0.1"): Promise<Socket> {
  const s = connect({ host: "127.0.0.1", port: route.kind === "direct" ? port : route.port, noDelay: true, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    s.once("connect", resolve);
    s.once("error", reject);
  });
  if (route.kind === "socks5") {
    const [a, b, c, d] = host.split(".").map(Number) as [number, number, number, number];
    // Greeting, then the request once the method is chosen (as curl does; microsocks needs it).
    s.write(Buffer.from([5, 1, 0]));
    await onceData(s, 2);
    s.write(Buffer.from([5, 1, 0, 1, a, b, c, d, port >> 8, port & 255]));
    const reply = await onceData(s, 10);
    if (reply[1] !== 0) throw Object.assign(new Error(`SOCKS5 reply ${reply[1]}`), { rep: reply[1] });
  } else if (route.kind === "connect") {
    s.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`);
    const head = await onceData(s, 39);
    if (!head.toString().startsWith("HTTP/1.1 200")) throw new Error(`CONNECT: ${head.toString().split("\r\n")[0]}`);
  }
  return s;
}

/** Sends `bytes` to the sink; resolves MB/s (10^6 bytes). */
export async function upload(route: Route, sinkPort: number, bytes: number): Promise<number> {
  const s = await open(route, sinkPort);
  const start = process.hrtime.bigint();
  let left = bytes;
  const size = Buffer.alloc(8);
  size.writeBigUInt64BE(BigInt(bytes));
  s.write(size);
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (left > 0) {
        const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
        left -= piece.length;
        if (!s.write(piece)) return void s.once("drain", pump);
      }
      resolve();
    };
    pump();
  });
  const count = await onceData(s, 8);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  s.destroy();
  if (Number(count.readBigUInt64BE(0)) !== bytes) throw new Error("upload: byte count mismatch");
  return bytes / 1e6 / seconds;
}

/** Receives `bytes` from the source; resolves MB/s. */
export async function download(route: Route, sourcePort: number, bytes: number): Promise<number> {
  const s = await open(route, sourcePort);
  const start = process.hrtime.bigint();
  const ask = Buffer.alloc(8);
  ask.writeBigUInt64BE(BigInt(bytes));
  s.write(ask);
  let got = 0;
  await new Promise<void>((resolve) => {
    s.on("data", (c: Buffer) => (got += c.length));
    s.once("end", resolve);
    s.resume();
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  s.destroy();
  if (got !== bytes) throw new Error(`download: got ${got} of ${bytes}`);
  return bytes / 1e6 / seconds;
}

export interface Sequential {
  readonly perSecond: number;
  /** Time from `connect()` to a usable tunnel, in microseconds. */
  readonly p50us: number;
  readonly p99us: number;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** `count` connections one after another: open, one echoed byte, close. */
export async function sequential(route: Route, echoPort: number, count: number): Promise<Sequential> {
  const latencies: number[] = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    const s = await open(route, echoPort);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e3);
    s.write("x");
    await onceData(s, 1);
    s.destroy();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  return { perSecond: count / seconds, p50us: quantile(latencies, 0.5), p99us: quantile(latencies, 0.99) };
}

/** `count` refused SOCKS5 requests one after another (10.0.0.1 is denied); resolves requests/s. */
export async function denied(route: Route & { kind: "socks5" }, count: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    try {
      const s = await open(route, 80, "10.0.0.1");
      s.destroy();
      throw new Error("a denied request was allowed");
    } catch (error) {
      if ((error as { rep?: number }).rep !== 2) throw error;
    }
  }
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** Opens `count` tunnels to the echo server and holds them; resolves a function that closes them. */
export async function hold(route: Route, echoPort: number, count: number): Promise<() => void> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, count - i) }, () => open(route, echoPort)));
    sockets.push(...batch);
  }
  // One round trip on each, so every relay is fully set up.
  await Promise.all(
    sockets.map(async (s) => {
      s.write("y");
      await onceData(s, 1);
    }),
  );
  return () => {
    for (const s of sockets) s.destroy();
  };
}
