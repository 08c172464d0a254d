/**
 * `lint(policy)`: rules that do nothing or do something other than they
 * seem. Each finding has a stable code, the rule (and the other rule it is
 * about), the span of the part concerned, and a suggested fix.
 */
import type { CompileOptions } from "../matcher/compile.js";
import { formatRule } from "../grammar/format.js";
import { cidrContains, parseIp } from "../grammar/ip.js";
import { spanOf } from "./rule-span.js";
import { describeHost } from "./rule-match.js";
import { covers, hostContains, portsContain, subsumes } from "./subsume.js";
import type { Rule, RuleSource } from "../types.js";

export type LintCode =
  /** The same rule twice (perhaps spelled differently). */
  | "NETPERM_LINT_DUPLICATE"
  /** An allow rule that another allow rule already covers. */
  | "NETPERM_LINT_SUBSUMED"
  /** An allow rule that a deny rule cancels whole. */
  | "NETPERM_LINT_CANCELLED"
  /** `*.x` without `x`: the apex is not allowed. */
  | "NETPERM_LINT_WILDCARD_APEX"
  /** An inbound rule names an interface this host does not have. */
  | "NETPERM_LINT_INTERFACE"
  /** A mapping that can never apply. */
  | "NETPERM_LINT_PORT_MAP"
  /** The policy is too large for the pairwise checks; they were skipped. */
  | "NETPERM_LINT_TOO_LARGE";

export interface LintFinding {
  readonly code: LintCode;
  readonly message: string;
  /** A suggested fix, as a sentence or a flag to write. */
  readonly hint: string;
  readonly rule: RuleSource;
  readonly related?: RuleSource;
  /** The part of `rule.flag` the finding concerns. */
  readonly offset: number;
  readonly length: number;
}

/** Beyond this many rules of one kind, pairwise checks (quadratic) are skipped and said so. */
export const LINT_PAIRWISE_LIMIT = 4000;

/** Lints a policy. `options.interfaces` enables the unknown-interface check. */
export function lint(policy: { readonly rules: readonly Rule[] }, options: CompileOptions = {}): LintFinding[] {
  const findings: LintFinding[] = [];
  const add = (code: LintCode, rule: Rule, part: "host" | "ports" | "whole", message: string, hint: string, related?: Rule) =>
    findings.push({ code, message, hint, rule: rule.source, ...(related ? { related: related.source } : {}), ...spanOf(rule.source.flag, part) });

  const buckets = new Map<string, Rule[]>();
  for (const rule of policy.rules) {
    const key = `${rule.direction}/${rule.protocol ?? ""}`;
    const list = buckets.get(key) ?? [];
    list.push(rule);
    buckets.set(key, list);
  }

  for (const rules of buckets.values()) {
    const allows = rules.filter((r) => r.effect === "allow");
    const denies = rules.filter((r) => r.effect === "deny");
    if (rules.length > LINT_PAIRWISE_LIMIT) {
      add("NETPERM_LINT_TOO_LARGE", rules[0]!, "whole", `${rules.length} ${rules[0]!.direction} rules: duplicate, subsumption and deny checks skipped`, `split the policy or lint it in parts`);
    } else {
      pairwise(allows, denies, add);
    }
    for (const rule of allows) {
      if (rule.host.kind === "wildcard") {
        const apex = { kind: "name", name: rule.host.suffix } as const;
        if (!allows.some((other) => hostContains(other.host, apex) && portsContain(other.ports, rule.ports))) {
          add(
            "NETPERM_LINT_WILDCARD_APEX",
            rule,
            "host",
            `*.${rule.host.suffix} does not match ${rule.host.suffix} itself`,
            `add ${formatRule({ ...rule, host: apex, source: rule.source }).replace(/#.*$/, "")}${rule.family ? `#${rule.family}-only` : ""} if the apex is meant too`,
          );
        }
      }
      if (rule.host.kind === "interface" && options.interfaces && options.interfaces()[rule.host.name] === undefined) {
        const known = Object.keys(options.interfaces()).join(", ");
        add("NETPERM_LINT_INTERFACE", rule, "host", `no interface named ${rule.host.name} on this host`, `interfaces here: ${known || "none"}`);
      }
    }
  }
  return findings;
}

type Add = (code: LintCode, rule: Rule, part: "host" | "ports" | "whole", message: string, hint: string, related?: Rule) => void;

function pairwise(allows: readonly Rule[], denies: readonly Rule[], add: Add): void {
  for (const rule of allows) {
    const text = formatRule(rule);
    const twin = allows.find((o) => o !== rule && o.source.index < rule.source.index && (formatRule(o) === text || (subsumes(o, rule) && subsumes(rule, o))));
    if (twin) {
      add("NETPERM_LINT_DUPLICATE", rule, "whole", `the same grant as rule ${twin.source.index} (${twin.source.flag})`, "remove this rule", twin);
      continue;
    }
    const wider = allows.find((o) => o !== rule && subsumes(o, rule) && !subsumes(rule, o));
    if (wider) {
      add("NETPERM_LINT_SUBSUMED", rule, "whole", `rule ${wider.source.index} (${wider.source.flag}) already allows all this rule allows`, "remove this rule, or narrow the wider one", wider);
      continue;
    }
    // A family-restricted deny does not deny a name, only its answers: it cancels address rules only.
    const deny = denies.find((d) => covers(d, rule) && (d.family === undefined || rule.host.kind === "cidr"));
    if (deny) {
      add("NETPERM_LINT_CANCELLED", rule, "whole", `rule ${deny.source.index} (${deny.source.flag}) denies everything this rule allows`, "remove this rule, or narrow the deny rule", deny);
      continue;
    }
    mappingChecks(rule, allows, denies, add);
  }
}

function mappingChecks(rule: Rule, allows: readonly Rule[], denies: readonly Rule[], add: Add): void {
  const map = rule.map?.port;
  if (map === undefined) return;
  if (rule.direction === "inbound" && map.from.from === 0) {
    add("NETPERM_LINT_PORT_MAP", rule, "ports", "port 0 asks the OS for a free port: mapping it cannot apply", "map a fixed port, e.g. tcp://*:80->8888");
    return;
  }
  // A mapping rule decides before plain rules, but not before an earlier mapping rule.
  const earlier = allows.find((o) => o.source.index < rule.source.index && o.map !== undefined && covers(o, rule));
  if (earlier) {
    add("NETPERM_LINT_PORT_MAP", rule, "ports", `rule ${earlier.source.index} (${earlier.source.flag}) maps the same targets first, so this mapping never applies`, "remove one of the two mappings", earlier);
    return;
  }
  const target = rule.map?.addresses?.[0];
  const targetIp = target ? parseIp(target.text) : undefined;
  const blocked = denies.find((d) => {
    const ports = d.ports === "*" || d.ports.some((r) => r.from <= map.to.from && r.to >= map.to.to);
    if (!ports) return false;
    if (d.host.kind === "any") return true;
    return targetIp !== undefined && d.host.kind === "cidr" && cidrContains(d.host.family, d.host.address, d.host.prefix, targetIp);
  });
  if (blocked) {
    add("NETPERM_LINT_PORT_MAP", rule, "ports", `the mapped target ${targetIp?.text ?? describeHost(rule.host)}:${map.to.from} is denied by rule ${blocked.source.index} (${blocked.source.flag})`, "map to a target no deny rule covers", blocked);
  }
}
