/**
 * Arbitraries for the target-tracking alarm's properties (test/sim/alarm.test.ts,
 * test/sim/fast-paths.test.ts): a series of datapoints with gaps, and an N-of-N alarm with
 * missing data treated as missing, as Application Auto Scaling makes them.
 */
import fc from "fast-check";
import type { AlarmSpec } from "../../sim/alarm.js";

/** Datapoints by period (0–100), NaN where missing: gaps and values in these weights. */
export function seriesWithGaps(gapWeight: number, valueWeight: number): fc.Arbitrary<number[]> {
  return fc.array(
    fc.oneof(
      { weight: gapWeight, arbitrary: fc.constant(NaN) },
      { weight: valueWeight, arbitrary: fc.integer({ min: 0, max: 100 }) },
    ),
    { minLength: 1, maxLength: 80 },
  );
}

/** A target-tracking alarm at threshold 50: N of N (1–16), a range up to 4 periods longer. */
export const trackingAlarmSpec: fc.Arbitrary<AlarmSpec> = fc
  .tuple(
    fc.integer({ min: 1, max: 16 }),
    fc.integer({ min: 0, max: 4 }),
    fc.constantFrom("GreaterThanThreshold", "LessThanThreshold") as fc.Arbitrary<
      "GreaterThanThreshold" | "LessThanThreshold"
    >,
  )
  .map(([n, extra, comparison]) => ({
    threshold: 50,
    comparison,
    evaluationPeriods: n,
    datapointsToAlarm: n,
    treatMissingData: "missing",
    rangePeriods: n + extra,
  }));
