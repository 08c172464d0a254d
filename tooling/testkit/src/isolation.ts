/**
 * Fixtures for the tests of `netperm exec`'s network namespace (the library's
 * `execIsolated` and the CLI's exec share them): loopback targets on the host
 * that count what reaches them, the programs that try to get past the proxy
 * (each exits 0 only if it reached its target), scripts that go through the
 * proxy variables on purpose, and what exec must leave behind: nothing.
 */
import { createSocket } from "node:dgram";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";

export interface LoopbackTargets {
  /** A TCP echo server on 127.0.0.1. */
  readonly tcpPort: number;
  /** A UDP echo server on 127.0.0.1. */
  readonly udpPort: number;
  /** TCP connections accepted so far. */
  tcpSeen(): number;
  /** Datagrams received so far. */
  udpSeen(): number;
  close(): Promise<void>;
}

/** Starts a TCP and a UDP echo server on 127.0.0.1 that count every connection and datagram. */
export async function loopbackTargets(): Promise<LoopbackTargets> {
  let tcp = 0;
  let udp = 0;
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    tcp += 1;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const dgram = createSocket("udp4");
  dgram.on("message", (msg, rinfo) => {
    udp += 1;
    dgram.send(msg, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => dgram.bind(0, "127.0.0.1", resolve));
  return {
    tcpPort: (server.address() as { port: number }).port,
    udpPort: dgram.address().port,
    tcpSeen: () => tcp,
    udpSeen: () => udp,
    close: async () => {
      for (const s of sockets) s.destroy();
      dgram.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One program that ignores the proxy variables: `[name, command, args]`. */
export type Bypass = readonly [name: string, command: string, args: readonly string[]];

/**
 * Programs that open their own sockets to 127.0.0.1:`port` (TCP) or
 * `uport` (UDP): curl, Node, Python, a UDP sendto, and a child started by a
 * shell. `node` is the Node binary to use. Each exits 0 only on contact.
 */
export function bypasses(node: string, port: number, uport: number): Bypass[] {
  return [
    ["curl --noproxy '*'", "curl", ["-sS", "--max-time", "5", "--noproxy", "*", `http://127.0.0.1:${port}/`]],
    ["a Node net.connect", node, ["-e", `require("net").connect(${port}, "127.0.0.1").on("connect", () => process.exit(0)).on("error", (e) => { console.error(e.code); process.exit(1); })`]],
    ["a Python socket.create_connection", "python3", ["-c", `import socket\nsocket.create_connection(("127.0.0.1", ${port}), timeout=5)`]],
    ["a UDP sendto", "python3", ["-c", `import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.settimeout(1)\ns.sendto(b"x", ("127.0.0.1", ${uport}))\ns.recvfrom(10)`]],
    ["a child process started by the program", "sh", ["-c", `curl -sS --max-time 5 --noproxy '*' http://127.0.0.1:${port}/`]],
  ];
}

/** Python: SOCKS5 CONNECT to HOST:PORT through $ALL_PROXY, send one byte, read its echo; exits 0 only on success, 1 on a SOCKS refusal. */
export const socksConnectScript = (host: string, port: number): string => `
import os, socket, struct, sys
h, p = os.environ["ALL_PROXY"].rsplit("/", 1)[1].split(":")
c = socket.create_connection((h, int(p)), timeout=5)
def take(n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d: sys.exit(3)
        b += d
    return b
c.sendall(b"\\x05\\x01\\x00"); assert take(2) == b"\\x05\\x00"
name = b"${host}"
c.sendall(b"\\x05\\x01\\x00\\x03" + bytes([len(name)]) + name + struct.pack(">H", ${port}))
r = take(4)
if r[1] != 0: sys.exit(1)
take(6)
c.sendall(b"x"); assert take(1) == b"x"`;

/**
 * Node: an HTTP CONNECT to HOST:PORT through $HTTPS_PROXY (what a Node
 * program that honours the variables does, e.g. through undici's
 * ProxyAgent), send one byte, read its echo; exits 0 only on success, 1 when
 * the proxy refuses (its status on stderr).
 */
export const nodeConnectScript = (host: string, port: number): string => `
const proxy = new URL(process.env.HTTPS_PROXY);
const req = require("http").request({ host: proxy.hostname, port: Number(proxy.port), method: "CONNECT", path: "${host}:${port}" });
req.on("connect", (res, socket) => {
  if (res.statusCode !== 200) { console.error("CONNECT " + res.statusCode); process.exit(1); }
  socket.on("data", (d) => process.exit(d.toString() === "x" ? 0 : 2));
  socket.write("x");
});
req.on("error", (e) => { console.error(e.code); process.exit(3); });
req.end();`;

/** Python: a SOCKS5 UDP ASSOCIATE through $ALL_PROXY, one datagram "ping" to 127.0.0.1:UPORT; prints the echo. */
export const socksUdpScript = (uport: number): string => `
import os, socket, struct
host, port = os.environ["ALL_PROXY"].rsplit("/", 1)[1].split(":")
c = socket.create_connection((host, int(port)))
c.sendall(b"\\x05\\x01\\x00"); assert c.recv(2) == b"\\x05\\x00"
c.sendall(b"\\x05\\x03\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00")
r = c.recv(10); assert r[1] == 0, r
rport = struct.unpack(">H", r[8:10])[0]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(2)
u.sendto(b"\\x00\\x00\\x00\\x01\\x7f\\x00\\x00\\x01" + struct.pack(">H", ${uport}) + b"ping", ("127.0.0.1", rport))
print(u.recvfrom(100)[0][10:].decode())`;

/** exec's private directories in the temporary directory (`netperm-exec-*`). */
export function execTempDirs(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith("netperm-exec-"));
}

/** Host pids of the processes whose command line mentions `needle` (exec's launcher and supervisor name its directory). */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  const self = Number(readlinkSync("/proc/self"));
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === self) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(needle)) pids.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Whether host pid `pid` is a live process (not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
