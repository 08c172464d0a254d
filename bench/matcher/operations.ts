/**
 * Seeded streams of operations aimed at a generated policy: most aim at a
 * host and port that some rule was written for (allow or deny rules, in the
 * policy's own proportion), the rest at hosts and ports no rule names, so
 * that a realistic share (roughly half to two thirds) is allowed.
 */
import { ResolutionTable, type Operation } from "@netperm/core";
import type { GeneratedPolicy, Target } from "./policy-gen.js";
import { strayAddress, strayName, strayPort } from "./hosts.js";
import { Random } from "./random.js";

/**
 * What a stream asks: connect by name, connect by address, resolve a name,
 * or connect by address to answers a resolution table holds for names.
 */
export type StreamKind = "name" | "address" | "resolve" | "table";

/** Operations per stream: large enough that a big policy's structures do not all sit in cache. */
export const STREAM_LENGTH = 1 << 16;

/** Share of a stream aimed at a rule's own target. */
const AIMED = 0.75;

/**
 * A stream of `length` operations of one kind on `policy`.
 *
 * @example stream(generateMixed(1000, 1), "name", 7)[0] // { op: "connect", protocol: "tcp", host: "api12.web.org3.io", port: 443 }
 */
export function stream(
  policy: GeneratedPolicy,
  kind: Exclude<StreamKind, "table">,
  seed: number,
  size: number,
  length = STREAM_LENGTH,
  popularity: Popularity = "uniform",
): Operation[] {
  const r = new Random(seed);
  const what: Target["what"] = kind === "address" ? "address" : "name";
  const aimed = policy.targets.filter((t) => t.what === what);
  const pickAimed = popularity === "uniform" ? () => r.pick(aimed) : zipfPicker(aimed, r);
  const ops: Operation[] = [];
  for (let i = 0; i < length; i++) {
    const target = aimed.length > 0 && r.chance(AIMED) ? pickAimed() : undefined;
    const host = target?.host ?? (what === "name" ? strayName(r, size) : strayAddress(r));
    if (kind === "resolve") {
      ops.push({ op: "resolve", host });
      continue;
    }
    const port = target !== undefined && r.chance(0.85) ? target.port : strayPort(r);
    ops.push({ op: "connect", protocol: "tcp", host, port });
  }
  return asReceived(ops);
}

/**
 * How the aimed operations choose their rule: `uniform` (every rule as likely:
 * each decision goes to a cold part of a big policy, so it measures the
 * machine's memory latency as much as the matcher), or `zipf` (the rule of
 * rank k, in a seeded random order, with probability proportional to 1/k:
 * a few destinations take most connections, as in real traffic).
 */
export type Popularity = "uniform" | "zipf";

/** Draws from `list` with Zipf(1) weights over a seeded shuffle of it. */
function zipfPicker<T>(list: readonly T[], r: Random): () => T {
  const order = list.slice();
  for (let i = order.length - 1; i > 0; i--) {
    const j = r.below(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const cumulative = new Float64Array(order.length);
  let total = 0;
  for (let k = 0; k < order.length; k++) cumulative[k] = total += 1 / (k + 1);
  return () => {
    const x = (r.next() / 4294967296) * total;
    let lo = 0;
    let hi = order.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return order[lo]!;
  };
}

/**
 * The operations as an enforcement point receives them: each a fresh object
 * with its host a flat string allocated beside it, as a host parsed from a
 * request or decoded from guest memory is. The generator builds hosts by
 * concatenation (V8 ropes, whose characters sit in another allocation), and
 * reading such a host costs a dependent load of its own on a stream too big
 * for the cache: measured at 100k rules, 865-919 ns per name decision
 * against 531-670 ns for the same stream as received.
 */
function asReceived(ops: readonly Operation[]): Operation[] {
  return JSON.parse(JSON.stringify(ops)) as Operation[];
}

/** Names a session has resolved at most: the resolution table's default bound. */
export const TABLE_NAMES = 10_000;

/**
 * A session after `TABLE_NAMES` lookups of names the policy's rules were
 * written for, each answered with its own address in 100.64.0.0/10, and a
 * stream connecting to those answers (and to stray addresses). Name rules
 * match these addresses only through the table: the path a WASI guest takes.
 */
export function tableStream(policy: GeneratedPolicy, seed: number, length = STREAM_LENGTH): { table: ResolutionTable; ops: Operation[] } {
  const r = new Random(seed);
  const named = policy.targets.filter((t) => t.what === "name");
  const table = new ResolutionTable({ clock: { now: () => 0 }, maxEntries: TABLE_NAMES });
  const answers: { host: string; port: number }[] = [];
  const count = Math.min(TABLE_NAMES, named.length);
  for (let i = 0; i < count; i++) {
    const target = named[r.below(named.length)]!;
    const n = ((100 << 24) | (64 << 16)) + i + 1;
    const address = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    table.record(target.host, [address], 3600);
    answers.push({ host: address, port: target.port });
  }
  const ops: Operation[] = [];
  for (let i = 0; i < length; i++) {
    const answer = answers.length > 0 && r.chance(AIMED) ? r.pick(answers) : undefined;
    const host = answer?.host ?? strayAddress(r);
    const port = answer !== undefined && r.chance(0.85) ? answer.port : strayPort(r);
    ops.push({ op: "connect", protocol: "tcp", host, port });
  }
  return { table, ops: asReceived(ops) };
}
