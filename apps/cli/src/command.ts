/**
 * The shape every `netperm` subcommand has. A command reads its argv (the
 * words after its name) and writes through `io`, never to `process` directly,
 * so tests run it in-process.
 */
import type { Writable } from "node:stream";

export interface Io {
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export interface Command {
  readonly name: string;
  /** One line for `netperm --help`. */
  readonly summary: string;
  /** The usage line(s), without the leading `netperm `. */
  readonly usage: string;
  /** Options this command adds to the shared policy flags, as help lines. */
  readonly options?: readonly string[];
  /** Full command lines, taken from the seed where they can be. */
  readonly examples: readonly string[];
  /** Returns the exit code: 0 allowed/success, 1 denied/findings/guest failure, 2 usage or policy error. */
  run(argv: readonly string[], io: Io): Promise<number>;
}

/** Exit codes, everywhere (docs/design.md, CLI contract). */
export const EXIT = { ok: 0, denied: 1, usage: 2 } as const;
