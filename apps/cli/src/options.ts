/**
 * The typed option table: one definition per option gives `parseArgs` its
 * spec, `--help` its line and the command its typed value (no casts).
 *
 * To add an option: add an entry to the command's table (or to a shared
 * table such as `PROXY_OPTIONS` in proxy-setup.ts) with its `type`
 * (`"string"` or `"boolean"`), `multiple: true` if it repeats, `value` (the
 * placeholder shown in help, strings only) and `help`. The command then reads
 * `line.values.NAME` as `boolean | undefined`, `string | undefined` or
 * `string[]`, and its help shows the line.
 */
import type { ParseArgsConfig } from "node:util";

export type OptionSpec =
  | { readonly type: "boolean"; readonly help: string }
  | { readonly type: "string"; readonly value: string; readonly help: string; readonly multiple?: boolean };

/** Options by name (without the leading `--`). */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S extends { readonly type: "boolean" }
  ? boolean | undefined
  : S extends { readonly multiple: true }
    ? string[]
    : string | undefined;

/** The values a table's options read as. */
export type OptionValues<T extends OptionTable> = { readonly [K in keyof T]: ValueOf<T[K]> };

/** Keeps a table's literal types (`multiple: true`, `type: "boolean"`). */
export function defineOptions<const T extends OptionTable>(table: T): T {
  return table;
}

/** The table as `parseArgs` options. */
export function parseArgsOptions(table: OptionTable): NonNullable<ParseArgsConfig["options"]> {
  const out: NonNullable<ParseArgsConfig["options"]> = {};
  for (const [name, spec] of Object.entries(table)) {
    out[name] = spec.type === "boolean" ? { type: "boolean" } : { type: "string", multiple: spec.multiple === true };
  }
  return out;
}

const HELP_COLUMN = 26;

/** One help line per option: `--name=VALUE` padded to the help column, then its help. */
export function helpLines(table: OptionTable): string[] {
  return Object.entries(table).map(([name, spec]) => {
    const left = spec.type === "boolean" ? `--${name}` : `--${name}=${spec.value}`;
    return `${left.padEnd(HELP_COLUMN - 1)} ${spec.help}`;
  });
}

/** Typed values from what `parseArgs` returned: repeatable options default to `[]`. */
export function typedValues<T extends OptionTable>(table: T, raw: Readonly<Record<string, unknown>>): OptionValues<T> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    const v = raw[name];
    if (spec.type === "boolean") out[name] = v === true ? true : undefined;
    else if (spec.multiple === true) out[name] = Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
    else out[name] = typeof v === "string" ? v : undefined;
  }
  return out as OptionValues<T>;
}
