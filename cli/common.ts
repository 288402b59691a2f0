/**
 * What several commands do alike once their flags are parsed: warnings kept to print after the
 * work, a notice on stderr, the history database they read or record in, a run bundle recorded
 * there, JSON on stdout.
 */
import { historyLockTimeoutMs, resolveHistoryPath } from "../analysis/io/history/history-db.js";
import { recordRunBundle } from "../analysis/io/history/record-bundle.js";
import { loadRunBundle } from "../analysis/io/files/run-bundle.js";
import type { Warning, WarningSink } from "../sim/vocab/index.js";
import type { CliContext, Io } from "./context.js";

/** A warning sink that keeps what it is given, for `printWarnings` once the work is done. */
export function warningList(): { readonly warnings: Warning[]; readonly warn: WarningSink } {
  const warnings: Warning[] = [];
  return { warnings, warn: (w) => void warnings.push(w) };
}

/** Writes `caplab: MESSAGE` on stderr: what the library's `notify` callbacks are given. */
export function notifier(io: Io): (message: string) => void {
  return (message) => io.err(`caplab: ${message}\n`);
}

/** The history a command uses: `--history`, else $CAPLAB_HISTORY, else the project's. */
export interface HistoryAccess {
  readonly historyPath: string;
  /** How long to wait for another caplab's lock ($CAPLAB_HISTORY_LOCK_TIMEOUT). */
  readonly lockTimeoutMs: number;
}

/** Where the history is for `flag` (the `--history` value, if any), and its lock timeout. */
export function historyAccess(ctx: Pick<CliContext, "env" | "cwd">, flag?: string): HistoryAccess {
  return {
    historyPath: resolveHistoryPath(flag, ctx.env, ctx.cwd),
    lockTimeoutMs: historyLockTimeoutMs(ctx.env),
  };
}

/**
 * Records the run bundle `out` in the history and returns the exit code: `code`, or 74 when
 * `code` was 0 and the history could not be written (analysis/io/history/record-bundle.ts).
 */
export function recordRun(
  ctx: Pick<CliContext, "io" | "env" | "cwd">,
  out: string,
  code: number,
  historyFlag?: string,
): Promise<number> {
  return recordRunBundle(out, code, {
    ...historyAccess(ctx, historyFlag),
    loadRun: loadRunBundle,
    notify: notifier(ctx.io),
  });
}

/** `value` as the JSON a command prints on stdout: two-space indents, a final line feed. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
