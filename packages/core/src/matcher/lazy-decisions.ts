/**
 * The common decisions (allowed by a rule without mapping or family, denied
 * by a rule matching the operation itself, no rule) as small objects whose
 * `rule` and `message` are made when first read. Deciding then touches no
 * per-rule memory: at 100k rules that memory is cold, and reading a rule's
 * source and building its message cost as much as the lookup itself.
 *
 * Every other decision (mappings, families, not-resolved, invalid input) is
 * a plain object from `toDecision`. Either kind reads, prints
 * (`JSON.stringify`, `util.inspect`) and spreads (`decisionValue`) as the
 * same value, field for field and word for word (a property test holds them
 * to the reference decider's).
 */
import { hostPort } from "../enforce/authority.js";
import type { Decision, DecidingRule, OperationKind, Protocol, Reason, Rule } from "../types.js";

/**
 * The rule value of each rule that decided something, frozen and made on
 * first use (one pointer per rule and one small object per deciding rule),
 * so every decision of a rule shares one `rule` object.
 */
export class DecisionCache {
  private readonly values: (DecidingRule | undefined)[] = [];

  constructor(private readonly rules: readonly Rule[]) {}

  /** The rule value of the rule at policy position `index`. */
  of(index: number): DecidingRule {
    let value = index < this.values.length ? this.values[index] : undefined;
    if (value === undefined) {
      const source = this.rules[index]!.source;
      value = Object.freeze({ flag: source.flag, index: source.index, source: source.origin });
      // Keep the array dense (a holey array of a million rules is a dictionary).
      while (this.values.length <= index) this.values.push(undefined);
      this.values[index] = value;
    }
    return value;
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

const inspect = Symbol.for("nodejs.util.inspect.custom");

/**
 * `rule` and `message` of a common decision, made on first read (the
 * message is kept). `index` is the deciding rule's policy position, with
 * its rule values in `cache`; or `NO_MATCH` / `NO_ALLOW_RULE` when no rule
 * decided, and then `cache` is the bucket's words, which make the message.
 */
abstract class CommonDecision {
  abstract readonly allowed: boolean;
  abstract readonly host: string;
  readonly #cache: DecisionCache | BucketWords;
  readonly #index: number;
  #message: string | undefined = undefined;

  constructor(cache: DecisionCache | BucketWords, index: number) {
    this.#cache = cache;
    this.#index = index;
  }

  /** The rule that decided; undefined when no rule did. */
  get rule(): DecidingRule | undefined {
    return this.#index < 0 ? undefined : (this.#cache as DecisionCache).of(this.#index);
  }

  /** "allowed by --allow-…", "denied by --deny-…" or "no --allow-… rule … matches host:port". */
  get message(): string {
    if (this.#message !== undefined) return this.#message;
    const i = this.#index;
    let m: string;
    if (i >= 0) m = `${this.allowed ? "allowed" : "denied"} by ${(this.#cache as DecisionCache).of(i).flag}`;
    else {
      const words = this.#cache as BucketWords;
      m = i === NO_ALLOW_RULE ? words.none : words.noMatch + this.endpoint();
    }
    this.#message = m;
    return m;
  }

  /** `host:port` (or the name) for "no … matches". */
  protected abstract endpoint(): string;

  /** The decision as a plain object, keys in the documented order: what `JSON.stringify` writes. */
  abstract toJSON(): Decision;

  [inspect](): Decision {
    return this.toJSON();
  }
}

/** `index` of a decision no rule matched. */
export const NO_MATCH = -1;
/** `index` of a decision in a bucket with no allow rule at all. */
export const NO_ALLOW_RULE = -2;

/**
 * A common decision on a connect, bind or send: decided by the rule at
 * `index` of `cache`, or (`NO_MATCH`, `NO_ALLOW_RULE`) by none, in a bucket
 * with words `cache`.
 */
export class EndpointDecision extends CommonDecision {
  constructor(
    readonly allowed: boolean,
    readonly op: OperationKind,
    readonly protocol: Protocol,
    readonly host: string,
    readonly port: number,
    readonly reason: Reason,
    cache: DecisionCache | BucketWords,
    index: number,
  ) {
    super(cache, index);
  }

  protected endpoint(): string {
    return hostPort(this.host, this.port);
  }

  toJSON(): Decision {
    const { allowed, op, protocol, host, port, rule, reason, message } = this;
    return rule === undefined ? { allowed, op, protocol, host, port, reason, message } : { allowed, op, protocol, host, port, rule, reason, message };
  }
}

/** A common decision on a resolve; see `EndpointDecision`. */
export class NameDecision extends CommonDecision {
  readonly op = "resolve" as const;

  constructor(
    readonly allowed: boolean,
    readonly host: string,
    readonly reason: Reason,
    cache: DecisionCache | BucketWords,
    index: number,
  ) {
    super(cache, index);
  }

  protected endpoint(): string {
    return hostPort(this.host, undefined);
  }

  toJSON(): Decision {
    const { allowed, op, host, rule, reason, message } = this;
    return rule === undefined ? { allowed, op, host, reason, message } : { allowed, op, host, rule, reason, message };
  }
}

/**
 * A decision as a plain object with every field its own: a common decision's
 * `toJSON()`, any other decision as it is. For code that spreads, clones or
 * compares decisions by their own keys.
 */
export function decisionValue(d: Decision): Decision {
  return d instanceof CommonDecision ? d.toJSON() : d;
}
