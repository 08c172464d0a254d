/** `netperm policy print [flags] [--json]`: the merged policy in canonical form. */
import { format } from "@netperm/core";
import { EXIT, type Command } from "../command.js";
import { defineOptions, helpLines } from "../options.js";
import { readCommandLine } from "../policy-args.js";
import { UsageError } from "../usage-error.js";

const OPTIONS = defineOptions({ json: { type: "boolean", help: "print a JSON policy document instead of flags" } });

export const command: Command = {
  name: "policy",
  summary: "print the merged policy (flags, --policy files, package.json) in canonical form",
  usage: "policy print [policy flags] [--json]",
  options: helpLines(OPTIONS),
  examples: [
    "netperm policy print --allow-outbound=tcp://EXAMPLE.com.:080 --allow-outbound=tcp://127.1:*",
    "netperm policy print --policy netperm.json --allow-resolve=*.example.com --json",
  ],
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub !== "print") throw new UsageError("NETPERM_USAGE", sub === undefined ? "policy needs a subcommand" : `unknown subcommand 'policy ${sub}'`, "netperm policy print [flags] [--json]");
    const line = await readCommandLine(rest, io, OPTIONS);
    if (line.positionals.length > 0) throw new UsageError("NETPERM_USAGE", `unexpected argument '${line.positionals[0]}'`);
    const flags = format(line.policy);
    if (line.values.json !== true) {
      io.stdout.write(flags.map((f) => `${f}\n`).join(""));
      return EXIT.ok;
    }
    const document: Record<string, Record<string, string[]>> = {};
    for (const flag of flags) {
      const m = /^--(allow|deny)-(outbound|inbound|resolve)=(.*)$/.exec(flag)!;
      ((document[m[1]!] ??= {})[m[2]!] ??= []).push(m[3]!);
    }
    io.stdout.write(`${JSON.stringify({ $schema: "https://unpkg.com/@netperm/core/policy.schema.json", ...document }, null, 2)}\n`);
    return EXIT.ok;
  },
};
