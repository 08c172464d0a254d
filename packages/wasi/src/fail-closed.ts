/**
 * No guest input may trap the guest: jco lowers only a WASI error-code
 * string thrown by a host function; anything else (an `Error` from a bug, a
 * mapper, an audit callback) traps the guest and poisons its instance. Every
 * guard-side step runs inside `failClosed`, which passes the WASI codes the
 * step throws on purpose and turns anything else into `code`
 * (`access-denied`: a decision in doubt denies).
 */

/** Runs `step`; a thrown string (a WASI error code) passes, anything else becomes `code`. */
export function failClosed<T>(step: () => T, code = "access-denied"): T {
  try {
    return step();
  } catch (error) {
    if (typeof error === "string") throw error;
    throw code;
  }
}
