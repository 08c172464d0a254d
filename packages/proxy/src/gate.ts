/**
 * Enforcement: turns a request (protocol, operation, host as asked, port)
 * into the list of real endpoints the proxy may open, or a refusal. Every
 * answer comes from `compile(policy).decide`; this file adds only the I/O the
 * core must not do: resolving a name (docs/design.md, Decisions: a proxy given a name checks
 * the name, resolves it itself, and connects only to answers that also pass
 * every deny rule and the family restriction).
 */
import { answerSource, bareHost, decisionValue, failClosed, parseIp, realEndpoint, usableAnswers, type CompiledPolicy, type Decision, type Protocol, type ResolutionTable } from "@netperm/core";

/** Looks a name up; returns IP texts (any spelling). Throwing means "did not resolve". */
export type Resolver = (name: string) => Promise<readonly string[]>;

export interface GateRequest {
  readonly op: "connect" | "bind" | "send";
  readonly protocol: Protocol;
  /** The host exactly as the client sent it (name, IP in any spelling, or garbage); no brackets. */
  readonly host: string;
  readonly port: number;
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export type GateResult =
  | {
      readonly allowed: true;
      /** The decision that allowed the request (for a name: the decision by name). */
      readonly decision: Decision;
      /** Where sockets may really go, in order of preference; never empty. */
      readonly endpoints: readonly Endpoint[];
    }
  | {
      readonly allowed: false;
      /** `denied`: the policy refused; `unresolved`: the name had no usable answer. */
      readonly kind: "denied" | "unresolved";
      readonly decision: Decision;
    };

export interface Gate {
  check(request: GateRequest): Promise<GateResult>;
  /**
   * The same answer as `check`, synchronously when no name must be looked up
   * (an IP literal, a refusal by name): the hot path of a proxy asked for
   * addresses pays no promise. A promise otherwise.
   */
  checkNow(request: GateRequest): GateResult | Promise<GateResult>;
}

/**
 * Builds the gate over a compiled policy, the session's resolution table and
 * a resolver. Never throws: anything unexpected is a denial (fail closed).
 */
export function createGate(compiled: CompiledPolicy, table: ResolutionTable, resolve: Resolver): Gate {
  /** The decision by name or address; a result when that settles it, else what the name's lookup needs. */
  const first = (request: GateRequest): GateResult | { readonly byName: Decision } => {
    const { op, protocol, port } = request;
    const host = bareHost(request.host);
    const d = compiled.decide({ op, protocol, host, port }, table);
    if (!d.allowed) return { allowed: false, kind: "denied", decision: d };
    const ip = parseIp(host);
    if (ip !== undefined) return { allowed: true, decision: d, endpoints: [endpointOf(d, ip.text, port)] };
    return { byName: d };
  };

  const byName = async (request: GateRequest, first: Decision): Promise<GateResult> => {
    const { op, protocol, port } = request;
    // A name: decided by name above; now its answers, each decided as an address.
    const name = first.host;
    const answers = await answersFor(name, first);
    if (answers !== undefined && answers.denied !== undefined) {
      return { allowed: false, kind: "denied", decision: answers.denied };
    }
    if (answers === undefined || answers.list.length === 0) {
      const message = `${name} did not resolve to a usable address`;
      return { allowed: false, kind: "unresolved", decision: { ...decisionValue(first), allowed: false, reason: "not-resolved", message } };
    }
    table.record(name, answers.list);
    const endpoints: Endpoint[] = [];
    let refusal: Decision | undefined;
    for (const answer of answers.list) {
      const d = compiled.decide({ op, protocol, host: answer, port, via: name }, table);
      if (d.allowed) endpoints.push(endpointOf(d, answer, port));
      else refusal ??= d;
    }
    if (endpoints.length === 0) {
      return { allowed: false, kind: "denied", decision: refusal ?? { ...decisionValue(first), allowed: false, reason: "not-resolved", message: `no answer for ${name} is allowed` } };
    }
    return { allowed: true, decision: first, endpoints };
  };

  /** The name's answers, from where core's `answerSource` says: a mapping without DNS, else the resolver. */
  const answersFor = async (name: string, byName: Decision): Promise<{ list: string[]; denied?: Decision } | undefined> => {
    const source = answerSource(compiled, table, name, byName);
    if (source.kind === "denied") return { list: [], denied: source.decision };
    let raw: readonly string[];
    if (source.kind === "mapped") raw = source.addresses;
    else {
      try {
        raw = await resolve(name);
      } catch {
        return undefined;
      }
    }
    return { list: usableAnswers(raw, source.family).addresses };
  };

  const refusal = (request: GateRequest, err: unknown): GateResult => ({ allowed: false, kind: "denied", decision: failClosed(request, err) });

  const checkNow = (request: GateRequest): GateResult | Promise<GateResult> => {
    try {
      const r = first(request);
      if (!("byName" in r)) return r;
      return byName(request, r.byName).catch((err: unknown) => refusal(request, err));
    } catch (err) {
      return refusal(request, err);
    }
  };
  return { checkNow, check: async (request) => checkNow(request) };
}

/** Where the socket really goes for an allowed decision on `address:port` (core's `realEndpoint`). */
function endpointOf(d: Decision, address: string, port: number): Endpoint {
  const real = realEndpoint(d, { host: address, port });
  if (real === undefined) throw new Error("no endpoint for a denied decision");
  return real;
}
