/** `netperm explain [flags] OP TARGET [--json]`: the decision and every rule weighed. */
import { explain, type ExplainStep } from "@netperm/core";
import { EXIT, type Command } from "../command.js";
import { decisionLine } from "../decision-text.js";
import { defineOptions, helpLines } from "../options.js";
import { readCommandLine } from "../policy-args.js";
import { styleFor, type Style } from "../style.js";
import { operationFrom } from "../target.js";

const OPTIONS = defineOptions({ json: { type: "boolean", help: "print { decision, steps } on stdout" } });

export const command: Command = {
  name: "explain",
  summary: "decide one operation and show every rule weighed, and why it matched or not",
  usage: "explain [policy flags] OP TARGET [--json]",
  options: helpLines(OPTIONS),
  examples: [
    "netperm explain --allow-resolve=*.example.com resolve example.com",
    "netperm explain --allow-outbound=tcp://*:* --deny-outbound=tcp://10.0.0.0/8 connect tcp://10.1.2.3:443",
    "netperm explain --policy netperm.json connect tcp://db.internal:5432",
  ],
  async run(argv, io) {
    const line = await readCommandLine(argv, io, OPTIONS);
    const op = operationFrom(line.positionals, "explain");
    const result = explain(line.policy, op);
    if (line.values.json === true) {
      io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const style = styleFor(io.stdout, io.env);
      const out = [decisionLine(result.decision, op, style), ""];
      if (result.steps.length === 0) out.push("  the policy has no rules: everything is denied");
      for (const step of result.steps) out.push(...stepLines(step, style));
      io.stdout.write(`${out.join("\n")}\n`);
    }
    return result.decision.allowed ? EXIT.ok : EXIT.denied;
  },
};

function stepLines(step: ExplainStep, style: Style): string[] {
  const mark =
    step.status === "matched" ? (step.effect === "deny" ? style.red("deny ") : style.green("match")) : step.status === "no-match" ? "  -  " : style.dim("  .  ");
  const head = `${mark} #${step.rule.index} ${step.rule.flag}${step.implied ? " (implied resolve)" : ""}${step.rule.origin === "flags" ? "" : style.dim(`  from ${step.rule.origin}`)}`;
  const why = step.why.map((w) => style.dim(`        ${w}`));
  return step.status === "other-kind" ? [style.dim(head)] : [head, ...why];
}
