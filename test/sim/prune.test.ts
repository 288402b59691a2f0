/**
 * The sweep's stop rule (sim/prune.ts): a candidate stops only when it can no longer meet the
 * SLO, keepRanks finished candidates have fewer violating minutes, and a finished candidate
 * dominates it, or without one when its minutes are past the Pareto front's limit
 * (`far-from-slo`); the sweep order goes cheapest first; a simulation held to a rule stops at a
 * check and keeps its figures so far; a pruned sweep's plan (front, robustness, pick) is the
 * exhaustive one's for front limits of 1, 2 and none times the budget, and for a budget of 0.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  estimateOrder,
  orderWindow,
  shouldStop,
  stopRule,
  sweepOrder,
  traceWindow,
  type Finished,
  type OrderEstimate,
} from "../../sim/prune.js";
import { simulate } from "../../sim/engine.js";
import {
  closestToSlo,
  COST_TIE_FRACTION,
  expandSpace,
  frontLimitMinutes,
  meetsSlo,
  paretoFront,
  rankOutcomes,
  violationBudgetMinutes,
} from "../../sim/search.js";
import { assemblePlan } from "../../sim/plan.js";
import { runSweep } from "../../sim/io/pool.js";
import type { CandidateOutcome, Kpis, PlanCandidate, Trace } from "../../sim/vocab/index.js";
import { generateDefaultWeek } from "../../analysis/synthetic.js";
import { toTrace } from "../../analysis/trace.js";
import { contextOf, planConfigOf, rep, traceOf } from "../helpers/sim.js";

/** A day of one-minute steps; budget 1 % of 1,440 minutes = 14.4. */
const trace = traceOf(rep(600, 1440));
const slo = { latencyP95Ms: 250, errorRatePercent: 0.1, violationBudgetPercent: 1 };
const budget = violationBudgetMinutes(slo, 1440);

function finished(
  id: number,
  monthlyCostUsd: number,
  sloViolationMinutes: number,
  eligible = false,
): Finished {
  return { id, kpis: { monthlyCostUsd, sloViolationMinutes } as Kpis, eligible };
}

describe("the stop rule", () => {
  const done = [finished(0, 100, 0), finished(1, 80, 30), finished(2, 200, 2)];
  const rule = stopRule(done, trace, slo, budget, 2, COST_TIE_FRACTION);

  it("stops a candidate past the budget, behind two with fewer minutes, dominated", () => {
    expect(budget).toBeCloseTo(14.4, 9);
    // 40 minutes at $120: candidate 0 ($100, 0 min) dominates it.
    expect(shouldStop(rule, 9, 120, 40, 0)).toEqual({
      reason: "cannot-meet-slo",
      dominatedBy: 0,
    });
    // At $90 only candidate 1 ($80, 30 min) is as cheap, and it has fewer minutes.
    expect(shouldStop(rule, 9, 90, 40, 0)).toEqual({
      reason: "cannot-meet-slo",
      dominatedBy: 1,
    });
  });

  it("keeps one that can still meet the SLO, however dear", () => {
    expect(shouldStop(rule, 9, 1e6, 14.4, 0)).toBeNull();
  });

  it("keeps one that could be among the report's closest (fewer than keepRanks ahead of it)", () => {
    // 20 minutes: only candidates 0 and 2 have fewer; with keepRanks 3 it stays.
    const three = stopRule(done, trace, slo, budget, 3, COST_TIE_FRACTION);
    expect(shouldStop(three, 9, 500, 20, 0)).toBeNull();
    expect(shouldStop(rule, 9, 500, 20, 0)).not.toBeNull();
  });

  it("keeps one no finished candidate dominates (it could be on the Pareto front)", () => {
    // Cheaper than every finished candidate.
    expect(shouldStop(rule, 9, 50, 40, 0)).toBeNull();
    // $90, 25 minutes: candidate 1 ($80) has more minutes.
    expect(shouldStop(rule, 9, 90, 25, 0)).toBeNull();
  });

  it("breaks an exact tie by id, as the front does", () => {
    expect(shouldStop(rule, 9, 80, 30, 0)).toEqual({ reason: "cannot-meet-slo", dominatedBy: 1 });
    expect(shouldStop(rule, 0, 80, 30, 0)).toBeNull();
  });

  it("stops on failed requests past the error limit over the whole trace", () => {
    const total = 600 * 1440;
    const limit = (0.1 / 100) * total;
    expect(shouldStop(rule, 9, 120, 5, limit)).toBeNull();
    // Few minutes: only keepRanks 1 is behind it (candidate 0 has 0 minutes).
    const one = stopRule(done, trace, slo, budget, 1, COST_TIE_FRACTION);
    expect(shouldStop(one, 9, 120, 5, limit * 1.001)).toEqual({
      reason: "cannot-meet-slo",
      dominatedBy: 0,
    });
  });

  it("never stops a candidate whose final figures a finished one does not dominate (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 40 })), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 4 }),
        (points, cost, minutes, keep) => {
          const list = points.map(([c, m], i) => finished(i + 1, c, m));
          const r = shouldStop(
            stopRule(list, trace, slo, budget, keep, COST_TIE_FRACTION),
            0,
            cost,
            minutes,
            0,
          );
          if (r === null) return;
          expect(minutes).toBeGreaterThan(budget);
          expect(list.filter((f) => f.kpis.sloViolationMinutes < minutes).length).toBeGreaterThan(
            keep - 1,
          );
          const by = list.find((f) => f.id === r.dominatedBy)!;
          expect(by.kpis.monthlyCostUsd).toBeLessThanOrEqual(cost);
          expect(by.kpis.sloViolationMinutes).toBeLessThanOrEqual(minutes);
        },
      ),
    );
  });
});

describe("the far-from-slo rule (past the Pareto front's limit)", () => {
  const done = [finished(0, 100, 0), finished(1, 80, 30), finished(2, 200, 2)];
  // Twice the budget: 28.8 minutes (and meetsSlo's slack).
  const twice = frontLimitMinutes(slo, 1440, 2);
  const rule = stopRule(done, trace, slo, budget, 2, COST_TIE_FRACTION, twice);

  it("stops one past twice the budget behind keepRanks with fewer minutes, with no dominating candidate", () => {
    expect(twice).toBeCloseTo(28.8, 6);
    // $50: cheaper than every finished candidate, so none dominates it.
    expect(shouldStop(rule, 9, 50, 29, 0)).toEqual({ reason: "far-from-slo" });
    // Within the limit and not dominated: it could be on the front.
    expect(shouldStop(rule, 9, 50, 28.8, 0)).toBeNull();
    // Dominated past the budget but within the limit: stopped as before, naming its dominator.
    expect(shouldStop(rule, 9, 120, 20, 0)).toEqual({ reason: "cannot-meet-slo", dominatedBy: 0 });
  });

  it("keeps one with fewer than keepRanks finished candidates below it (it could be listed)", () => {
    // 29 minutes: only candidates 0 (0 min) and 2 (2 min) have fewer.
    const three = stopRule(done, trace, slo, budget, 3, COST_TIE_FRACTION, twice);
    expect(shouldStop(three, 9, 50, 29, 0)).toBeNull();
    expect(shouldStop(three, 9, 50, 31, 0)).toEqual({ reason: "far-from-slo" });
  });

  it("never stops without a dominating candidate when the front has no limit", () => {
    const none = stopRule(done, trace, slo, budget, 2, COST_TIE_FRACTION, Infinity);
    expect(shouldStop(none, 9, 50, 1e6, 0)).toBeNull();
    expect(frontLimitMinutes(slo, 1440, null)).toBe(Infinity);
  });

  it("never stops one that may meet the SLO, even with a limit below the budget", () => {
    const half = stopRule(done, trace, slo, budget, 2, COST_TIE_FRACTION, budget / 2);
    expect(half.frontMinutes).toBeCloseTo(budget, 6);
    expect(shouldStop(half, 9, 50, 14, 0)).toBeNull();
  });

  it("with a budget of 0, stops one at its first violating minute, and divides by nothing", () => {
    const strict = { ...slo, violationBudgetPercent: 0 };
    const zero = violationBudgetMinutes(strict, 1440);
    const limit = frontLimitMinutes(strict, 1440, 2);
    expect(zero).toBe(0);
    expect(limit).toBeGreaterThan(0);
    expect(limit).toBeLessThan(1e-6);
    const r = stopRule(done, trace, strict, zero, 1, COST_TIE_FRACTION, limit);
    expect(shouldStop(r, 9, 1, 0, 0)).toBeNull();
    expect(shouldStop(r, 9, 1, 1, 0)).toEqual({ reason: "far-from-slo" });
  });

  it("never changes the limited front, the first keepRanks ranks, the closest or the pick's reach (property)", () => {
    const outcome = (id: number, cost: number, minutes: number, limitBudget: number) =>
      ({
        candidate: { id, scaling: { MinCapacity: 2 } } as unknown as PlanCandidate,
        kpis: {
          monthlyCostUsd: cost,
          sloViolationMinutes: minutes,
          scalingActions: id % 3,
          cpuHeadroomPercent: id % 5,
          errorRatePercent: 0,
        } as Kpis,
        meetsSlo: minutes <= limitBudget + 1e-9,
      }) satisfies CandidateOutcome;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 60 })), {
          minLength: 1,
          maxLength: 14,
        }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(1, 2, null),
        fc.constantFrom(0, 1),
        (points, cost, minutes, extraCost, extraMinutes, keep, multiple, percent) => {
          const s = { ...slo, violationBudgetPercent: percent };
          const b = violationBudgetMinutes(s, 1440);
          const limit = frontLimitMinutes(s, 1440, multiple);
          const list = points.map(([c, m], i) => outcome(i + 1, c, m, b));
          const finishedList = list.map((o) => ({
            id: o.candidate.id,
            kpis: o.kpis,
            eligible: o.meetsSlo,
          }));
          const r = shouldStop(
            stopRule(finishedList, trace, s, b, keep, COST_TIE_FRACTION, limit),
            0,
            cost,
            minutes,
            0,
          );
          if (r === null) return;
          // Its final figures: at least those so far.
          const final = outcome(0, cost + extraCost, minutes + extraMinutes, b);
          if (r.reason !== "out-of-reach") expect(final.meetsSlo).toBe(false);
          if (r.reason === "far-from-slo") {
            expect(r.dominatedBy).toBeUndefined();
            expect(multiple).not.toBeNull();
          }
          expect(paretoFront([...list, final], limit)).toEqual(paretoFront(list, limit));
          const ids = (os: CandidateOutcome[]) => os.slice(0, keep).map((o) => o.candidate.id);
          expect(ids(rankOutcomes([...list, final]))).toEqual(ids(rankOutcomes(list)));
          // The report's "closest to the SLO" list (reports/plan-charts.ts, closestOutcomes).
          const closest = (os: CandidateOutcome[]) => [...os].sort(closestToSlo);
          if (r.reason !== "out-of-reach")
            expect(ids(closest([...list, final]))).toEqual(ids(closest(list)));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

/** A day of the default week, three times over: the high targets miss the SLO. */
function busyDay(): Trace {
  const raw = generateDefaultWeek(3);
  return toTrace(
    {
      ...raw,
      times: raw.times.slice(0, 1440),
      values: raw.values.slice(0, 1440).map((v) => 3 * v),
    },
    {},
    () => {},
  );
}

describe("a pruned sweep's plan against the exhaustive one, by front limit and budget", () => {
  const day = busyDay();
  const cases: [number | null, number][] = [
    [1, 1],
    [2, 1],
    [null, 1],
    [2, 0],
    [null, 0],
  ];
  for (const [multiple, percent] of cases) {
    it(`gives the same front, robustness and pick with a limit of ${multiple ?? "no"} × a ${percent} % budget`, async () => {
      const s = { ...slo, violationBudgetPercent: percent };
      const config = planConfigOf({
        service: { cpuMsPerRequest: 8, latencyMs: 25, memoryMiB: { base: 350 } },
        slo: s,
        space: { maxCpu: 1024, utilizationTargets: [40, 50, 70, 90], MinCapacity: [1, 2, 3] },
      });
      const context = contextOf({ service: config.service, slo: s });
      const candidates = expandSpace(config.space, day, config.service);
      const exhaustive = await runSweep(day, context, candidates, { workers: 0 });
      const pruned = await runSweep(day, context, candidates, {
        workers: 0,
        prune: { keepRanks: 5, frontBudgetMultiple: multiple, firstWave: 2 },
      });
      const planOf = (swept: typeof pruned) =>
        assemblePlan({
          trace: day,
          context,
          candidates,
          kpis: swept.map((r) => r.kpis),
          pruned: swept.map((r) => r.pruned),
          topK: 2,
          maxChecked: 5,
          current: null,
          frontBudgetMultiple: multiple,
          deployment: false,
        });
      const a = planOf(exhaustive);
      const b = planOf(pruned);
      expect(b.pareto).toEqual(a.pareto);
      expect(b.robustness).toEqual(a.robustness);
      expect(b.recommended?.candidate.id).toEqual(a.recommended?.candidate.id);
      expect(b.paretoLimit.maxMinutes).toBe(a.paretoLimit.maxMinutes);
      const limit = frontLimitMinutes(s, 1440, multiple);
      for (const id of a.pareto)
        expect(exhaustive[id]!.kpis.sloViolationMinutes).toBeLessThanOrEqual(limit);
      const far = pruned.filter((r) => r.pruned?.reason === "far-from-slo");
      if (multiple === null) expect(far.length).toBe(0);
      else expect(far.length).toBeGreaterThan(0);
      pruned.forEach((r, i) => {
        if (r.pruned?.reason !== "far-from-slo") return;
        expect(r.kpis.sloViolationMinutes).toBeGreaterThan(limit);
        expect(meetsSlo(exhaustive[i]!.kpis, s)).toBe(false);
      });
      // Budget 0: the front holds only candidates with no violating minute.
      if (percent === 0 && multiple !== null)
        for (const id of a.pareto) expect(exhaustive[id]!.kpis.sloViolationMinutes).toBe(0);
    });
  }
});

describe("the out-of-reach rule (may meet the SLO, too dear to matter)", () => {
  // Three finished candidates within the SLO at the floor ($100, $110, $120; 0, 5, 1 minutes).
  const done = [
    finished(0, 100, 0, true),
    finished(1, 110, 5, true),
    finished(2, 120, 1, true),
    finished(3, 50, 3000, false),
  ];
  const rule = stopRule(done, trace, slo, budget, 3, COST_TIE_FRACTION);

  it("stops one dearer than keepRanks eligible ones plus the near-tie margin, and dominated", () => {
    // Within the SLO so far (2 minutes), at least $130: all three rank before it.
    expect(shouldStop(rule, 9, 130, 2, 0)).toEqual({
      reason: "out-of-reach",
      dominatedBy: 0,
      cheaperWithinSlo: 3,
    });
  });

  it("keeps one within the near-tie margin of the third (it could share its rank group)", () => {
    // 120 · 1.01 = 121.2: a candidate that may cost $121 could rank before candidate 2.
    expect(shouldStop(rule, 9, 121, 2, 0)).toBeNull();
    expect(shouldStop(rule, 9, 121.3, 2, 0)?.reason).toBe("out-of-reach");
  });

  it("keeps one with fewer than keepRanks eligible ones before it (ineligible ones do not count)", () => {
    const two = stopRule(done.slice(1), trace, slo, budget, 3, COST_TIE_FRACTION);
    expect(shouldStop(two, 9, 500, 2, 0)).toBeNull();
  });

  it("keeps one no finished candidate dominates (it could be on the front)", () => {
    const noZero = stopRule(done.slice(1), trace, slo, budget, 2, COST_TIE_FRACTION);
    // No finished candidate has 0 minutes: a dear one with none so far may be on the front.
    expect(shouldStop(noZero, 9, 500, 0, 0)).toBeNull();
    expect(shouldStop(noZero, 9, 500, 1, 0)?.reason).toBe("out-of-reach");
  });

  it("never moves a stopped candidate into the first keepRanks ranks, the front or the pick's reach (property)", () => {
    const outcome = (id: number, cost: number, minutes: number, meets: boolean, min = 2) =>
      ({
        candidate: { id, scaling: { MinCapacity: min } } as unknown as PlanCandidate,
        kpis: {
          monthlyCostUsd: cost,
          sloViolationMinutes: minutes,
          scalingActions: id % 3,
          cpuHeadroomPercent: id % 5,
          errorRatePercent: 0,
        } as Kpis,
        meetsSlo: meets,
      }) satisfies CandidateOutcome;
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 100, max: 130 }),
            fc.integer({ min: 0, max: 20 }),
            fc.boolean(),
            fc.integer({ min: 1, max: 3 }),
          ),
          { minLength: 1, maxLength: 14 },
        ),
        fc.integer({ min: 100, max: 140 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 4 }),
        (points, bound, extra, minutes, keep) => {
          const list = points.map(([c, m, meets, min], i) =>
            outcome(i + 1, c, m, meets && m <= budget, min),
          );
          const finishedList = list.map((o) => ({
            id: o.candidate.id,
            kpis: o.kpis,
            eligible: o.meetsSlo && o.candidate.scaling.MinCapacity >= 2,
          }));
          const r = shouldStop(
            stopRule(finishedList, trace, slo, budget, keep, COST_TIE_FRACTION),
            0,
            bound,
            minutes,
            0,
          );
          if (r === null || r.reason !== "out-of-reach") return;
          // Its final figures: at least the bound and the minutes so far; it may meet the SLO.
          const final = outcome(0, bound + extra, minutes, minutes <= budget);
          const ranked = rankOutcomes([...list, final]);
          const withoutIt = rankOutcomes(list);
          const ids = (os: CandidateOutcome[]) => os.slice(0, keep).map((o) => o.candidate.id);
          expect(ids(ranked)).toEqual(ids(withoutIt));
          const eligible = (os: CandidateOutcome[]) =>
            os.filter((o) => o.meetsSlo && o.candidate.scaling.MinCapacity >= 2);
          expect(eligible(ranked).length).toBeGreaterThanOrEqual(keep);
          expect(ids(eligible(ranked))).toEqual(ids(eligible(withoutIt)));
          expect(paretoFront([...list, final])).toEqual(paretoFront(list));
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** Ordering-pass estimates: costs, SLO minutes and eligibility, up to 40 candidates. */
const orderEstimates = fc.array(
  fc.record({
    monthlyCostUsd: fc.integer({ min: 1, max: 50 }),
    sloViolationMinutes: fc.integer({ min: 0, max: 30 }),
    eligible: fc.boolean(),
  }),
  { minLength: 1, maxLength: 40 },
);

describe("the ordering pass", () => {
  it("takes six hours to a day around the busiest step of a trace of two days or more", () => {
    const values = rep(10, 3 * 1440);
    values[2000] = 99;
    const t = traceOf(values);
    const w = orderWindow(t)!;
    expect(w.to - w.from).toBe(360);
    expect(orderWindow(traceOf(rep(10, 90 * 1440)))!.to).toBe(1440);
    expect(w.from).toBeLessThanOrEqual(2000);
    expect(w.to).toBeGreaterThan(2000);
    const day = traceWindow(t, w);
    expect(day.requests.length).toBe(360);
    expect(day.startMs).toBe(t.startMs + w.from * 60_000);
    expect(Math.max(...day.requests)).toBe(99);
    expect(orderWindow(traceOf(rep(10, 2 * 1440 - 1)))).toBeNull();
  });

  it("puts the estimated front and the cheapest eligible-looking first, in a permutation (property)", () => {
    fc.assert(
      fc.property(
        orderEstimates,
        fc.integer({ min: 1, max: 5 }),
        (estimates: OrderEstimate[], keep) => {
          const order = estimateOrder(estimates, keep);
          expect([...order].sort((a, b) => a - b)).toEqual(estimates.map((_, i) => i));
          const outcomes = estimates.map(
            (e, i) =>
              ({
                candidate: { id: i } as PlanCandidate,
                kpis: e as unknown as Kpis,
                meetsSlo: e.eligible,
              }) as CandidateOutcome,
          );
          const front = new Set(paretoFront(outcomes));
          const cheapest = estimates
            .map((_, i) => i)
            .filter((i) => estimates[i]!.eligible)
            .sort(
              (a, b) =>
                estimates[a]!.monthlyCostUsd - estimates[b]!.monthlyCostUsd ||
                estimates[a]!.sloViolationMinutes - estimates[b]!.sloViolationMinutes ||
                a - b,
            )
            .slice(0, keep);
          const first = new Set(order.slice(0, front.size + cheapest.length));
          for (const i of front) expect(first.has(i)).toBe(true);
          for (const i of cheapest) expect(first.has(i)).toBe(true);
        },
      ),
    );
  });
});

describe("the ordering pass with the front's limit", () => {
  it("puts the candidates whose window passes the limit last, the rest in the order without it (property)", () => {
    fc.assert(
      fc.property(
        orderEstimates,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 30 }),
        (estimates: OrderEstimate[], keep, limit) => {
          const order = estimateOrder(estimates, keep, limit);
          expect([...order].sort((a, b) => a - b)).toEqual(estimates.map((_, i) => i));
          const far = (i: number) => estimates[i]!.sloViolationMinutes > limit;
          const firstFar = order.findIndex(far);
          if (firstFar >= 0) expect(order.slice(firstFar).every(far)).toBe(true);
          // The others keep their order among themselves as if the far ones were not there.
          const near = estimates.map((_, i) => i).filter((i) => !far(i));
          const alone = estimateOrder(
            near.map((i) => estimates[i]!),
            keep,
          ).map((j) => near[j]!);
          expect(order.filter((i) => !far(i))).toEqual(alone);
        },
      ),
    );
  });
});

describe("the sweep order and a simulation held to a rule", () => {
  const day = busyDay();
  const dayBudget = violationBudgetMinutes(slo, 1440);
  const config = planConfigOf({
    service: { cpuMsPerRequest: 8, latencyMs: 25, memoryMiB: { base: 350 } },
    slo,
    space: { maxCpu: 1024, utilizationTargets: [50, 90], ScaleOutCooldown: [300] },
  });
  const context = contextOf({ service: config.service, slo });
  const candidates = expandSpace(config.space, day, config.service);
  const full = candidates.map((c) => simulate(day, c, context, { record: false }).kpis);

  it("puts the cheapest by estimate first: the first half costs less than the second", () => {
    const order = sweepOrder(candidates, day, context);
    expect([...order].sort((a, b) => a - b)).toEqual(candidates.map((_, i) => i));
    const half = Math.floor(order.length / 2);
    const mean = (ids: number[]) =>
      ids.reduce((sum, i) => sum + full[i]!.monthlyCostUsd, 0) / ids.length;
    expect(mean(order.slice(0, half))).toBeLessThan(mean(order.slice(half)));
  });

  it("stops at a check with its figures so far, or runs to the end identical", () => {
    // A rule any candidate past the budget meets: a free finished candidate with no minutes.
    const rule = stopRule([finished(-1, 0, 0)], day, slo, dayBudget, 1, COST_TIE_FRACTION);
    let stopped = 0;
    candidates.forEach((c, i) => {
      const held = simulate(day, c, context, { record: false, stop: { rule, id: c.id } });
      if (held.pruned === null) {
        expect(held.kpis).toEqual(full[i]);
        return;
      }
      stopped++;
      expect((held.pruned.step + 1) % rule.everySteps).toBe(0);
      expect(held.kpis.sloViolationMinutes).toBeGreaterThan(dayBudget);
      expect(held.kpis.sloViolationMinutes).toBeLessThanOrEqual(full[i]!.sloViolationMinutes);
      expect(held.kpis.costUsd).toBeLessThanOrEqual(full[i]!.costUsd);
    });
    expect(stopped).toBeGreaterThan(0);
    expect(stopped).toBeLessThan(candidates.length);
  });
});
