/**
 * Which way this machine can give a program its own network namespace, in
 * order of preference:
 * - `bwrap` (bubblewrap) when installed: it also works where unprivileged
 *   user namespaces are restricted to it, and brings `lo` up itself;
 * - `unshare` (util-linux) with a user namespace (`--user --map-root-user`),
 *   `lo` brought up with `ip` (iproute2); the program then runs in a nested
 *   user namespace that maps it back to the caller's uid and gid;
 * - as root, `unshare` with a plain network namespace.
 * Every way also makes a pid namespace, so that nothing the program starts
 * outlives it. Each is probed once (a real namespace, a `true` inside), never
 * assumed.
 */
import { execFile } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

export type NamespaceKind = "bwrap" | "unshare-user" | "unshare";

/** How to start a process in the new namespaces. */
export interface Launcher {
  readonly kind: NamespaceKind;
  /** The launcher program and its arguments; the supervisor command follows. */
  readonly argv: readonly string[];
  /** Whether the supervisor must bring `lo` up itself. */
  readonly loUp: boolean;
  /** When the program must be mapped back to the caller's ids in a nested user namespace. */
  readonly mapUser?: { readonly uid: number; readonly gid: number };
}

export type NamespaceChoice = { readonly ok: true; readonly launcher: Launcher } | { readonly ok: false; readonly missing: string };

export interface ChooseOptions {
  /** `auto` (default) tries bwrap, then unshare; the others force one way. */
  readonly prefer?: "auto" | "bwrap" | "unshare";
  /** PATH to look programs up in. Default `process.env.PATH`. */
  readonly path?: string;
}

function onPath(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue;
    const file = join(dir, name);
    try {
      if (statSync(file).isFile()) {
        accessSync(file, constants.X_OK);
        return file;
      }
    } catch {
      // not here
    }
  }
  return undefined;
}

function probe(argv: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(argv[0]!, [...argv.slice(1), "true"], { timeout: 10_000 }, (error, _out, stderr) => {
      resolve(error === null ? undefined : (stderr.trim().split("\n")[0] ?? "") || error.message);
    });
  });
}

/**
 * The launcher stays in the terminal's foreground process group (so that the
 * program can read the terminal), where a Ctrl-C or Ctrl-\ reaches it too:
 * bubblewrap would die of it and take the program along. It starts with
 * SIGINT and SIGQUIT ignored (kept across exec); the supervisor sets its own.
 */
const IGNORING_TERMINAL_SIGNALS = ["/bin/sh", "-c", 'trap "" INT QUIT; exec "$@"', "sh"];

function bwrapLauncher(bwrap: string): Launcher {
  return { kind: "bwrap", argv: [...IGNORING_TERMINAL_SIGNALS, bwrap, "--dev-bind", "/", "/", "--unshare-net", "--unshare-pid", "--die-with-parent", "--"], loUp: false };
}

function unshareLauncher(unshare: string, root: boolean, ids: { uid: number; gid: number }): Launcher {
  const common = ["--net", "--pid", "--fork", "--kill-child"];
  if (root) return { kind: "unshare", argv: [...IGNORING_TERMINAL_SIGNALS, unshare, ...common, "--"], loUp: true };
  return { kind: "unshare-user", argv: [...IGNORING_TERMINAL_SIGNALS, unshare, "--user", "--map-root-user", ...common, "--"], loUp: true, mapUser: ids };
}

/**
 * Finds a working way to make the namespaces. Never throws: when there is
 * none, `missing` says what is missing (a program, or why the kernel refused).
 */
export async function chooseNamespace(options: ChooseOptions = {}): Promise<NamespaceChoice> {
  if (process.platform !== "linux") return { ok: false, missing: `network namespaces (Linux only; this is ${process.platform})` };
  const path = options.path ?? process.env["PATH"] ?? "";
  const prefer = options.prefer ?? "auto";
  const ids = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  const why: string[] = [];
  if (prefer !== "unshare") {
    const bwrap = onPath("bwrap", path);
    if (bwrap === undefined) why.push("bwrap (Debian package bubblewrap) is not installed");
    else {
      const launcher = bwrapLauncher(bwrap);
      const refused = await probe(launcher.argv);
      if (refused === undefined) return { ok: true, launcher };
      why.push(`bwrap can not make a network namespace: ${refused}`);
    }
    if (prefer === "bwrap") return { ok: false, missing: why.join("; ") };
  }
  const unshare = onPath("unshare", path);
  const ip = onPath("ip", path);
  if (unshare === undefined) why.push("unshare (Debian package util-linux) is not installed");
  else if (ip === undefined) why.push("ip (Debian package iproute2) is not installed, so lo can not be brought up");
  else {
    const launcher = unshareLauncher(unshare, ids.uid === 0, ids);
    const refused = await probe(launcher.argv);
    if (refused === undefined) return { ok: true, launcher };
    why.push(`unshare can not make a ${ids.uid === 0 ? "network" : "user + network"} namespace: ${refused}`);
  }
  return { ok: false, missing: why.join("; ") };
}
