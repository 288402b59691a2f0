/**
 * Where a command's text goes. The library functions that talk while they work (a load test
 * on ECS, a collection after it) write through an `Io` they are given, never to
 * `process.stdout`, so a test can read what they said and the CLI can make every line safe
 * for a terminal (cli/context.ts, `printableIo`).
 */
import type { Warning } from "./warnings.js";

export interface Io {
  /** Standard output: results (summaries, JSON, tables). */
  readonly out: (text: string) => void;
  /** Standard error: progress, warnings, errors. */
  readonly err: (text: string) => void;
  /** Whether stderr is a terminal (progress bars are shown only then). */
  readonly isTty: boolean;
}

/** Environment variables, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The most warnings printed one per line; the rest are counted. @default 20 */
export const MAX_PRINTED_WARNINGS = 20;

/** Prints warnings to stderr, one line each, at most {@link MAX_PRINTED_WARNINGS}. */
export function printWarnings(io: Io, warnings: readonly Warning[]): void {
  const shown = warnings.slice(0, MAX_PRINTED_WARNINGS);
  for (const w of shown) io.err(`warning: ${w.message}\n`);
  if (warnings.length > shown.length)
    io.err(`warning: … and ${warnings.length - shown.length} more\n`);
}
