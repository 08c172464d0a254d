/**
 * One policy size, measured whole: generate (seeded), parse, compile (time
 * and retained bytes), then every operation stream through the compiled
 * decider and, in the same run, through the baselines, checking on a sample
 * that they agree.
 */
import { compile, parseRule, type CompiledPolicy, type Decision, type Operation, type Policy, type ResolutionTable } from "@netperm/core";
import { AgreementCounter, blockListDecider, naiveDecider, type Agreement, type Baseline } from "./baselines.js";
import { built, fromSamples, measure, median, MIN_ROUNDS, settledMemory, type Timing } from "./harness.js";
import { stream, tableStream } from "./operations.js";
import { generateAddressOnly, generateMixed, type Flag, type GeneratedPolicy } from "./policy-gen.js";

export interface Budgets {
  /** Timed ms per stream for the compiled decider. */
  readonly compiledMs: number;
  /** Timed ms per stream for each baseline. */
  readonly baselineMs: number;
}

export interface StreamResult {
  /** `name`, `address`, `resolve`, `table` (mixed policy) or `address-only`. */
  readonly stream: string;
  readonly compiled: Timing;
  readonly naive: Timing;
  readonly naiveAgreement: Agreement;
  readonly blockList?: Timing;
  readonly blockListAgreement?: Agreement;
}

export interface BuildResult {
  /** Rules parsed, one `parseRule` each (`parsePolicy` stops at 65 536 rules). */
  readonly rules: number;
  readonly parseMs: number;
  /** Bytes the parsed `Policy` retains. */
  readonly policyBytes: number;
  /** Median compile time over `compileRunsMs`. */
  readonly compileMs: number;
  readonly compileRunsMs: readonly number[];
  /** Bytes the compiled structures retain beyond the policy, right after compile (median over runs). */
  readonly compiledBytes: number;
  readonly bytesPerRule: number;
  /**
   * Bytes the compiled policy retains after every stream was decided: what
   * it built lazily (per-rule words of decisions, say) counts too. Measured
   * as memory with it minus memory once it is dropped.
   */
  readonly bytesAfterDecisions: number;
  readonly bytesPerRuleAfterDecisions: number;
}

export interface SizeResult {
  readonly size: number;
  readonly mixed: BuildResult;
  readonly addressOnly: BuildResult & { readonly blockListBuildMs: number };
  readonly streams: readonly StreamResult[];
}

function parseFlags(flags: readonly Flag[]): Policy {
  return { rules: flags.map((f, index) => parseRule(f.kind, f.value, { index, origin: "bench" })) };
}

/** How many compiles to time: enough for a median, few at the big sizes. */
function compileRuns(size: number): number {
  return size <= 10_000 ? 7 : size <= 100_000 ? 3 : 1;
}

/** A compiled policy that the suite can drop, to see what it retained. */
interface Built {
  readonly policy: Policy;
  compiled: CompiledPolicy | undefined;
  readonly result: Omit<BuildResult, "bytesAfterDecisions" | "bytesPerRuleAfterDecisions">;
}

/** Drops `b.compiled` and returns the build result with the bytes it retained. */
function release(b: Built): BuildResult {
  const withIt = settledMemory();
  b.compiled = undefined;
  const bytes = withIt - settledMemory();
  return { ...b.result, bytesAfterDecisions: bytes, bytesPerRuleAfterDecisions: bytes / b.result.rules };
}

function build(flags: readonly Flag[]): Built {
  const parsed = built(() => parseFlags(flags));
  const runs: number[] = [];
  const bytes: number[] = [];
  let compiled: CompiledPolicy | undefined;
  for (let k = 0; k < compileRuns(flags.length); k++) {
    compiled = undefined;
    const c = built(() => compile(parsed.value));
    runs.push(c.ms);
    bytes.push(c.bytes);
    compiled = c.value;
  }
  const compiledBytes = median(bytes);
  return {
    policy: parsed.value,
    compiled: compiled!,
    result: {
      rules: flags.length,
      parseMs: parsed.ms,
      policyBytes: parsed.bytes,
      compileMs: median(runs),
      compileRunsMs: runs,
      compiledBytes,
      bytesPerRule: compiledBytes / flags.length,
    },
  };
}

const now = process.hrtime.bigint;
const allowedOf = (b: Decision | boolean): boolean => (typeof b === "boolean" ? b : b.allowed);
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, Math.floor(x)));

/** A baseline decision slower than this is timed alone, not in batches. */
const SLOW_NS = 20_000;

/**
 * Times a baseline and compares it with the compiled decider. One probe
 * decision (not counted) tells its cost. A fast baseline is timed in batches
 * like the compiled decider, then compared on the stream's first `most`
 * operations; a slow one (the naive decider on big policies: most of a
 * second at 1M rules) is timed one decision at a time, each compared as it
 * comes. Either way the budget bounds the run, with at least 3 decisions.
 */
function runBaseline(
  baseline: Baseline,
  compiled: (op: Operation) => Decision,
  ops: readonly Operation[],
  budgetMs: number,
  most: number,
): { timing: Timing; agreement: Agreement } {
  const counter = new AgreementCounter();
  const t0 = now();
  baseline(ops[0]!);
  const cost = Math.max(1, Number(now() - t0));
  const deadline = (): bigint => now() + BigInt(Math.round(budgetMs * 1e6));
  if (cost >= SLOW_NS) {
    const samples: number[] = [];
    let allowed = 0;
    const end = deadline();
    for (let i = 0; i < ops.length && (i < 3 || now() < end); i++) {
      const op = ops[i]!;
      const t = now();
      const b = baseline(op);
      samples.push(Number(now() - t));
      if (allowedOf(b)) allowed++;
      counter.add(op, compiled(op), b);
    }
    return { timing: fromSamples(samples, allowed), agreement: counter.result() };
  }
  const batch = clamp(SLOW_NS / cost, 1, 32);
  const timing = measure((op) => allowedOf(baseline(op)), ops, {
    budgetMs,
    batch,
    // Rounds of a third of the budget, at most one pass over the stream.
    roundBatches: clamp(Math.min(ops.length, (budgetMs * 1e6) / MIN_ROUNDS / cost) / batch, 1, ops.length),
    warmup: clamp((0.1 * budgetMs * 1e6) / cost, 0, 20_000),
  });
  const end = deadline();
  for (let i = 0; i < Math.min(most, ops.length) && (i < 3 || now() < end); i++) counter.add(ops[i]!, compiled(ops[i]!), baseline(ops[i]!));
  return { timing, agreement: counter.result() };
}

function streamResult(
  name: string,
  compiled: CompiledPolicy,
  policy: Policy,
  ops: readonly Operation[],
  budgets: Budgets,
  table?: ResolutionTable,
): StreamResult {
  const fast = measure((op) => compiled.decide(op, table).allowed, ops, {
    budgetMs: budgets.compiledMs,
    batch: 32,
    roundBatches: ops.length / 32,
    warmup: ops.length,
  });
  const naive = runBaseline(naiveDecider(policy, table), (op) => compiled.decide(op, table), ops, budgets.baselineMs, 2000);
  return { stream: name, compiled: fast, naive: naive.timing, naiveAgreement: naive.agreement };
}

/**
 * The mixed policy's four streams. In a function of its own (as is
 * `againstBlockList`) so that no interpreter register of the caller still
 * holds the compiled policy when `release` drops it to weigh it.
 */
function mixedStreams(mixed: Built, generated: GeneratedPolicy, size: number, seed: number, budgets: Budgets): StreamResult[] {
  const compiled = mixed.compiled!;
  const streams: StreamResult[] = [];
  for (const [i, kind] of (["name", "address", "resolve"] as const).entries()) {
    progress(`${size} rules: ${kind} decisions`);
    const ops = stream(generated, kind, seed * 31 + i, size);
    streams.push(streamResult(kind, compiled, mixed.policy, ops, budgets));
  }
  for (const [i, kind] of (["name", "address"] as const).entries()) {
    progress(`${size} rules: ${kind} decisions, Zipf popularity`);
    const ops = stream(generated, kind, seed * 31 + 20 + i, size, undefined, "zipf");
    streams.push(streamResult(`${kind} (zipf)`, compiled, mixed.policy, ops, budgets));
  }
  progress(`${size} rules: address decisions through a resolution table`);
  const session = tableStream(generated, seed * 31 + 7);
  streams.push(streamResult("table", compiled, mixed.policy, session.ops, budgets, session.table));
  return streams;
}

/** The address-only stream, against the naive decider and BlockList (a function, so that nothing here outlives it). */
function againstBlockList(only: Built, blockList: Baseline, ops: readonly Operation[], budgets: Budgets): StreamResult {
  const compiled = only.compiled!;
  const base = streamResult("address-only", compiled, only.policy, ops, budgets);
  const vs = runBaseline(blockList, (op) => compiled.decide(op), ops, budgets.baselineMs, 20_000);
  return { ...base, blockList: vs.timing, blockListAgreement: vs.agreement };
}

/** Writes a progress line on stderr (stdout carries only the report). */
function progress(text: string): void {
  process.stderr.write(`  ${text}\n`);
}

/**
 * Measures one size.
 *
 * @example runSize(1000, 1, { compiledMs: 1000, baselineMs: 1000 })
 */
export function runSize(size: number, seed: number, budgets: Budgets): SizeResult {
  progress(`${size} rules: generating, parsing, compiling`);
  const generated = generateMixed(size, seed);
  const mixed = build(generated.flags);
  const streams = mixedStreams(mixed, generated, size, seed, budgets);
  const mixedResult = release(mixed);

  progress(`${size} rules: address-only policy, against net.BlockList`);
  const addressFlags = generateAddressOnly(size, seed + 1);
  const only = build(addressFlags.flags);
  const blockList = built(() => blockListDecider(only.policy));
  const ops = stream(addressFlags, "address", seed * 31 + 11, size);
  const streamsAll = [...streams, againstBlockList(only, blockList.value, ops, budgets)];
  return { size, mixed: mixedResult, addressOnly: { ...release(only), blockListBuildMs: blockList.ms }, streams: streamsAll };
}
