/**
 * What a proxy process costs, read from /proc: CPU seconds (utime + stime of
 * the process and every descendant, so that `--workers` counts all workers)
 * and resident memory of the same tree.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS = 100;

interface Stat {
  readonly ppid: number;
  readonly ticks: number;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

/** The pid and all its descendants. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    const s = stat(Number(d));
    if (s === undefined) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(Number(d));
    children.set(s.ppid, list);
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

/** CPU seconds used so far by the tree. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const p of pids) ticks += stat(p)?.ticks ?? 0;
  return ticks / TICKS;
}

/** Resident set of the tree, in KiB. */
export function rssKiB(pids: readonly number[]): number {
  let kib = 0;
  for (const p of pids) {
    try {
      kib += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kib;
}

/** The machine's CPU ticks so far, all and stolen by the hypervisor (/proc/stat's first line). */
export function machineTicks(): { readonly all: number; readonly steal: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  return { all: fields.slice(0, 8).reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
}

/** The share of CPU time stolen from this machine between two readings, in percent. */
export function stealPercent(before: { all: number; steal: number }, after: { all: number; steal: number }): number {
  const all = after.all - before.all;
  return all > 0 ? (100 * (after.steal - before.steal)) / all : 0;
}
