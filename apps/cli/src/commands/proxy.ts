/**
 * `netperm proxy --listen HOST:PORT [policy flags]`: the enforcing proxy
 * (SOCKS5, HTTP CONNECT, HTTP forward on one port) in the foreground.
 * SIGINT / SIGTERM stop accepting and let open connections drain; a second
 * signal closes them at once.
 */
import { createProxy, type Limits, type Proxy, type ProxyOptions } from "@netperm/proxy";
import type { Policy } from "@netperm/core";
import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import type { ParseArgsConfig } from "node:util";
import { EXIT, type Command, type Io } from "../command.js";
import { readCommandLine, type CommandLine } from "../policy-args.js";
import { styleFor } from "../style.js";
import { UsageError } from "../usage-error.js";

/** The options `proxy` and `exec` share, for parseArgs. */
export const PROXY_OPTIONS: NonNullable<ParseArgsConfig["options"]> = {
  audit: { type: "string" },
  auth: { type: "string", multiple: true },
  "handshake-timeout": { type: "string" },
  "max-header-size": { type: "string" },
  "max-connections": { type: "string" },
  "idle-timeout": { type: "string" },
  quiet: { type: "boolean" },
  verbose: { type: "boolean" },
};

export const PROXY_HELP: readonly string[] = [
  "--audit=FILE              append one JSON line per decision to FILE",
  "--auth=USER:PASS          require this user (SOCKS5 RFC 1929, HTTP Proxy-Authorization: Basic); repeatable",
  "--handshake-timeout=MS    time to finish a handshake (default 10000)",
  "--max-header-size=BYTES   largest HTTP request or response head (default 16384)",
  "--max-connections=N       client connections held at once (default 4096)",
  "--idle-timeout=MS         close a connection idle this long, 0 never (default 300000)",
  "--verbose                 print allowed decisions too (default: only refusals)",
  "--quiet                   print no decisions on stderr",
];

function integer(line: CommandLine, name: string): number | undefined {
  const raw = line.values[name];
  if (raw === undefined) return undefined;
  const text = String(raw);
  if (!/^\d{1,9}$/.test(text)) throw new UsageError("NETPERM_USAGE", `--${name} needs a non-negative integer, got '${text}'`);
  return Number(text);
}

/** Reads the shared proxy options into `createProxy` options (without policy and listen). */
export function proxyOptionsFrom(line: CommandLine, io: Io): Omit<ProxyOptions, "policy" | "listen"> {
  const limits: { -readonly [K in keyof Limits]?: number } = {};
  const set = (key: keyof Limits, name: string): void => {
    const v = integer(line, name);
    if (v !== undefined) limits[key] = v;
  };
  set("handshakeTimeoutMs", "handshake-timeout");
  set("maxHeaderBytes", "max-header-size");
  set("maxConnections", "max-connections");
  set("idleTimeoutMs", "idle-timeout");
  if (limits.maxHeaderBytes !== undefined && limits.maxHeaderBytes < 256) {
    throw new UsageError("NETPERM_USAGE", "--max-header-size must be at least 256");
  }
  const users: Record<string, string> = {};
  const auth = (line.values.auth ?? []) as string[];
  for (const pair of auth) {
    const colon = pair.indexOf(":");
    if (colon <= 0) throw new UsageError("NETPERM_USAGE", "--auth needs USER:PASS", "e.g. --auth=alice:s3cret");
    users[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  const audit = line.values.audit;
  return {
    limits,
    ...(auth.length > 0 ? { users } : {}),
    ...(typeof audit === "string" ? { audit: audit.startsWith("/") ? audit : `${io.cwd}/${audit}` } : {}),
  };
}

/** Splits `HOST:PORT` / `[v6]:PORT` / `PORT`. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:(\[[^\]]+\]|[^:\[\]]+):)?(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || port > 65535) {
    throw new UsageError("NETPERM_USAGE", `--listen needs HOST:PORT, got '${text}'`, "e.g. --listen=127.0.0.1:1080");
  }
  const host = (m[1] ?? "127.0.0.1").replace(/^\[(.*)\]$/, "$1");
  return { host, port };
}

/** Prints decisions on stderr: every one, or only refusals. */
export function logDecisions(proxy: Proxy, io: Io, which: "all" | "denied"): void {
  const style = styleFor(io.stderr, io.env);
  proxy.on("decision", (e) => {
    if (which === "denied" && e.decision.allowed) return;
    const verdict = e.decision.allowed ? style.green("allowed") : style.red("denied");
    const by = e.decision.rule === undefined ? "" : ` by ${e.decision.rule.flag}`;
    const why = e.decision.allowed ? "" : ` (${e.decision.reason})`;
    io.stderr.write(`netperm: ${verdict}: ${e.frontEnd} ${e.decision.op} ${e.target} from ${e.client}${by}${why}\n`);
  });
}

/** Starts a proxy, turning a bind failure into a usage-style error. */
export async function startProxy(policy: Policy, listen: { host: string; port: number }, options: Omit<ProxyOptions, "policy" | "listen">): Promise<Proxy> {
  try {
    return await createProxy({ policy, listen, ...options });
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError("NETPERM_USAGE", error.message);
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new UsageError("NETPERM_LISTEN", `cannot listen on ${listen.host}:${listen.port}: ${code}`);
  }
}

export const command: Command = {
  name: "proxy",
  summary: "run the enforcing SOCKS5 + HTTP proxy in the foreground",
  usage: "proxy [--listen=HOST:PORT] [--workers=N|auto] [policy flags] [--audit=FILE] [limits]",
  options: [
    "--listen=HOST:PORT        where to listen (default 127.0.0.1:1080; port 0 picks a free one)",
    "--workers=N|auto          N processes share the listening socket (node:cluster; default 1, auto: one per core)",
    ...PROXY_HELP,
  ],
  examples: [
    "netperm proxy --listen=127.0.0.1:1080 --allow-outbound=tcp://example.com:443",
    "netperm proxy --allow-outbound=tcp://*.github.com:443 --deny-outbound=tcp://10.0.0.0/8 --audit=audit.jsonl",
    "curl --socks5-hostname 127.0.0.1:1080 https://example.com/",
  ],
  async run(argv, io) {
    const line = await readCommandLine(argv, io, { ...PROXY_OPTIONS, listen: { type: "string" }, workers: { type: "string" } });
    if (line.positionals.length > 0) throw new UsageError("NETPERM_USAGE", `unexpected argument '${line.positionals[0]}'`, "see netperm proxy --help");
    const listen = parseListen(typeof line.values.listen === "string" ? line.values.listen : "127.0.0.1:1080");
    const workers = parseWorkers(line.values.workers);
    if (workers > 1 && cluster.isPrimary) return runPrimary(workers, io);
    const proxy = await startProxy(line.policy, listen, proxyOptionsFrom(line, io));
    if (line.values.quiet !== true) logDecisions(proxy, io, line.values.verbose === true ? "all" : "denied");
    if (cluster.isWorker) {
      const code = await serveUntilSignal(proxy);
      // The IPC channel to the primary would keep a worker alive after its proxy closed.
      cluster.worker?.disconnect();
      return code;
    }
    for (const w of proxy.warnings) io.stderr.write(`netperm: warning: ${w}\n`);
    const where = proxy.address.host.includes(":") ? `[${proxy.address.host}]:${proxy.address.port}` : `${proxy.address.host}:${proxy.address.port}`;
    io.stdout.write(`${where}\n`);
    io.stderr.write(`netperm: proxy listening on ${where} (SOCKS5, HTTP CONNECT, HTTP); ${line.policy.rules.length} rule(s)\n`);
    return serveUntilSignal(proxy, io);
  },
};

/** `--workers`: a count from 1 to 64, or `auto` (available parallelism). */
export function parseWorkers(raw: unknown): number {
  if (raw === undefined) return 1;
  const text = String(raw);
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
  const where = host.includes(":") ? `[${host}]:${address.port}` : `${host}:${address.port}`;
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
