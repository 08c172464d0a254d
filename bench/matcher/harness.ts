/**
 * Timing and memory: warm-up, then rounds of batches of decisions timed with
 * `process.hrtime.bigint()` until a time budget is spent (at least 3 rounds,
 * every loop bounded). A round of the compiled decider is one whole pass over
 * its stream, so every round sees the same operations; the fastest round's
 * mean is the figure compared (this machine is shared: a slower round is
 * another process's doing, not the matcher's). Percentiles are over the
 * batch means of every round (a batch is short enough for a GC pause to show
 * in p99 and long enough that the clock's own cost, measured and subtracted,
 * is small). Memory is heap plus external (typed arrays) across forced GCs.
 */
import type { Operation } from "@netperm/core";

/** Decides one operation; only whether it was allowed is kept. */
export type Decider = (op: Operation) => boolean;

export interface Timing {
  /** Decisions timed (warm-up excluded). */
  readonly decisions: number;
  /** Rounds timed (single decisions timed alone: 0). */
  readonly rounds: number;
  /**
   * Nanoseconds per decision as compared: the fastest round's mean, or for
   * single decisions timed alone, their median.
   */
  readonly ns: number;
  /** Mean over every timed decision, ns. */
  readonly meanNs: number;
  /** Median and 99th percentile of the per-batch mean (or of single decisions), ns. */
  readonly p50Ns: number;
  readonly p99Ns: number;
  /** Decisions per second: 1e9 / ns. */
  readonly perSecond: number;
  /** Share of timed decisions that were allowed, 0..1. */
  readonly allowedShare: number;
}

export interface TimingOptions {
  /** Time budget for the timed part, ms; at least `MIN_ROUNDS` rounds are timed whatever it says. */
  readonly budgetMs: number;
  /** Decisions per timed batch. */
  readonly batch: number;
  /** Batches per round. */
  readonly roundBatches: number;
  /** Decisions run before timing, for the JIT. */
  readonly warmup: number;
}

/** Rounds timed at least, and at most. */
export const MIN_ROUNDS = 3;
const MAX_ROUNDS = 50;

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
 * @example measure((op) => compiled.decide(op).allowed, ops, { budgetMs: 1000, batch: 32, roundBatches: ops.length / 32, warmup: ops.length })
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
  const budget = o.budgetMs * 1e6;
  const perBatch: number[] = [];
  let total = 0;
  let best = Number.POSITIVE_INFINITY;
  let rounds = 0;
  let allowed = 0;
  while (rounds < MIN_ROUNDS || (rounds < MAX_ROUNDS && total < budget)) {
    let round = 0;
    for (let b = 0; b < o.roundBatches; b++) {
      const t0 = now();
      for (let k = 0; k < o.batch; k++) {
        if (decide(ops[i]!)) allowed++;
        if (++i === n) i = 0;
      }
      const dt = Math.max(0, Number(now() - t0) - clock);
      round += dt;
      perBatch.push(dt / o.batch);
    }
    total += round;
    best = Math.min(best, round / (o.roundBatches * o.batch));
    rounds++;
  }
  if (sink < 0) throw new Error("unreachable: keeps the warm-up's results alive");
  perBatch.sort((a, b) => a - b);
  const decisions = perBatch.length * o.batch;
  return {
    decisions,
    rounds,
    ns: best,
    meanNs: total / decisions,
    p50Ns: percentile(perBatch, 0.5),
    p99Ns: percentile(perBatch, 0.99),
    perSecond: 1e9 / best,
    allowedShare: allowed / decisions,
  };
}

/** A timing from single decisions each timed alone (for baselines that take microseconds or more). */
export function fromSamples(samplesNs: readonly number[], allowed: number): Timing {
  const sorted = [...samplesNs].sort((a, b) => a - b);
  let total = 0;
  for (const x of sorted) total += x;
  const median = percentile(sorted, 0.5);
  return {
    decisions: sorted.length,
    rounds: 0,
    ns: median,
    meanNs: total / sorted.length,
    p50Ns: median,
    p99Ns: percentile(sorted, 0.99),
    perSecond: 1e9 / median,
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

export { median } from "../record.js";
