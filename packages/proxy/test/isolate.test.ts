/**
 * execIsolated with real namespaces, real programs and loopback servers on
 * the host: a program that ignores the proxy variables reaches nothing; the
 * same server is reached through the variables when the policy allows, and
 * refused (the rule named in the audit) when it does not. Both ways of
 * making the namespace (bubblewrap, unshare) run the same cases.
 */
import { connect, createServer } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditView } from "./audit-view.js";
import fc from "fast-check";
import { compile, parsePolicy } from "@netperm/core";
import { bypasses, describeWhere, execTempDirs, loopbackTargets, networkNamespaces, socksConnectScript, socksUdpScript, systemProgram, type LoopbackTargets } from "@netperm/testkit";
import { chooseNamespace, execIsolated, type AuditRecord } from "../src/index.js";

const curl = systemProgram("curl", "curl");
const python = systemProgram("python3", "python3");
const bwrap = systemProgram("bwrap", "bubblewrap");
const netns = networkNamespaces();

let targets: LoopbackTargets;
beforeAll(async () => {
  targets = await loopbackTargets();
});
afterAll(() => targets.close());

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

/** A free port on the host's 127.0.0.1 (asked of the kernel, then released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen({ host: "127.0.0.1", port: 0 }, r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Connects to the host's 127.0.0.1:PORT; resolves with what it read, or the error code. */
const probe = (port: number): Promise<string> =>
  new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    let got = "";
    s.on("data", (c: Buffer) => (got += c.toString()));
    s.on("close", () => resolve(got));
    s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
  });

/** Inside: a server on 127.0.0.1:8080 that answers "inside"; says "listening", and on SIGTERM prints how many connections it saw. */
const insideServer = `let n = 0; require("net").createServer((s) => { n += 1; s.end("inside\\n"); }).listen(8080, "127.0.0.1", () => console.log("listening"));
process.on("SIGTERM", () => { console.log("saw " + n); process.exit(0); });`;

/** Runs the inside server under `flags`, probes each host port once it listens, and returns what the probes got, the server's count and the audit. */
async function inbound(prefer: "bwrap" | "unshare", flags: readonly string[], ports: readonly number[]) {
  const audit: AuditRecord[] = [];
  const p = await execIsolated(parsePolicy(flags), node, ["-e", insideServer], { prefer, stdio: "pipe", onAudit: (r) => audit.push(r) });
  let out = "";
  p.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  await p.ready;
  await new Promise<void>((r) => {
    const t = setInterval(() => out.includes("listening") && (clearInterval(t), r()), 20);
  });
  const got: string[] = [];
  for (const port of ports) got.push(await probe(port));
  // The last connection's audit record is written when it closes; give it a moment.
  await new Promise((r) => setTimeout(r, 100));
  p.kill("SIGTERM");
  await p.exited;
  return { got, saw: /saw (\d+)/.exec(out)?.[1], audit, skipped: p.skipped };
}

for (const prefer of ["bwrap", "unshare"] as const) {
  const needs = prefer === "bwrap" ? [netns, curl, python, bwrap] : [netns, curl, python];
  describeWhere(needs, `execIsolated through ${prefer}`, () => {
    it("chooses the forced way", async () => {
      const choice = await chooseNamespace({ prefer });
      expect(choice.ok && choice.launcher.kind.startsWith(prefer)).toBe(true);
    });

    for (const [name] of bypasses(node, 0, 0)) {
      it(`${name} does not reach a server on the host's 127.0.0.1, even with the policy allowing it`, async () => {
        const [, c, a] = bypasses(node, targets.tcpPort, targets.udpPort).find((b) => b[0] === name)!;
        const tcpBefore = targets.tcpSeen();
        const udpBefore = targets.udpSeen();
        const r = await run(prefer, ["--allow-outbound=tcp://localhost", "--allow-outbound=udp://localhost"], c, a);
        expect(r.exit.exitCode).not.toBe(0);
        expect(targets.tcpSeen()).toBe(tcpBefore);
        expect(targets.udpSeen()).toBe(udpBefore);
      });
    }

    it("reaches the server through the proxy variables when the policy allows it", async () => {
      const before = targets.tcpSeen();
      const r = await run(prefer, ["--allow-outbound=tcp://localhost"], "sh", ["-c", `printf hello | curl -sS --max-time 5 -x "$ALL_PROXY" telnet://127.0.0.1:${targets.tcpPort} --no-progress-meter; python3 -c "import os; print(os.environ['HTTP_PROXY'] != '')"`]);
      expect(r.exit.exitCode).toBe(0);
      expect(r.out).toBe("helloTrue\n");
      expect(targets.tcpSeen()).toBe(before + 1);
    });

    it("refuses the server, naming the rule in the audit, when the policy denies it", async () => {
      const before = targets.tcpSeen();
      const r = await run(prefer, ["--allow-outbound=tcp://localhost", `--deny-outbound=tcp://127.0.0.1:${targets.tcpPort}`], "sh", ["-c", `printf x | curl -sS --max-time 5 -x "$ALL_PROXY" telnet://127.0.0.1:${targets.tcpPort}`]);
      expect(r.exit.exitCode).not.toBe(0);
      expect(targets.tcpSeen()).toBe(before);
      expect(r.proxyAudit.map(auditView)).toEqual([expect.objectContaining({ verdict: "deny", rule: `--deny-outbound=tcp://127.0.0.1:${targets.tcpPort}` })]);
      // The client is the program's socket in its namespace, named by the namespace's first process.
      expect(r.proxyAudit[0]!.client).toMatch(/^netns:\d+\/127\.0\.0\.1:\d+$/);
      expect(r.proxyAudit[0]!.client).not.toContain("?");
    });

    it("carries SOCKS5 UDP ASSOCIATE through the relay when allowed, and drops the datagram when denied", async () => {
      const script = socksUdpScript(targets.udpPort);
      const before = targets.udpSeen();
      const ok = await run(prefer, ["--allow-outbound=udp://localhost"], "python3", ["-c", script]);
      expect(ok.out).toBe("ping\n");
      expect(targets.udpSeen()).toBe(before + 1);
      const no = await run(prefer, ["--allow-outbound=tcp://localhost"], "python3", ["-c", script]);
      expect(no.exit.exitCode).not.toBe(0);
      expect(targets.udpSeen()).toBe(before + 1);
      expect(no.proxyAudit.map(auditView)).toEqual([expect.objectContaining({ protocol: "socks5-udp", verdict: "deny" })]);
    });

    it("publishes the inside port 8080 at the mapped host port only when an inbound rule allows it, audited as point exec, front end inbound", async () => {
      const hostPort = await freePort();
      const rule = `--allow-inbound=tcp://127.0.0.1:8080->${hostPort}`;
      const yes = await inbound(prefer, [rule], [hostPort]);
      expect(yes.got).toEqual(["inside\n"]);
      expect(yes.saw).toBe("1");
      expect(yes.audit.map((a) => [a.point, a.frontEnd, a.decision.allowed, a.decision.rule?.flag])).toEqual([
        ["exec", "inbound", true, rule],
        ["exec", "inbound", true, rule],
      ]);
      expect(yes.audit[1]!.client).toMatch(/^127\.0\.0\.1:\d+$/);
      const no = await inbound(prefer, ["--allow-outbound=tcp://localhost"], [hostPort, 8080]);
      expect(no.got).toEqual(["ECONNREFUSED", "ECONNREFUSED"]);
      expect(no.saw).toBe("0");
      expect(no.audit).toEqual([]);
    });

    for (const [what, deny] of [
      ["port", "--deny-inbound=tcp://*:8080"],
      ["address", "--deny-inbound=tcp://127.0.0.1"],
    ] as const) {
      it(`refuses an allowed inbound port that a --deny-inbound covering its ${what} denies, naming the rule; the program sees no connection`, async () => {
        const hostPort = await freePort();
        const rule = `--allow-inbound=tcp://127.0.0.1:8080->${hostPort}`;
        const r = await inbound(prefer, [rule, deny], [hostPort, 8080]);
        expect(r.got).toEqual(["ECONNREFUSED", "ECONNREFUSED"]);
        expect(r.saw).toBe("0");
        expect(r.audit.map((a) => [a.point, a.frontEnd, a.decision.allowed, a.decision.rule?.flag])).toEqual([["exec", "inbound", false, deny]]);
        expect(r.skipped).toEqual([expect.objectContaining({ rule })]);
      });
    }

    it("passes exit codes and signals through and leaves no temp dir or process", async () => {
      const before = execTempDirs();
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
      expect(execTempDirs()).toEqual(before);
    });

    it("reaches the host server iff the reference decider allows (random policies, bounded runs)", async () => {
      const seed = Date.now() % 100000;
      process.stderr.write(`isolate property seed ${seed}\n`);
      await fc.assert(
        fc.asyncProperty(
          fc.subarray([`--allow-outbound=tcp://localhost:${targets.tcpPort}`, "--allow-outbound=tcp://127.0.0.1", `--deny-outbound=tcp://*:${targets.tcpPort}`, "--allow-outbound=tcp://127.0.0.2:1-1000"]),
          fc.constantFrom("127.0.0.1", "localhost"),
          async (flags, host) => {
            const allowed = compile(parsePolicy(flags)).decide({ op: "connect", protocol: "tcp", host, port: targets.tcpPort }).allowed;
            const before = targets.tcpSeen();
            const via = await run(prefer, flags, "python3", ["-c", socksConnectScript(host, targets.tcpPort)]);
            if ((via.exit.exitCode === 0) !== allowed) throw new Error(JSON.stringify({ code: via.exit.exitCode, err: via.err, out: via.out }));
            expect(targets.tcpSeen() - before).toBe(allowed ? 1 : 0);
          },
        ),
        { numRuns: 6, seed },
      );
    });
  });
}
