/** `--help` text, for the program and for each command. */
import type { Command } from "./command.js";
import { POLICY_HELP } from "./policy-args.js";

export function programHelp(commands: readonly Command[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `netperm ${version}: fine-grained, auditable network grants, enforced`,
    "",
    "Usage: netperm COMMAND [policy flags] ...",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Policy flags (every command):",
    ...POLICY_HELP.map((l) => `  ${l}`),
    "",
    "Exit codes: 0 allowed / success, 1 denied / findings / guest failure, 2 usage or policy error.",
    "Run `netperm COMMAND --help` for a command's options and examples.",
    "",
  ].join("\n");
}

export function commandHelp(command: Command): string {
  return [
    `Usage: netperm ${command.usage}`,
    "",
    command.summary,
    "",
    ...(command.options && command.options.length > 0 ? ["Options:", ...command.options.map((l) => `  ${l}`), ""] : []),
    "Policy flags:",
    ...POLICY_HELP.map((l) => `  ${l}`),
    "",
    "Examples:",
    ...command.examples.map((e) => `  ${e}`),
    "",
  ].join("\n");
}
