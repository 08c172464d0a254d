/**
 * The six rule flags (docs/design.md, Grammar) and argv-like lists of them:
 * `--allow-outbound=V` or `--allow-outbound V`, for each of
 * `--{allow,deny}-{outbound,inbound,resolve}`.
 */
import { NetpermError } from "./errors.js";
import type { Direction, Effect } from "../types.js";

/** A flag kind: `allow-outbound`, `deny-resolve`, ... */
export type FlagKind = `${Effect}-${Direction}`;

/** The six flag kinds, allow before deny, outbound, inbound, resolve. */
export const FLAG_KINDS: readonly FlagKind[] = [
  "allow-outbound",
  "allow-inbound",
  "allow-resolve",
  "deny-outbound",
  "deny-inbound",
  "deny-resolve",
];

/** True when `text` is one of the six flag kinds. */
export function isFlagKind(text: string): text is FlagKind {
  return (FLAG_KINDS as readonly string[]).includes(text);
}

/** The effect and direction of a flag kind. */
export function splitKind(kind: FlagKind): { effect: Effect; direction: Direction } {
  const dash = kind.indexOf("-");
  return { effect: kind.slice(0, dash) as Effect, direction: kind.slice(dash + 1) as Direction };
}

/** The flag text of a rule, as it is stored in `source.flag`: `--allow-outbound=V`. */
export function flagText(kind: FlagKind, value: string): string {
  return `--${kind}=${value}`;
}

/** One rule flag taken out of an argument list. */
export interface FlagArgument {
  readonly kind: FlagKind;
  readonly value: string;
  /** Where it was: `argv[3]` (the index of the flag's first argument). */
  readonly where: string;
}

function hintFor(name: string): string {
  if (name === "--allow-net" || name === "--allow-all") return "netperm flags are --allow-outbound, --allow-inbound and --allow-resolve";
  return "use --allow-outbound, --allow-inbound, --allow-resolve or --deny-... of the same";
}

/**
 * Splits an argv-like list into rule flags. Every element must be a rule
 * flag or, after a flag without `=`, its value.
 * @throws NetpermError NETPERM_FLAG (not a rule flag), NETPERM_EMPTY (a flag without its value)
 */
export function splitArgv(argv: readonly unknown[]): FlagArgument[] {
  const out: FlagArgument[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (typeof arg !== "string") {
      throw new NetpermError("NETPERM_FLAG", `argument ${i} is not a string`, { where: `argv[${i}]` });
    }
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const kind = name.startsWith("--") ? name.slice(2) : "";
    if (!isFlagKind(kind)) {
      const shown = arg.length > 200 ? arg.slice(0, 200) : arg;
      throw new NetpermError("NETPERM_FLAG", "not a netperm rule flag", {
        input: shown,
        offset: 0,
        length: Math.min(name.length, shown.length),
        hint: hintFor(name),
        where: `argv[${i}]`,
      });
    }
    if (eq >= 0) {
      out.push({ kind, value: arg.slice(eq + 1), where: `argv[${i}]` });
      continue;
    }
    const next = argv[i + 1];
    if (typeof next !== "string" || next.startsWith("--")) {
      const example = kind.endsWith("resolve") ? "example.com" : "tcp://example.com:443";
      throw new NetpermError("NETPERM_EMPTY", `${name} needs a value`, {
        input: `${name}=`,
        offset: name.length + 1,
        length: 0,
        hint: `${name}=${example}`,
        where: `argv[${i}]`,
      });
    }
    out.push({ kind, value: next, where: `argv[${i}]` });
    i++;
  }
  return out;
}
