/**
 * The command line's policy flags, shared by every command: the six rule
 * flags of docs/design.md, Grammar (repeatable, in the order typed, which is policy order)
 * and `--policy FILE` (a JSON policy document). Parsing is node:util
 * parseArgs; the rules themselves are read by @netperm/core.
 */
import { readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { FLAG_KINDS, mergePolicies, parsePolicy, type Policy, type PolicyDocument } from "@netperm/core";
import type { Io } from "./command.js";
import { parseArgsOptions, typedValues, type OptionTable, type OptionValues } from "./options.js";
import { UsageError } from "./usage-error.js";

/** The six rule flags, as core reads them. */
export const POLICY_FLAGS: readonly string[] = FLAG_KINDS;

type Options = NonNullable<ParseArgsConfig["options"]>;

const policyOptions: Options = Object.fromEntries([
  ...POLICY_FLAGS.map((flag) => [flag, { type: "string", multiple: true }] as const),
  ["policy", { type: "string", multiple: true }] as const,
]);

/** Help lines for the shared flags. */
export const POLICY_HELP: readonly string[] = [
  "--allow-outbound=RULE     allow connecting / sending to RULE (tcp://HOST:PORTS, udp://...)",
  "--allow-inbound=RULE      allow binding / listening on RULE (tcp://*:80, tcp://localhost:0)",
  "--allow-resolve=NAMERULE  allow looking up names (example.com, *.example.com, *, db->10.0.0.1)",
  "--deny-outbound=RULE      deny, whatever an allow says (also --deny-inbound, --deny-resolve)",
  "--policy=FILE             read a JSON policy document; merged with the flags",
];

export interface CommandLine<T extends OptionTable = OptionTable> {
  readonly policy: Policy;
  /** The command's own options, typed by its table. */
  readonly values: OptionValues<T>;
  readonly positionals: readonly string[];
  /** The words after `--`, untouched (a guest's or a program's arguments). */
  readonly rest: readonly string[];
}

/**
 * Reads a command's argv: the policy flags, the command's own options (its table), its
 * positionals, and whatever follows `--`. Throws UsageError for an unknown
 * option, NetpermError for a bad rule or policy file.
 */
export async function readCommandLine<T extends OptionTable>(argv: readonly string[], io: Io, table: T): Promise<CommandLine<T>> {
  const dashDash = argv.indexOf("--");
  const head = dashDash >= 0 ? argv.slice(0, dashDash) : argv;
  const rest = dashDash >= 0 ? argv.slice(dashDash + 1) : [];
  let parsed;
  try {
    parsed = parseArgs({
      args: [...head],
      options: { ...policyOptions, ...parseArgsOptions(table) },
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    throw new UsageError("NETPERM_USAGE", (error as Error).message.split("\n")[0] ?? "bad arguments", "see --help");
  }
  const flags: string[] = [];
  const files: string[] = [];
  for (const token of parsed.tokens) {
    if (token.kind !== "option" || token.value === undefined) continue;
    if (token.name === "policy") files.push(token.value);
    else if (POLICY_FLAGS.includes(token.name)) flags.push(`--${token.name}=${token.value}`);
  }
  const policies: Policy[] = [];
  const fromPackage = await readPackageJsonPolicy(io);
  if (fromPackage) policies.push(fromPackage);
  for (const file of files) policies.push(await readPolicyFile(file, io));
  policies.push(parsePolicy(flags, { origin: "flags" }));
  return { policy: mergePolicies(...policies), values: typedValues(table, parsed.values), positionals: parsed.positionals, rest };
}

/**
 * The `"netperm"` key of the nearest package.json (from the working directory
 * up), so a project can carry its own policy. Only the nearest package.json
 * counts: a parent project's policy does not leak into a child project.
 */
export async function readPackageJsonPolicy(io: Io): Promise<Policy | undefined> {
  for (let dir = resolve(io.cwd); ; dir = dirname(dir)) {
    const path = join(dir, "package.json");
    let text: string | undefined;
    try {
      text = await readFile(path, "utf8");
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      let manifest: unknown;
      try {
        manifest = JSON.parse(text);
      } catch {
        throw new UsageError("NETPERM_POLICY_FILE", `${path} is not JSON`);
      }
      const document = (manifest as { netperm?: unknown } | null)?.netperm;
      if (document === undefined) return undefined;
      if (typeof document !== "object" || document === null || Array.isArray(document)) {
        throw new UsageError("NETPERM_POLICY_FILE", `the "netperm" key of ${path} must be a policy document object`);
      }
      return parsePolicy(document as PolicyDocument, { origin: `${relative(io.cwd, path) || "package.json"}#netperm` });
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** Reads a JSON policy document; errors carry the file's path. */
export async function readPolicyFile(file: string, io: Io): Promise<Policy> {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError("NETPERM_POLICY_FILE", `cannot read policy file ${file}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError("NETPERM_POLICY_FILE", `policy file ${file} is not JSON: ${(error as Error).message}`);
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new UsageError("NETPERM_POLICY_FILE", `policy file ${file} must hold a JSON object`, 'e.g. { "allow": { "outbound": ["tcp://example.com:443"] } }');
  }
  return parsePolicy(document as PolicyDocument, { origin: file });
}
