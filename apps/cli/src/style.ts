/** Colour for humans: only on a TTY, never with NO_COLOR set (https://no-color.org). */
import type { Io } from "./command.js";

export interface Style {
  red(s: string): string;
  green(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export function styleFor(stream: Io["stderr"], env: Io["env"]): Style {
  const on = stream.isTTY === true && (env.NO_COLOR ?? "") === "" && env.TERM !== "dumb";
  const wrap = (open: number, close: number) => (s: string) => (on ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return { red: wrap(31, 39), green: wrap(32, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}
