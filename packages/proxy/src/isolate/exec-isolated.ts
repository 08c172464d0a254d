/**
 * `execIsolated`: runs a program in its own network and pid namespaces,
 * where the only way out is netperm's proxy. Inside there is only `lo`; a
 * relay on 127.0.0.1 (the proxy variables point at it) carries each
 * connection over a Unix socket in a private directory to the proxy outside.
 * A program that ignores the variables has no network at all.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Duplex, Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { auditLine, compile, NetpermError, type AuditRecord, type CompiledPolicy, type Policy } from "@netperm/core";
import { createProxy, type Proxy, type ProxyOptions } from "../proxy.js";
import { startBridge } from "./bridge.js";
import { publishInbound, type NotPublished, type Published } from "./inbound.js";
import { chooseNamespace, type Launcher, type NamespaceKind } from "./namespace.js";
import { FILES, type Control, type Order, type SupervisorConfig } from "./wire.js";
import { appendFileSync } from "node:fs";

export interface ExecIsolatedOptions {
  readonly cwd?: string;
  /** The program's environment (default `process.env`); the proxy variables are added. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `inherit` (default) passes netperm's stdio through; `pipe` exposes `stdout` / `stderr`. */
  readonly stdio?: "inherit" | "pipe";
  /** How to make the namespace (default: `chooseNamespace()`'s answer). */
  readonly launcher?: Launcher;
  /** Force a way when choosing: `bwrap` or `unshare`. */
  readonly prefer?: "auto" | "bwrap" | "unshare";
  /** A proxy to use (the caller closes it); default: one on 127.0.0.1, closed when the program exits. */
  readonly proxy?: Proxy;
  /** Options for the proxy made here (not with `proxy`). */
  readonly proxyOptions?: Omit<ProxyOptions, "policy" | "listen">;
  /** Append the inbound audit records to this file (one JSON line each). */
  readonly audit?: string;
  /** Called with each inbound audit record. */
  readonly onAudit?: (record: AuditRecord) => void;
}

/** How the program ended: `code`, or the `signal` that killed it; `exitCode` folds both (128 + n). */
export interface IsolatedExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly exitCode: number;
}

export interface IsolatedProcess {
  readonly namespace: NamespaceKind;
  readonly proxy: Proxy;
  readonly published: readonly Published[];
  readonly skipped: readonly NotPublished[];
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Resolves once the program runs: the supervisor's host pid and the relay's port inside. */
  readonly ready: Promise<{ readonly pid: number; readonly relayPort: number }>;
  /** Resolves when the program has exited and everything netperm started is gone. */
  readonly exited: Promise<IsolatedExit>;
  /**
   * Sends a signal to the program (asked of its supervisor on the control
   * pipe, so it is delivered once, whatever the terminal did). Before the
   * program runs, it ends the launcher (SIGKILL), and with it the namespace.
   */
  kill(signal?: NodeJS.Signals): void;
}

const here = import.meta.url;
/** The supervisor's file and the Node flags it needs (a loader when running from sources). */
function supervisorCommand(): string[] {
  const fromSource = here.endsWith(".ts");
  const file = fileURLToPath(new URL(fromSource ? "./supervisor.ts" : "./supervisor.js", here));
  if (!fromSource) return [process.execPath, file];
  const tsx = pathToFileURL(createRequire(here).resolve("tsx")).href;
  return [process.execPath, "--import", tsx, file];
}

function exitOf(code: number | null, signal: string | null): IsolatedExit {
  const sig = signal as NodeJS.Signals | null;
  const exitCode = code ?? 128 + (sig === null ? 0 : (constants.signals[sig] ?? 0));
  return { code, signal: sig, exitCode };
}

/**
 * Starts `command args` confined to `policy`. Resolves once it is started;
 * await `.exited` for its end.
 * @throws NetpermError `NETPERM_ISOLATE` when no namespace can be made (the message names what is missing).
 * @example
 * const run = await execIsolated(parsePolicy(["--allow-outbound=tcp://example.com:443"]), "curl", ["https://example.com/"]);
 * const { exitCode } = await run.exited;
 */
export async function execIsolated(policy: Policy | CompiledPolicy, command: string, args: readonly string[], options: ExecIsolatedOptions = {}): Promise<IsolatedProcess> {
  let launcher = options.launcher;
  if (launcher === undefined) {
    const choice = await chooseNamespace({ prefer: options.prefer ?? "auto" });
    if (!choice.ok) throw new NetpermError("NETPERM_ISOLATE", `cannot isolate the program: ${choice.missing}`, { hint: "install bubblewrap, or pass --no-isolate to rely on the proxy variables alone" });
    launcher = choice.launcher;
  }
  const compiled = typeof (policy as CompiledPolicy).decide === "function" ? (policy as CompiledPolicy) : compile(policy as Policy);
  const rules = "rules" in policy ? policy.rules : [];
  const dir = mkdtempSync(join(tmpdir(), "netperm-exec-"));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };
  try {
    const proxy = options.proxy ?? (await createProxy({ policy: compiled, ...options.proxyOptions }));
    if (options.proxy === undefined) cleanups.push(() => proxy.close());
    const bridge = await startBridge(dir, proxy);
    cleanups.push(() => bridge.close());
    let readyResolve!: (v: { pid: number; relayPort: number }) => void;
    let readyReject!: (e: Error) => void;
    const ready = new Promise<{ pid: number; relayPort: number }>((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    ready.catch(() => undefined);
    const writeAudit = (record: AuditRecord): void => {
      if (options.audit !== undefined) appendFileSync(options.audit, auditLine(record));
      options.onAudit?.(record);
    };
    const started = ready.then(() => undefined);
    started.catch(() => undefined);
    const publisher = await publishInbound(compiled, rules, dir, started, writeAudit);
    cleanups.push(() => publisher.close());
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.env ?? process.env)) if (v !== undefined) env[k] = v;
    const config: SupervisorConfig = { dir, command, args, cwd: options.cwd ?? process.cwd(), env, loUp: launcher.loUp, ...(launcher.mapUser === undefined ? {} : { mapUser: launcher.mapUser }) };
    writeFileSync(join(dir, FILES.config), JSON.stringify(config), { mode: 0o600 });
    const [node, ...nodeArgs] = supervisorCommand();
    const piped = options.stdio === "pipe";
    const child: ChildProcess = spawn(launcher.argv[0]!, [...launcher.argv.slice(1), node!, ...nodeArgs, dir], {
      cwd: config.cwd,
      env: { PATH: env["PATH"] ?? process.env["PATH"] ?? "/usr/bin:/bin" },
      stdio: ["inherit", piped ? "pipe" : "inherit", piped ? "pipe" : "inherit", "pipe"],
    });
    let reported: IsolatedExit | undefined;
    let failure: Control | undefined;
    let supervisorPid: number | undefined;
    const controlPipe = child.stdio[3] as Duplex;
    controlPipe.on("error", () => undefined); // a write after the supervisor is gone (kill() late): nothing to deliver
    createInterface({ input: controlPipe }).on("line", (line) => {
      let message: Control;
      try {
        message = JSON.parse(line) as Control;
      } catch {
        return;
      }
      if (message.kind === "ready") {
        supervisorPid = message.pid;
        readyResolve({ pid: message.pid, relayPort: message.relayPort });
      } else if (message.kind === "exit") reported = exitOf(message.code, message.signal);
      else failure = message;
    });
    const exited = new Promise<IsolatedExit>((resolve) => {
      child.once("error", (err) => {
        failure = { kind: "error", message: `cannot start ${launcher.kind}: ${err.message}`, code: 2 };
      });
      child.once("close", (code, signal) => {
        readyReject(new Error(failure?.kind === "error" ? failure.message : "the program did not start"));
        const result = reported ?? (failure?.kind === "error" ? exitOf(failure.code, null) : exitOf(code, signal));
        void cleanup().then(() => resolve(result));
      });
    });
    return {
      namespace: launcher.kind,
      proxy,
      published: publisher.published,
      skipped: publisher.skipped,
      stdout: piped ? child.stdout : null,
      stderr: piped ? child.stderr : null,
      ready,
      exited,
      kill: (signal = "SIGTERM") => {
        const order: Order = { kind: "signal", signal };
        if (supervisorPid !== undefined && controlPipe.writable) controlPipe.write(`${JSON.stringify(order)}\n`);
        // Before the program runs there is no one to deliver to: end the launcher (it ignores SIGINT; its namespace dies with it).
        else child.kill("SIGKILL");
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** What went wrong in the supervisor, if it said (for the CLI's message). */
export type { Control };
