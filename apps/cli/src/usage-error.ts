/** A mistake in how a command was called: printed as one line, exit 2. */
export class UsageError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = "UsageError";
    this.code = code;
    this.hint = hint;
  }
}
