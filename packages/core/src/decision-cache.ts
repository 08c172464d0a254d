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

/** What one rule contributes to any decision it decides. */
export interface RuleWords {
  readonly rule: DecidingRule;
  readonly allowed: string;
  readonly denied: string;
}

/** Per-rule words, made on first use (memory grows only with the rules that decide something). */
export class DecisionCache {
  private readonly words: (RuleWords | undefined)[];

  constructor(private readonly rules: readonly Rule[]) {
    this.words = [];
  }

  /** The words of the rule at policy position `index`. */
  of(index: number): RuleWords {
    const known = this.words[index];
    if (known !== undefined) return known;
    const source = this.rules[index]!.source;
    const flag = source.flag;
    const made: RuleWords = {
      rule: Object.freeze({ flag, index: source.index, source: source.origin }),
      allowed: `allowed by ${flag}`,
      denied: `denied by ${flag}`,
    };
    if (index >= this.words.length) {
      // Keep the array dense (a holey array of a million slots is a dictionary).
      for (let i = this.words.length; i < index; i++) this.words.push(undefined);
      this.words.push(made);
    } else this.words[index] = made;
    return made;
  }
}

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
export function allowedEndpoint(op: OperationKind, protocol: Protocol, host: string, port: number, w: RuleWords): Decision {
  return { allowed: true, op, protocol, host, port, rule: w.rule, reason: "allowed", message: w.allowed };
}

/** A connect, bind or send denied by a rule matching the operation itself. */
export function deniedEndpoint(op: OperationKind, protocol: Protocol, host: string, port: number, w: RuleWords): Decision {
  return { allowed: false, op, protocol, host, port, rule: w.rule, reason: "denied-by-rule", message: w.denied };
}

/** A connect, bind or send that no rule matches. */
export function noRuleEndpoint(op: OperationKind, protocol: Protocol, host: string, port: number, b: BucketWords, none: boolean): Decision {
  const message = none ? b.none : b.noMatch + endpointText(host, port);
  return { allowed: false, op, protocol, host, port, reason: "no-rule", message };
}

/** An allowed resolve, without mapping or family. */
export function allowedName(host: string, w: RuleWords): Decision {
  return { allowed: true, op: "resolve", host, rule: w.rule, reason: "allowed", message: w.allowed };
}

/** A resolve denied by a rule. */
export function deniedName(host: string, w: RuleWords): Decision {
  return { allowed: false, op: "resolve", host, rule: w.rule, reason: "denied-by-rule", message: w.denied };
}

/** A resolve that no rule matches. */
export function noRuleName(host: string, b: BucketWords, none: boolean): Decision {
  return { allowed: false, op: "resolve", host, reason: "no-rule", message: none ? b.none : b.noMatch + endpointText(host, undefined) };
}
