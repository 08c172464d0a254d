/**
 * The options of an export, checked: a resource name and a label selector
 * that Kubernetes accepts, or an nft table name nft accepts. Bad options are
 * a NetpermError (NETPERM_ARGUMENT), never a document the engine rejects.
 */
import { NetpermError } from "@netperm/core";
import type { ExportFormat } from "./plan.js";

/** What `exportPolicy` takes besides the policy. */
export interface ExportOptions {
  /** The engine to export to. */
  readonly format: ExportFormat;
  /** Labels selecting the pods the policy applies to (k8s, cilium); default: every pod in the namespace. */
  readonly selector?: Readonly<Record<string, string>>;
  /** `metadata.name` (k8s, cilium) or the nft table name; default `netperm`. */
  readonly name?: string;
}

export interface Target {
  readonly format: ExportFormat;
  readonly name: string;
  readonly selector: Readonly<Record<string, string>>;
}

const FORMATS: readonly ExportFormat[] = ["cilium", "k8s", "nftables"];
// RFC 1123 subdomain, as metadata.name requires.
const RESOURCE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NFT_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
// A label key: optional DNS-subdomain prefix and "/", then a name of 1-63 characters.
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

function bad(message: string, input: string, hint: string): never {
  throw new NetpermError("NETPERM_ARGUMENT", message, { input, length: input.length, hint });
}

function checkLabelKey(key: string): void {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if ((prefix !== undefined && (prefix.length > 253 || !RESOURCE_NAME.test(prefix))) || !LABEL_NAME.test(name)) {
    bad(`'${key}' is not a Kubernetes label key`, key, "a label key is [prefix/]name, name 1-63 characters of [A-Za-z0-9-_.]");
  }
}

/** Checks the options and fills defaults. @throws NetpermError NETPERM_ARGUMENT */
export function readTarget(options: ExportOptions): Target {
  const format = options?.format;
  if (!FORMATS.includes(format)) bad(`unknown export format '${String(format)}'`, String(format), "use cilium, k8s or nftables");
  const name = options.name ?? "netperm";
  if (format === "nftables" ? !NFT_NAME.test(name) : name.length > 253 || !RESOURCE_NAME.test(name)) {
    bad(
      `'${name}' is not a valid ${format === "nftables" ? "nft table" : "resource"} name`,
      name,
      format === "nftables" ? "a letter, then letters, digits or _" : "lower-case letters, digits, - and .",
    );
  }
  const selector: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.selector ?? {})) {
    checkLabelKey(key);
    if (typeof value !== "string" || !LABEL_VALUE.test(value)) {
      bad(`'${String(value)}' is not a Kubernetes label value`, String(value), "at most 63 characters of [A-Za-z0-9-_.]");
    }
    selector[key] = value;
  }
  if (format === "nftables" && Object.keys(selector).length > 0) {
    bad("--selector applies to cilium and k8s, not nftables", Object.keys(selector)[0] ?? "", "an nft ruleset applies to the whole host");
  }
  return { format, name, selector };
}
