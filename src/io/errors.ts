/**
 * User mistakes: a typed error with a code and one sentence that says what to change
 * (STYLE.md point 8). `main` prints the message and exits with `exitCode`; anything that is
 * not a UsageError shows its stack.
 */
export class UsageError extends Error {
  /** Machine-readable kind of mistake, e.g. "missing-file", "bad-config", "bad-trace-line". */
  readonly code: string;
  /** Process exit code for usage errors. @default 2 */
  readonly exitCode = 2;

  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UsageError";
    this.code = code;
  }
}

/**
 * The command was stopped by Ctrl-C (SIGINT) or SIGTERM before its output was in place; the
 * output was left as it was. `main` prints the message and exits with 130 (SIGINT) or 143
 * (SIGTERM), 128 + the signal number as shells report it.
 */
export class Interrupted extends Error {
  readonly exitCode: number;

  constructor(
    readonly signal: "SIGINT" | "SIGTERM",
    message: string,
  ) {
    super(message);
    this.name = "Interrupted";
    this.exitCode = signal === "SIGINT" ? 130 : 143;
  }
}
