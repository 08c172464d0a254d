/**
 * The caret frame under a parse error (docs/design.md, Grammar): the flag as typed, and a
 * row of carets under the part that is wrong. Offsets count UTF-16 code units
 * of the whole flag (`--allow-outbound=...`), as JavaScript strings do.
 */

/** Where a piece of text sits inside the whole flag: the flag, and the piece's offset in it. */
export interface At {
  /** The whole flag as typed, e.g. `--allow-outbound=tcp://*:80`. */
  readonly input: string;
  /** Offset of the piece's first character inside `input`. */
  readonly offset: number;
}

/** The `At` of a piece that starts `delta` characters after `at`. */
export function shift(at: At, delta: number): At {
  return { input: at.input, offset: at.offset + delta };
}

/** Longest input shown whole; a longer one is shown as a window around the error. */
const MAX_SHOWN = 120;
/** Characters shown before the error when the input is windowed. */
const LEAD = 40;

/**
 * One character as it may be shown on a terminal: control characters become
 * their Unicode "control picture" (NUL -> ␀), so a NUL byte in a flag can not
 * garble the terminal, and every character still takes one column.
 */
function visible(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c < 0x20) return String.fromCharCode(0x2400 + c);
  if (c === 0x7f) return "\u2421";
  if (c >= 0x80 && c <= 0x9f) return "\ufffd";
  return ch;
}

/**
 * Renders `input` and carets under `[offset, offset + length)` as two lines,
 * each starting with `indent`. At least one caret is drawn (an offset at the
 * end of the input points just past its last character). An input longer
 * than 120 characters is shown as a window around the error, with `…` where
 * text was left out.
 */
export function renderFrame(input: string, offset: number, length: number, indent = "  "): [string, string] {
  const off = Math.max(0, Math.min(offset, input.length));
  let len = Math.max(1, Math.min(length, input.length - off));
  let start = 0;
  let end = input.length;
  if (input.length > MAX_SHOWN) {
    start = Math.max(0, off - LEAD);
    end = Math.min(input.length, start + MAX_SHOWN);
    len = Math.max(1, Math.min(len, end - off));
  }
  let shown = "";
  for (let i = start; i < end; i++) shown += visible(input[i]!);
  const before = start > 0 ? "\u2026" : "";
  const after = end < input.length ? "\u2026" : "";
  const pad = " ".repeat(before.length + off - start);
  return [`${indent}${before}${shown}${after}`, `${indent}${pad}${"^".repeat(len)}`];
}
