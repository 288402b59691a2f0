/**
 * One error type for usage errors: every error a user's input can cause is a UsageError (or a
 * subclass that keeps its code and exit code 2), which `main` prints as one sentence; the other
 * error classes are named here with why they are not usage errors.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CalibrationError } from "../../analysis/calibrate.js";
import { TraceError } from "../../analysis/trace.js";
import { ScheduleError } from "../../sim/schedule.js";
import { SpaceError } from "../../sim/search.js";
import { UsageError } from "../../sim/vocab/errors.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Error classes that are not a user's mistake, and what they are. */
const NOT_USAGE_ERRORS: Readonly<Record<string, string>> = {
  Interrupted: "Ctrl-C or SIGTERM: exit 130 or 143",
  HistoryError: "the history database cannot be used: exit 74",
  TransientError: "AWS throttling or a 5xx, retried",
  MetricForbiddenError: "AWS refused one metric; the collector explains it",
  CollectionInterrupted: "a collection stopped part way; it resumes",
  MalformedResponseError: "AWS answered with a malformed body; retried, then explained",
  K6LineTooLongError: "internal signal of the k6 reader, turned into a UsageError by its callers",
  PartlyRead: "internal signal of the CloudWatch importer",
  K6LineError: "internal signal of the k6 merge",
  SegmentLaunchError: "RunTask failed for a segment; the run explains it",
  SegmentStartError: "a segment did not start; the run explains it",
  K6UnreachableError: "--sync-start could not reach a k6; the run explains it",
  RunAbandoned: "internal signal of caplab run",
};

describe("usage errors", () => {
  it("are all UsageErrors, with a code and exit code 2", () => {
    const errors = [
      new TraceError("t", "empty-trace"),
      new CalibrationError("c"),
      new SpaceError("s"),
      new ScheduleError("h"),
    ];
    for (const e of errors) {
      expect(e).toBeInstanceOf(UsageError);
      expect(e.exitCode).toBe(2);
      expect(e.code).toMatch(/^[a-z]+(-[a-z]+)*$/);
    }
    expect(errors.map((e) => e.name)).toEqual([
      "TraceError",
      "CalibrationError",
      "SpaceError",
      "ScheduleError",
    ]);
  });

  it("have no other base class: every other Error subclass is listed with its reason", () => {
    const found: string[] = [];
    for (const folder of ["sim", "analysis", "scenarios", "reports", "cli"])
      for (const f of readdirSync(`${root}${folder}`, { recursive: true, encoding: "utf8" })) {
        if (!f.endsWith(".ts")) continue;
        const text = readFileSync(`${root}${folder}/${f}`, "utf8");
        for (const m of text.matchAll(/class (\w+) extends Error\b/g)) found.push(m[1]!);
      }
    expect(found).toContain("UsageError");
    expect(found.filter((name) => name !== "UsageError").sort()).toEqual(
      Object.keys(NOT_USAGE_ERRORS).sort(),
    );
  });
});
