/**
 * One instance's grants: the compiled policy, the resolution table its
 * lookups fill, and the audit sink. Every check of the guarded host goes
 * through `decide`, which never throws: any failure inside becomes a denial.
 */
import { compile, decisionValue, ResolutionTable, type CompileOptions, type CompiledPolicy, type Decision, type Operation, type Policy } from "@netperm/core";

/** One audit line: the decision object plus when it was made (ISO 8601). */
export type AuditEntry = Decision & { readonly time: string };

export interface GuardOptions {
  /** Called synchronously with every decision, allowed or denied. If it throws, the operation is denied. */
  readonly audit?: (entry: AuditEntry) => void;
  /** The resolution table for this instance (default: a new one). */
  readonly table?: ResolutionTable;
  /** Passed to `compile` (network interfaces for inbound interface rules). */
  readonly compileOptions?: CompileOptions;
}

export class Guard {
  readonly compiled: CompiledPolicy;
  readonly table: ResolutionTable;
  readonly #audit: ((entry: AuditEntry) => void) | undefined;

  constructor(policy: Policy | CompiledPolicy, options: GuardOptions = {}) {
    this.compiled = "decide" in policy ? policy : compile(policy, options.compileOptions);
    this.table = options.table ?? new ResolutionTable();
    this.#audit = options.audit;
  }

  /** Decides `op` against the policy and this instance's resolution table; audits it. */
  decide(op: Operation): Decision {
    let decision: Decision;
    try {
      decision = this.compiled.decide(op, this.table);
    } catch (error) {
      decision = failClosed(op, `decision failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (this.#audit) {
      try {
        this.#audit({ ...decisionValue(decision), time: new Date().toISOString() });
      } catch (error) {
        return failClosed(op, `audit failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return decision;
  }
}

function failClosed(op: Operation, message: string): Decision {
  return {
    allowed: false,
    op: op.op,
    ...(op.op === "resolve" ? {} : { protocol: op.protocol, port: op.port }),
    host: op.host,
    reason: "invalid-input",
    message,
  };
}
