/** `netperm export --format cilium|k8s|nftables [flags] [--selector KEY=VALUE ...] [--name NAME]`. */
import { exportPolicy, type ExportFormat } from "@netperm/export";
import { EXIT, type Command } from "../command.js";
import { defineOptions, helpLines } from "../options.js";
import { readCommandLine } from "../policy-args.js";
import { UsageError } from "../usage-error.js";

const FORMATS: readonly ExportFormat[] = ["cilium", "k8s", "nftables"];

function readSelector(values: readonly string[]): Record<string, string> {
  const selector: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const item of values) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new UsageError("NETPERM_USAGE", `--selector takes KEY=VALUE, not '${item}'`, "e.g. --selector app=web");
    const key = item.slice(0, eq);
    if (Object.hasOwn(selector, key)) throw new UsageError("NETPERM_USAGE", `--selector ${key} given twice`);
    selector[key] = item.slice(eq + 1);
  }
  return selector;
}

const OPTIONS = defineOptions({
  format: { type: "string", value: "FORMAT", help: "cilium, k8s (YAML) or nftables (an nft -f ruleset), written to stdout" },
  selector: { type: "string", value: "KEY=VALUE", multiple: true, help: "the pods the policy applies to (cilium, k8s; repeatable; default: all)" },
  name: { type: "string", value: "NAME", help: "metadata.name, or the nft table name (default: netperm)" },
});

function isFormat(text: string): text is ExportFormat {
  return (FORMATS as readonly string[]).includes(text);
}

export const command: Command = {
  name: "export",
  summary: "write the policy for another engine: a CiliumNetworkPolicy, a k8s NetworkPolicy or an nft ruleset",
  usage: "export --format cilium|k8s|nftables [policy flags] [--selector KEY=VALUE ...] [--name NAME]",
  options: [
    ...helpLines(OPTIONS),
    "What the engine cannot express is left out, never widened, with a warning on stderr.",
  ],
  examples: [
    "netperm export --format k8s --allow-outbound=tcp://10.0.0.0/8:5432 --selector app=web",
    "netperm export --format cilium --allow-outbound=tcp://*.example.com:443",
    "netperm export --format nftables --allow-inbound=tcp://*:8080 > netperm.nft && nft -f netperm.nft",
    "netperm export --format cilium --policy netperm.json",
  ],
  async run(argv, io) {
    const line = await readCommandLine(argv, io, OPTIONS);
    if (line.positionals.length > 0) throw new UsageError("NETPERM_USAGE", `unexpected argument '${line.positionals[0]}'`, "export takes only flags");
    const format = line.values.format;
    if (format === undefined || !isFormat(format)) {
      throw new UsageError("NETPERM_USAGE", format === undefined ? "export needs --format" : `unknown format '${String(format)}'`, "--format cilium, k8s or nftables");
    }
    const selector = readSelector(line.values.selector);
    const name = line.values.name;
    const result = exportPolicy(line.policy, {
      format,
      selector,
      ...(name === undefined ? {} : { name }),
    });
    io.stdout.write(result.text);
    for (const w of result.warnings) {
      const from = w.rule.origin === "flags" ? "" : ` (${w.rule.origin})`;
      io.stderr.write(`warning: ${w.rule.flag}${from}: ${w.message}\n`);
    }
    return EXIT.ok;
  },
};
