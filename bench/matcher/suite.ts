/**
 * One policy size, measured whole: generate (seeded), parse, compile (time
 * and retained bytes), then every operation stream through the compiled
 * decider and, in the same run, through the baselines, checking on a sample
 * that they agree.
 */
import { compile, parseRule, type CompiledPolicy, type Operation, type Policy, type ResolutionTable } from "@netperm/core";
import { agreement, blockListDecider, naiveDecider, naiveDecision, type Agreement } from "./baselines.js";
import { built, measure, median, type Decider, type Timing } from "./harness.js";
import { stream, tableStream } from "./operations.js";
import { generateAddressOnly, generateMixed, type Flag } from "./policy-gen.js";

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
  /** Bytes the compiled structures retain beyond the policy (median over runs). */
  readonly compiledBytes: number;
  readonly bytesPerRule: number;
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

function build(flags: readonly Flag[]): { policy: Policy; compiled: CompiledPolicy; result: BuildResult } {
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

/**
 * Times a slow baseline: one probe decision sets the warm-up and the batch,
 * so that the budget bounds the run (at 1M rules one naive decision takes
 * most of a second: then a handful of decisions is all that is timed).
 */
function timeBaseline(decide: Decider, ops: readonly Operation[], budgetMs: number): Timing {
  const t0 = process.hrtime.bigint();
  decide(ops[0]!);
  const cost = Math.max(1, Number(process.hrtime.bigint() - t0));
  const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, Math.floor(x)));
  const batch = clamp(20_000 / cost, 1, 32);
  return measure(decide, ops, {
    budgetMs,
    batch,
    warmup: clamp((0.1 * budgetMs * 1e6) / cost, 0, 20_000),
    minDecisions: batch * clamp((budgetMs * 1e6) / cost / batch, 3, 10),
    maxDecisions: 5e7,
  });
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
    warmup: ops.length,
    minDecisions: 32 * 100,
    maxDecisions: 5e7,
  });
  const naive = timeBaseline(naiveDecider(policy, table), ops, budgets.baselineMs);
  const naiveAgreement = agreement((op) => compiled.decide(op, table), naiveDecision(policy, table), ops.slice(0, 2000), budgets.baselineMs);
  return { stream: name, compiled: fast, naive, naiveAgreement };
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
  const streams: StreamResult[] = [];
  for (const [i, kind] of (["name", "address", "resolve"] as const).entries()) {
    progress(`${size} rules: ${kind} decisions`);
    const ops = stream(generated, kind, seed * 31 + i, size);
    streams.push(streamResult(kind, mixed.compiled, mixed.policy, ops, budgets));
  }
  progress(`${size} rules: address decisions through a resolution table`);
  const session = tableStream(generated, seed * 31 + 7);
  streams.push(streamResult("table", mixed.compiled, mixed.policy, session.ops, budgets, session.table));

  progress(`${size} rules: address-only policy, against net.BlockList`);
  const addressFlags = generateAddressOnly(size, seed + 1);
  const only = build(addressFlags.flags);
  const blockList = built(() => blockListDecider(only.policy));
  const ops = stream(addressFlags, "address", seed * 31 + 11, size);
  const base = streamResult("address-only", only.compiled, only.policy, ops, budgets);
  const blockListTiming = timeBaseline(blockList.value, ops, budgets.baselineMs);
  const blockListAgreement = agreement((op) => only.compiled.decide(op), blockList.value, ops.slice(0, 20_000), budgets.baselineMs);
  streams.push({ ...base, blockList: blockListTiming, blockListAgreement });
  return { size, mixed: mixed.result, addressOnly: { ...only.result, blockListBuildMs: blockList.ms }, streams };
}
