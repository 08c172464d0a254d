// Global setup of every package's test run: collects the groups of tests that
// did not run because a system program was missing (see
// @netperm/testkit's system-programs.ts) and prints them together at the end,
// so a green run on a bare machine still says what it did not prove.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const LOG_ENV = "NETPERM_MISSING_PROGRAMS_LOG";

export default function setup() {
  const dir = mkdtempSync(join(tmpdir(), "netperm-missing-"));
  const log = join(dir, "missing.jsonl");
  process.env[LOG_ENV] = log;
  return () => {
    let lines = [];
    try {
      lines = readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    } catch {
      // nothing was skipped
    }
    rmSync(dir, { recursive: true, force: true });
    if (lines.length === 0) return;
    const out = [
      "",
      `!! netperm: ${lines.length} group(s) of tests did NOT run here, because a system program is missing:`,
      ...lines.map((l) => `!!   ${l.file ?? "?"}: "${l.title}" needs ${l.missing}`),
      "!! Install them to run these tests; CI (.ci/run) installs them and sets NETPERM_REQUIRE_PROGRAMS=1, which makes a missing one fail.",
      "",
    ];
    process.stderr.write(`${out.join("\n")}\n`);
  };
}
