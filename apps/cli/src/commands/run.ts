/**
 * `netperm run [policy flags] app.wasm [-- args]`: runs a WASI preview2
 * command component under the policy. Its sockets, lookups and outgoing
 * HTTP requests are decided by @netperm/wasi; stdio is inherited; the guest
 * sees only the variables of `--env` and the directories of `--dir`; the exit
 * code is the guest's (1 when `run` returns an error).
 */
import { closeSync, openSync, statSync, writeSync } from "node:fs";
import { basename, resolve } from "node:path";
import { auditLine } from "@netperm/core";
import type { Command, Io } from "../command.js";
import { EXAMPLE_NAMES, prepareExample } from "../examples.js";
import { defineOptions, helpLines } from "../options.js";
import { readCommandLine } from "../policy-args.js";
import { UsageError } from "../usage-error.js";

const OPTIONS = defineOptions({
  env: { type: "string", value: "KEY=VALUE", multiple: true, help: "set a guest environment variable (--env=KEY passes the host's; none by default); repeatable" },
  dir: { type: "string", value: "HOST::GUEST", multiple: true, help: "preopen the existing host directory HOST as GUEST (--dir=DIR: the same path); repeatable" },
  audit: { type: "string", value: "FILE", help: "append one JSON line per decision (the audit record: @netperm/core/audit-record.schema.json) to FILE" },
  "cache-dir": { type: "string", value: "DIR", help: "where transpiled components are cached (default ~/.cache/netperm/components)" },
  example: { type: "string", value: "NAME", help: `run a shipped example under its own grants, printed on stderr (${EXAMPLE_NAMES.join(", ")})` },
});

/** `--env=KEY=VALUE` sets a variable; `--env=KEY` passes the host's value through. */
export function readEnv(values: readonly string[], host: Io["env"]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of values) {
    const eq = item.indexOf("=");
    const key = eq < 0 ? item : item.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError("NETPERM_USAGE", `--env needs KEY=VALUE or KEY, got '${item}'`);
    const value = eq < 0 ? host[key] : item.slice(eq + 1);
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/**
 * `--dir=HOST::GUEST` (like wasmtime) or `--dir=DIR` (the same path on both
 * sides). HOST must be an existing directory, checked here: the shim would
 * otherwise preopen a missing one and the guest see only `no-entry`. A guest
 * path given twice is refused rather than the first silently dropped.
 */
export function readDirs(values: readonly string[], cwd: string): Record<string, string> {
  const preopens: Record<string, string> = {};
  for (const item of values) {
    const sep = item.indexOf("::");
    const host = sep < 0 ? item : item.slice(0, sep);
    const guest = sep < 0 ? item : item.slice(sep + 2);
    if (host === "" || guest === "") throw new UsageError("NETPERM_USAGE", `--dir needs HOST::GUEST, got '${item}'`);
    if (Object.hasOwn(preopens, guest)) throw new UsageError("NETPERM_USAGE", `--dir names the guest directory '${guest}' twice`);
    const path = resolve(cwd, host);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError("NETPERM_USAGE", code === "ENOENT" ? `--dir: no such directory: ${host}` : `--dir: cannot open ${host}: ${code ?? "error"}`);
    }
    if (!isDirectory) throw new UsageError("NETPERM_USAGE", `--dir: ${host} is not a directory`);
    preopens[guest] = path;
  }
  return preopens;
}

export const command: Command = {
  name: "run",
  summary: "run a WASI preview2 command component with exactly the network it is granted",
  usage: "run [policy flags] [--env=KEY[=VALUE]] [--dir=HOST::GUEST] [--audit=FILE] app.wasm [-- ARGS...] | run --example NAME",
  options: helpLines(OPTIONS),
  examples: [
    "netperm run --example hello-db",
    "netperm run --allow-inbound=tcp://localhost:5433 --allow-outbound=tcp://db.internal->127.0.0.1:5432->5433 examples/hello-db/hello-db.wasm",
    "netperm run --allow-outbound=tcp://127.0.0.1:80 --audit=audit.jsonl app.wasm -- --verbose",
    "netperm run --allow-resolve=my-database.internal->172.17.0.14 --env=RUST_LOG=info app.wasm",
  ],
  async run(argv, io) {
    let line = await readCommandLine(argv, io, OPTIONS);
    let guestArgs = line.rest;
    if (line.values.example !== undefined) {
      if (line.positionals.length > 0) throw new UsageError("NETPERM_USAGE", "--example runs its own component: give no component file");
      const example = await prepareExample(line.values.example);
      io.stderr.write(`netperm: example ${line.values.example}: run ${example.flags.map((f) => (f.includes(">") ? `'${f}'` : f)).join(" ")} ${example.file} -- ${example.args.join(" ")}\n`);
      line = { ...(await readCommandLine([...example.flags, ...argv], io, OPTIONS)), positionals: [example.file] };
      guestArgs = [...example.args, ...line.rest];
    }
    const [file, ...extra] = line.positionals;
    if (file === undefined) throw new UsageError("NETPERM_USAGE", "run needs a component file", "netperm run [policy flags] app.wasm [-- ARGS...]");
    if (extra.length > 0) throw new UsageError("NETPERM_USAGE", `unexpected argument '${extra[0]}'`, "put the guest's arguments after --");
    const values = line.values;
    const env = readEnv(values.env, io.env);
    const preopens = readDirs(values.dir, io.cwd);
    const path = resolve(io.cwd, file);

    let auditFd: number | undefined;
    if (values.audit !== undefined) {
      try {
        auditFd = openSync(resolve(io.cwd, values.audit), "a");
      } catch (error) {
        throw new UsageError("NETPERM_USAGE", `cannot open audit file ${values.audit}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
      }
    }
    // Loaded on demand: the host (and its V8 wasm flag) is only needed by `run`.
    const wasi = await import("@netperm/wasi");
    try {
      return await wasi.runCommand(path, line.policy, {
        env,
        args: [basename(file), ...guestArgs],
        preopens,
        onTrap: (error) => void io.stderr.write(`netperm: guest trapped: ${error instanceof Error ? error.message : String(error)}\n`),
        ...(auditFd !== undefined ? { audit: (record) => void writeSync(auditFd, auditLine(record)) } : {}),
        ...(values["cache-dir"] === undefined ? {} : { cacheDir: resolve(io.cwd, values["cache-dir"]) }),
      });
    } catch (error) {
      if (error instanceof wasi.WasiHostError) throw new UsageError(error.code, error.message, error.hint);
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new UsageError("NETPERM_USAGE", `no such file: ${file}`);
      throw error;
    } finally {
      if (auditFd !== undefined) closeSync(auditFd);
    }
  },
};
