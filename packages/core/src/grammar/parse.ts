/**
 * Reading rules and policies (docs/design.md, Grammar). `parseRule` reads one flag value
 * into a canonical `Rule`; `parsePolicy` reads an argv-like list of flags or
 * a JSON policy document. Every error is a located `NetpermError`. The parser
 * is a single left-to-right pass with `indexOf` and bounded loops: its cost
 * is linear in the input, and inputs over 4096 characters are refused first.
 */
import { checkFamily, parseResolveBody, parseSocketBody } from "./rule-body.js";
import { documentFlags } from "./document.js";
import { fail, NetpermError } from "./errors.js";
import { flagText, isFlagKind, splitArgv, splitKind, type FlagArgument, type FlagKind } from "./flags.js";
import type { At } from "./frame.js";
import type { Policy, PolicyDocument, Rule } from "../types.js";

/** Longest rule value accepted (characters after `=`); longer ones are NETPERM_TOO_LONG. */
export const MAX_RULE_LENGTH = 4096;
/** Most rules in one policy; more is NETPERM_TOO_LONG. */
export const MAX_RULES = 65536;

/** Options of `parseRule`: the rule's place in its policy, and where it came from. */
export interface ParseRuleOptions {
  /** `source.index`; default 0. */
  readonly index?: number;
  /** `source.origin`; default `"flags"`. */
  readonly origin?: string;
}

/** Refuses control characters (NUL, newline, DEL, C1) and spaces anywhere in a rule. */
function checkChars(value: string, at: At): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || (c >= 0x7f && c <= 0x9f)) {
      const what = c === 0x20 ? "a space" : c === 0 ? "a NUL byte" : `control character U+${c.toString(16).padStart(4, "0")}`;
      fail("NETPERM_CHAR", `${what} in a rule`, at.input, at.offset + i, 1, "a rule is one word without spaces or control characters");
    }
  }
}

/**
 * Reads one rule: `kind` is the flag kind, `value` what follows `=`.
 *
 * @example parseRule("allow-outbound", "tcp://Example.COM.:80,443")
 *   // { effect: "allow", direction: "outbound", protocol: "tcp",
 *   //   host: { kind: "name", name: "example.com" }, ports: [{from:80,to:80},{from:443,to:443}], source: {...} }
 * @throws NetpermError with the whole flag (`--allow-outbound=...`) as `input` and the offset of the problem.
 */
export function parseRule(kind: FlagKind, value: string, options: ParseRuleOptions = {}): Rule {
  if (typeof kind !== "string" || !isFlagKind(kind)) {
    throw new NetpermError("NETPERM_FLAG", "unknown flag kind", { input: String(kind), length: String(kind).length });
  }
  if (typeof value !== "string") throw new NetpermError("NETPERM_ARGUMENT", "a rule value must be a string", { input: `--${kind}=` });
  const input = flagText(kind, value);
  const at: At = { input, offset: kind.length + 3 };
  if (value.length > MAX_RULE_LENGTH) {
    fail("NETPERM_TOO_LONG", `rule is ${value.length} characters long; the limit is ${MAX_RULE_LENGTH}`, input, at.offset + MAX_RULE_LENGTH, value.length - MAX_RULE_LENGTH);
  }
  if (value.length === 0) fail("NETPERM_EMPTY", "empty rule", input, at.offset, 0, kind.endsWith("resolve") ? "write a name, or * for every name" : "write tcp://... for every host and port");
  checkChars(value, at);
  const { effect, direction } = splitKind(kind);
  const { body, family } = direction === "resolve" ? parseResolveBody(value, effect, at) : parseSocketBody(value, effect, direction, at);
  checkFamily(family, body, value, at);
  const source = { flag: input, index: options.index ?? 0, origin: options.origin ?? "flags" };
  return {
    effect,
    direction,
    ...(body.protocol === undefined ? {} : { protocol: body.protocol }),
    host: body.host,
    ports: body.ports,
    ...(family === undefined ? {} : { family }),
    ...(body.map === undefined ? {} : { map: body.map }),
    source,
  };
}

/** An argv-like list of flags, or a policy document. */
export type PolicyInput = readonly string[] | PolicyDocument;

/** Options of `parsePolicy`. */
export interface ParsePolicyOptions {
  /** `source.origin` of every rule; default `"flags"` for a list, `"document"` for a document. */
  readonly origin?: string;
}

/**
 * Reads a policy: an argv-like list (`["--allow-outbound=tcp://*:80", "--deny-outbound", "tcp://10.0.0.0/8"]`)
 * or a `PolicyDocument`. Rules keep the order given; a document's come in
 * the order allow outbound, inbound, resolve, deny outbound, inbound, resolve.
 *
 * @throws NetpermError the first error found; `where` says which element (`argv[2]`, `allow.outbound[0]`).
 */
export function parsePolicy(input: PolicyInput, options: ParsePolicyOptions = {}): Policy {
  const list = Array.isArray(input);
  const flags: FlagArgument[] = list ? splitArgv(input as readonly unknown[]) : documentFlags(input);
  if (flags.length > MAX_RULES) {
    throw new NetpermError("NETPERM_TOO_LONG", `policy has ${flags.length} rules; the limit is ${MAX_RULES}`);
  }
  const origin = options.origin ?? (list ? "flags" : "document");
  const rules = flags.map((flag, index) => {
    try {
      return parseRule(flag.kind, flag.value, { index, origin });
    } catch (e) {
      throw e instanceof NetpermError ? e.withWhere(flag.where) : e;
    }
  });
  return { rules };
}

/** The result of `checkPolicy`. */
export type CheckResult = { readonly ok: true; readonly value: Policy } | { readonly ok: false; readonly error: NetpermError };

/**
 * `parsePolicy` that returns instead of throwing. Any unexpected exception
 * becomes a NETPERM_INTERNAL error (with the exception as `cause`): a caller
 * that checks `ok` fails closed.
 */
export function checkPolicy(input: PolicyInput, options: ParsePolicyOptions = {}): CheckResult {
  try {
    return { ok: true, value: parsePolicy(input, options) };
  } catch (e) {
    if (e instanceof NetpermError) return { ok: false, error: e };
    return { ok: false, error: new NetpermError("NETPERM_INTERNAL", "unexpected error while reading the policy", { cause: e }) };
  }
}

/**
 * Concatenates policies in order (for `--policy FILE` plus flags): rules are
 * re-indexed 0..n-1 and keep their `flag` and `origin`.
 */
export function mergePolicies(...policies: Policy[]): Policy {
  const rules: Rule[] = [];
  for (const policy of policies) {
    for (const rule of policy.rules) rules.push({ ...rule, source: { ...rule.source, index: rules.length } });
  }
  return { rules };
}
