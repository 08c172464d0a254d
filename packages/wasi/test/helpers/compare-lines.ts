/**
 * Compares the lines of one script run under the stock host and under the
 * guarded host, step by step, the way the differential tests need: which
 * sockets the two runs still share, where a difference is one the README's
 * host notes name, and (under a policy) where the reference decider denies.
 */
import type { Operation, Policy, ResolutionTable } from "@netperm/core";
import { referenceDecide } from "@netperm/testkit";
import { TCP_OPTIONS } from "../../src/socket-options.js";
import { KNOWN_BIND_DIFFERENCES, UNCHECKED_BY_STOCK } from "./socket-scripts.js";
import type { Step } from "./wasmtime-programs.js";

/** Errors a host gives before its policy: the guard must give the same. */
const BEFORE_POLICY = /^err:(invalid-state|invalid-argument|not-in-progress|concurrency-conflict|no-stream|no-such-socket|unknown-step|nothing-to-read)$/;
/** Any port the OS picks for a `{ local: k }` address: policy ports in these tests decide alike for all of 1024-65535. */
export const EPHEMERAL = 40000;

/** The script the stock host runs: the known bind differences swapped for addresses it already refuses. */
export function forStock(steps: readonly Step[]): Step[] {
  return steps.map((s) => {
    const addr = s["addr"];
    if (typeof addr === "string" && KNOWN_BIND_DIFFERENCES[addr]) return { ...s, addr: KNOWN_BIND_DIFFERENCES[addr] };
    // The stock shim traps on a datagram to port 0 (node:dgram throws "Port should be > 0"): the stock run skips it,
    // and the guarded line must be wasmtime's invalid-argument (UNCHECKED_BY_STOCK).
    const port0 = typeof addr === "string" ? addr.endsWith(":0") : (addr as { port?: number } | null)?.port === 0;
    if (s.c === "send" && addr && port0) return s.s === undefined ? { c: "skip" } : { c: "skip", s: s.s };
    return s;
  });
}

export interface Tally {
  identical: number;
  denied: number;
  knownDifferences: number;
  skipped: number;
  /** Lines on a socket after its refused connect, checked against wasmtime's closed socket. */
  refusedModel: number;
}

interface Sock {
  readonly created: number;
  host?: string | undefined;
  kind: "tcp" | "udp";
  connected?: boolean;
  /** A start-* went through and its finish-* has not answered yet (wasmtime's `in_progress_operation`). */
  pending?: boolean;
  family?: string;
  /** Its connect was refused by the policy: wasmtime's `Closed(access-denied)` from then on. */
  refused?: boolean;
}

/** Setters wasmtime refuses a 0 for with invalid-argument before it looks at the socket. */
const ZERO_IS_INVALID = new Set(["setListenBacklogSize", "setKeepAliveIdleTime", "setKeepAliveInterval", "setKeepAliveCount"]);

/**
 * wasmtime's line for a step on a tcp socket after its refused connect
 * (`Closed(access-denied)`, sockets/tcp.rs), or undefined for a step the
 * model does not cover (a target from another socket, a udp call).
 */
function closedLine(step: Step, sock: Sock): string | undefined {
  if (step["addr"] && typeof step["addr"] === "object") return undefined;
  switch (step.c) {
    case "bind": case "startBind": case "connect": case "startConnect": case "listen": case "startListen": case "accept": case "shutdown":
      return "err:invalid-state";
    case "finishBind": case "finishConnect": case "finishListen":
      return "err:not-in-progress";
    case "local": case "remote":
      return "err:access-denied";
    case "listening":
      return "ok:false";
    case "family":
      return `ok:${sock.family}`;
    case "read": case "write":
      return "err:no-stream";
    case "get": case "set": {
      const option = String(step["option"]);
      if (!(TCP_OPTIONS as readonly string[]).includes(option)) return undefined;
      return step.c === "set" && ZERO_IS_INVALID.has(option) && Number(step["value"]) === 0 ? "err:invalid-argument" : "err:access-denied";
    }
    default:
      return undefined;
  }
}

function hostOf(text: string): string {
  return text.startsWith("[") ? text.slice(1, text.indexOf("]")) : text.slice(0, text.lastIndexOf(":"));
}
function portOf(text: string): number {
  return Number(text.slice(text.lastIndexOf(":") + 1));
}

/** The policy operation a step asks for, if it is one (host and port as the guard sees them). */
function operationOf(step: Step, sock: Sock | undefined, socks: readonly (Sock | undefined)[]): Operation | undefined {
  if (step.c === "resolve") return { op: "resolve", host: String(step["name"]) };
  if (!sock) return undefined;
  const addr = step["addr"];
  let host: string | undefined;
  let port: number;
  if (typeof addr === "string") [host, port] = [hostOf(addr), portOf(addr)];
  else if (addr && typeof addr === "object") {
    const a = addr as { local: number; port?: number };
    host = socks[a.local]?.host;
    port = a.port ?? EPHEMERAL;
  } else return undefined;
  if (host === undefined) return undefined;
  const protocol = sock.kind;
  if (step.c === "bind" || step.c === "startBind") return { op: "bind", protocol, host, port };
  if (step.c === "connect" && protocol === "tcp") return { op: "connect", protocol, host, port };
  if (step.c === "stream" && protocol === "udp") return { op: "connect", protocol, host, port };
  if (step.c === "send" && protocol === "udp" && !sock.connected) return { op: "send", protocol, host, port };
  return undefined;
}

function isIpLiteral(name: string): boolean {
  try {
    const h = new URL(`http://${name.includes(":") && !name.startsWith("[") ? `[${name}]` : name}/`).hostname;
    return /^[\d.]+$/.test(h) || h.startsWith("[");
  } catch {
    return false;
  }
}

/**
 * Checks `guarded` against `stock`, line by line; returns a message for the
 * first mismatch, or undefined. With `policy`, a step the reference decider
 * denies must be `access-denied` (a lookup: `permanent-resolver-failure`)
 * where the stock host went past its argument and state checks.
 */
export function compareLines(steps: readonly Step[], stock: readonly string[], guarded: readonly string[], tally: Tally, policy?: Policy, table?: ResolutionTable): string | undefined {
  const socks: { stock: (Sock | undefined)[]; guarded: (Sock | undefined)[] } = { stock: [], guarded: [] };
  const diverged = new Set<number>(); // creation step indexes of sockets the runs no longer share
  const sent = forStock(steps);
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const [s, g] = [stock[i], guarded[i]];
    const where = `step ${i} ${JSON.stringify(step)}: stock ${s}, guarded ${g}`;
    if (s === undefined || g === undefined) return `missing line at ${where}`;
    const ss = step.s === undefined ? undefined : socks.stock[step.s];
    const gs = step.s === undefined ? undefined : socks.guarded[step.s];
    const target = step["addr"] && typeof step["addr"] === "object" ? (step["addr"] as { local: number }).local : undefined;
    const shared = (a: Sock | undefined, b: Sock | undefined) => a?.created === b?.created && (a === undefined || !diverged.has(a.created));
    const inStep = shared(ss, gs) && (target === undefined || shared(socks.stock[target], socks.guarded[target])) && !(step.c === "receive" && diverged.has(-1));
    const record = () => {
      if (step.c === "tcp" || step.c === "udp") {
        socks.stock.push({ created: i, kind: step.c, family: String(step["family"]) });
        socks.guarded.push({ created: i, kind: step.c, family: String(step["family"]) });
      }
      if (step.c === "accept") {
        if (s.startsWith("ok")) socks.stock.push({ created: i, kind: "tcp", host: ss?.host });
        if (g.startsWith("ok")) socks.guarded.push({ created: i, kind: "tcp", host: gs?.host });
      }
      if ((step.c === "bind" || step.c === "startBind") && g === "ok" && gs) {
        const addr = step["addr"];
        gs.host = typeof addr === "string" ? hostOf(addr) : socks.guarded[(addr as { local: number }).local]?.host;
        if (ss) ss.host = gs.host;
      }
      if (gs && /^start(Bind|Connect|Listen)$/.test(step.c) && g === "ok") gs.pending = true;
      if (gs && /^finish(Bind|Connect|Listen)$/.test(step.c) && g !== "err:would-block") gs.pending = false;
      if (step.c === "stream" && g === "ok" && gs) gs.connected = step["addr"] !== null && step["addr"] !== undefined;
      if (step.c === "stream" && s === "ok" && ss) ss.connected = step["addr"] !== null && step["addr"] !== undefined;
    };
    if (gs?.refused) {
      // The stock socket connected; the guarded one is wasmtime's refused socket: its line is the model's.
      const want = closedLine(step, gs);
      if (want !== undefined) {
        if (g !== want) return `after a refused connect, wasmtime answers ${want}: ${where}`;
        tally.refusedModel++;
        record();
        continue;
      }
    }
    if (!inStep) {
      // A call on (or with) a socket the runs no longer share may leave this socket different too.
      for (const x of [ss, gs]) if (x) diverged.add(x.created);
      tally.skipped++;
      record();
      continue;
    }
    const op = operationOf(step, gs, socks.guarded);
    const decided = op && !(op.op === "resolve" && isIpLiteral(op.host));
    const decision = policy && decided ? referenceDecide(policy, op, table) : undefined;
    if (sent[i]!.c === "skip") {
      // Not run on the stock host (see forStock): wasmtime refuses the address after the guest's own checks.
      if (!/^err:(no-such-socket|no-stream|invalid-argument)$/.test(g)) return `skipped on stock, want invalid-argument: ${where}`;
      tally.knownDifferences++;
    } else if (s !== g && UNCHECKED_BY_STOCK.has(step.c) && step["addr"] && g === "err:invalid-argument") {
      // README host notes: the stock shim does not check this address; wasmtime does.
      tally.knownDifferences++;
      if (ss) diverged.add(ss.created);
      if (step.c === "send") diverged.add(-1); // the stock datagram may have arrived somewhere
    } else if (s === "err:invalid-argument" && g === "err:invalid-state" && (step.c === "bind" || step.c === "startBind") && gs?.kind === "udp") {
      // README host notes: a udp bind on a socket that is not new is invalid-state before its address is looked
      // at in wasmtime (udp.rs `bind`); the stock shim checks the family first.
      tally.knownDifferences++;
    } else if ((s === "err:invalid-state" || s === "err:invalid-argument") && g === "err:concurrency-conflict" && gs?.pending) {
      // README host notes: a start while another is unfinished is concurrency-conflict in wasmtime (p2/host/tcp.rs,
      // udp.rs `in_progress_operation`), before the state and the arguments are looked at; the stock shim says
      // invalid-state, or invalid-argument where it checks the address first.
      tally.knownDifferences++;
    } else if (decision?.allowed && decision.family && op?.op === "resolve" && s.startsWith("ok:")) {
      // `#ipv4-only` / `#ipv6-only` on a resolve rule: the stock answers of that family, or none left.
      const kept = s.slice(3).split(",").filter((a) => a.includes(":") === (decision.family === "ipv6"));
      const want = kept.length > 0 ? `ok:${kept.join(",")}` : "err:name-unresolvable";
      if (g !== want) return `allowed for ${decision.family} only, want ${want}: ${where}`;
      tally.identical++;
    } else if (decision && !decision.allowed && !BEFORE_POLICY.test(s)) {
      const denial = op!.op === "resolve" ? "err:permanent-resolver-failure" : "err:access-denied";
      if (g !== denial) return `the reference denies (${decision.reason}) but ${where}`;
      tally.denied++;
      if (step.c === "connect" && gs?.kind === "tcp") gs.refused = true;
      if (ss && s.startsWith("ok")) diverged.add(ss.created);
      // What the stock call did to its target (a connection to accept, a datagram to receive) did not happen here.
      const t = target === undefined ? undefined : socks.stock[target];
      if (t) diverged.add(t.created);
    } else if (s !== g) {
      return `${decision ? `allowed (${decision.reason}): ` : ""}${where}`;
    } else tally.identical++;
    if (op?.op === "resolve" && decided && (!policy || decision?.allowed) && g.startsWith("ok:") && table) {
      table.record(op.host, g.slice(3).split(",").map((a) => (a.includes(":") ? new URL(`http://[${a}]/`).hostname.slice(1, -1) : a)));
    }
    record();
  }
  return undefined;
}
