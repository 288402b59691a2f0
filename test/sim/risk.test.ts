import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BREAKDOWN_SHARE,
  rateRisk,
  riskRank,
  severityOf,
  worstMinuteOf,
  type PerturbationForRisk,
} from "../../sim/risk.js";
import {
  RISK_RATINGS,
  TIMELINE_COLUMNS,
  type Kpis,
  type PerturbationSeverity,
  type Slo,
  type Timeline,
} from "../../sim/vocab/index.js";

const SLO: Slo = { latencyP95Ms: 250, errorRatePercent: 0.1, violationBudgetPercent: 0.5 };
const MINUTES = 10_080; // a week: the budget is 50.4 minutes

function kpis(k: Partial<Kpis> = {}): Kpis {
  return {
    costUsd: 1,
    monthlyCostUsd: 100,
    sloViolationMinutes: 0,
    minutes: MINUTES,
    totalRequests: 1e6,
    failedRequests: 0,
    errorRatePercent: 0,
    meanP95LatencyMs: 80,
    worstP95LatencyMs: 200,
    maxTasks: 4,
    minTasks: 2,
    meanTasks: 3,
    scalingActions: 10,
    peakCpuUtilization: 70,
    meanCpuUtilization: 40,
    peakMemoryUtilization: 30,
    cpuHeadroomPercent: 30,
    oomKills: 0,
    ...k,
  };
}

const CALM = { p95Ms: 200, errorRatePercent: 0 };

function perturbation(severity: PerturbationSeverity, name = "traffic x1.5"): PerturbationForRisk {
  const minutes =
    severity === "holds"
      ? 10
      : severity === "misses"
        ? 80
        : severity === "misses-badly"
          ? 400
          : 5000;
  return { name, severity, kpis: kpis({ sloViolationMinutes: minutes }) };
}

function rate(
  perturbations: PerturbationSeverity[],
  k: Partial<Kpis> = {},
  worstMinute = CALM,
  meetsSlo = true,
) {
  return rateRisk({
    kpis: kpis(k),
    meetsSlo,
    slo: SLO,
    worstMinute,
    perturbations: perturbations.map((s, i) => perturbation(s, `p${i}`)),
  });
}

describe("severityOf", () => {
  it("grades a miss by how far it goes: within twice the budgets, beyond, a quarter of the minutes", () => {
    expect(severityOf(kpis({ sloViolationMinutes: 60 }), true, SLO)).toBe("holds");
    expect(severityOf(kpis({ sloViolationMinutes: 100 }), false, SLO)).toBe("misses");
    expect(severityOf(kpis({ sloViolationMinutes: 10, errorRatePercent: 0.19 }), false, SLO)).toBe(
      "misses",
    );
    expect(severityOf(kpis({ sloViolationMinutes: 101 }), false, SLO)).toBe("misses-badly");
    expect(severityOf(kpis({ sloViolationMinutes: 10, errorRatePercent: 0.21 }), false, SLO)).toBe(
      "misses-badly",
    );
    expect(severityOf(kpis({ sloViolationMinutes: BREAKDOWN_SHARE * MINUTES }), false, SLO)).toBe(
      "breaks-down",
    );
  });
});

describe("rateRisk", () => {
  it("is very low with wide margins, a calm worst minute and every perturbation held", () => {
    const r = rate(["holds", "holds", "holds", "holds", "holds"], { sloViolationMinutes: 20 });
    expect(r).toMatchObject({ rating: "very-low", points: 0, factors: [] });
  });

  it("adds a point each for more than half the SLO-minute budget, half the error limit, a far worst minute", () => {
    const r = rate(
      ["holds"],
      { sloViolationMinutes: 32, errorRatePercent: 0.082 },
      { p95Ms: 39_807, errorRatePercent: 42 },
    );
    expect(r.points).toBe(3);
    expect(r.rating).toBe("medium");
    expect(r.factors.map((f) => f.reason)).toEqual([
      "uses 63 % of the SLO-minute budget (32 of 50.4 minutes)",
      "its error rate is 82 % of the limit (0.082 % of 0.100 %)",
      "its worst minute is far outside the SLO: p95 39,807 ms (159× the 250-ms SLO), 42 % of requests failing",
    ]);
  });

  it("weighs perturbations by how badly they fail: 1, 2, 3 points", () => {
    expect(rate(["misses"]).points).toBe(1);
    expect(rate(["misses", "misses"])).toMatchObject({ points: 2, rating: "low" });
    expect(rate(["misses-badly"])).toMatchObject({ points: 2, rating: "low" });
    expect(rate(["misses-badly", "misses"])).toMatchObject({ points: 3, rating: "medium" });
    expect(rate(["misses-badly", "misses-badly", "misses-badly"])).toMatchObject({
      points: 6,
      rating: "high",
    });
  });

  it("never rates a candidate that breaks down under a perturbation low; two breakdowns are high", () => {
    const one = rate(["breaks-down", "holds", "holds", "holds", "holds"]);
    expect(one.rating).toBe("medium");
    expect(one.factors[0]?.reason).toBe(
      "breaks down under p0: 5,000 of 10,080 minutes violate the SLO",
    );
    expect(rate(["breaks-down", "breaks-down"]).rating).toBe("high");
  });

  it("rates a candidate that misses the SLO itself high", () => {
    expect(rate([], { sloViolationMinutes: 60 }, CALM, false).rating).toBe("high");
  });

  it("keeps every rating at medium or above on a trace shorter than the minimum", () => {
    const r = rateRisk({
      kpis: kpis({ minutes: 1 }),
      meetsSlo: true,
      slo: SLO,
      worstMinute: CALM,
      perturbations: [],
      shortTrace: { coveredHours: 1 / 60, minTraceHours: 24 },
    });
    expect(r.rating).toBe("medium");
    expect(r.factors[0]?.reason).toBe(
      "the trace holds 1 min of data, under the 24 h minimum (planned with --allow-short-trace)",
    );
  });

  it("property: a rating is on the scale, a breakdown is never below medium, and a worse outcome never rates lower", () => {
    const severity = fc.constantFrom<PerturbationSeverity>(
      "holds",
      "misses",
      "misses-badly",
      "breaks-down",
    );
    fc.assert(
      fc.property(
        fc.array(severity, { maxLength: 6 }),
        fc.nat({ max: 5 }),
        severity,
        fc.double({ min: 0, max: 50, noNaN: true }),
        (list, at, worse, minutes) => {
          const r = rate(list, { sloViolationMinutes: minutes });
          expect(RISK_RATINGS).toContain(r.rating);
          if (list.includes("breaks-down")) expect(riskRank(r.rating)).toBeGreaterThanOrEqual(2);
          // Making one perturbation fare worse never lowers the rating.
          if (list.length > 0) {
            const i = at % list.length;
            const order = ["holds", "misses", "misses-badly", "breaks-down"];
            if (order.indexOf(worse) >= order.indexOf(list[i]!)) {
              const changed = [...list];
              changed[i] = worse;
              const r2 = rate(changed, { sloViolationMinutes: minutes });
              expect(riskRank(r2.rating)).toBeGreaterThanOrEqual(riskRank(r.rating));
            }
          }
        },
      ),
    );
  });
});

describe("worstMinuteOf", () => {
  function timeline(
    stepSeconds: number,
    requests: number[],
    failed: number[],
    p95: number[],
  ): Timeline {
    const cols = Object.fromEntries(
      TIMELINE_COLUMNS.map((c) => [c, new Float64Array(requests.length)]),
    ) as unknown as Record<string, Float64Array>;
    cols.requests!.set(requests);
    cols.failedRequests!.set(failed);
    cols.latencyP95Ms!.set(p95);
    return { startMs: 0, stepSeconds, length: requests.length, ...cols } as unknown as Timeline;
  }
  it("sums steps shorter than a minute into their minute for the error rate", () => {
    // 20-s steps: minute 0 has 300 requests and 3 failures (1 %), minute 1 has 30 and 3 (10 %).
    const t = timeline(
      20,
      [100, 100, 100, 10, 10, 10],
      [0, 3, 0, 0, 3, 0],
      [50, 80, 60, 900, 40, NaN],
    );
    expect(worstMinuteOf(t)).toEqual({ p95Ms: 900, errorRatePercent: 10 });
  });
  it("takes each step as its minute (or more) at 60 s and above", () => {
    const t = timeline(60, [100, 200], [1, 50], [100, 300]);
    expect(worstMinuteOf(t)).toEqual({ p95Ms: 300, errorRatePercent: 25 });
  });
});
