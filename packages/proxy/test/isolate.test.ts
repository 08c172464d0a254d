/**
 * execIsolated with real namespaces, real programs and loopback servers on
 * the host: a program that ignores the proxy variables reaches nothing; the
 * same server is reached through the variables when the policy allows, and
 * refused (the rule named in the audit) when it does not. Both ways of
 * making the namespace (bubblewrap, unshare) run the same cases.
 */
import { createSocket } from "node:dgram";
import { readdirSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditView } from "./audit-view.js";
import fc from "fast-check";
import { compile, parsePolicy } from "@netperm/core";
import { describeWhere, networkNamespaces, systemProgram } from "@netperm/testkit";
import { chooseNamespace, execIsolated, type AuditRecord } from "../src/index.js";
import { echoServer, type EchoServer } from "./helpers.js";

const curl = systemProgram("curl", "curl");
const python = systemProgram("python3", "python3");
const bwrap = systemProgram("bwrap", "bubblewrap");
const netns = networkNamespaces();

let tcp: EchoServer;
let udpSeen = 0;
const udp = createSocket("udp4");
let udpPort = 0;
beforeAll(async () => {
  tcp = await echoServer();
  udp.on("message", (msg, rinfo) => {
    udpSeen += 1;
    udp.send(msg, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => udp.bind(0, "127.0.0.1", r));
  udpPort = udp.address().port;
});
afterAll(async () => {
  await tcp.close();
  udp.close();
});

const tempDirs = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith("netperm-exec-"));

async function run(prefer: "bwrap" | "unshare", flags: readonly string[], command: string, args: readonly string[]) {
  const audit: AuditRecord[] = [];
  const proxyAudit: AuditRecord[] = [];
  const p = await execIsolated(parsePolicy(flags), command, args, { prefer, stdio: "pipe", onAudit: (r) => audit.push(r) });
  p.proxy.on("audit", (r) => proxyAudit.push(r));
  let out = "";
  let err = "";
  p.ready.catch((e: Error) => (err += `netperm: ${e.message}\n`));
  p.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  p.stderr?.on("data", (c: Buffer) => (err += c.toString()));
  const exit = await p.exited;
  return { exit, out, err, audit, proxyAudit, published: p.published };
}

const node = process.execPath;

/** Python: SOCKS5 CONNECT to HOST:PORT through $ALL_PROXY, send one byte, read its echo; exit 0 only on success. */
const socksConnect = (host: string, port: number): string => `
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
const bypasses = (port: number, uport: number): [string, string, string[]][] => [
  ["curl --noproxy '*'", "curl", ["-sS", "--max-time", "5", "--noproxy", "*", `http://127.0.0.1:${port}/`]],
  ["a Node net.connect", node, ["-e", `require("net").connect(${port}, "127.0.0.1").on("connect", () => process.exit(0)).on("error", (e) => { console.error(e.code); process.exit(1); })`]],
  ["a Python socket.create_connection", "python3", ["-c", `import socket\nsocket.create_connection(("127.0.0.1", ${port}), timeout=5)`]],
  ["a UDP sendto", "python3", ["-c", `import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.settimeout(1)\ns.sendto(b"x", ("127.0.0.1", ${uport}))\ns.recvfrom(10)`]],
  ["a child process started by the program", "sh", ["-c", `curl -sS --max-time 5 --noproxy '*' http://127.0.0.1:${port}/`]],
];

for (const prefer of ["bwrap", "unshare"] as const) {
  const needs = prefer === "bwrap" ? [netns, curl, python, bwrap] : [netns, curl, python];
  describeWhere(needs, `execIsolated through ${prefer}`, () => {
    it("chooses the forced way", async () => {
      const choice = await chooseNamespace({ prefer });
      expect(choice.ok && choice.launcher.kind.startsWith(prefer)).toBe(true);
    });

    for (const [name] of bypasses(0, 0)) {
      it(`${name} does not reach a server on the host's 127.0.0.1, even with the policy allowing it`, async () => {
        const [, c, a] = bypasses(tcp.port, udpPort).find((b) => b[0] === name)!;
        const tcpBefore = tcp.accepted();
        const udpBefore = udpSeen;
        const r = await run(prefer, ["--allow-outbound=tcp://localhost", "--allow-outbound=udp://localhost"], c, a);
        expect(r.exit.exitCode).not.toBe(0);
        expect(tcp.accepted()).toBe(tcpBefore);
        expect(udpSeen).toBe(udpBefore);
      });
    }

    it("reaches the server through the proxy variables when the policy allows it", async () => {
      const before = tcp.accepted();
      const r = await run(prefer, ["--allow-outbound=tcp://localhost"], "sh", ["-c", `printf hello | curl -sS --max-time 5 -x "$ALL_PROXY" telnet://127.0.0.1:${tcp.port} --no-progress-meter; python3 -c "import os; print(os.environ['HTTP_PROXY'] != '')"`]);
      expect(r.exit.exitCode).toBe(0);
      expect(r.out).toBe("helloTrue\n");
      expect(tcp.accepted()).toBe(before + 1);
    });

    it("refuses the server, naming the rule in the audit, when the policy denies it", async () => {
      const before = tcp.accepted();
      const r = await run(prefer, ["--allow-outbound=tcp://localhost", `--deny-outbound=tcp://127.0.0.1:${tcp.port}`], "sh", ["-c", `printf x | curl -sS --max-time 5 -x "$ALL_PROXY" telnet://127.0.0.1:${tcp.port}`]);
      expect(r.exit.exitCode).not.toBe(0);
      expect(tcp.accepted()).toBe(before);
      expect(r.proxyAudit.map(auditView)).toEqual([expect.objectContaining({ verdict: "deny", rule: `--deny-outbound=tcp://127.0.0.1:${tcp.port}` })]);
    });

    it("carries SOCKS5 UDP ASSOCIATE through the relay when allowed, and drops the datagram when denied", async () => {
      const script = `
import os, socket, struct
host, port = os.environ["ALL_PROXY"].rsplit("/", 1)[1].split(":")
c = socket.create_connection((host, int(port)))
c.sendall(b"\\x05\\x01\\x00"); assert c.recv(2) == b"\\x05\\x00"
c.sendall(b"\\x05\\x03\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00")
r = c.recv(10); assert r[1] == 0, r
rport = struct.unpack(">H", r[8:10])[0]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(2)
u.sendto(b"\\x00\\x00\\x00\\x01\\x7f\\x00\\x00\\x01" + struct.pack(">H", ${udpPort}) + b"ping", ("127.0.0.1", rport))
print(u.recvfrom(100)[0][10:].decode())`;
      const before = udpSeen;
      const ok = await run(prefer, ["--allow-outbound=udp://localhost"], "python3", ["-c", script]);
      expect(ok.out).toBe("ping\n");
      expect(udpSeen).toBe(before + 1);
      const no = await run(prefer, ["--allow-outbound=tcp://localhost"], "python3", ["-c", script]);
      expect(no.exit.exitCode).not.toBe(0);
      expect(udpSeen).toBe(before + 1);
      expect(no.proxyAudit.map(auditView)).toEqual([expect.objectContaining({ protocol: "socks5-udp", verdict: "deny" })]);
    });

    it("publishes an inbound port only when a rule allows it, audited as point exec, front end inbound", async () => {
      const server = `require("net").createServer((s) => s.end("inside\\n")).listen(8080, "127.0.0.1", () => setTimeout(() => process.exit(0), 1500))`;
      const probe = (port: number): Promise<string> =>
        new Promise((resolve) => {
          const s = connect(port, "127.0.0.1");
          let got = "";
          s.on("data", (c: Buffer) => (got += c.toString()));
          s.on("close", () => resolve(got));
          s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
        });
      const hostPort = 20000 + (process.pid % 20000);
      const p = execIsolated(parsePolicy([`--allow-inbound=tcp://127.0.0.1:8080->${hostPort}`]), node, ["-e", server], { prefer, stdio: "pipe", onAudit: (r) => audit.push(r) });
      const audit: AuditRecord[] = [];
      const proc = await p;
      await proc.ready;
      await new Promise((r) => setTimeout(r, 500));
      expect(await probe(hostPort)).toBe("inside\n");
      await proc.exited;
      expect(audit.map((a) => [a.point, a.frontEnd, a.decision.allowed, a.decision.rule?.flag])).toEqual([
        ["exec", "inbound", true, `--allow-inbound=tcp://127.0.0.1:8080->${hostPort}`],
        ["exec", "inbound", true, `--allow-inbound=tcp://127.0.0.1:8080->${hostPort}`],
      ]);
      const none = await execIsolated(parsePolicy(["--allow-outbound=tcp://localhost"]), node, ["-e", server], { prefer, stdio: "pipe" });
      await none.ready;
      await new Promise((r) => setTimeout(r, 500));
      expect(await probe(hostPort)).toBe("ECONNREFUSED");
      expect(await probe(8080)).toBe("ECONNREFUSED");
      await none.exited;
    });

    it("passes exit codes and signals through and leaves no temp dir or process", async () => {
      const before = tempDirs();
      expect((await run(prefer, [], "sh", ["-c", "exit 7"])).exit.exitCode).toBe(7);
      const p = await execIsolated(parsePolicy([]), node, ["-e", "process.on('SIGINT', () => process.exit(4)); setInterval(() => {}, 1000); console.log('ready')"], { prefer, stdio: "pipe" });
      const { pid } = await p.ready;
      await new Promise<void>((r) => p.stdout!.once("data", () => r()));
      p.kill("SIGINT");
      expect((await p.exited).exitCode).toBe(4);
      const t = await execIsolated(parsePolicy([]), "sleep", ["30"], { prefer, stdio: "pipe" });
      await t.ready;
      t.kill("SIGTERM");
      expect(await t.exited).toMatchObject({ signal: "SIGTERM", exitCode: 143 });
      expect(() => process.kill(pid, 0)).toThrow();
      expect(tempDirs()).toEqual(before);
    });

    it("reaches the host server iff the reference decider allows (random policies, bounded runs)", async () => {
      const seed = Date.now() % 100000;
      process.stderr.write(`isolate property seed ${seed}\n`);
      await fc.assert(
        fc.asyncProperty(
          fc.subarray([`--allow-outbound=tcp://localhost:${tcp.port}`, "--allow-outbound=tcp://127.0.0.1", `--deny-outbound=tcp://*:${tcp.port}`, "--allow-outbound=tcp://127.0.0.2:1-1000"]),
          fc.constantFrom("127.0.0.1", "localhost"),
          async (flags, host) => {
            const allowed = compile(parsePolicy(flags)).decide({ op: "connect", protocol: "tcp", host, port: tcp.port }).allowed;
            const before = tcp.accepted();
            const via = await run(prefer, flags, "python3", ["-c", socksConnect(host, tcp.port)]);
            if ((via.exit.exitCode === 0) !== allowed) throw new Error(JSON.stringify({ code: via.exit.exitCode, err: via.err, out: via.out }));
            expect(tcp.accepted() - before).toBe(allowed ? 1 : 0);
          },
        ),
        { numRuns: 6, seed },
      );
    });
  });
}
