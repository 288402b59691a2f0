import { describe, expect, it } from "vitest";
import { simulate } from "../../sim/engine.js";
import {
  expandSpace,
  meetsSlo,
  paretoFront,
  rankOutcomes,
  SpaceError,
  spaceTaskSizes,
  otherDrainingReading,
  type Perturbation,
} from "../../sim/search.js";
import { rateRisk } from "../../sim/risk.js";
import { assemblePlan, pickByRisk, worseThanCurrent } from "../../sim/plan.js";
import { contextOf, traceOf } from "../helpers/sim.js";
import {
  SpaceSchema,
  type CandidateOutcome,
  type Kpis,
  type RiskRating,
  type RobustnessOutcome,
  type SimulationContext,
  type Trace,
} from "../../sim/vocab/index.js";

function constantTrace(rps: number, minutes: number): Trace {
  return traceOf(new Float64Array(minutes).fill(rps * 60), { source: "constant" });
}

function context(overrides: Partial<SimulationContext["service"]> = {}): SimulationContext {
  return contextOf({
    service: {
      cpuMsPerRequest: 10,
      latencyMs: 0,
      idleCpuPercent: 0,
      memoryMiB: { base: 100 },
      ...overrides,
    },
    slo: { latencyP95Ms: 300, errorRatePercent: 0.1, violationBudgetPercent: 0 },
  });
}

describe("the search", () => {
  it("finds the hand-computed optimum among fixed-capacity candidates", () => {
    // 100 requests/s of 10 ms CPU each. Each task is M/M/1 (c = 1 for ≤ 1 vCPU), whose
    // sojourn time is exponential with rate μ − λ, so p95 = ln 20 / (μ − λ) ≤ 0.3 s needs
    // μ − λ ≥ 9.99/s. With n tasks, λ = 100/n:
    //   0.25 vCPU (μ = 25):  n ≥ 6.67 → 7 tasks × $0.0123425/h = $0.0864/h
    //   0.5 vCPU  (μ = 50):  n ≥ 2.50 → 3 tasks × $0.024685/h  = $0.0741/h  ← cheapest
    //   1 vCPU    (μ = 100): n ≥ 1.11 → 2 tasks × $0.04937/h   = $0.0987/h
    const trace = constantTrace(100, 30);
    const space = SpaceSchema.parse({
      taskSizes: [
        { cpu: "256", memory: "512" },
        { cpu: "512", memory: "1024" },
        { cpu: "1024", memory: "2048" },
      ],
      metrics: ["ECSServiceAverageCPUUtilization"],
      utilizationTargets: [99],
      MinCapacity: [1, 2, 3, 4, 5, 6, 7, 8],
      MaxCapacity: [1, 2, 3, 4, 5, 6, 7, 8],
      ScaleOutCooldown: [300],
    });
    const ctx = context();
    const fixed = expandSpace(space, trace, ctx.service).filter(
      (c) => c.scaling.MinCapacity === c.scaling.MaxCapacity,
    );
    expect(fixed).toHaveLength(24);
    const outcomes: CandidateOutcome[] = fixed.map((candidate) => {
      const { kpis } = simulate(trace, candidate, ctx, { record: false });
      return { candidate, kpis, meetsSlo: meetsSlo(kpis, ctx.slo) };
    });
    const best = rankOutcomes(outcomes)[0]!;
    expect(best.meetsSlo).toBe(true);
    expect(best.candidate.task.cpu).toBe("512");
    expect(best.candidate.scaling.MinCapacity).toBe(3);
    // The boundaries of the hand computation hold too.
    const at = (cpu: string, n: number) =>
      outcomes.find((o) => o.candidate.task.cpu === cpu && o.candidate.scaling.MinCapacity === n)!;
    expect(at("256", 6).meetsSlo).toBe(false);
    expect(at("256", 7).meetsSlo).toBe(true);
    expect(at("512", 2).meetsSlo).toBe(false);
    expect(at("1024", 1).meetsSlo).toBe(false);
    expect(at("1024", 2).meetsSlo).toBe(true);
    expect(best.kpis.monthlyCostUsd).toBeCloseTo(3 * 0.024685 * 730, 6);
  });

  it("breaks cost ties by fewer scaling actions, then more headroom", () => {
    const base = { monthlyCostUsd: 100, scalingActions: 5, cpuHeadroomPercent: 20 } as Kpis;
    const mk = (id: number, k: Partial<Kpis>): CandidateOutcome => ({
      candidate: { id } as CandidateOutcome["candidate"],
      kpis: { ...base, ...k },
      meetsSlo: true,
    });
    const ranked = rankOutcomes([
      mk(0, { monthlyCostUsd: 100.5, scalingActions: 9 }),
      mk(1, { monthlyCostUsd: 100, scalingActions: 7 }),
      mk(2, { monthlyCostUsd: 100.2, scalingActions: 3, cpuHeadroomPercent: 10 }),
      mk(3, { monthlyCostUsd: 100.9, scalingActions: 3, cpuHeadroomPercent: 30 }),
      mk(4, { monthlyCostUsd: 90 }),
    ]);
    expect(ranked.map((o) => o.candidate.id)).toEqual([4, 3, 2, 1, 0]);
  });

  it("keeps the cost-vs-violation Pareto front, cheapest first", () => {
    const mk = (id: number, cost: number, minutes: number): CandidateOutcome => ({
      candidate: { id } as CandidateOutcome["candidate"],
      kpis: { monthlyCostUsd: cost, sloViolationMinutes: minutes } as Kpis,
      meetsSlo: false,
    });
    const front = paretoFront([
      mk(0, 10, 50),
      mk(1, 20, 10),
      mk(2, 15, 60),
      mk(3, 30, 0),
      mk(4, 25, 10),
    ]);
    expect(front).toEqual([0, 1, 3]);
  });

  it("turns a bad space into one clear sentence", () => {
    const trace = constantTrace(10, 10);
    const ctx = context();
    expect(() =>
      expandSpace(SpaceSchema.parse({ MinCapacity: [5], MaxCapacity: [2] }), trace, ctx.service),
    ).toThrow(
      /MinCapacity.*greater than every MaxCapacity.*lower MinCapacity or raise MaxCapacity/,
    );
    expect(() => spaceTaskSizes(SpaceSchema.parse({ minCpu: 300, maxCpu: 400 }))).toThrow(
      SpaceError,
    );
    expect(SpaceSchema.safeParse({ metrics: [] }).success).toBe(false);
    const bad = SpaceSchema.safeParse({ taskSizes: [{ cpu: "256", memory: "4096" }] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/not valid with cpu "256".*512, 1024, 2048/);
    expect(SpaceSchema.safeParse({ taskSizes: [] }).success).toBe(false);
  });

  it("recommends the cheapest candidate rated low or lower, rates every candidate it checks, and compares with current", () => {
    const minutes = 24 * 60;
    const requests = new Float64Array(minutes);
    for (let i = 0; i < minutes; i++)
      requests[i] = 60 * (40 + 30 * Math.sin((2 * Math.PI * i) / minutes));
    const trace: Trace = {
      source: "sine",
      startMs: Date.UTC(2026, 0, 5),
      stepSeconds: 60,
      requests,
      gap: new Uint8Array(minutes),
    };
    const ctx = {
      ...context(),
      slo: { latencyP95Ms: 300, errorRatePercent: 0.1, violationBudgetPercent: 1 },
    };
    const space = SpaceSchema.parse({
      taskSizes: [{ cpu: "512", memory: "1024" }],
      metrics: ["ECSServiceAverageCPUUtilization"],
      utilizationTargets: [30, 50, 70, 90],
      MinCapacity: [1, 2],
      ScaleOutCooldown: [300],
    });
    const candidates = expandSpace(space, trace, ctx.service);
    const kpis = candidates.map((c) => simulate(trace, c, ctx, { record: false }).kpis);
    const current = {
      task: candidates[0]!.task,
      scaling: { ...candidates[0]!.scaling, MinCapacity: 6, MaxCapacity: 10 },
    };
    const plan = assemblePlan({
      trace,
      context: ctx,
      candidates,
      kpis,
      topK: 2,
      maxChecked: 8,
      current,
    });
    expect(plan.recommended).not.toBeNull();
    expect(plan.maxRisk).toBe("low");
    // The availability floor (default 2): candidates with MinCapacity 1 are never picked.
    expect(plan.recommended!.candidate.scaling.MinCapacity).toBeGreaterThanOrEqual(2);
    expect(plan.availability.floor).toBe(2);
    const ranked = rankOutcomes(plan.outcomes).filter(
      (o) => o.meetsSlo && o.candidate.scaling.MinCapacity >= 2,
    );
    const rating = (id: number) => plan.robustness.find((r) => r.candidateId === id)?.risk.rating;
    const pickId = plan.recommended!.candidate.id;
    const pickRank = ranked.findIndex((o) => o.candidate.id === pickId);
    if (plan.risk!.rating === "low" || plan.risk!.rating === "very-low") {
      // Every better-ranked eligible candidate was checked and rated worse than low.
      for (const o of ranked.slice(0, pickRank))
        expect(["medium", "high"]).toContain(rating(o.candidate.id));
    } else {
      expect(plan.reasons.join(" ")).toMatch(/least risky/);
    }
    expect(plan.risk).toEqual(plan.robustness.find((r) => r.candidateId === pickId)?.risk);
    expect(plan.currentRisk).not.toBeNull();
    expect(plan.current?.kpis.minTasks).toBeGreaterThanOrEqual(6);
    expect(plan.reasons.join(" ")).toMatch(/Against the current settings/);
    expect(plan.recommended!.timeline.length).toBe(minutes);
  });

  it("falls back below the availability floor only when nothing at or above it meets the SLO, and says so", () => {
    const trace = constantTrace(20, 6 * 60);
    const ctx = {
      ...context(),
      slo: { latencyP95Ms: 300, errorRatePercent: 0.1, violationBudgetPercent: 1 },
    };
    const space = SpaceSchema.parse({
      taskSizes: [{ cpu: "1024", memory: "2048" }],
      metrics: ["ECSServiceAverageCPUUtilization"],
      utilizationTargets: [50],
      MinCapacity: [1],
      ScaleOutCooldown: [300],
    });
    const candidates = expandSpace(space, trace, ctx.service);
    const kpis = candidates.map((c) => simulate(trace, c, ctx, { record: false }).kpis);
    const plan = assemblePlan({ trace, context: ctx, candidates, kpis, topK: 1, current: null });
    expect(plan.recommended?.candidate.scaling.MinCapacity).toBe(1);
    expect(plan.availability.pickBelowFloor).toBe(true);
    expect(plan.reasons.join(" ")).toMatch(/availability floor/);
    const relaxed = assemblePlan({
      trace,
      context: ctx,
      candidates,
      kpis,
      topK: 1,
      current: null,
      minTasksForAvailability: 1,
    });
    expect(relaxed.availability.pickBelowFloor).toBe(false);
  });
});

/**
 * Six hours of a flat 3,000 requests a minute and the CPU-60 % candidates of one 0.5-vCPU task
 * size, each simulated: a pick that a heavier service breaks down.
 */
function flatCpuSweep() {
  const minutes = 6 * 60;
  const trace: Trace = {
    source: "flat",
    startMs: Date.UTC(2026, 0, 5),
    stepSeconds: 60,
    requests: new Float64Array(minutes).fill(3000),
    gap: new Uint8Array(minutes),
  };
  const ctx = context();
  const space = SpaceSchema.parse({
    taskSizes: [{ cpu: "512", memory: "1024" }],
    metrics: ["ECSServiceAverageCPUUtilization"],
    utilizationTargets: [60],
    MinCapacity: [1],
    ScaleOutCooldown: [300],
  });
  const candidates = expandSpace(space, trace, ctx.service);
  const kpis = candidates.map((c) => simulate(trace, c, ctx, { record: false }).kpis);
  return { minutes, trace, ctx, candidates, kpis };
}

describe("the reasons", () => {
  it("call a check the pick fails over a quarter of the minutes a breakdown, which is never rated low", () => {
    const { minutes, trace, ctx, candidates, kpis } = flatCpuSweep();
    const heavy = {
      name: "CPU per request x20",
      varies: { kind: "service" as const },
      apply: (t: Trace, c: SimulationContext) => ({
        trace: t,
        context: {
          ...c,
          service: { ...c.service, cpuMsPerRequest: c.service.cpuMsPerRequest * 20 },
        },
      }),
    };
    const plan = assemblePlan({
      trace,
      context: ctx,
      candidates,
      kpis,
      topK: 1,
      minPassed: 0,
      current: null,
      perturbations: [heavy],
    });
    expect(plan.recommended).not.toBeNull();
    const r = plan.robustness[0]!.perturbations[0]!;
    expect(r.meetsSlo).toBe(false);
    expect(r.kpis.sloViolationMinutes).toBeGreaterThan(0.25 * minutes);
    expect(r.severity).toBe("breaks-down");
    // A breakdown under one perturbation keeps the rating at medium, whatever the points.
    expect(plan.risk?.rating).toBe("medium");
    expect(plan.reasons.join(" ")).toMatch(
      new RegExp(
        `breaks down under CPU per request x20: ${r.kpis.sloViolationMinutes.toFixed(0)} of ${minutes} minutes`,
      ),
    );
  });
});

describe("a breakdown under a model reading, through the plan", () => {
  it("rates the pick high and says it rests on an unconfirmed AWS behaviour (medium as a change of the service)", () => {
    const { trace, ctx, candidates, kpis } = flatCpuSweep();
    // The same change twice, tagged two ways: as the service's, and as a model reading (a
    // constructed one: the real one, O9's, needs a CPU policy that scales in under load).
    const heavier = (c: SimulationContext) => ({
      ...c,
      service: { ...c.service, cpuMsPerRequest: c.service.cpuMsPerRequest * 20 },
    });
    const planWith = (varies: Perturbation["varies"]) =>
      assemblePlan({
        trace,
        context: ctx,
        candidates,
        kpis,
        topK: 1,
        current: null,
        perturbations: [
          {
            name: "the other reading",
            varies,
            apply: (t, c) => ({ trace: t, context: heavier(c) }),
          },
        ],
      });
    const asService = planWith({ kind: "service" });
    const asReading = planWith({
      kind: "model-reading",
      parameter: "cpuMsPerRequest",
      audit: "X1",
      fact: "how much CPU a request takes",
    });
    expect(asService.robustness[0]!.perturbations[0]!.severity).toBe("breaks-down");
    expect(asReading.robustness[0]!.perturbations[0]!.varies.kind).toBe("model-reading");
    expect(asService.risk?.rating).toBe("medium");
    expect(asReading.risk?.rating).toBe("high");
    expect(asReading.risk?.points).toBe(asService.risk?.points);
    expect(asReading.reasons.join(" ")).toMatch(
      /Rated high \(\d+ points?\): rests on an unconfirmed AWS behaviour, how much CPU a request takes \(see MODEL-AUDIT X1\): it breaks down under the other reading, with \d[\d,]* of its 360 minutes violating the SLO/,
    );
  });
});

describe("pickByRisk", () => {
  const outcome = (id: number, cost: number): CandidateOutcome =>
    ({
      candidate: { id, label: `c${id}` },
      kpis: { monthlyCostUsd: cost },
      meetsSlo: true,
    }) as unknown as CandidateOutcome;
  const ranked = [1, 2, 3, 4, 5, 6, 7, 8].map((id) => outcome(id, id * 10));
  const rule = { topK: 2, maxChecked: 8, maxRisk: "low" as RiskRating, minPassed: 0 };
  const runWith = (ratings: Record<number, RiskRating>, points: Record<number, number> = {}) => {
    const calls: number[] = [];
    const run = (o: CandidateOutcome): RobustnessOutcome => {
      calls.push(o.candidate.id);
      const rating = ratings[o.candidate.id] ?? "high";
      return {
        candidateId: o.candidate.id,
        perturbations: [],
        passed: 0,
        risk: {
          rating,
          points: points[o.candidate.id] ?? 0,
          factors: [],
          worstMinute: { p95Ms: 0, errorRatePercent: 0 },
        },
      };
    };
    return { calls, run };
  };

  it("checks in rank order until one is rated maxRisk or lower: the cheapest such is the pick", () => {
    const { calls, run } = runWith({
      1: "high",
      2: "medium",
      3: "medium",
      4: "low",
      5: "very-low",
    });
    const p = pickByRisk(ranked, run, rule);
    expect(p.pick?.candidate.id).toBe(4);
    expect(p.withinMaxRisk).toBe(true);
    // Then on for a safer neighbour: 5 is very low.
    expect(calls).toEqual([1, 2, 3, 4, 5]);
    expect(p.safer?.candidate.id).toBe(5);
    expect(p.riskier?.candidate.id).toBe(3);
  });

  it("checks topK even when the first qualifies, and stops looking for a safer one after topK more", () => {
    const { calls, run } = runWith({ 1: "low", 2: "low", 3: "low", 4: "low", 5: "very-low" });
    const p = pickByRisk(ranked, run, rule);
    expect(p.pick?.candidate.id).toBe(1);
    expect(calls).toEqual([1, 2, 3]);
    expect(p.safer).toBeNull();
    expect(p.riskier).toBeNull();
  });

  it("stops at once after topK when the pick is very low", () => {
    const { calls, run } = runWith({ 1: "very-low" });
    expect(pickByRisk(ranked, run, rule).pick?.candidate.id).toBe(1);
    expect(calls).toEqual([1, 2]);
  });

  it("stops at maxChecked and falls back to the least risky (fewest points, then rank)", () => {
    const { calls, run } = runWith(
      { 1: "high", 2: "medium", 3: "medium", 4: "high" },
      { 2: 5, 3: 3 },
    );
    const p = pickByRisk(ranked, run, { ...rule, maxChecked: 4 });
    expect(calls).toEqual([1, 2, 3, 4]);
    expect(p.pick?.candidate.id).toBe(3);
    expect(p.withinMaxRisk).toBe(false);
    expect(p.riskier?.candidate.id).toBe(2);
  });

  it("with maxRisk high picks the cheapest; with maxChecked 0 the best-ranked, unrated", () => {
    const { run } = runWith({ 1: "high" });
    expect(pickByRisk(ranked, run, { ...rule, maxRisk: "high" }).pick?.candidate.id).toBe(1);
    const none = pickByRisk(ranked, run, { ...rule, topK: 0, maxChecked: 0 });
    expect(none.pick?.candidate.id).toBe(1);
    expect(none.robustness).toEqual([]);
  });

  it("minPassed is required on top of the rating", () => {
    const { run } = runWith({ 1: "low", 2: "low" });
    const passing = (o: CandidateOutcome) => ({ ...run(o), passed: o.candidate.id === 2 ? 5 : 2 });
    expect(pickByRisk(ranked, passing, { ...rule, minPassed: 3 }).pick?.candidate.id).toBe(2);
  });

  it("passes over a candidate that misses only under the model reading for an equally cheap one that holds under both", () => {
    // Two candidates within 1 % of each other's cost (a tie: rank order decides), rated by the
    // real rating: the first misses mildly under the other reading of O9 and holds under
    // traffic; the second holds under both readings and misses mildly under traffic x1.5.
    // Points alike (1 each, low under the old rule, which picked the first).
    const reading = otherDrainingReading(true);
    const tied = [outcome(1, 100), outcome(2, 100.5)];
    const base = { minutes: 10_080, sloViolationMinutes: 3, errorRatePercent: 0 } as Kpis;
    const mild = { ...base, sloViolationMinutes: 70 } as Kpis;
    const held = { ...base, sloViolationMinutes: 10 } as Kpis;
    const slo = { latencyP95Ms: 100, errorRatePercent: 0.1, violationBudgetPercent: 0.5 };
    const run = (o: CandidateOutcome): RobustnessOutcome => {
      const first = o.candidate.id === 1;
      const perturbations = [
        {
          name: "traffic x1.5",
          varies: { kind: "traffic" as const },
          kpis: first ? held : mild,
          severity: first ? ("holds" as const) : ("misses" as const),
        },
        {
          name: reading.name,
          varies: reading.varies,
          kpis: first ? mild : held,
          severity: first ? ("misses" as const) : ("holds" as const),
        },
      ];
      const risk = rateRisk({
        kpis: base,
        meetsSlo: true,
        slo,
        worstMinute: { p95Ms: 80, errorRatePercent: 0 },
        perturbations,
      });
      return {
        candidateId: o.candidate.id,
        perturbations: perturbations.map((p) => ({
          ...p,
          meetsSlo: p.severity === "holds",
          marginMinutes: 50.4 - p.kpis.sloViolationMinutes,
        })),
        passed: 1,
        risk,
      };
    };
    const p = pickByRisk(tied, run, { ...rule, topK: 1 });
    expect(p.robustness.map((r) => r.risk.rating)).toEqual(["medium", "low"]);
    expect(p.pick?.candidate.id).toBe(2);
    expect(p.withinMaxRisk).toBe(true);
    expect(p.riskier?.candidate.id).toBe(1);
    expect(p.robustness[0]!.risk.factors[0]!.reason).toMatch(
      /^rests on an unconfirmed AWS behaviour, whether draining tasks count in .*: it misses the SLO mildly under AWS\/ECS average without draining tasks/,
    );
    // With maxRisk medium the first is acceptable again: the floor weighs, it does not exclude.
    expect(pickByRisk(tied, run, { ...rule, topK: 1, maxRisk: "medium" }).pick?.candidate.id).toBe(
      1,
    );
  });

  it("is a function of the candidates' outcomes and robustness results: the same inputs, the same pick", () => {
    const ratings: Record<number, RiskRating> = { 1: "high", 2: "medium", 3: "low", 4: "very-low" };
    const a = pickByRisk(ranked, runWith(ratings).run, rule);
    const b = pickByRisk([...ranked], runWith({ ...ratings }).run, rule);
    expect(b.pick?.candidate.id).toBe(a.pick?.candidate.id);
    expect(b.robustness.map((r) => r.candidateId)).toEqual(a.robustness.map((r) => r.candidateId));
  });
});

describe("worseThanCurrent", () => {
  const run = (min: number, k: Partial<Kpis>) =>
    ({
      candidate: { scaling: { MinCapacity: min } },
      kpis: { errorRatePercent: 0, worstP95LatencyMs: 100, sloViolationMinutes: 0, ...k },
    }) as never;
  it("names the figures the pick is worse on, a lower MinCapacity included", () => {
    const w = worseThanCurrent(
      run(4, { errorRatePercent: 0.021, worstP95LatencyMs: 51 }),
      run(2, { errorRatePercent: 0.081, worstP95LatencyMs: 13_639, sloViolationMinutes: 10 }),
    );
    expect(w.map((x) => x.figure)).toEqual([
      "errorRatePercent",
      "worstP95LatencyMs",
      "sloViolationMinutes",
      "MinCapacity",
    ]);
    expect(w.find((x) => x.figure === "MinCapacity")).toEqual({
      figure: "MinCapacity",
      current: 4,
      recommended: 2,
    });
  });
  it("ignores differences the report's rounding hides, and a higher MinCapacity", () => {
    expect(
      worseThanCurrent(run(2, { errorRatePercent: 0.02 }), run(3, { errorRatePercent: 0.0202 })),
    ).toEqual([]);
  });
});
