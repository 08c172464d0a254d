/**
 * `netperm exec` in its own network namespace, as a user runs it: the CLI
 * (in-process, or a real process for signals), real programs, loopback
 * servers on the host that count what reaches them. Each way of making the
 * namespace (NETPERM_NAMESPACE=bwrap, unshare) runs every case. Where
 * namespaces, curl, python3, bwrap or script are missing the groups do not
 * run, loudly; under NETPERM_REQUIRE_PROGRAMS=1 they fail.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alive, bypasses, describeWhere, itWhere, loopbackTargets, networkNamespaces, nodeConnectScript, processesMentioning, socksConnectScript, socksUdpScript, systemProgram, type LoopbackTargets } from "@netperm/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cliArgv, cliDir, exited, runCli, startCli, until, type CliProcess } from "./run-cli.js";

const curl = systemProgram("curl", "curl");
const python = systemProgram("python3", "python3");
const bwrap = systemProgram("bwrap", "bubblewrap");
const script = systemProgram("script", "util-linux");
const setpriv = systemProgram("setpriv", "util-linux");
const node = process.execPath;

let targets: LoopbackTargets;
let origin: Server;
let originPort = 0;
let originSeen = 0;
beforeAll(async () => {
  targets = await loopbackTargets();
  origin = createServer((_req, res) => {
    originSeen += 1;
    res.end("origin\n");
  });
  await new Promise<void>((r) => origin.listen({ host: "127.0.0.1", port: 0 }, r));
  originPort = (origin.address() as { port: number }).port;
});
afterAll(async () => {
  await targets.close();
  await new Promise<void>((r) => origin.close(() => r()));
});

/** An audit file in a fresh directory anyone may write (the non-root test writes it as nobody). */
function auditFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "netperm-cli-audit-"));
  chmodSync(dir, 0o777);
  return join(dir, "audit.jsonl");
}
const auditLines = (file: string): Record<string, unknown>[] =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];

/**
 * Inside: prints the program's host pid and its parent's (the supervisor;
 * /proc is the host's), then "ready"; on SIGINT exits 4 (once per signal
 * counted: a second SIGINT within 1.5 s would be reported), stays up otherwise.
 */
const waiter = `const fs = require("fs");
const stat = fs.readFileSync("/proc/self/stat", "utf8"); const ppid = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
console.log("pids " + fs.readlinkSync("/proc/self") + " " + ppid);
let n = 0; process.on("SIGINT", () => { n += 1; if (n === 1) setTimeout(() => { console.log("SIGINT x" + n); process.exit(4); }, 1500); });
console.log("ready"); setInterval(() => {}, 1000);`;

/** The program's and supervisor's host pids and exec's private directory, read while it runs. */
async function running(cli: CliProcess): Promise<{ pid: number; supervisor: number; dir: string }> {
  await until(() => cli.out().includes("ready"), "the program to start");
  const [, pid, supervisor] = /pids (\d+) (\d+)/.exec(cli.out())!.map(Number);
  const argv = readFileSync(`/proc/${supervisor}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
  const dir = argv.at(-1)!;
  expect(dir).toMatch(/netperm-exec-/);
  expect(processesMentioning(dir).length).toBeGreaterThanOrEqual(2); // the launcher and the supervisor
  return { pid: pid!, supervisor: supervisor!, dir };
}

/** Nothing exec started is left: no process naming its directory, not the program, not the directory. */
function nothingLeft(r: { pid: number; supervisor: number; dir: string }): void {
  expect(processesMentioning(r.dir)).toEqual([]);
  expect(alive(r.pid)).toBe(false);
  expect(alive(r.supervisor)).toBe(false);
  expect(existsSync(r.dir)).toBe(false);
}

for (const ns of ["bwrap", "unshare"] as const) {
  const env = { ...(process.env as Record<string, string>), NETPERM_NAMESPACE: ns };
  const needs = ns === "bwrap" ? [networkNamespaces(), curl, python, bwrap] : [networkNamespaces(), curl, python];
  describeWhere(needs, `netperm exec isolated (NETPERM_NAMESPACE=${ns})`, () => {
    for (const [name] of bypasses(node, 0, 0)) {
      it(`${name} does not reach the host's 127.0.0.1 (the server sees nothing), even with the policy allowing it`, async () => {
        const [, cmd, args] = bypasses(node, targets.tcpPort, targets.udpPort).find((b) => b[0] === name)!;
        const [tcp, udp] = [targets.tcpSeen(), targets.udpSeen()];
        const r = await runCli(["exec", "--allow-outbound=tcp://localhost", "--allow-outbound=udp://localhost", "--", cmd, ...args], { env });
        expect(r.code).not.toBe(0);
        expect([targets.tcpSeen(), targets.udpSeen()]).toEqual([tcp, udp]);
      });
    }

    it("reaches the same servers through the proxy variables when allowed: Python over SOCKS5, a child process, SOCKS5 UDP, curl over HTTP_PROXY, Node over HTTPS_PROXY", async () => {
      const before = [targets.tcpSeen(), targets.udpSeen(), originSeen];
      const dir = mkdtempSync(join(tmpdir(), "netperm-cli-scripts-"));
      writeFileSync(join(dir, "tcp.py"), socksConnectScript("127.0.0.1", targets.tcpPort));
      writeFileSync(join(dir, "udp.py"), socksUdpScript(targets.udpPort));
      writeFileSync(join(dir, "tcp.js"), nodeConnectScript("127.0.0.1", targets.tcpPort));
      const steps = `python3 ${dir}/tcp.py && sh -c "python3 ${dir}/tcp.py" && python3 ${dir}/udp.py && curl -sS --max-time 5 http://127.0.0.1:${originPort}/ && ${node} ${dir}/tcp.js`;
      const r = await runCli(["exec", "--allow-outbound=tcp://localhost", "--allow-outbound=udp://localhost", "--", "sh", "-c", steps], { env });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("ping\norigin\n");
      expect([targets.tcpSeen(), targets.udpSeen(), originSeen]).toEqual([before[0]! + 3, before[1]! + 1, before[2]! + 1]);
    });

    it("refuses a Node program's CONNECT through HTTPS_PROXY when denied: the server sees nothing", async () => {
      const deny = `--deny-outbound=tcp://127.0.0.1:${targets.tcpPort}`;
      const before = targets.tcpSeen();
      const r = await runCli(["exec", "--allow-outbound=tcp://localhost", deny, "--", node, "-e", nodeConnectScript("127.0.0.1", targets.tcpPort)], { env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("CONNECT 403");
      expect(targets.tcpSeen()).toBe(before);
    });

    it("refuses them when denied, naming the rule and the namespace's client in the audit", async () => {
      const audit = auditFile();
      const deny = `--deny-outbound=tcp://127.0.0.1:${targets.tcpPort}`;
      const before = targets.tcpSeen();
      const r = await runCli(["exec", "--allow-outbound=tcp://localhost", deny, `--audit=${audit}`, "--", "python3", "-c", socksConnectScript("127.0.0.1", targets.tcpPort)], { env });
      expect(r.code).toBe(1); // the script's "SOCKS refused"
      expect(targets.tcpSeen()).toBe(before);
      expect(r.stderr).toContain(`netperm: denied: socks5 connect 127.0.0.1:${targets.tcpPort}`);
      const lines = auditLines(audit);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ point: "exec", frontEnd: "socks5", decision: { allowed: false, rule: { flag: deny } } });
      expect(lines[0]!["client"]).toMatch(/^netns:\d+\/127\.0\.0\.1:\d+$/);
    });

    it("passes exit codes and the signal that ended the program through (128 + n)", async () => {
      expect((await runCli(["exec", "--", "sh", "-c", "exit 7"], { env })).code).toBe(7);
      expect((await runCli(["exec", "--", "sh", "-c", "kill -TERM $$"], { env })).code).toBe(143);
      expect((await runCli(["exec", "--", "sh", "-c", "kill -KILL $$"], { env })).code).toBe(137);
    });

    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      it(`after ${signal} to netperm, the program gets it once, and no netperm process, relay or temporary directory remains`, async () => {
        const cli = startCli(["exec", "--", node, "-e", waiter], { env });
        const r = await running(cli);
        cli.kill(signal);
        expect(await exited(cli)).toBe(signal === "SIGINT" ? 4 : 143);
        if (signal === "SIGINT") expect(cli.out()).toContain("SIGINT x1\n");
        nothingLeft(r);
      });
    }

    it("after the program exits by itself, nothing remains either", async () => {
      const cli = startCli(["exec", "--", node, "-e", `${waiter}\nsetTimeout(() => process.exit(0), 300);`], { env });
      const r = await running(cli);
      expect(await exited(cli)).toBe(0);
      nothingLeft(r);
    });

    itWhere([script], "a Ctrl-C on a terminal reaches the program once (the terminal signals the whole group; netperm does not forward it again)", async () => {
      const r = await ctrlCOnTerminal(["exec", "--", node, "-e", waiter], env);
      expect(r).toEqual({ code: 4, once: true });
    });

    itWhere([setpriv], "runs as a non-root user (nobody): confined, reaching the origin only through the proxy, ids kept", async () => {
      const prefix = process.getuid?.() === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
      const before = [targets.tcpSeen(), originSeen];
      const cmd = `id -u; curl -sS --max-time 5 --noproxy '*' http://127.0.0.1:${targets.tcpPort}/ || echo bypass refused; curl -sS --max-time 5 http://127.0.0.1:${originPort}/`;
      const cli = startCli(["exec", "--allow-outbound=tcp://localhost", "--", "sh", "-c", cmd], { env: { ...env, HOME: "/tmp" }, prefix });
      expect(await exited(cli)).toBe(0);
      const uid = process.getuid?.() === 0 ? 65534 : process.getuid?.();
      expect(cli.out()).toBe(`${uid}\nbypass refused\norigin\n`);
      expect([targets.tcpSeen(), originSeen]).toEqual([before[0], before[1]! + 1]);
    });
  });
}

itWhere([script], "with --no-isolate too, a Ctrl-C on a terminal reaches the program once", async () => {
  const r = await ctrlCOnTerminal(["exec", "--no-isolate", "--", node, "-e", waiter], process.env as Record<string, string>);
  expect(r).toEqual({ code: 4, once: true });
});

/**
 * Runs the CLI with ARGS on a pseudo-terminal (`script`: the CLI in the
 * terminal's foreground process group), types Ctrl-C once the program is
 * ready; resolves with the exit code and whether the program counted exactly one SIGINT.
 */
async function ctrlCOnTerminal(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; once: boolean }> {
  // `exec`: script runs the line with $SHELL -c; without it a shell that does
  // not exec its last command (dash, the Debian /bin/sh used where SHELL is
  // unset) waits in the foreground group, dies of the Ctrl-C itself and
  // script reports its 130 instead of netperm's exit code.
  const line = `exec ${cliArgv(args).map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ")}`;
  const tty = spawn("script", ["-qec", line, "/dev/null"], { cwd: cliDir, env: { ...env, NO_COLOR: "1" }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  tty.stdout.on("data", (c: Buffer) => (out += c.toString()));
  await until(() => out.includes("ready"), "the program to start on the terminal");
  tty.stdin.write("\x03");
  const code = await exited(tty);
  return { code, once: out.includes("SIGINT x1") };
}
