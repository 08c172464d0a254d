/**
 * Reads `OP TARGET` as `netperm check` and `netperm explain` take them:
 * OP is connect | bind | send | resolve; TARGET is `tcp://HOST:PORT`,
 * `udp://HOST:PORT` (HOST a name, an IP in any spelling, or `[IPv6]`) or, for
 * resolve, a name. The host is handed to core as typed: core canonicalises
 * it, and an invalid one is a denied decision with reason `invalid-input`.
 */
import type { Operation, Protocol } from "@netperm/core";
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
  const authority = match[2]!;
  const colon = authority.lastIndexOf(":");
  const host = colon >= 0 ? authority.slice(0, colon) : "";
  const portText = colon >= 0 ? authority.slice(colon + 1) : "";
  if (host === "" || !/^[0-9]{1,5}$/.test(portText) || (host.includes(":") && !(host.startsWith("[") && host.endsWith("]")))) {
    throw new UsageError("NETPERM_USAGE", `target '${target}' needs a host and a port`, "write IPv6 in brackets: tcp://[::1]:80");
  }
  if (op === "send" && protocol !== "udp") {
    throw new UsageError("NETPERM_USAGE", "send is a udp operation", "use connect for tcp");
  }
  return { op: op as "connect" | "bind" | "send", protocol, host, port: Number(portText) };
}
