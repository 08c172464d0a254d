/**
 * What `netperm proxy` and `netperm exec` share: both start an enforcing
 * proxy (@netperm/proxy) from the same options. The option table, reading it
 * into `createProxy` options, starting the proxy with usage-style errors, and
 * printing its decisions on stderr live here, so neither command imports the
 * other.
 */
import { createProxy, keepFreedMemory, type Limits, type Proxy, type ProxyOptions } from "@netperm/proxy";
import type { Policy } from "@netperm/core";
import type { Io } from "./command.js";
import { defineOptions, type OptionValues } from "./options.js";
import { styleFor } from "./style.js";
import { UsageError } from "./usage-error.js";

/** The options `proxy` and `exec` share. */
export const PROXY_OPTIONS = defineOptions({
  audit: { type: "string", value: "FILE", help: "append one JSON line per decision to FILE" },
  auth: { type: "string", value: "USER:PASS", multiple: true, help: "require this user (SOCKS5 RFC 1929, HTTP Proxy-Authorization: Basic); repeatable" },
  "handshake-timeout": { type: "string", value: "MS", help: "time to finish a handshake (default 10000)" },
  "max-header-size": { type: "string", value: "BYTES", help: "largest HTTP request or response head (default 16384)" },
  "max-connections": { type: "string", value: "N", help: "client connections held at once (default 4096)" },
  "idle-timeout": { type: "string", value: "MS", help: "close a connection idle this long, 0 never (default 300000)" },
  verbose: { type: "boolean", help: "print allowed decisions too (default: only refusals)" },
  quiet: { type: "boolean", help: "print no decisions on stderr" },
});

export type ProxyValues = OptionValues<typeof PROXY_OPTIONS>;

/** The value of an integer option, or undefined when it is not given. */
function integer(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw new UsageError("NETPERM_USAGE", `--${name} needs a non-negative integer, got '${raw}'`);
  return Number(raw);
}

/** Reads the shared proxy options into `createProxy` options (without policy and listen). */
export function proxyOptionsFrom(values: ProxyValues, io: Io): Omit<ProxyOptions, "policy" | "listen"> {
  const limits: { -readonly [K in keyof Limits]?: number } = {};
  const set = (key: keyof Limits, name: "handshake-timeout" | "max-header-size" | "max-connections" | "idle-timeout"): void => {
    const v = integer(values[name], name);
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
  for (const pair of values.auth) {
    const colon = pair.indexOf(":");
    if (colon <= 0) throw new UsageError("NETPERM_USAGE", "--auth needs USER:PASS", "e.g. --auth=alice:s3cret");
    users[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  const audit = values.audit;
  return {
    limits,
    ...(values.auth.length > 0 ? { users } : {}),
    ...(audit === undefined ? {} : { audit: audit.startsWith("/") ? audit : `${io.cwd}/${audit}` }),
  };
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

/**
 * Starts a proxy, turning a bind failure into a usage-style error. The
 * process is the proxy's: it keeps the memory its relays free (bulk
 * transfers fault far less; see `keepFreedMemory`).
 */
export async function startProxy(policy: Policy, listen: { host: string; port: number }, options: Omit<ProxyOptions, "policy" | "listen">): Promise<Proxy> {
  keepFreedMemory();
  try {
    return await createProxy({ policy, listen, ...options });
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError("NETPERM_USAGE", error.message);
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new UsageError("NETPERM_LISTEN", `cannot listen on ${listen.host}:${listen.port}: ${code}`);
  }
}
