/** `netperm check [flags] OP TARGET [--json]`: one decision, offline, no DNS. */
import { compile } from "@netperm/core";
import { EXIT, type Command } from "../command.js";
import { decisionLine } from "../decision-text.js";
import { defineOptions, helpLines } from "../options.js";
import { readCommandLine } from "../policy-args.js";
import { styleFor } from "../style.js";
import { operationFrom } from "../target.js";

const OPTIONS = defineOptions({ json: { type: "boolean", help: "print the decision object on stdout" } });

export const command: Command = {
  name: "check",
  summary: "decide one operation against the policy (exit 0 allowed, 1 denied)",
  usage: "check [policy flags] OP TARGET [--json]\n  OP: connect | bind | send | resolve    TARGET: tcp://HOST:PORT | udp://HOST:PORT | NAME",
  options: helpLines(OPTIONS),
  examples: [
    "netperm check --allow-outbound=tcp://example.com:80 connect tcp://example.com:80",
    "netperm check --allow-outbound=tcp://*:21,35000-35999 connect tcp://203.0.113.7:35500 --json",
    "netperm check --allow-inbound=tcp://localhost:80 bind tcp://0.0.0.0:80",
    "netperm check --allow-resolve=*.example.com resolve example.com",
  ],
  async run(argv, io) {
    const line = await readCommandLine(argv, io, OPTIONS);
    const op = operationFrom(line.positionals, "check");
    const decision = compile(line.policy).decide(op);
    if (line.values.json === true) io.stdout.write(`${JSON.stringify(decision, null, 2)}\n`);
    else io.stderr.write(`${decisionLine(decision, op, styleFor(io.stderr, io.env))}\n`);
    return decision.allowed ? EXIT.ok : EXIT.denied;
  },
};
