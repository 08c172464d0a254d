/**
 * Failing closed: when deciding, auditing or anything around a decision
 * throws, the operation is denied with reason `invalid-input` and the
 * failure as its message. One builder (`invalidDecision`, the one `decide`
 * itself uses for an operation it can not read), so a denial looks the same
 * whichever enforcement point made it.
 */
import type { CompiledPolicy } from "../matcher/compile.js";
import { invalidDecision } from "../matcher/decision-text.js";
import type { ResolutionTable } from "../matcher/resolution-table.js";
import type { Decision, Operation } from "../types.js";

/** The text of a thrown value, bounded (a hostile value may be huge). */
function causeText(cause: unknown): string {
  let text: string;
  try {
    text = cause instanceof Error ? cause.message : String(cause);
  } catch {
    text = "unprintable error";
  }
  return text.slice(0, 500);
}

/**
 * The denial of `op` because `cause` was thrown (during `stage`, when
 * given: "decision", "audit"). `op` may be anything: its fields are read as
 * far as they are valid. Never throws.
 *
 * @example
 * failClosed({ op: "connect", protocol: "tcp", host: "::1", port: 80 }, new Error("disk full"), "audit");
 * // { allowed: false, op: "connect", protocol: "tcp", host: "::1", port: 80, reason: "invalid-input", message: "audit failed: disk full" }
 */
export function failClosed(op: unknown, cause: unknown, stage?: string): Decision {
  const text = causeText(cause);
  return invalidDecision(op, stage === undefined ? text : `${stage} failed: ${text}`);
}

/**
 * `compiled.decide(op, table)`, or its denial by `failClosed` when deciding
 * throws (it does not for any input today; this is the guarantee callers
 * rely on). Never throws.
 */
export function decideOrDeny(compiled: CompiledPolicy, op: Operation, table?: ResolutionTable): Decision {
  try {
    return compiled.decide(op, table);
  } catch (error) {
    return failClosed(op, error, "decision");
  }
}
