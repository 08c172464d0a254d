/**
 * The parts of a decision that depend only on its deciding rule, built once
 * per rule the first time a decision names it: the frozen `rule` value
 * (`{ flag, index, source }`) and the "allowed by" / "denied by" messages.
 * A decision then costs one object, with no string built from the rule: the
 * common decisions (allowed without a mapping or a family, denied by a rule,
 * no rule) are made here with exactly the words `toDecision` writes (a
 * property test holds the two together); every other decision is left to
 * `toDecision`.
 */
import { endpointText } from "./decision-text.js";
import type { Decision, DecidingRule, OperationKind, Protocol, Rule } from "./types.js";

/**
 * Per-rule words, made on first use (memory grows only with the rules that
 * decide something): three entries per rule, side by side in one array so
 * that a decision reads one place, not an object and then its fields: the
 * frozen rule value, the "allowed by" message and the "denied by" message.
 */
export class DecisionCache {
  /** Rule `i` at `3 * i`: rule value, allowed message, denied message. */
  readonly words: (DecidingRule | string | undefined)[] = [];

  constructor(private readonly rules: readonly Rule[]) {}

  /** Where the words of the rule at policy position `index` are in `words` (made now if need be). */
  of(index: number): number {
    const at = index * 3;
    if (at < this.words.length && this.words[at] !== undefined) return at;
    const source = this.rules[index]!.source;
    const flag = source.flag;
    // Keep the array dense (a holey array of a million rules is a dictionary).
    while (this.words.length <= at + 2) this.words.push(undefined);
    this.words[at] = Object.freeze({ flag, index: source.index, source: source.origin });
    this.words[at + 1] = `allowed by ${flag}`;
    this.words[at + 2] = `denied by ${flag}`;
    return at;
  }
}

/** The words of the deciding rule: `words` and where its entries start. */
type Words = readonly (DecidingRule | string | undefined)[];

/** The words of a bucket: "no --allow-outbound rule for tcp" and the like. */
export interface BucketWords {
  /** `no ${kind}` (the bucket has no allow rule at all). */
  readonly none: string;
  /** `no ${kind} matches ` (followed by the endpoint). */
  readonly noMatch: string;
}

/** The words of a bucket with flag `flag`, for one protocol (undefined: resolve). */
export function bucketWords(flag: string, protocol: Protocol | undefined): BucketWords {
  const kind = protocol === undefined ? `${flag} rule` : `${flag} rule for ${protocol}`;
  return { none: `no ${kind}`, noMatch: `no ${kind} matches ` };
}

/** An allowed decision on a connect, bind or send, without mapping or family. */
export function allowedEndpoint(op: OperationKind, protocol: Protocol, host: string, port: number, w: Words, at: number): Decision {
  return { allowed: true, op, protocol, host, port, rule: w[at] as DecidingRule, reason: "allowed", message: w[at + 1] as string };
}

/** A connect, bind or send denied by a rule matching the operation itself. */
export function deniedEndpoint(op: OperationKind, protocol: Protocol, host: string, port: number, w: Words, at: number): Decision {
  return { allowed: false, op, protocol, host, port, rule: w[at] as DecidingRule, reason: "denied-by-rule", message: w[at + 2] as string };
}

/** A connect, bind or send that no rule matches. */
export function noRuleEndpoint(op: OperationKind, protocol: Protocol, host: string, port: number, b: BucketWords, none: boolean): Decision {
  const message = none ? b.none : b.noMatch + endpointText(host, port);
  return { allowed: false, op, protocol, host, port, reason: "no-rule", message };
}

/** An allowed resolve, without mapping or family. */
export function allowedName(host: string, w: Words, at: number): Decision {
  return { allowed: true, op: "resolve", host, rule: w[at] as DecidingRule, reason: "allowed", message: w[at + 1] as string };
}

/** A resolve denied by a rule. */
export function deniedName(host: string, w: Words, at: number): Decision {
  return { allowed: false, op: "resolve", host, rule: w[at] as DecidingRule, reason: "denied-by-rule", message: w[at + 2] as string };
}

/** A resolve that no rule matches. */
export function noRuleName(host: string, b: BucketWords, none: boolean): Decision {
  return { allowed: false, op: "resolve", host, reason: "no-rule", message: none ? b.none : b.noMatch + endpointText(host, undefined) };
}
