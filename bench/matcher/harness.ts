/**
 * Timing and memory: warm-up, then batches of decisions timed with
 * `process.hrtime.bigint()` until a time budget or a decision count is
 * reached (every loop is bounded). Per-decision percentiles are those of
 * the batch means (a batch is too short for a GC pause to hide in and
 * long enough that the clock's own cost, measured and subtracted, is small).
 * Memory is heap plus external (typed arrays) retained across a forced GC.
 */
import type { Operation } from "@netperm/core";

/** Decides one operation; only whether it was allowed is kept. */
export type Decider = (op: Operation) => boolean;

export interface Timing {
  /** Decisions timed (warm-up excluded). */
  readonly decisions: number;
  /** Mean nanoseconds per decision. */
  readonly meanNs: number;
  /** Median and 99th percentile of the per-batch mean, in ns per decision. */
  readonly p50Ns: number;
  readonly p99Ns: number;
  /** Decisions per second (1e9 / mean). */
  readonly perSecond: number;
  /** Share of timed decisions that were allowed, 0..1. */
  readonly allowedShare: number;
}

export interface TimingOptions {
  /** Time budget for the timed part, ms. */
  readonly budgetMs: number;
  /** Decisions per timed batch. */
  readonly batch: number;
  /** At most this many timed decisions, at least `minDecisions` (even past the budget). */
  readonly maxDecisions: number;
  readonly minDecisions: number;
  /** Decisions run before timing, for the JIT. */
  readonly warmup: number;
}

const now = process.hrtime.bigint;

/** The median cost of one `hrtime.bigint()` pair, ns: subtracted from every batch. */
function clockCost(): number {
  const samples: number[] = [];
  for (let i = 0; i < 2001; i++) {
    const t0 = now();
    samples.push(Number(now() - t0));
  }
  return percentile(samples.sort((a, b) => a - b), 0.5);
}

let clock: number | undefined;

/** The `q` quantile of an ascending list (nearest rank). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * Times `decide` over `ops`, cycling through them from the start.
 *
 * @example measure((op) => compiled.decide(op).allowed, ops, { budgetMs: 1000, batch: 32, maxDecisions: 5e7, minDecisions: 1000, warmup: 65536 })
 */
export function measure(decide: Decider, ops: readonly Operation[], o: TimingOptions): Timing {
  clock ??= clockCost();
  const n = ops.length;
  let i = 0;
  let sink = 0;
  for (let w = 0; w < o.warmup; w++) {
    if (decide(ops[i]!)) sink++;
    if (++i === n) i = 0;
  }
  i = 0;
  const budget = BigInt(Math.round(o.budgetMs * 1e6));
  const perBatch: number[] = [];
  let total = 0n;
  let done = 0;
  let allowed = 0;
  while (done < o.minDecisions || (done < o.maxDecisions && total < budget)) {
    const t0 = now();
    for (let k = 0; k < o.batch; k++) {
      if (decide(ops[i]!)) allowed++;
      if (++i === n) i = 0;
    }
    const dt = now() - t0;
    total += dt;
    done += o.batch;
    perBatch.push(Math.max(0, Number(dt) - clock) / o.batch);
  }
  if (sink < 0) throw new Error("unreachable: keeps the warm-up's results alive");
  perBatch.sort((a, b) => a - b);
  const meanNs = Math.max(0, Number(total) - clock * perBatch.length) / done;
  return {
    decisions: done,
    meanNs,
    p50Ns: percentile(perBatch, 0.5),
    p99Ns: percentile(perBatch, 0.99),
    perSecond: 1e9 / meanNs,
    allowedShare: allowed / done,
  };
}

/** A timing from single decisions each timed alone (for baselines that take microseconds or more). */
export function fromSamples(samplesNs: readonly number[], allowed: number): Timing {
  const sorted = [...samplesNs].sort((a, b) => a - b);
  let total = 0;
  for (const x of sorted) total += x;
  const meanNs = total / sorted.length;
  return {
    decisions: sorted.length,
    meanNs,
    p50Ns: percentile(sorted, 0.5),
    p99Ns: percentile(sorted, 0.99),
    perSecond: 1e9 / meanNs,
    allowedShare: allowed / sorted.length,
  };
}

/** Heap plus external memory (typed arrays live outside the JS heap), bytes, after two full GCs. */
export function settledMemory(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run node with --expose-gc (pnpm bench does)");
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Builds a value once: wall time (ms, GC excluded) and bytes it retains. */
export function built<T>(build: () => T): { value: T; ms: number; bytes: number } {
  const before = settledMemory();
  const t0 = now();
  const value = build();
  const ms = Number(now() - t0) / 1e6;
  const bytes = settledMemory() - before;
  return { value, ms, bytes };
}

/** The median of a non-empty list. */
export function median(list: readonly number[]): number {
  return percentile([...list].sort((a, b) => a - b), 0.5);
}
