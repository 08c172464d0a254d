/**
 * Runs `nft --check -f FILE` (Debian package `nftables`): parses and
 * evaluates the ruleset without applying it. `nft` needs a netlink socket even
 * to check; where the kernel refuses one (no CAP_NET_ADMIN), `nftChecks`
 * says so and the caller skips with that reason. A missing `nft` is reported
 * by the system-programs gate (`nft` below): the tests do not run, loudly, or
 * fail under NETPERM_REQUIRE_PROGRAMS=1.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capability, systemProgram } from "@netperm/testkit";

/** The `nft` program (Debian package nftables). */
export const nft = systemProgram("nft", "nftables");

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
  execFileSync("nft", ["--version"], { encoding: "utf8" });
  const r = nftCheck("table inet netperm_probe {\n  chain c {\n    type filter hook output priority filter; policy accept;\n  }\n}\n");
  if (r.status === 0) return undefined;
  if (/Operation not permitted|Permission denied|netlink/i.test(r.stderr)) return `nft --check cannot open a netlink socket here: ${r.stderr.trim()}`;
  throw new Error(`nft --check rejected a known-good ruleset: ${r.stderr}`);
}

/** `nft --check` works here: nft is installed and the kernel gives it a netlink socket. */
export const nftChecks = nft.present ? capability("nft --check", "CAP_NET_ADMIN (run as root)", probe) : nft;
