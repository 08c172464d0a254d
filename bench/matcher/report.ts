/**
 * The matcher benchmark's report: markdown tables (build, decisions, the
 * issue's targets) and the figures behind them as one JSON value.
 */
import type { LoadLatency } from "./memory-latency.js";
import type { SizeResult, StreamResult } from "./suite.js";

/** The targets of issue 7, each with what was measured and whether it was met. */
export interface TargetResult {
  readonly target: string;
  readonly measured: string;
  /** `null` when the size it needs was not run. */
  readonly met: boolean | null;
}

/** `1000` -> `1k`, `1000000` -> `1M`. */
export function sizeLabel(n: number): string {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}k`;
  return String(n);
}

/** 262144 -> "256 KiB", 16777216 -> "16 MiB". */
const bytesLabel = (n: number): string => (n >= 2 ** 20 ? `${n / 2 ** 20} MiB` : `${n / 1024} KiB`);

const fixed = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : "-");
const ns = (x: number): string => (x >= 1e6 ? `${fixed(x / 1e6, 2)} ms` : x >= 1e4 ? `${fixed(x / 1e3, 1)} µs` : fixed(x, 0));
const ratio = (x: number): string => (x >= 100 ? `${fixed(x, 0)}x` : `${fixed(x, 1)}x`);

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

function agree(s: StreamResult): string {
  const a = s.naiveAgreement;
  const b = s.blockListAgreement;
  const part = (x: typeof a, who: string): string => (x.disagreements === 0 ? `${x.compared}/${x.compared}` : `**${x.disagreements} of ${x.compared} differ from ${who}**`);
  return b === undefined ? part(a, "naive") : `${part(a, "naive")}, BlockList ${part(b, "BlockList")}`;
}

/** Markdown: build table, decision table, targets. */
export function markdown(sizes: readonly SizeResult[], targets: readonly TargetResult[], loads: readonly LoadLatency[] = []): string {
  const build = table(
    ["rules", "policy", "parse ms", "compile ms (median, min)", "compiled bytes/rule", "after decisions", "parsed policy bytes/rule"],
    sizes.flatMap((s) =>
      (["mixed", "addressOnly"] as const).map((k) => {
        const b = s[k];
        return [sizeLabel(s.size), k === "mixed" ? "mixed" : "address-only", fixed(b.parseMs, 0), `${fixed(b.compileMs, 0)}, ${fixed(Math.min(...b.compileRunsMs), 0)}`, fixed(b.bytesPerRule, 0), fixed(b.bytesPerRuleAfterDecisions, 0), fixed(b.policyBytes / b.rules, 0)];
      }),
    ),
  );
  const decisions = table(
    ["rules", "stream", "allowed", "decisions/s", "ns/decision", "p50 ns", "p99 ns", "naive ns", "vs naive", "BlockList ns", "vs BlockList", "agree (sampled)"],
    sizes.flatMap((s) =>
      s.streams.map((st) => [
        sizeLabel(s.size),
        st.stream,
        `${fixed(st.compiled.allowedShare * 100, 0)}%`,
        `${fixed(st.compiled.perSecond / 1e6, 2)}M`,
        fixed(st.compiled.ns, 0),
        fixed(st.compiled.p50Ns, 0),
        fixed(st.compiled.p99Ns, 0),
        ns(st.naive.ns),
        ratio(st.naive.ns / st.compiled.ns),
        st.blockList === undefined ? "" : ns(st.blockList.ns),
        st.blockList === undefined ? "" : ratio(st.blockList.ns / st.compiled.ns),
        agree(st),
      ]),
    ),
  );
  const goals = table(
    ["target", "measured", "met"],
    targets.map((t) => [t.target, t.measured, t.met === null ? "not run" : t.met ? "yes" : "**no**"]),
  );
  const differ = sizes.flatMap((s) =>
    s.streams.flatMap((st) => [...st.naiveAgreement.examples, ...(st.blockListAgreement?.examples ?? [])].map((e) => `- ${sizeLabel(s.size)} ${st.stream}: ${e}`)),
  );
  return [
    ...(differ.length === 0 ? [] : ["### Disagreements with a baseline (a bug in one of them)", "", ...differ, ""]),
    "### Build",
    "",
    build,
    "",
    "### Decisions",
    "",
    "One thread. ns/decision: the fastest of >= 3 rounds (a round: one pass over the 65 536-operation stream);",
    "p50/p99: over batches of 32 in every round. Baselines slower than 20 µs are timed one decision at a time",
    "(ns/decision: their median). `agree`: decisions compared with the baseline (allowed, reason, rule).",
    "Streams: rules aimed at uniformly (every decision lands in a cold part of a big policy), or with Zipf",
    "popularity `(zipf)`: a few destinations take most of the traffic, as real traffic does.",
    ...(loads.length === 0
      ? []
      : [`This machine's floor, one dependent load at random in: ${loads.map((l) => `${bytesLabel(l.bytes)} ${fixed(l.ns, 0)} ns`).join(", ")}.`]),
    "",
    decisions,
    "",
    "### Targets",
    "",
    goals,
    "",
  ].join("\n");
}

function at(sizes: readonly SizeResult[], n: number): SizeResult | undefined {
  return sizes.find((s) => s.size === n);
}

function streamAt(s: SizeResult | undefined, name: string): StreamResult | undefined {
  return s?.streams.find((x) => x.stream === name);
}

/** Evaluates the issue's targets on what was measured. */
export function targets(sizes: readonly SizeResult[]): TargetResult[] {
  const out: TargetResult[] = [];
  const k100 = at(sizes, 100_000);
  const small = at(sizes, 1_000);
  const big = at(sizes, 1_000_000);
  const none = (target: string): TargetResult => ({ target, measured: "-", met: null });

  out.push(k100 === undefined ? none("100k rules compile < 1 s") : { target: "100k rules compile < 1 s", measured: `${fixed(k100.mixed.compileMs, 0)} ms`, met: k100.mixed.compileMs < 1000 });
  const goals = [["name", 2e6], ["name (zipf)", 2e6], ["resolve", 2e6], ["address", 5e6], ["address (zipf)", 5e6], ["table", 5e6], ["address-only", 5e6]] as const;
  for (const [name, goal] of goals) {
    const label = `100k rules, ${name} decisions >= ${goal / 1e6}M/s`;
    const st = streamAt(k100, name);
    out.push(st === undefined ? none(label) : { target: label, measured: `${fixed(st.compiled.perSecond / 1e6, 2)}M/s`, met: st.compiled.perSecond >= goal });
  }
  if (k100 === undefined) out.push(none(">= 50x the naive decider at 100k"));
  else {
    const worst = [...k100.streams].sort((a, b) => a.naive.ns / a.compiled.ns - b.naive.ns / b.compiled.ns)[0]!;
    const r = worst.naive.ns / worst.compiled.ns;
    out.push({ target: ">= 50x the naive decider at 100k (worst stream)", measured: `${ratio(r)} (${worst.stream})`, met: r >= 50 });
  }
  for (const zipf of [false, true]) {
    const kind = zipf ? "Zipf streams" : "uniform streams";
    const label = `1M-rule ns/decision within 2x of 1k (worst of the ${kind})`;
    if (small === undefined || big === undefined) {
      out.push(none(label));
      continue;
    }
    const growth = small.streams
      .filter((s) => s.stream.endsWith("(zipf)") === zipf && streamAt(big, s.stream) !== undefined)
      .map((s) => ({ stream: s.stream, r: streamAt(big, s.stream)!.compiled.ns / s.compiled.ns }));
    const worst = growth.sort((a, b) => b.r - a.r)[0];
    out.push(worst === undefined ? none(label) : { target: label, measured: `${fixed(worst.r, 2)}x (${worst.stream})`, met: worst.r <= 2 });
  }
  const measured = sizes.filter((s) => s.size >= 10_000);
  if (measured.length === 0) out.push(none("< 200 bytes per rule after compile"));
  else {
    // The larger of right after compile and after every stream was decided.
    const perRule = (s: SizeResult): number => Math.max(s.mixed.bytesPerRule, s.mixed.bytesPerRuleAfterDecisions);
    const worst = [...measured].sort((a, b) => perRule(b) - perRule(a))[0]!;
    out.push({ target: "< 200 bytes per rule after compile (worst size >= 10k, mixed, before or after deciding)", measured: `${fixed(perRule(worst), 0)} B at ${sizeLabel(worst.size)}`, met: perRule(worst) < 200 });
  }
  return out;
}
