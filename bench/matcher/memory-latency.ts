/**
 * The machine's own floor: how long one dependent memory load takes when it
 * lands at random in a buffer of a given size (pointer chasing through a
 * random cycle, so neither the prefetcher nor out-of-order execution can
 * hide it). A decision on a big policy makes a few such loads into cold
 * memory; this tells what one costs here, measured in the same run.
 */
import { Random } from "./random.js";

export interface LoadLatency {
  /** Buffer size, bytes. */
  readonly bytes: number;
  /** Nanoseconds per dependent load (the faster of two passes). */
  readonly ns: number;
}

/** Buffer sizes probed: in cache, about a 100k-rule policy, about a 1M-rule policy. */
export const PROBE_BYTES: readonly number[] = [256 * 1024, 16 * 2 ** 20, 64 * 2 ** 20, 256 * 2 ** 20];

/** Loads timed per buffer and pass (bounded: a few seconds in all). */
const STEPS = 2_000_000;

/** One random cycle through `n` slots: `next[i]` is the slot after `i`. */
function randomCycle(n: number, r: Random): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = r.below(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  const next = new Int32Array(n);
  for (let i = 0; i < n; i++) next[order[i]!] = order[(i + 1) % n]!;
  return next;
}

function chase(next: Int32Array, steps: number): { ns: number; end: number } {
  let p = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) p = next[p]!;
  return { ns: Number(process.hrtime.bigint() - t0) / steps, end: p };
}

/**
 * Measures one dependent load per buffer size in `sizes`.
 *
 * @example dependentLoads([16 * 2 ** 20]) // [{ bytes: 16777216, ns: 155 }] on the 2-core bench machine
 */
export function dependentLoads(sizes: readonly number[] = PROBE_BYTES, seed = 1): LoadLatency[] {
  const r = new Random(seed);
  return sizes.map((bytes) => {
    const next = randomCycle(bytes / 4, r);
    const first = chase(next, STEPS);
    const second = chase(next, STEPS);
    // `end` is read so that the loop is not dropped as dead code.
    if (first.end < 0 || second.end < 0) throw new Error("unreachable");
    return { bytes, ns: Math.min(first.ns, second.ns) };
  });
}
