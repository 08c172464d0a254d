// The environment ops of the test guests: what wasi:cli/environment shows
// the guest, and wasi:cli/exit with a status or a code.
import { getArguments, getEnvironment, initialCwd } from "wasi:cli/environment@0.2.12";
import { exit as exitWith, exitWithCode } from "wasi:cli/exit@0.2.12";

/** {} -> the guest's variables (as the host's list of pairs), arguments and initial cwd. */
export function env() {
  const vars = getEnvironment().map(([key, value]) => [key, value]);
  const cwd = initialCwd();
  return { ok: true, vars, args: Array.from(getArguments()), cwd: cwd === undefined ? null : cwd };
}

/** { code } -> wasi:cli/exit exit-with-code; { status: "ok" | "err" } -> exit. Does not return. */
export function exit(req) {
  if (typeof req.code === "number") exitWithCode(req.code);
  else exitWith(req.status === "err" ? { tag: "err", val: undefined } : { tag: "ok", val: undefined });
  return { ok: false, stage: "exit", error: "exit-returned" };
}
