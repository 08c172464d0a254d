/**
 * The answers for a granted name that an enforcement point resolves on its
 * client's behalf (the proxy for `socks5h://` and HTTP requests by name, the
 * WASI host for a named `wasi:http` authority), decided in one place so that
 * both read a policy alike. The outbound grant by name implies the lookup
 * (no resolve grant is asked for); a `--deny-resolve` rule for the name
 * refuses it; a connect mapping (`tcp://db.internal->127.0.0.5:5432`) or a
 * resolve mapping (`--allow-resolve=api->127.0.0.1`) answers without DNS;
 * anything else is the point's own lookup. The answers are then filtered by
 * the family of the rule that allowed the name, or else of the resolve rule
 * that matched it (`#ipv4-only` / `#ipv6-only`), and put in canonical form.
 * Each answer is then decided as an address by the point itself.
 */
import { parseIp } from "../grammar/ip.js";
import type { CompiledPolicy } from "../matcher/compile.js";
import type { ResolutionTable } from "../matcher/resolution-table.js";
import type { Decision, Family } from "../types.js";

/** Where a name's answers come from: refused, given by a mapping, or to be looked up. */
export type AnswerSource =
  | { readonly kind: "denied"; readonly decision: Decision }
  | { readonly kind: "mapped"; readonly addresses: readonly string[]; readonly family: Family | undefined }
  | { readonly kind: "lookup"; readonly family: Family | undefined };

/**
 * Where the answers for `name` come from, given `byName`, the allowed
 * decision of the operation on the name itself.
 *
 * @example
 * const c = compile(parsePolicy(["--allow-outbound=tcp://api:80", "--allow-resolve=api->127.0.0.1"]));
 * answerSource(c, new ResolutionTable(), "api", c.decide({ op: "connect", protocol: "tcp", host: "api", port: 80 }));
 * // { kind: "mapped", addresses: ["127.0.0.1"], family: undefined }
 */
export function answerSource(compiled: CompiledPolicy, table: ResolutionTable, name: string, byName: Decision): AnswerSource {
  if (byName.mapped?.host !== undefined) return { kind: "mapped", addresses: [byName.mapped.host], family: byName.family };
  const resolve = compiled.decide({ op: "resolve", host: name }, table);
  if (!resolve.allowed) {
    // Only a deny rule refuses: the absence of a resolve grant is not a refusal here.
    return resolve.reason === "denied-by-rule" ? { kind: "denied", decision: resolve } : { kind: "lookup", family: byName.family };
  }
  const family = byName.family ?? resolve.family;
  const mapped = resolve.mapped?.addresses;
  return mapped !== undefined && mapped.length > 0 ? { kind: "mapped", addresses: mapped, family } : { kind: "lookup", family };
}

/** The usable answers of `raw`: IP texts of `family` (any where undefined), canonical, each once, in order. */
export function usableAnswers(raw: readonly string[], family: Family | undefined): { readonly addresses: string[] } {
  const addresses: string[] = [];
  for (const text of raw) {
    const ip = parseIp(text);
    if (ip === undefined || (family !== undefined && ip.family !== family)) continue;
    if (!addresses.includes(ip.text)) addresses.push(ip.text);
  }
  return { addresses };
}
