/** One decision as a line for humans. */
import type { Decision, Operation } from "@netperm/core";
import type { Style } from "./style.js";

export function describeTarget(op: Operation): string {
  return op.op === "resolve" ? op.host : `${op.protocol}://${op.host}:${op.port}`;
}

export function decisionLine(decision: Decision, op: Operation, style: Style): string {
  const verdict = decision.allowed ? style.green("allowed") : style.red("denied");
  const what = `${op.op} ${describeTarget(op)}`;
  const by = decision.rule ? ` by ${decision.rule.flag} (rule ${decision.rule.index}, ${decision.rule.source})` : "";
  const mapped =
    decision.mapped === undefined
      ? ""
      : decision.mapped.addresses !== undefined
        ? ` -> answers ${decision.mapped.addresses.join(", ")}`
        : ` -> really ${decision.mapped.host ?? decision.host}:${decision.mapped.port ?? decision.port}`;
  const why = decision.allowed ? "" : ` (${decision.reason}${decision.message ? `: ${decision.message}` : ""})`;
  return `${verdict}: ${what}${by}${mapped}${why}`;
}
