/** The proxy benchmark's table: each contender's medians, ratios to direct measured in the same run. */

export interface Row {
  readonly name: string;
  readonly median: Record<string, number>;
  readonly runs: readonly Record<string, number>[];
}

const fixed = (x: number | undefined, digits: number): string => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits));

/** A markdown table; `direct` must be among the rows for the ratios. */
export function table(rows: readonly Row[]): string {
  const direct = rows.find((r) => r.name === "direct")?.median;
  const ratio = (r: Row, k: string): string => (direct?.[k] === undefined || r.median[k] === undefined ? "–" : (r.median[k]! / direct[k]!).toFixed(2));
  const lines = [
    "| proxy | bulk up / direct | bulk down / direct | sequential conn/s (/ direct) | 50 concurrent conn/s (/ direct) | CPU µs per conn | RSS KiB per idle conn | denied conn/s | connect p50 / p99 µs | steal % (sequential) |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const m = r.median;
    lines.push(
      `| ${r.name} | ${ratio(r, "bulk_up_MBps")} (${fixed(m.bulk_up_MBps, 0)} MB/s) | ${ratio(r, "bulk_down_MBps")} (${fixed(m.bulk_down_MBps, 0)} MB/s) | ` +
        `${fixed(m.seq_per_s, 0)} (${ratio(r, "seq_per_s")}) | ${fixed(m.conc50_per_s, 0)} (${ratio(r, "conc50_per_s")}) | ${fixed(m.cpu_us_per_conn, 0)} | ` +
        `${fixed(m.rss_kib_per_idle, 1)} | ${fixed(m.denied_per_s, 0)} | ${fixed(m.p50_us, 0)} / ${fixed(m.p99_us, 0)} | ${fixed(m.steal_pct, 1)} |`,
    );
  }
  return lines.join("\n");
}
