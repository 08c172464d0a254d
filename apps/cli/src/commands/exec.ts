/**
 * `netperm exec [policy flags] -- CMD ARGS`: runs a program with its proxy
 * variables pointing at an ephemeral netperm proxy on a free loopback port.
 * This confines only programs that honour HTTP_PROXY / HTTPS_PROXY /
 * ALL_PROXY; a program that opens sockets directly is not stopped.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { EXIT, type Command, type Io } from "../command.js";
import { readCommandLine } from "../policy-args.js";
import { UsageError } from "../usage-error.js";
import { logDecisions, PROXY_HELP, PROXY_OPTIONS, proxyOptionsFrom, startProxy } from "./proxy.js";

const FORWARDED: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

/** The environment a child gets: proxy variables in both cases, no NO_PROXY escape hatch. */
export function proxyEnv(base: Io["env"], port: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !/^no_proxy$/i.test(k)) env[k] = v;
  const http = `http://127.0.0.1:${port}`;
  const socks = `socks5h://127.0.0.1:${port}`;
  for (const [name, value] of [
    ["HTTP_PROXY", http],
    ["HTTPS_PROXY", http],
    ["ALL_PROXY", socks],
  ] as const) {
    env[name] = value;
    env[name.toLowerCase()] = value;
  }
  return env;
}

export const command: Command = {
  name: "exec",
  summary: "run a program behind an ephemeral enforcing proxy (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY)",
  usage: "exec [policy flags] [--audit=FILE] [--verbose] -- CMD [ARGS...]",
  options: [...PROXY_HELP, "--verbose                 print allowed decisions too (default: only refusals)"],
  examples: [
    "netperm exec --allow-outbound=tcp://example.com:443 -- curl https://example.com/",
    "netperm exec --allow-outbound=tcp://registry.npmjs.org:443 --audit=npm.jsonl -- npm install",
  ],
  async run(argv, io) {
    const line = await readCommandLine(argv, io, { ...PROXY_OPTIONS, verbose: { type: "boolean" } });
    const [cmd, ...args] = line.rest;
    if (cmd === undefined || line.positionals.length > 0) {
      throw new UsageError("NETPERM_USAGE", "exec needs a command after --", "e.g. netperm exec --allow-outbound=tcp://example.com:443 -- curl https://example.com/");
    }
    const proxy = await startProxy(line.policy, { host: "127.0.0.1", port: 0 }, { ...proxyOptionsFrom(line, io), point: "exec" });
    if (line.values.quiet !== true) logDecisions(proxy, io, line.values.verbose === true ? "all" : "denied");
    const inherit = io.stdout === process.stdout && io.stderr === process.stderr;
    const child = spawn(cmd, args, {
      cwd: io.cwd,
      env: proxyEnv(io.env, proxy.address.port),
      stdio: inherit ? "inherit" : ["inherit", "pipe", "pipe"],
    });
    if (!inherit) {
      child.stdout?.pipe(io.stdout, { end: false });
      child.stderr?.pipe(io.stderr, { end: false });
    }
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    for (const s of FORWARDED) process.on(s, forward);
    const code = await new Promise<number>((resolve) => {
      child.once("error", (err: NodeJS.ErrnoException) => {
        io.stderr.write(`netperm: NETPERM_EXEC: cannot run '${cmd}': ${err.code ?? err.message}\n`);
        resolve(err.code === "ENOENT" ? 127 : 126);
      });
      child.once("close", (exitCode, signal) => {
        if (exitCode !== null) resolve(exitCode);
        else resolve(128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)));
      });
    });
    for (const s of FORWARDED) process.off(s, forward);
    await proxy.close();
    return code === 0 ? EXIT.ok : code;
  },
};
