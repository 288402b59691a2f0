/**
 * sim/plan.ts's sentence about a pick whose worst minute is far outside the SLO: it says whether
 * the other candidates checked and the current setting share that minute (then it comes from
 * the traffic), or names the cheapest checked candidate that keeps it within bounds.
 */
import { describe, expect, it } from "vitest";
import { worstMinuteContext } from "../../sim/plan.js";
import type { PlanResult, RiskAssessment } from "../../sim/vocab/index.js";

const slo = { latencyP95Ms: 250, errorRatePercent: 0.1, violationBudgetMinutes: 50 };
const far = { p95Ms: 30_000, errorRatePercent: 20 };
const near = { p95Ms: 900, errorRatePercent: 0.5 };

function risk(worstMinute: RiskAssessment["worstMinute"], rating = "low"): RiskAssessment {
  return {
    rating: rating as RiskAssessment["rating"],
    points: 1,
    factors:
      worstMinute === far
        ? [{ kind: "worst-minute", points: 1, atLeast: null, reason: "far" }]
        : [],
    worstMinute,
  };
}

/** A plan result with the pick (id 0) and checked candidates 1.. of the given worst minutes. */
function result(
  pick: RiskAssessment["worstMinute"],
  others: { worst: RiskAssessment["worstMinute"]; cost: number }[],
  current: RiskAssessment["worstMinute"] | null,
) {
  const checked = [
    { id: 0, worst: pick, cost: 100 },
    ...others.map((o, i) => ({ id: i + 1, ...o })),
  ];
  return {
    slo,
    risk: risk(pick),
    currentRisk: current ? risk(current) : null,
    robustness: checked.map((c) => ({
      candidateId: c.id,
      perturbations: [],
      passed: 0,
      risk: risk(c.worst),
    })),
    outcomes: checked.map((c) => ({
      candidate: { id: c.id, label: `candidate-${c.id}` },
      kpis: { monthlyCostUsd: c.cost },
      meetsSlo: true,
    })),
  } as unknown as Omit<PlanResult, "reasons">;
}

describe("worstMinuteContext", () => {
  it("says nothing when the pick's worst minute is within bounds", () => {
    expect(worstMinuteContext(result(near, [{ worst: far, cost: 90 }], far), 0)).toBeNull();
  });

  it("says the minute comes from the traffic when every candidate checked and the current setting share it", () => {
    const text = worstMinuteContext(
      result(
        far,
        [
          { worst: far, cost: 90 },
          { worst: far, cost: 120 },
        ],
        far,
      ),
      0,
    );
    expect(text).toBe(
      "None of the 2 other candidates checked keeps its worst minute within 10× the SLO either, and the current setting's worst minute is as far outside (p95 30,000 ms, 20 % of requests failing): that minute comes from the traffic more than from the settings (the report's worst minutes say when and why).",
    );
  });

  it("names the cheapest checked candidate that keeps the minute within bounds", () => {
    const text = worstMinuteContext(
      result(
        far,
        [
          { worst: near, cost: 180 },
          { worst: far, cost: 90 },
          { worst: near, cost: 150 },
        ],
        near,
      ),
      0,
    );
    expect(text).toBe(
      "2 of the 3 other candidates checked keep their worst minute within 10× the SLO; the cheapest of them is candidate-3 at $150 a month, rated low (p95 900 ms, 0.500 % of requests failing); the current setting's worst minute is within bounds (p95 900 ms, 0.500 % of requests failing).",
    );
  });

  it("says nothing without another candidate or a current setting to compare with", () => {
    expect(worstMinuteContext(result(far, [], null), 0)).toBeNull();
  });

  it("does not blame the traffic when the current setting keeps that minute within bounds", () => {
    expect(worstMinuteContext(result(far, [{ worst: far, cost: 90 }], near), 0)).toBe(
      "The other candidate checked does not keep its worst minute within 10× the SLO either, but the current setting's worst minute is within bounds (p95 900 ms, 0.500 % of requests failing).",
    );
    expect(worstMinuteContext(result(far, [], far), 0)).toBe(
      "The current setting's worst minute is as far outside (p95 30,000 ms, 20 % of requests failing): that minute comes from the traffic more than from the settings (the report's worst minutes say when and why).",
    );
  });
});
