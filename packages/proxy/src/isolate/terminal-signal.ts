/**
 * Whether a signal this process just got came from its terminal. A Ctrl-C
 * (SIGINT) or Ctrl-\ (SIGQUIT) is sent by the terminal to its whole
 * foreground process group: netperm, the namespace launcher, the supervisor
 * and the program (none of them makes a process group of its own). The
 * program then already has the signal, and forwarding it again would deliver
 * it twice. Node gives a handler no `siginfo`, so the sender is unknown; what
 * is known is whether this process is in its terminal's foreground group
 * (`/proc/self/stat`: `tpgid` equals `pgrp`). A SIGINT / SIGQUIT there is
 * taken as the terminal's; the price: `kill -INT <netperm>` from another
 * shell, while netperm runs in the foreground of a terminal, does not reach
 * the program (SIGTERM and the others always do). Reads only the host's
 * `/proc`; no process is started.
 */
import { readFileSync } from "node:fs";

/** The signals a terminal sends to its foreground process group. */
const FROM_TERMINAL: ReadonlySet<string> = new Set(["SIGINT", "SIGQUIT"]);

/** `pgrp`, `tty_nr` and `tpgid` of /proc/<pid>/stat, or undefined where there is no such file. */
export function terminalGroup(pid: number | "self" = "self"): { readonly pgrp: number; readonly tty: number; readonly tpgid: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp session tty_nr tpgid ...": comm may hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { pgrp: Number(fields[2]), tty: Number(fields[4]), tpgid: Number(fields[5]) };
}

/**
 * True when `signal` is one a terminal sends and this process is in the
 * foreground process group of a terminal: the program, in the same group,
 * got it too, so it must not be forwarded.
 */
export function sentByTerminal(signal: string): boolean {
  if (!FROM_TERMINAL.has(signal)) return false;
  const g = terminalGroup();
  return g !== undefined && g.tty !== 0 && g.tpgid > 0 && g.tpgid === g.pgrp;
}
