/**
 * `netperm proxy --listen HOST:PORT [policy flags]`: the enforcing proxy
 * (SOCKS5, HTTP CONNECT, HTTP forward on one port) in the foreground.
 * SIGINT / SIGTERM stop accepting and let open connections drain; a second
 * signal closes them at once.
 */
import { hostPort, splitAuthority } from "@netperm/core";
import type { Proxy } from "@netperm/proxy";
import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import { EXIT, type Command, type Io } from "../command.js";
import { defineOptions, helpLines } from "../options.js";
import { readCommandLine } from "../policy-args.js";
import { logDecisions, PROXY_OPTIONS, proxyOptionsFrom, startProxy } from "../proxy-setup.js";
import { UsageError } from "../usage-error.js";

const OPTIONS = defineOptions({
  listen: { type: "string", value: "HOST:PORT", help: "where to listen (default 127.0.0.1:1080; port 0 picks a free one)" },
  workers: { type: "string", value: "N|auto", help: "N processes share the listening socket (node:cluster; default 1, auto: one per core)" },
  ...PROXY_OPTIONS,
});

/** Splits `HOST:PORT` / `[v6]:PORT` / `PORT` (host 127.0.0.1). */
export function parseListen(text: string): { host: string; port: number } {
  const authority = /^\d+$/.test(text) ? splitAuthority(`127.0.0.1:${text}`) : splitAuthority(text);
  if (authority === undefined) {
    throw new UsageError("NETPERM_USAGE", `--listen needs HOST:PORT, got '${text}'`, "e.g. --listen=127.0.0.1:1080");
  }
  return authority;
}

export const command: Command = {
  name: "proxy",
  summary: "run the enforcing SOCKS5 + HTTP proxy in the foreground",
  usage: "proxy [--listen=HOST:PORT] [--workers=N|auto] [policy flags] [--audit=FILE] [limits]",
  options: helpLines(OPTIONS),
  examples: [
    "netperm proxy --listen=127.0.0.1:1080 --allow-outbound=tcp://example.com:443",
    "netperm proxy --allow-outbound=tcp://*.github.com:443 --deny-outbound=tcp://10.0.0.0/8 --audit=audit.jsonl",
    "curl --socks5-hostname 127.0.0.1:1080 https://example.com/",
  ],
  async run(argv, io) {
    const line = await readCommandLine(argv, io, OPTIONS);
    if (line.positionals.length > 0) throw new UsageError("NETPERM_USAGE", `unexpected argument '${line.positionals[0]}'`, "see netperm proxy --help");
    const listen = parseListen(line.values.listen ?? "127.0.0.1:1080");
    const workers = parseWorkers(line.values.workers);
    if (workers > 1 && cluster.isPrimary) return runPrimary(workers, io);
    const proxy = await startProxy(line.policy, listen, proxyOptionsFrom(line.values, io));
    if (line.values.quiet !== true) logDecisions(proxy, io, line.values.verbose === true ? "all" : "denied");
    if (cluster.isWorker) {
      const code = await serveUntilSignal(proxy);
      // The IPC channel to the primary would keep a worker alive after its proxy closed.
      cluster.worker?.disconnect();
      return code;
    }
    for (const w of proxy.warnings) io.stderr.write(`netperm: warning: ${w}\n`);
    const where = hostPort(proxy.address.host, proxy.address.port);
    io.stdout.write(`${where}\n`);
    io.stderr.write(`netperm: proxy listening on ${where} (SOCKS5, HTTP CONNECT, HTTP); ${line.policy.rules.length} rule(s)\n`);
    return serveUntilSignal(proxy, io);
  },
};

/** `--workers`: a count from 1 to 64, or `auto` (available parallelism). */
export function parseWorkers(text: string | undefined): number {
  if (text === undefined) return 1;
  if (text === "auto") return availableParallelism();
  if (!/^\d{1,2}$/.test(text) || Number(text) < 1 || Number(text) > 64) {
    throw new UsageError("NETPERM_USAGE", `--workers needs a count from 1 to 64 or 'auto', got '${text}'`, "e.g. --workers=auto");
  }
  return Number(text);
}

/**
 * The primary of `--workers N`: forks N workers running the same command
 * line (node:cluster shares the listening socket among them), prints the
 * address once they listen, passes SIGINT / SIGTERM on and exits when they
 * have all exited. Each worker appends its own audit lines (see openAuditFile).
 */
async function runPrimary(workers: number, io: Io): Promise<number> {
  // Every worker accepts from the shared socket itself: with the default
  // round-robin the primary accepts each connection and sends it over IPC,
  // which cost more CPU per connection than one worker serving them all.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const forked = Array.from({ length: workers }, () => cluster.fork());
  const address = await new Promise<{ address: string | null; port: number }>((resolve, reject) => {
    let listening = 0;
    cluster.on("listening", (_w, a) => {
      listening += 1;
      if (listening === workers) resolve(a);
    });
    cluster.once("exit", (_w, code) => reject(new UsageError("NETPERM_LISTEN", `a proxy worker exited with ${code} before listening`)));
  });
  const host = address.address ?? "127.0.0.1";
  const where = hostPort(host, address.port);
  io.stdout.write(`${where}\n`);
  io.stderr.write(`netperm: proxy listening on ${where} (SOCKS5, HTTP CONNECT, HTTP) in ${workers} workers\n`);
  const onSignal = (signal: NodeJS.Signals): void => {
    for (const w of forked) if (!w.isDead()) w.process.kill(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  await Promise.all(forked.map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once("exit", () => resolve())))));
  return EXIT.ok;
}

/** Serves until SIGINT / SIGTERM: the first drains open connections, a second closes them. */
async function serveUntilSignal(proxy: Proxy, io?: Io): Promise<number> {
  {
    let signals = 0;
    await new Promise<void>((resolve) => {
      const onSignal = (signal: NodeJS.Signals): void => {
        signals += 1;
        if (signals === 1) io?.stderr.write(`netperm: ${signal}: no longer accepting; draining open connections (signal again to close them)\n`);
        void proxy.close({ drainMs: signals === 1 ? 30_000 : 0 }).then(resolve);
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
    });
    return EXIT.ok;
  }
}
