/**
 * User mistakes: a typed error with a code and one sentence that says what to change
 * (STYLE.md point 8). `main` prints the message and exits with `exitCode`; anything that is
 * not a UsageError shows its stack.
 */
export class UsageError extends Error {
  /** Machine-readable kind of mistake, e.g. "missing-file", "bad-config", "bad-trace-line". */
  readonly code: string;
  /**
   * Process exit code. @default 2; 104 (k6's "invalid config") for thresholds k6 would
   * refuse, as k6 itself exits.
   */
  readonly exitCode: number;

  constructor(
    message: string,
    code: string,
    options?: { readonly cause?: unknown; readonly exitCode?: number },
  ) {
    super(message, options);
    this.name = "UsageError";
    this.code = code;
    this.exitCode = options?.exitCode ?? 2;
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

/**
 * 74, `EX_IOERR` of BSD's sysexits.h ("an error occurred while doing I/O on some file"), unused
 * by caplab otherwise and by k6 (whose codes are 97–110 and 255), so CI can tell it from a
 * failed gate (1): a disk that is full or failing, or too many files open (cli/file-errors.ts).
 */
export const EX_IOERR = 74;

/** Exit code of a command whose run history could not be opened, read or written: {@link EX_IOERR}. */
export const HISTORY_EXIT_CODE = EX_IOERR;

/**
 * The run history database could not be used: another process held it longer than the lock
 * timeout, or the path is a folder, not a DuckDB database, truncated, or not writable. The
 * message is one sentence that names the path and what to do; `main` prints it and exits with
 * {@link HISTORY_EXIT_CODE}.
 */
export class HistoryError extends Error {
  /** Why: "locked", "folder", "not-a-database" or "unwritable". */
  readonly code: "locked" | "folder" | "not-a-database" | "unwritable";
  readonly path: string;
  readonly exitCode = HISTORY_EXIT_CODE;

  constructor(
    message: string,
    code: HistoryError["code"],
    path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "HistoryError";
    this.code = code;
    this.path = path;
  }
}
