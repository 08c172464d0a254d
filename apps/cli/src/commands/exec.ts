/**
 * `netperm exec [policy flags] -- CMD ARGS`: runs a program where the only
 * way to the network is an ephemeral netperm proxy. On Linux the program
 * (and everything it starts) gets its own network namespace with only `lo`;
 * its proxy variables point at a relay there that reaches the proxy over a
 * Unix socket (`execIsolated` in @netperm/proxy). `--no-isolate`, and every
 * other platform, keep only the proxy variables (a program that opens
 * sockets directly is then not stopped), and say so on stderr.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { execIsolated, sentByTerminal, withProxyVariables, type Proxy } from "@netperm/proxy";
import { EXIT, type Command, type Io } from "../command.js";
import { defineOptions, helpLines } from "../options.js";
import { readCommandLine } from "../policy-args.js";
import { logDecisions, PROXY_OPTIONS, proxyOptionsFrom, startProxy } from "../proxy-setup.js";
import { UsageError } from "../usage-error.js";

const OPTIONS = defineOptions({
  ...PROXY_OPTIONS,
  "no-isolate": { type: "boolean", help: "no network namespace: only the proxy variables (programs that ignore them are not stopped)" },
});

/** Forwarded to the program, except a Ctrl-C / Ctrl-\ the terminal already sent it (`sentByTerminal`). */
const FORWARDED: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

/** The environment a child gets: the proxy variables in both cases, NO_PROXY empty. */
export function proxyEnv(base: Io["env"], port: number): Record<string, string> {
  return withProxyVariables(base, "127.0.0.1", port);
}

/** Runs `cmd` with proxy variables only (no namespace); resolves with its exit code. */
async function runUnisolated(cmd: string, args: readonly string[], io: Io, proxy: Proxy): Promise<number> {
  const inherit = io.stdout === process.stdout && io.stderr === process.stderr;
  const child = spawn(cmd, args, { cwd: io.cwd, env: proxyEnv(io.env, proxy.address.port), stdio: inherit ? "inherit" : ["inherit", "pipe", "pipe"] });
  if (!inherit) {
    child.stdout?.pipe(io.stdout, { end: false });
    child.stderr?.pipe(io.stderr, { end: false });
  }
  const forward = (signal: NodeJS.Signals): void => void (sentByTerminal(signal) || child.kill(signal));
  for (const s of FORWARDED) process.on(s, forward);
  const code = await new Promise<number>((resolve) => {
    child.once("error", (err: NodeJS.ErrnoException) => {
      io.stderr.write(`netperm: NETPERM_EXEC: cannot run '${cmd}': ${err.code ?? err.message}\n`);
      resolve(err.code === "ENOENT" ? 127 : 126);
    });
    child.once("close", (exitCode, signal) => resolve(exitCode ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0))));
  });
  for (const s of FORWARDED) process.off(s, forward);
  return code;
}

/** Runs `cmd` in its own network namespace; resolves with its exit code. */
async function runIsolated(cmd: string, args: readonly string[], io: Io, proxy: Proxy, policy: Parameters<typeof execIsolated>[0], audit: string | undefined): Promise<number> {
  const inherit = io.stdout === process.stdout && io.stderr === process.stderr;
  const prefer = io.env["NETPERM_NAMESPACE"];
  const run = await execIsolated(policy, cmd, args, {
    cwd: io.cwd,
    env: io.env,
    stdio: inherit ? "inherit" : "pipe",
    proxy,
    ...(prefer === "bwrap" || prefer === "unshare" ? { prefer } : {}),
    ...(audit === undefined ? {} : { audit }),
  });
  run.stdout?.pipe(io.stdout, { end: false });
  run.stderr?.pipe(io.stderr, { end: false });
  for (const p of run.published) io.stderr.write(`netperm: publishing ${p.host}:${p.port} -> port ${p.insidePort} inside (${p.rule})\n`);
  for (const s of run.skipped) io.stderr.write(`netperm: not publishing ${s.rule}: ${s.why}\n`);
  const forward = (signal: NodeJS.Signals): void => void (sentByTerminal(signal) || run.kill(signal));
  for (const s of FORWARDED) process.on(s, forward);
  const failed = run.ready.then(() => undefined, (e: Error) => e.message);
  const exit = await run.exited;
  for (const s of FORWARDED) process.off(s, forward);
  const why = await failed;
  if (why !== undefined) io.stderr.write(`netperm: NETPERM_EXEC: ${why}\n`);
  return exit.exitCode;
}

export const command: Command = {
  name: "exec",
  summary: "run a program whose only network is an enforcing proxy (own network namespace on Linux)",
  usage: "exec [policy flags] [--audit=FILE] [--verbose] [--no-isolate] -- CMD [ARGS...]",
  options: helpLines(OPTIONS),
  examples: [
    "netperm exec --allow-outbound=tcp://example.com:443 -- curl https://example.com/",
    "netperm exec --allow-outbound=tcp://registry.npmjs.org:443 --audit=npm.jsonl -- npm install",
    "netperm exec --allow-inbound=tcp://127.0.0.1:8080->18080 -- python3 -m http.server 8080",
  ],
  async run(argv, io) {
    const line = await readCommandLine(argv, io, OPTIONS);
    const [cmd, ...args] = line.rest;
    if (cmd === undefined || line.positionals.length > 0) {
      throw new UsageError("NETPERM_USAGE", "exec needs a command after --", "e.g. netperm exec --allow-outbound=tcp://example.com:443 -- curl https://example.com/");
    }
    const isolate = line.values["no-isolate"] !== true && process.platform === "linux";
    if (!isolate) {
      const why = process.platform === "linux" ? "--no-isolate" : `${process.platform} has no network namespaces`;
      io.stderr.write(`netperm: not isolated (${why}): only programs that honour HTTP_PROXY / HTTPS_PROXY / ALL_PROXY are confined\n`);
    }
    const options = { ...proxyOptionsFrom(line.values, io), point: "exec" as const };
    const proxy = await startProxy(line.policy, { host: "127.0.0.1", port: 0 }, options);
    if (line.values.quiet !== true) logDecisions(proxy, io, line.values.verbose === true ? "all" : "denied");
    try {
      const code = isolate ? await runIsolated(cmd, args, io, proxy, line.policy, options.audit) : await runUnisolated(cmd, args, io, proxy);
      return code === 0 ? EXIT.ok : code;
    } finally {
      await proxy.close();
    }
  },
};
