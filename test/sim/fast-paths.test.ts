/**
 * The premises of the simulator's exact fast paths (bench/README.md, "Simulator"): each
 * shortcut gives the same bits as the general code only while these hold, so they are checked
 * here against the general code itself.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  alarmEvaluation,
  evaluateAlarm,
  NOfNMissingAlarm,
  type AlarmSpec,
} from "../../sim/alarm.js";

/** Datapoints by period, NaN where missing. */
const series = fc.array(
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(NaN) },
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 100 }) },
  ),
  { minLength: 1, maxLength: 80 },
);

describe("AutoScaler.observe: an alarm whose newest datapoint is real and does not breach", () => {
  it("is OK, by the incremental alarm and by evaluateAlarm, whatever came before (property)", () => {
    fc.assert(
      fc.property(
        series,
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom("GreaterThanThreshold", "LessThanThreshold") as fc.Arbitrary<
          "GreaterThanThreshold" | "LessThanThreshold"
        >,
        (values, n, extra, comparison) => {
          // A target-tracking alarm: N of N, missing data treated as missing.
          const spec: AlarmSpec = {
            threshold: 50,
            comparison,
            evaluationPeriods: n,
            datapointsToAlarm: n,
            treatMissingData: "missing",
            rangePeriods: n + extra,
          };
          const alarm = new NOfNMissingAlarm(spec);
          const source = { datapoint: (_h: number, k: number) => values[k] ?? NaN };
          values.forEach((v, k) => {
            alarm.push(k, v);
            // observe's tests: AlarmHigh (above) is OK at v <= threshold, AlarmLow (below) at
            // v >= threshold; NaN passes neither.
            const quiet = comparison === "GreaterThanThreshold" ? v <= 50 : v >= 50;
            if (!quiet) return;
            expect(alarm.evaluate(alarmEvaluation()).state, `period ${k}`).toBe("OK");
            expect(evaluateAlarm(source, 0, k, 0, spec, "OK", alarmEvaluation()).state).toBe("OK");
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
