/**
 * A trace bundle's traffic judged against an SLO (reports/traffic-slo.ts): minutes counted as
 * the simulator counts them (sim/tally.ts `breaksSlo` on 60-s steps), a limit without a series
 * never judged, and a pass never resting on a limit left unjudged.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TrafficSide, TrafficStep } from "../../reports/run-data.js";
import { trafficCoverage, trafficSloVerdict } from "../../reports/traffic-slo.js";
import { breaksSlo } from "../../sim/tally.js";

function traffic(
  steps: readonly TrafficStep[],
  has: { p95?: boolean; fiveXx?: boolean } = {},
  stepSeconds = 60,
): TrafficSide {
  return {
    stepSeconds,
    from: {
      requests: "requests",
      http5xx: has.fiveXx === false ? [] : ["5xx"],
      p95: has.p95 === false ? null : "p95",
      avg: null,
    },
    steps,
  };
}

const step = (i: number, requests: number, http5xx: number | null, p95Ms: number | null) => ({
  timeMs: i * 60_000,
  requests,
  http5xx,
  p95Ms,
  avgMs: null,
});

const stepArb = fc.record({
  requests: fc.integer({ min: 0, max: 1000 }),
  errors: fc.integer({ min: 0, max: 1000 }),
  p95: fc.option(fc.double({ min: 1, max: 2000, noNaN: true }), { nil: null }),
});

describe("trafficSloVerdict", () => {
  it("counts a 60-s step as violating exactly when the simulator's minute rule would", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 200 }), (raw) => {
        const steps = raw.map((r, i) =>
          step(i, r.requests, Math.min(r.errors, r.requests), r.p95 ?? 100),
        );
        const v = trafficSloVerdict(traffic(steps), {
          latencyP95Ms: 300,
          errorRatePercent: 0.1,
          violationBudgetPercent: 0.5,
        });
        // breaksSlo: more than 5 % of served requests slower than the limit, or the error share
        // above the limit; a step's p95 above the limit means more than 5 % are slower.
        const expected = steps.filter((s) =>
          breaksSlo(s.requests, s.http5xx!, s.requests, s.p95Ms! > 300 ? s.requests : 0, 0.001),
        ).length;
        expect(v.violatingMinutes).toBe(expected);
        expect(v.meets).toBe(expected <= 0.005 * steps.length);
      }),
    );
  });

  it("weighs a step by its length and budgets a share of the span", () => {
    const v = trafficSloVerdict(
      traffic([step(0, 10, 0, 500), step(5, 10, 0, 100), step(10, 10, 5, 100)], {}, 300),
      { latencyP95Ms: 300, errorRatePercent: 1, violationBudgetPercent: 50 },
    );
    expect(v.spanMinutes).toBe(15);
    expect(v.budgetMinutes).toBe(7.5);
    expect(v.violatingMinutes).toBe(10);
    expect(v.slowMinutes).toBe(5);
    expect(v.errorMinutes).toBe(5);
    expect(v.meets).toBe(false);
    expect(v.worstSlow).toEqual({ timeMs: 0, p95Ms: 500 });
    expect(v.worstErrors).toEqual({ timeMs: 600_000, percent: 50 });
  });

  it("does not pass on one limit when the other asked for has no series, but can fail on it", () => {
    const quiet = [step(0, 10, 0, null), step(1, 10, 0, null)];
    const slo = { latencyP95Ms: 300, errorRatePercent: 1, violationBudgetPercent: 0.5 };
    const noP95 = trafficSloVerdict(traffic(quiet, { p95: false }), slo);
    expect(noP95.meets).toBeNull();
    expect(noP95.notJudged).toEqual(["p95: the bundle has no TargetResponseTime p95 series"]);
    const failing = trafficSloVerdict(traffic([step(0, 10, 5, null)], { p95: false }), slo);
    expect(failing.meets).toBe(false);
    const neither = trafficSloVerdict(traffic(quiet, { p95: false, fiveXx: false }), slo);
    expect(neither.meets).toBeNull();
    expect(neither.judged).toEqual([]);
    // Only the limit asked for is judged: 5xx alone on a bundle without p95 passes.
    expect(
      trafficSloVerdict(traffic(quiet, { p95: false }), {
        errorRatePercent: 1,
        violationBudgetPercent: 0.5,
      }).meets,
    ).toBe(true);
  });

  it("skips steps without requests and counts minutes whose p95 is missing", () => {
    const v = trafficSloVerdict(traffic([step(0, 0, 0, 900), step(1, 5, 0, null)]), {
      latencyP95Ms: 300,
      violationBudgetPercent: 0.5,
    });
    expect(v.violatingMinutes).toBe(0);
    expect(v.unjudgedLatencyMinutes).toBe(1);
  });
});

describe("how much data the traffic verdict rests on", () => {
  const SLO = { latencyP95Ms: 300, errorRatePercent: 0.1, violationBudgetPercent: 0.5 };

  it("says a pass on less than a day of data is one on too little data, as simulate's does", () => {
    const hour = traffic(Array.from({ length: 60 }, (_, i) => step(i, 100, 0, 50)));
    const v = trafficSloVerdict(hour, SLO);
    expect(v.meets).toBe(true);
    expect(v.thinData).toBe(true);
    expect(v.thin).toBe(
      "over 1 h of trace data only: too little to rest a decision on (a plan needs 24 h: guardrails.minTraceHours)",
    );
    const days = traffic(Array.from({ length: 2 * 1440 }, (_, i) => step(i, 100, 0, 50)));
    expect(trafficSloVerdict(days, SLO)).toMatchObject({
      meets: true,
      thinData: false,
      thin: null,
    });
  });

  it("counts a step the requests series lacks as a gap, and one with no requests as idle data", () => {
    // Two minutes a day apart (aws-docs-alb-examples.log's shape): 2 steps of data in 1,441.
    const sparse = traffic([step(0, 5, 0, 3), step(1440, 2, 0, 1)]);
    const c = trafficCoverage(sparse)!;
    expect(c.steps).toBe(1441);
    expect(c.coveredHours * 60).toBeCloseTo(2, 9);
    expect(trafficSloVerdict(sparse, SLO).thin).toMatch(
      /^over 2 min of trace data only \(in a span of 24 h, 0\.1 % of the steps with data\)/,
    );
    const idle = trafficCoverage(
      traffic(Array.from({ length: 1440 }, (_, i) => step(i, 0, 0, null))),
    )!;
    expect(idle.coveredHours).toBe(24);
    expect(idle.short).toBe(false);
    expect(trafficCoverage(traffic([]))).toBeNull();
  });
});
