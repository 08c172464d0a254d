/**
 * Runs `nft --check -f FILE` (Debian package `nftables`): parses and
 * evaluates the ruleset without applying it. `nft` needs a netlink socket even
 * to check; where the kernel refuses one (no CAP_NET_ADMIN), `nftUnavailable`
 * says so and the caller skips with that reason. A missing `nft` is an error,
 * not a skip: CI installs it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "netperm-nft-"));
let n = 0;

/** Runs nft --check on a ruleset; returns nft's exit status and stderr. */
export function nftCheck(ruleset: string): { status: number | null; stderr: string } {
  const file = join(dir, `ruleset-${n++}.nft`);
  writeFileSync(file, ruleset);
  const r = spawnSync("nft", ["--check", "-f", file], { encoding: "utf8", timeout: 20_000 });
  if (r.error) throw new Error(`cannot run nft (install the Debian package nftables): ${r.error.message}`);
  return { status: r.status, stderr: r.stderr };
}

function probe(): string | undefined {
  try {
    execFileSync("nft", ["--version"], { encoding: "utf8" });
  } catch (e) {
    throw new Error(`nft is not installed (Debian package nftables): ${(e as Error).message}`);
  }
  const r = nftCheck("table inet netperm_probe {\n  chain c {\n    type filter hook output priority filter; policy accept;\n  }\n}\n");
  if (r.status === 0) return undefined;
  if (/Operation not permitted|Permission denied|netlink/i.test(r.stderr)) return `nft --check cannot open a netlink socket here: ${r.stderr.trim()}`;
  throw new Error(`nft --check rejected a known-good ruleset: ${r.stderr}`);
}

/** Why nft --check cannot run here (netlink refused), or undefined when it can. */
export const nftUnavailable: string | undefined = probe();
