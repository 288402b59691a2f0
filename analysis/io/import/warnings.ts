/**
 * The importer's named warnings (STYLE.md point 9), shared by the line formats
 * (analysis/io/import/import.ts) and the CloudWatch JSON reader (analysis/io/import/cloudwatch.ts).
 */
import type { Warning } from "../../../sim/vocab/index.js";

/** Bad lines reported one by one; the rest are counted in the manifest's notes. */
export const MAX_REPORTED_BAD_LINES = 5;

/** A line that could not be read; it was skipped. */
export function badLine(source: string, lineNumber: number, reason: string): Warning {
  return {
    code: "bad-line",
    message: `${source} line ${lineNumber} ${reason}; the line was skipped.`,
  };
}

/** Bad lines beyond the first {@link MAX_REPORTED_BAD_LINES}, summed up. */
export function moreBadLines(count: number): Warning {
  return {
    code: "more-bad-lines",
    message: `${count} more bad line${count === 1 ? " was" : "s were"} skipped (the bundle's manifest notes count them per file).`,
  };
}

/** An input that failed part way (a truncated gzip, a dropped connection); what was read of it counts. */
export function unreadableInput(source: string, reason: string): Warning {
  return {
    code: "unreadable-input",
    message: `${source} could not be read to the end (${reason}); the lines before that were imported.`,
  };
}

/** Requests before --from or at or after --to, left out. */
export function requestsOutsideWindow(count: number): Warning {
  return {
    code: "requests-outside-window",
    message: `${count} request${count === 1 ? "" : "s"} fell outside --from/--to and ${count === 1 ? "was" : "were"} left out.`,
  };
}
