/** `netperm lint [flags] [--json]`: findings with a code, a caret frame and a fix; exit 1 when any. */
import { networkInterfaces } from "node:os";
import { lint, type LintFinding } from "@netperm/core";
import { EXIT, type Command } from "../command.js";
import { defineOptions, helpLines } from "../options.js";
import { readCommandLine } from "../policy-args.js";
import { styleFor, type Style } from "../style.js";
import { UsageError } from "../usage-error.js";

const OPTIONS = defineOptions({ json: { type: "boolean", help: "print the findings as a JSON array on stdout" } });

export const command: Command = {
  name: "lint",
  summary: "find rules that do nothing or not what they seem (exit 1 when there are findings)",
  usage: "lint [policy flags] [--json]",
  options: helpLines(OPTIONS),
  examples: [
    "netperm lint --allow-resolve=*.example.com",
    "netperm lint --allow-outbound=tcp://*:80 --allow-outbound=tcp://example.com:80",
    "netperm lint --allow-inbound=tcp://eth9:80",
    "netperm lint --policy netperm.json",
  ],
  async run(argv, io) {
    const line = await readCommandLine(argv, io, OPTIONS);
    if (line.positionals.length > 0) throw new UsageError("NETPERM_USAGE", `unexpected argument '${line.positionals[0]}'`, "lint takes only flags");
    const findings = lint(line.policy, { interfaces: () => networkInterfaces() });
    if (line.values.json === true) io.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
    else {
      const style = styleFor(io.stdout, io.env);
      for (const f of findings) io.stdout.write(`${findingText(f, style)}\n`);
      io.stderr.write(findings.length === 0 ? `no findings in ${line.policy.rules.length} rules\n` : `${findings.length} finding${findings.length === 1 ? "" : "s"}\n`);
    }
    return findings.length === 0 ? EXIT.ok : EXIT.denied;
  },
};

function findingText(f: LintFinding, style: Style): string {
  const caret = `  ${" ".repeat(f.offset)}${"^".repeat(Math.max(1, f.length))}`;
  const from = f.rule.origin === "flags" ? "" : ` (${f.rule.origin})`;
  return [
    `${style.bold(f.code)}: ${f.message}${from}`,
    `  ${f.rule.flag}`,
    style.red(caret),
    `  fix: ${f.hint}`,
    "",
  ].join("\n");
}
