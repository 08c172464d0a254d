/**
 * One instance's grants: the compiled policy, the resolution table its
 * lookups fill, and the audit sink. Every check of the guarded host goes
 * through `decide`, which never throws: any failure inside becomes a denial
 * (core's `decideOrDeny` / `failClosed`).
 *
 * Every decision is audited as the one audit record (`AuditRecord` from
 * @netperm/core): point `wasi`, the front end the operation came through
 * (`tcp` / `udp` for wasi:sockets, `lookup` for ip-name-lookup, `http` for
 * wasi:http), the instance id as its client, and, for an allowed connect,
 * send or bind, where the socket really goes (`connection.remote`).
 */
import {
  auditRecord,
  compile,
  decideOrDeny,
  failClosed,
  hostPort,
  parseIp,
  realEndpoint,
  ResolutionTable,
  type AuditConnection,
  type AuditRecord,
  type CompileOptions,
  type CompiledPolicy,
  type Decision,
  type FrontEnd,
  type Operation,
  type Policy,
} from "@netperm/core";

/** The front ends of the guarded WASI host. */
export type WasiFrontEnd = Extract<FrontEnd, "tcp" | "udp" | "lookup" | "http">;

export interface GuardOptions {
  /** Called synchronously with every decision's audit record, allowed or denied. If it throws, the operation is denied. */
  readonly audit?: (record: AuditRecord) => void;
  /** The resolution table for this instance (default: a new one). */
  readonly table?: ResolutionTable;
  /** Passed to `compile` (network interfaces for inbound interface rules). */
  readonly compileOptions?: CompileOptions;
  /** The instance id written as the records' `client` (default: `wasi-PID-N`, unique in this process). */
  readonly instance?: string;
}

let instances = 0;

/** The front end an operation arrives through, when the caller does not name one. */
function frontEndOf(op: Operation): WasiFrontEnd {
  if (op.op === "resolve") return "lookup";
  return op.protocol === "udp" ? "udp" : "tcp";
}

/**
 * Where an allowed socket operation really goes, when that is known at the
 * decision: an address (a wasi:http name is decided before its answers) and a
 * port (not 0: the OS picks it later).
 */
function connectionOf(decision: Decision, op: Operation): AuditConnection | undefined {
  if (op.op === "resolve") return undefined;
  const real = realEndpoint(decision, { host: op.host, port: op.port });
  if (real === undefined || real.port === 0 || parseIp(real.host) === undefined) return undefined;
  return { remote: hostPort(real.host, real.port) };
}

export class Guard {
  readonly compiled: CompiledPolicy;
  readonly table: ResolutionTable;
  /** This instance's id, the `client` of its audit records. */
  readonly instance: string;
  readonly #audit: ((record: AuditRecord) => void) | undefined;

  constructor(policy: Policy | CompiledPolicy, options: GuardOptions = {}) {
    this.compiled = "decide" in policy ? policy : compile(policy, options.compileOptions);
    this.table = options.table ?? new ResolutionTable();
    this.instance = options.instance ?? `wasi-${process.pid}-${++instances}`;
    this.#audit = options.audit;
  }

  /**
   * Decides `op` against the policy and this instance's resolution table;
   * audits it as coming through `frontEnd` (default: `lookup` for resolve,
   * else `tcp` or `udp` by protocol).
   */
  decide(op: Operation, frontEnd: WasiFrontEnd = frontEndOf(op)): Decision {
    const decision = decideOrDeny(this.compiled, op, this.table);
    if (this.#audit) {
      try {
        const connection = connectionOf(decision, op);
        this.#audit(auditRecord(decision, { point: "wasi", frontEnd, client: this.instance }, connection));
      } catch (error) {
        return failClosed(op, error, "audit");
      }
    }
    return decision;
  }
}
