/**
 * Errors of the component host (not of a policy: those are core's
 * `NetpermError`). Each has a stable `code`.
 *
 * - `NETPERM_NOT_WASM`: the file is not WebAssembly at all.
 * - `NETPERM_NOT_COMPONENT`: a core WebAssembly module, not a component.
 * - `NETPERM_NOT_COMMAND`: a component that does not export `wasi:cli/run`.
 * - `NETPERM_TRANSPILE`: jco could not transpile or instantiate the component.
 */
export type WasiHostErrorCode = "NETPERM_NOT_WASM" | "NETPERM_NOT_COMPONENT" | "NETPERM_NOT_COMMAND" | "NETPERM_TRANSPILE";

export class WasiHostError extends Error {
  readonly code: WasiHostErrorCode;
  /** A short suggestion for the user, if any. */
  readonly hint: string | undefined;
  constructor(code: WasiHostErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "WasiHostError";
    this.code = code;
    this.hint = options.hint;
  }
}

/** Thrown out of the guest by `wasi:cli/exit`, caught by `runCommand`. */
export class GuestExit extends Error {
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`guest exited with ${exitCode}`);
    this.name = "GuestExit";
    this.exitCode = exitCode;
  }
}
