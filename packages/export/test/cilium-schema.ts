/** Validates a CiliumNetworkPolicy against the vendored CRD schema subset (see its $comment for the source). */
import { readFileSync } from "node:fs";
import { parseIp } from "@netperm/core";
import { Ajv } from "ajv";

const schema = JSON.parse(readFileSync(new URL("./cilium-network-policy.schema.json", import.meta.url), "utf8")) as object;

/** The CRD's `format: cidr`: an IP, "/", a prefix that fits the family. */
function isCidr(text: string): boolean {
  const slash = text.indexOf("/");
  if (slash < 0) return false;
  const ip = parseIp(text.slice(0, slash));
  const prefix = text.slice(slash + 1);
  if (ip === undefined || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (ip.family === "ipv4" ? 32 : 128);
}

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat("cidr", isCidr);
ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
const validate = ajv.compile(schema);

/** Throws with every schema error when `doc` is not a valid CiliumNetworkPolicy. */
export function assertCiliumPolicy(doc: unknown): void {
  if (!validate(doc)) throw new Error(`not a valid CiliumNetworkPolicy: ${ajv.errorsText(validate.errors, { separator: "\n" })}`);
}
