/**
 * Tests that drive a system program (nft, curl, ip, unshare, bwrap, ...) run
 * wherever the program exists. Where it is missing, its tests do not run, and
 * the run says so loudly: a line on stderr when the file is collected, and a
 * summary at the end of the package's run (the preset's global setup prints
 * it), each naming the tests and the Debian package that brings the program.
 * The run still passes, so the README's test command is green on a machine
 * with only Node and npm.
 *
 * With `NETPERM_REQUIRE_PROGRAMS=1` (set by `.ci/run`, which installs every
 * program) a missing program is a failing test instead: CI can never skip.
 *
 * A requirement is not only "on PATH": `capability()` wraps any probe (for
 * example "network namespaces can be made here") with the same reporting.
 *
 *   const nft = systemProgram("nft", "nftables");
 *   describeWhere([nft], "nftables in a real kernel", () => { it(...) });
 *   itWhere([curl], "serves curl", async () => { ... });
 */
import { execFileSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { describe, it } from "vitest";

/** Something a group of tests needs from the machine. */
export interface Requirement {
  /** Short name shown in reports, e.g. `nft`. */
  readonly name: string;
  /** Whether it is there. */
  readonly present: boolean;
  /** What brings it, e.g. `Debian package nftables`. */
  readonly hint: string;
  /** Why it is missing (more detail than "not on PATH"), when known. */
  readonly why?: string;
}

/** The environment variable that turns a missing requirement into a failure. */
export const REQUIRE_ENV = "NETPERM_REQUIRE_PROGRAMS";
/** Where the preset's global setup collects the skipped groups of one run. */
export const MISSING_LOG_ENV = "NETPERM_MISSING_PROGRAMS_LOG";

/** The absolute path of `name` on PATH, or undefined. No process is started. */
export function findOnPath(name: string, path = process.env["PATH"] ?? ""): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue;
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A program on PATH, brought by `debianPackage`. */
export function systemProgram(name: string, debianPackage: string): Requirement & { readonly path: string | undefined } {
  const path = findOnPath(name);
  return { name, present: path !== undefined, hint: `Debian package ${debianPackage}`, path, ...(path === undefined ? { why: "not on PATH" } : {}) };
}

/** A capability of the machine, decided by `probe` (which returns why it is missing, or undefined). */
export function capability(name: string, hint: string, probe: () => string | undefined): Requirement {
  let why: string | undefined;
  try {
    why = probe();
  } catch (error) {
    why = error instanceof Error ? error.message : String(error);
  }
  return { name, present: why === undefined, hint, ...(why === undefined ? {} : { why }) };
}

/** Whether this run must fail on a missing requirement. */
export function requirementsEnforced(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env[REQUIRE_ENV];
  return v !== undefined && v !== "" && v !== "0";
}

/** One line naming what is missing and what brings it. */
export function describeMissing(missing: readonly Requirement[]): string {
  return missing.map((r) => `\`${r.name}\` (${r.why ?? "missing"}; ${r.hint})`).join(", ");
}

/**
 * `describe(title, body)` where every requirement is present. Otherwise the
 * group is skipped with a loud report, or, under NETPERM_REQUIRE_PROGRAMS=1,
 * replaced by one failing test that names what is missing.
 */
export function describeWhere(requirements: readonly Requirement[], title: string, body: () => void): void {
  const missing = requirements.filter((r) => !r.present);
  if (missing.length === 0) describe(title, body);
  else if (requirementsEnforced()) describe(title, () => failing(missing));
  else describe.skip(reportSkipped(missing, title), body);
}

/** `it(title, fn)` where every requirement is present; otherwise as `describeWhere`, for one test. */
export function itWhere(requirements: readonly Requirement[], title: string, fn: () => unknown, timeout?: number): void {
  const missing = requirements.filter((r) => !r.present);
  if (missing.length === 0) it(title, fn, timeout);
  else if (requirementsEnforced()) describe(title, () => failing(missing));
  else it.skip(reportSkipped(missing, title), fn);
}

function failing(missing: readonly Requirement[]): void {
  it(`has what it needs: ${missing.map((r) => r.name).join(", ")}`, () => {
    throw new Error(`${REQUIRE_ENV} is set and this machine lacks ${describeMissing(missing)}`);
  });
}

/** Reports a skipped group (stderr now, the run's summary later); returns its skipped title. */
function reportSkipped(missing: readonly Requirement[], title: string): string {
  const what = describeMissing(missing);
  const file = expectFile();
  process.stderr.write(`\n!! netperm: NOT RUN: "${title}"${file ? ` (${file})` : ""}: needs ${what}\n`);
  const log = process.env[MISSING_LOG_ENV];
  if (log) appendFileSync(log, `${JSON.stringify({ title, file, missing: what })}\n`);
  return `${title} [NOT RUN: needs ${missing.map((r) => r.name).join(", ")}]`;
}

function expectFile(): string | undefined {
  const state = (globalThis as { __vitest_worker__?: { filepath?: string } }).__vitest_worker__;
  return state?.filepath?.replace(`${process.cwd()}/`, "");
}

let namespaces: Requirement | undefined;

/** Network namespaces can be made here (`unshare --net`, with a user namespace when not root). Probed once. */
export function networkNamespaces(): Requirement {
  namespaces ??= capability("network namespaces", "unshare (util-linux) + ip (iproute2), and a kernel that allows them", () => {
    try {
      execFileSync("unshare", process.getuid?.() === 0 ? ["--net", "true"] : ["--user", "--map-root-user", "--net", "true"], { stdio: "ignore" });
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  });
  return namespaces;
}
