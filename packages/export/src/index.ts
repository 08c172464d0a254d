/**
 * @netperm/export: one netperm policy, enforced by the engines that already
 * run fleets (Cilium, Kubernetes NetworkPolicy, nftables).
 */
import type { Policy } from "@netperm/core";
import { stringify } from "yaml";
import { ciliumObject, CILIUM_NOTES } from "./cilium.js";
import { k8sObject, K8S_NOTES } from "./k8s.js";
import { nftText, NFT_NOTES } from "./nftables.js";
import { Warnings, type ExportWarning } from "./plan.js";
import { readTarget, type ExportOptions } from "./target.js";

export type { ExportFormat, ExportWarning } from "./plan.js";
export type { ExportOptions } from "./target.js";

/** What `exportPolicy` returns: the document, and what it had to leave out or narrow. */
export interface ExportResult {
  /** YAML (cilium, k8s) or an nft ruleset (nftables), ending in a newline. */
  readonly text: string;
  /** One per rule and problem, in policy order; each names its rule. */
  readonly warnings: readonly ExportWarning[];
}

function comments(lines: readonly string[]): string {
  return lines.map((l) => `# ${l}\n`).join("");
}

/**
 * Exports a policy for another engine. The export never allows what
 * netperm would deny: what the engine cannot express (names for k8s and
 * nftables, mappings, interfaces, some deny rules) is left out or narrowed,
 * with a warning naming the rule.
 *
 * @example
 * const { text, warnings } = exportPolicy(parsePolicy(["--allow-outbound=tcp://10.0.0.0/8:5432"]), { format: "k8s" });
 * @throws NetpermError NETPERM_ARGUMENT for an unknown format, a bad name or a bad selector.
 */
export function exportPolicy(policy: Policy, options: ExportOptions): ExportResult {
  const target = readTarget(options);
  const warnings = new Warnings();
  let text: string;
  if (target.format === "nftables") text = comments(NFT_NOTES) + nftText(policy, target, warnings);
  else if (target.format === "k8s") text = comments(K8S_NOTES) + stringify(k8sObject(policy, target, warnings), { lineWidth: 0 });
  else text = comments(CILIUM_NOTES) + stringify(ciliumObject(policy, target, warnings), { lineWidth: 0 });
  const list = [...warnings.list].sort((a, b) => a.rule.index - b.rule.index);
  return { text, warnings: list };
}
