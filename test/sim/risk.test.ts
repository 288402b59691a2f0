import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BREAKDOWN_SHARE,
  candidateFactors,
  dataFloor,
  heaviestReason,
  rateRisk,
  riskRank,
  severityOf,
  worstMinuteOf,
  WORSE_WORST_MINUTE_FLOOR,
  type PerturbationForRisk,
} from "../../sim/risk.js";
import {
  RISK_RATINGS,
  TIMELINE_COLUMNS,
  type Kpis,
  type PerturbationSeverity,
  type PerturbationVaries,
  type Slo,
  type Timeline,
  type TraceLimit,
} from "../../sim/vocab/index.js";
import { kpisWith } from "../helpers/sim.js";

const SLO: Slo = { latencyP95Ms: 250, errorRatePercent: 0.1, violationBudgetPercent: 0.5 };
const MINUTES = 10_080; // a week: the budget is 50.4 minutes

/** A quiet week: the helper's defaults, the week's minutes said here (the budget above). */
function kpis(k: Partial<Kpis> = {}): Kpis {
  return kpisWith({ minutes: MINUTES }, k);
}

const CALM = { p95Ms: 200, errorRatePercent: 0 };

function perturbation(
  severity: PerturbationSeverity,
  name = "traffic x1.5",
  varies: PerturbationVaries = { kind: "traffic" },
): PerturbationForRisk {
  const minutes =
    severity === "holds"
      ? 10
      : severity === "misses"
        ? 80
        : severity === "misses-badly"
          ? 400
          : 5000;
  return { name, varies, severity, kpis: kpis({ sloViolationMinutes: minutes }) };
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
      "has an error rate of 82 % of the limit (0.082 % of 0.100 %)",
      "has a worst minute far outside the SLO: p95 39,807 ms (159× the 250-ms SLO), 42 % of requests failing",
    ]);
  });

  it("keeps a far worst minute at medium when the current setting's worst minute on the same traffic is within bounds", () => {
    const far = { p95Ms: 13_639, errorRatePercent: 0 };
    const rated = (currentWorstMinute: { p95Ms: number; errorRatePercent: number } | null) =>
      rateRisk({
        kpis: kpis({ sloViolationMinutes: 10 }),
        meetsSlo: true,
        slo: SLO,
        worstMinute: far,
        perturbations: [],
        currentWorstMinute,
      });
    const settingsBringIt = rated({ p95Ms: 51, errorRatePercent: 0 });
    expect(settingsBringIt).toMatchObject({ rating: "medium", points: 1 });
    expect(settingsBringIt.factors).toEqual([
      {
        kind: "worst-minute",
        points: 1,
        atLeast: WORSE_WORST_MINUTE_FLOOR,
        reason:
          "has a worst minute far outside the SLO: p95 13,639 ms (55× the 250-ms SLO), where the current setting's worst minute on the same traffic is within bounds (p95 51 ms, 0 % of requests failing)",
      },
    ]);
    // The traffic brings it: today's setting is far outside too, on either figure.
    expect(rated({ p95Ms: 23_174, errorRatePercent: 0 })).toMatchObject({
      rating: "low",
      points: 1,
    });
    expect(rated({ p95Ms: 51, errorRatePercent: 15 })).toMatchObject({ rating: "low", points: 1 });
    // No current setting to compare with: the point alone.
    expect(rated(null)).toMatchObject({ rating: "low", points: 1 });
    // A calm worst minute is no factor, whatever today's setting does.
    const calm = rateRisk({
      kpis: kpis(),
      meetsSlo: true,
      slo: SLO,
      worstMinute: CALM,
      perturbations: [],
      currentWorstMinute: { p95Ms: 51, errorRatePercent: 0 },
    });
    expect(calm).toMatchObject({ rating: "very-low", factors: [] });
  });

  it("puts first what sets the rating: a floor below a rating that points set comes after the points", () => {
    // Medium by its floor: the worst minute leads. High by points: the bad misses lead.
    const rated = (perturbations: PerturbationSeverity[]) =>
      rateRisk({
        kpis: kpis(),
        meetsSlo: true,
        slo: SLO,
        worstMinute: { p95Ms: 13_639, errorRatePercent: 0 },
        perturbations: perturbations.map((p, i) => perturbation(p, `p${i}`)),
        currentWorstMinute: { p95Ms: 51, errorRatePercent: 0 },
      });
    const medium = rated(["misses"]);
    expect(medium.rating).toBe("medium");
    expect(medium.factors.map((f) => f.kind)).toEqual(["worst-minute", "perturbation"]);
    const high = rated(["misses-badly", "misses-badly", "misses-badly"]);
    expect(high).toMatchObject({ rating: "high", points: 7 });
    expect(high.factors.map((f) => f.points)).toEqual([2, 2, 2, 1]);
    expect(heaviestReason(high)).toBe(
      "misses the SLO under p0: 400 violating minutes (budget 50.4)",
    );
  });

  it("floors a worst minute exactly when it is far outside and today's is not (property)", () => {
    const minute = fc.record({
      p95Ms: fc.double({ min: 0, max: 60_000, noNaN: true }),
      errorRatePercent: fc.double({ min: 0, max: 100, noNaN: true }),
    });
    fc.assert(
      fc.property(minute, minute, (w, now) => {
        const r = rateRisk({
          kpis: kpis(),
          meetsSlo: true,
          slo: SLO,
          worstMinute: w,
          perturbations: [],
          currentWorstMinute: now,
        });
        const far = (m: typeof w) =>
          m.p95Ms > 10 * SLO.latencyP95Ms || m.errorRatePercent > 10 * SLO.errorRatePercent;
        const floored = far(w) && !far(now);
        expect(r.factors.some((f) => f.atLeast === "medium")).toBe(floored);
        expect(riskRank(r.rating) >= riskRank("medium")).toBe(floored);
        expect(r.points).toBe(far(w) ? 1 : 0);
      }),
    );
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

  it("reads every candidate's reason after \"it\": each starts with a verb (the neighbours' sentences)", () => {
    const r = rateRisk({
      kpis: kpis({ sloViolationMinutes: 49, errorRatePercent: 0.09, maxTasks: 6 }),
      meetsSlo: true,
      slo: SLO,
      worstMinute: { p95Ms: 40_000, errorRatePercent: 30 },
      perturbations: [perturbation("misses"), perturbation("breaks-down", "traffic x1.2")],
      maxCapacity: 6,
    });
    const verbs = /^(uses|has|meets|runs|misses|breaks down) /;
    expect(r.factors.length).toBe(7);
    for (const f of r.factors) expect(f.reason).toMatch(verbs);
  });

  it("rates a pick that meets the SLO by less than the noise of its own counts medium or higher", () => {
    // 48 of 50.4 budget minutes: 2.4 left, under √48 ≈ 6.9.
    const thin = rate(["holds"], { sloViolationMinutes: 48 });
    expect(thin.rating).toBe("medium");
    expect(thin.factors[0]).toMatchObject({ kind: "thin-margin", atLeast: "medium" });
    expect(thin.factors[0]?.reason).toBe(
      "meets the SLO by less than the noise of the data: 2.4 of its 50.4 SLO-minute budget left, less than the ±6.9 by which 48 violating minutes vary by chance (√n)",
    );
    // 40 minutes: 10.4 left, more than √40 ≈ 6.3: one point for the budget, low.
    const wide = rate(["holds"], { sloViolationMinutes: 40 });
    expect(wide.rating).toBe("low");
    expect(wide.factors.map((f) => f.kind)).toEqual(["slo-budget"]);
    // Failed requests: 990 of the 1,000 the limit allows, 10 short, under √990 ≈ 31.
    const errors = rate(["holds"], { failedRequests: 990, errorRatePercent: 0.099 });
    expect(errors.rating).toBe("medium");
    expect(errors.factors[0]?.reason).toMatch(
      /10 failed requests short of the error limit, less than the ±31 by which 990 failures vary by chance/,
    );
    expect(rate(["holds"], { failedRequests: 900, errorRatePercent: 0.09 }).rating).toBe("low");
  });

  it("counts a margin under one step of a coarse trace as thin", () => {
    // A budget of 14 minutes; 10 violating (two 5-minute steps): 4 left, more than √10 ≈ 3.2
    // but less than one step.
    const slo = { ...SLO, violationBudgetPercent: (100 * 14) / MINUTES };
    const base = {
      kpis: kpis({ sloViolationMinutes: 10 }),
      meetsSlo: true,
      slo,
      worstMinute: CALM,
      perturbations: [],
    };
    expect(rateRisk(base).rating).toBe("low");
    const coarse = rateRisk({ ...base, stepMinutes: 5 });
    expect(coarse.rating).toBe("medium");
    expect(coarse.factors[0]?.reason).toMatch(
      /4\.0 of its 14\.0 SLO-minute budget left, less than one 5-minute step of the trace$/,
    );
  });

  it("adds a point for a candidate that runs at its MaxCapacity", () => {
    const at = rateRisk({
      kpis: kpis({ maxTasks: 5 }),
      meetsSlo: true,
      slo: SLO,
      worstMinute: CALM,
      perturbations: [],
      maxCapacity: 5,
    });
    expect(at).toMatchObject({ rating: "low", points: 1 });
    expect(at.factors[0]?.reason).toBe(
      "runs at its MaxCapacity of 5 tasks at its busiest, with no room to scale out for more traffic",
    );
    // plan --default's cheaper neighbour: 206.9 running at MaxCapacity 180, replacements beside
    const over = rateRisk({
      kpis: kpis({ maxTasks: 206.9 }),
      meetsSlo: true,
      slo: SLO,
      worstMinute: CALM,
      perturbations: [],
      maxCapacity: 180,
    });
    expect(over.factors[0]?.reason).toBe(
      "runs at its MaxCapacity of 180 tasks at its busiest (more than 206 running: replacements and draining tasks run beside the desired count), with no room to scale out for more traffic",
    );
    const below = {
      kpis: kpis({ maxTasks: 4 }),
      meetsSlo: true,
      slo: SLO,
      worstMinute: CALM,
      perturbations: [],
    };
    expect(rateRisk({ ...below, maxCapacity: 5 }).rating).toBe("very-low");
    expect(rateRisk({ ...below, kpis: kpis({ maxTasks: 5 }), maxCapacity: null }).rating).toBe(
      "very-low",
    );
  });

  it("keeps a rating off very low while the trace leaves something unseen, and says what", () => {
    const limits: TraceLimit[] = [
      { kind: "peak-at-start", reason: "the trace starts 0 min before its busiest hour" },
    ];
    const r = rateRisk({
      kpis: kpis(),
      meetsSlo: true,
      slo: SLO,
      worstMinute: CALM,
      perturbations: [],
      dataLimits: limits,
    });
    expect(r).toMatchObject({ rating: "low", points: 0 });
    expect(r.factors).toEqual([
      { kind: "thin-data", points: 0, atLeast: "low", reason: limits[0]!.reason },
    ]);
    expect(dataFloor(r)).toBe("low");
    // The trace's factors are alike for every candidate: a list shows the candidate's own.
    expect(candidateFactors(r)).toEqual([]);
    expect(heaviestReason(r)).toBe(limits[0]!.reason);
    const both = rateRisk({
      kpis: kpis(),
      meetsSlo: true,
      slo: SLO,
      worstMinute: CALM,
      perturbations: [perturbation("misses")],
      dataLimits: limits,
      shortTrace: { coveredHours: 2, minTraceHours: 24 },
    });
    expect(both.rating).toBe("medium");
    expect(dataFloor(both)).toBe("medium");
    expect(heaviestReason(both)).toMatch(/^misses the SLO mildly under traffic x1\.5/);
    // Without any data factor, no floor.
    expect(dataFloor(rate(["misses"]))).toBeNull();
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
          // A margin within the noise (√n violating minutes) is never rated below medium.
          if (minutes > 0 && 50.4 - minutes < Math.sqrt(minutes))
            expect(riskRank(r.rating)).toBeGreaterThanOrEqual(2);
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
