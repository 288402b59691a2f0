/**
 * sim/plan.ts's sentence about a pick whose worst minute is far outside the SLO: it says whether
 * the other candidates checked and the current setting share that minute (then it comes from
 * the traffic), or names the cheapest checked candidate that keeps it within bounds. And what
 * the trace's own weaknesses do to the pick: the search, the reasons, the neighbours.
 */
import { describe, expect, it } from "vitest";
import {
  assemblePlan,
  pickByRisk,
  unhealthyUnderLoad,
  worstMinuteContext,
} from "../../sim/plan.js";
import { expandSpace } from "../../sim/search.js";
import { simulate } from "../../sim/engine.js";
import { assessTrace } from "../../analysis/trace-coverage.js";
import { contextOf, kpisWith, traceOf } from "../helpers/sim.js";
import {
  GuardrailsSchema,
  SpaceSchema,
  type CandidateOutcome,
  type PlanResult,
  type RiskAssessment,
  type RiskRating,
  type RobustnessOutcome,
} from "../../sim/vocab/index.js";

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
      "None of the 2 other candidates checked keeps its worst minute within 10× the SLO either, and the current setting's worst minute is also far outside (p95 30,000 ms, 20 % of requests failing): that minute comes from the traffic more than from the settings (the report's worst minutes say when and why).",
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

  it("says the pick adds the failures when the current setting is as slow in that minute but fails no request", () => {
    const slowOnly = { p95Ms: 30_000, errorRatePercent: 0 };
    expect(worstMinuteContext(result(far, [{ worst: far, cost: 90 }], slowOnly), 0)).toBe(
      "The other candidate checked does not keep its worst minute within 10× the SLO either, and the current setting's worst minute is also far outside (p95 30,000 ms, 0 % of requests failing): the traffic brings that minute, but the pick fails up to 20 % of a minute's requests where the current setting fails at most 0 % (the report's worst minutes say when and why).",
    );
  });

  it("does not blame the traffic when the current setting keeps that minute within bounds", () => {
    expect(worstMinuteContext(result(far, [{ worst: far, cost: 90 }], near), 0)).toBe(
      "The other candidate checked does not keep its worst minute within 10× the SLO either, but the current setting's worst minute is within bounds (p95 900 ms, 0.500 % of requests failing).",
    );
    expect(worstMinuteContext(result(far, [], far), 0)).toBe(
      "The current setting's worst minute is also far outside (p95 30,000 ms, 20 % of requests failing): that minute comes from the traffic more than from the settings (the report's worst minutes say when and why).",
    );
  });
});

describe("unhealthyUnderLoad", () => {
  const turned = (tasks: number, timeMs = 0) => ({
    kind: "target-unhealthy" as const,
    timeMs,
    step: 0,
    tasks,
    reason: "",
  });
  const run = (events: ReturnType<typeof turned>[], maxTasks = 27.25, maxDesiredCount = 20) => ({
    events,
    kpis: kpisWith({}, { maxTasks, maxDesiredCount }),
  });

  it("counts the times the pick's tasks turned unhealthy, the current setting's, and the tasks run beside", () => {
    const pick = run([turned(8), turned(7.6, 60_000), turned(8.4, 120_000)]);
    expect(unhealthyUnderLoad(pick, run([turned(22)]))).toBe(
      "Under load, the pick's tasks turned unhealthy 24 times in all (a task counts each time it does; the model's expected counts, summed and rounded): they failed their ALB health checks (a check waited in the queue past HealthCheckTimeoutSeconds) and were replaced (MODEL-AUDIT O5; the current setting's tasks: 22 times). ECS starts a replacement before it stops the unhealthy task where maximumPercent allows, so both run and are billed: up to 28 tasks ran (by step means) where at most 20 were desired.",
    );
    // No current setting, none beside the desired count, one task once.
    expect(unhealthyUnderLoad(run([turned(1)], 20, 20), null)).toBe(
      "Under load, one of the pick's tasks turned unhealthy: it failed its ALB health checks (a check waited in the queue past HealthCheckTimeoutSeconds) and was replaced (MODEL-AUDIT O5). ECS starts a replacement before it stops the unhealthy task where maximumPercent allows, so both run and are billed.",
    );
    expect(unhealthyUnderLoad(run([turned(3)]), run([]))).toMatch(
      /^Under load, the pick's tasks turned unhealthy 3 times in all \(a task counts each time it does\): .*the current setting's tasks: never\)/,
    );
    // The same two tasks failing twice are four times, not four tasks.
    const twice = unhealthyUnderLoad(run([turned(2), turned(2, 600_000)], 20, 20), null)!;
    expect(twice).toMatch(/^Under load, the pick's tasks turned unhealthy 4 times in all/);
    expect(twice).not.toMatch(/4 of the pick's tasks/);
    expect(unhealthyUnderLoad(run([turned(0.6), turned(0.5)], 20, 20), null)).toMatch(
      /turned unhealthy once in all \(a task counts each time it does; the model's expected counts, summed and rounded\)/,
    );
  });

  it("says nothing when no task of the pick turned unhealthy (or less than half a task did)", () => {
    expect(unhealthyUnderLoad(run([]), run([turned(5)]))).toBeNull();
    expect(unhealthyUnderLoad(run([turned(0.2)]), null)).toBeNull();
  });
});

describe("the trace's weaknesses in the pick", () => {
  const outcome = (id: number): CandidateOutcome =>
    ({
      candidate: { id, label: `c${id}` },
      kpis: { monthlyCostUsd: id * 10 },
      meetsSlo: true,
    }) as unknown as CandidateOutcome;
  const ranked = [1, 2, 3, 4, 5, 6].map(outcome);
  const rated = (rating: RiskRating, calls: number[]) => (o: CandidateOutcome) => {
    calls.push(o.candidate.id);
    return {
      candidateId: o.candidate.id,
      perturbations: [],
      passed: 0,
      risk: { rating, points: 0, factors: [], worstMinute: { p95Ms: 0, errorRatePercent: 0 } },
    } satisfies RobustnessOutcome;
  };
  const rule = { topK: 2, maxChecked: 6, maxRisk: "low" as RiskRating, minPassed: 0 };

  it("looks for no safer neighbour when the pick is rated as low as the trace allows", () => {
    const free: number[] = [];
    expect(pickByRisk(ranked, rated("low", free), rule).pick?.candidate.id).toBe(1);
    expect(free).toEqual([1, 2, 3]);
    const floored: number[] = [];
    const p = pickByRisk(ranked, rated("low", floored), { ...rule, floor: "low" });
    expect(p.pick?.candidate.id).toBe(1);
    expect(floored).toEqual([1, 2]);
  });

  it("says that no candidate can meet maxRisk on a trace that allows none, and keeps the trace out of the neighbours' reasons", () => {
    // Two hours of 20 requests/s, planned with --allow-short-trace: every rating is medium.
    const trace = traceOf(new Float64Array(120).fill(20 * 60), { source: "two-hours" });
    const ctx = contextOf({
      service: { cpuMsPerRequest: 10, latencyMs: 0, idleCpuPercent: 0, memoryMiB: { base: 100 } },
      slo: { latencyP95Ms: 300, errorRatePercent: 0.1, violationBudgetPercent: 1 },
    });
    const space = SpaceSchema.parse({
      taskSizes: [
        { cpu: "256", memory: "512" },
        { cpu: "1024", memory: "2048" },
      ],
      metrics: ["ECSServiceAverageCPUUtilization"],
      utilizationTargets: [50, 90],
      MinCapacity: [2],
      ScaleOutCooldown: [300],
    });
    const candidates = expandSpace(space, trace, ctx.service);
    const kpis = candidates.map((c) => simulate(trace, c, ctx, { record: false }).kpis);
    const coverage = assessTrace(trace, GuardrailsSchema.parse({}), true);
    const plan = assemblePlan({
      trace,
      context: ctx,
      candidates,
      kpis,
      topK: 4,
      current: null,
      coverage,
    });
    expect(plan.risk?.rating).toBe("medium");
    const why = plan.reasons.join("\n");
    expect(why).toMatch(
      /No candidate can be rated low or lower on this trace: every rating is medium or higher, as the trace holds 2 h of data, under the 24 h minimum \(planned with --allow-short-trace\)\./,
    );
    expect(why).toMatch(/Give a trace of at least 24 h, or accept robustness\.maxRisk: medium\./);
    expect(why).not.toMatch(/Widen the space/);
    // A neighbour's reasons are its own: the trace's factor is the same for every candidate.
    expect(plan.neighbours.riskier?.reasons[0]).toMatch(/^misses the SLO under spike x3/);
    expect(why).toMatch(/rated medium \(2 points\): it misses the SLO under spike x3/);
    for (const n of [plan.neighbours.riskier, plan.neighbours.safer])
      for (const r of n?.reasons ?? []) expect(r).not.toMatch(/the trace/);
    expect(why).not.toMatch(/: it the /);
  });
});
