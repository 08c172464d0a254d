/**
 * The parts of a decision that depend only on its deciding rule (the `rule`
 * value `{ flag, index, source }` and the "allowed by" / "denied by"
 * messages) and on its bucket ("no --allow-outbound rule for tcp"). The
 * common decisions (allowed without a mapping or a family, denied by a rule,
 * no rule) are made here with exactly the words `toDecision` writes (a
 * property test holds the two together); every other decision is left to
 * `toDecision`.
 */
import { endpointText } from "./decision-text.js";
import type { Decision, DecidingRule, OperationKind, Protocol, Rule } from "./types.js";

/**
 * The rule value of each rule that decided something, frozen and made on
 * first use (one pointer per rule and one small object per deciding rule;
 * the messages are not kept, so the memory a policy holds grows little as it
 * decides). `of` also writes the rule's message into `words`, a small array
 * reused by every decision: the rule value, then its "allowed by" or
 * "denied by" message (a rule is either an allow or a deny rule).
 */
export class DecisionCache {
  /** The rule value and message of the last `of`. */
  readonly words: (DecidingRule | string | undefined)[] = [undefined, undefined, undefined];
  private readonly values: (DecidingRule | undefined)[] = [];

  constructor(private readonly rules: readonly Rule[]) {}

  /**
   * Writes the words of the rule at policy position `index` into `words`
   * (the "allowed by" message at 1 when `allowed`, else "denied by" at 2);
   * returns where they start.
   */
  of(index: number, allowed: boolean): number {
    let value = index < this.values.length ? this.values[index] : undefined;
    if (value === undefined) {
      const source = this.rules[index]!.source;
      value = Object.freeze({ flag: source.flag, index: source.index, source: source.origin });
      // Keep the array dense (a holey array of a million rules is a dictionary).
      while (this.values.length <= index) this.values.push(undefined);
      this.values[index] = value;
    }
    this.words[0] = value;
    if (allowed) this.words[1] = `allowed by ${value.flag}`;
    else this.words[2] = `denied by ${value.flag}`;
    return 0;
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
