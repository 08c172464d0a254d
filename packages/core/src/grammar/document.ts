/**
 * The JSON policy document (docs/design.md, Grammar):
 * `{ "$schema"?: string, "allow"?: { "outbound"?: [], "inbound"?: [], "resolve"?: [] }, "deny"?: {...} }`.
 * Each string is the value of one flag. Unknown keys, wrong types and
 * non-string rules are refused (NETPERM_DOCUMENT) with the path where they are.
 */
import { NetpermError } from "./errors.js";
import type { FlagArgument, FlagKind } from "./flags.js";
import type { Direction, Effect } from "../types.js";

const EFFECTS: readonly Effect[] = ["allow", "deny"];
const DIRECTIONS: readonly Direction[] = ["outbound", "inbound", "resolve"];
const TOP_KEYS: readonly string[] = ["$schema", ...EFFECTS];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function documentError(message: string, where: string, hint?: string): NetpermError {
  return new NetpermError("NETPERM_DOCUMENT", message, hint === undefined ? { where } : { where, hint });
}

/** A key as shown in a message: quoted, at most 40 characters. */
function shownKey(key: string): string {
  return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}...` : key);
}

/** A key in a path: `.key` when it is a plain identifier, else `["key"]`. */
function pathKey(where: string, key: string): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$]{0,39}$/.test(key)) return where === "" ? key : `${where}.${key}`;
  return `${where}[${shownKey(key)}]`;
}

function checkKeys(record: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) throw documentError(`unknown key ${shownKey(key)}`, pathKey(where, key), `known keys: ${known.join(", ")}`);
  }
}

/**
 * The rule flags of a policy document, in a fixed order: allow outbound,
 * inbound, resolve, then deny outbound, inbound, resolve; each list in its
 * own order.
 * @throws NetpermError NETPERM_DOCUMENT
 */
export function documentFlags(document: unknown): FlagArgument[] {
  if (!isRecord(document)) {
    throw documentError("a policy is a list of flags or a policy document (an object)", "document", 'write { "allow": { "outbound": ["tcp://example.com:443"] } }');
  }
  checkKeys(document, TOP_KEYS, "");
  const schema = document["$schema"];
  if (schema !== undefined && typeof schema !== "string") throw documentError("$schema must be a string", "$schema");
  const out: FlagArgument[] = [];
  for (const effect of EFFECTS) {
    const section = document[effect];
    if (section === undefined) continue;
    if (!isRecord(section)) throw documentError(`${effect} must be an object`, effect, `write "${effect}": { "outbound": [...] }`);
    checkKeys(section, DIRECTIONS, effect);
    for (const direction of DIRECTIONS) {
      const list = section[direction];
      const where = `${effect}.${direction}`;
      if (list === undefined) continue;
      if (!Array.isArray(list)) throw documentError(`${where} must be an array of strings`, where);
      const kind: FlagKind = `${effect}-${direction}`;
      for (let i = 0; i < list.length; i++) {
        const value: unknown = list[i];
        if (typeof value !== "string") throw documentError(`${where}[${i}] must be a string`, `${where}[${i}]`);
        out.push({ kind, value, where: `${where}[${i}]` });
      }
    }
  }
  return out;
}
