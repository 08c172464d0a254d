/**
 * The `netperm` program: dispatches to a command and turns every failure
 * into one line on stderr with a code and a hint, then exit 2. Nothing here
 * touches `process`: `bin.ts` passes the real streams in.
 */
import { readFileSync } from "node:fs";
import { NetpermError, formatError } from "@netperm/core";
import { EXIT, type Io } from "./command.js";
import { commands } from "./commands/index.js";
import { commandHelp, programHelp } from "./help.js";
import { UsageError } from "./usage-error.js";

export type { Command, Io } from "./command.js";
export { commands } from "./commands/index.js";

export const version: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** Runs `netperm ARGV...`; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? commands.find((c) => c.name === rest[0]) : undefined;
    (name === undefined ? io.stderr : io.stdout).write(topic ? commandHelp(topic) : programHelp(commands, version));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === "--version" || name === "-V") {
    io.stdout.write(`netperm ${version}\n`);
    return EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    return fail(io, "NETPERM_USAGE", `unknown command '${name}'`, `commands: ${commands.map((c) => c.name).join(", ")}`);
  }
  const dashDash = rest.indexOf("--");
  const own = dashDash >= 0 ? rest.slice(0, dashDash) : rest;
  if (own.includes("--help") || own.includes("-h")) {
    io.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof NetpermError) {
      io.stderr.write(`${formatError(error)}\n`);
      return EXIT.usage;
    }
    if (error instanceof UsageError) return fail(io, error.code, error.message, error.hint);
    const message = error instanceof Error ? error.message : String(error);
    return fail(io, "NETPERM_INTERNAL", `internal error: ${message}`, "please report this with the command line");
  }
}

function fail(io: Io, code: string, message: string, hint?: string): number {
  io.stderr.write(`netperm: ${code}: ${message}\n${hint ? `  hint: ${hint}\n` : ""}`);
  return EXIT.usage;
}
