/**
 * Reads `OP TARGET` as `netperm check` and `netperm explain` take them:
 * OP is connect | bind | send | resolve; TARGET is `tcp://HOST:PORT`,
 * `udp://HOST:PORT` (HOST a name, an IP in any spelling, or `[IPv6]`) or, for
 * resolve, a name. The authority is split by core's `splitAuthority` (as
 * the proxy splits a CONNECT target); the host is handed to core as typed
 * (without brackets): core canonicalises it, and an invalid one is a denied
 * decision with reason `invalid-input`.
 */
import { splitAuthority, type Operation, type Protocol } from "@netperm/core";
import { UsageError } from "./usage-error.js";

const OPS = ["connect", "bind", "send", "resolve"] as const;

export function readOperation(op: string | undefined, target: string | undefined): Operation {
  if (op === undefined || target === undefined) {
    throw new UsageError("NETPERM_USAGE", "expected OP TARGET", "e.g. connect tcp://example.com:80, or resolve example.com");
  }
  if (!(OPS as readonly string[]).includes(op)) {
    throw new UsageError("NETPERM_USAGE", `unknown operation '${op}'`, `OP is one of ${OPS.join(", ")}`);
  }
  if (op === "resolve") {
    const host = target.replace(/^[a-z]+:\/\//, "");
    return { op: "resolve", host };
  }
  const match = /^(tcp|udp):\/\/(.*)$/.exec(target);
  if (!match) {
    throw new UsageError("NETPERM_USAGE", `target '${target}' is not tcp://HOST:PORT or udp://HOST:PORT`);
  }
  const protocol = match[1] as Protocol;
  const authority = splitAuthority(match[2]!);
  if (authority === undefined) {
    throw new UsageError("NETPERM_USAGE", `target '${target}' needs a host and a port`, "write IPv6 in brackets: tcp://[::1]:80");
  }
  if (op === "send" && protocol !== "udp") {
    throw new UsageError("NETPERM_USAGE", "send is a udp operation", "use connect for tcp");
  }
  return { op: op as "connect" | "bind" | "send", protocol, host: authority.host, port: authority.port };
}

/** `OP TARGET` from a command's positionals (`check`, `explain`): exactly two. */
export function operationFrom(positionals: readonly string[], command: string): Operation {
  if (positionals.length > 2) {
    throw new UsageError("NETPERM_USAGE", `unexpected argument '${positionals[2]}'`, `${command} takes OP TARGET`);
  }
  return readOperation(positionals[0], positionals[1]);
}
