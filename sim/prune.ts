/**
 * Exact pruning for the sweep (pure): stop simulating a candidate once it can no longer change
 * what the plan reports: the pick and its neighbours, the robustness checks, the Pareto front,
 * the counts of candidates within the SLO, and the report's lists of the best candidates.
 *
 * A simulation's cost, SLO-violating minutes and failed requests only grow as it advances (every
 * step adds a cost ≥ 0, closes minutes, counts failures). So at a step a candidate's figures so
 * far are lower bounds of its final ones, and so is its cost so far plus what it is sure to pay
 * until the end (the tasks it always runs, when the engine can show it: Simulation.billedFloor,
 * sim/engine.ts). It is stopped when all three hold:
 *
 * 1. It can no longer meet the SLO: its violating minutes already pass the budget, or its failed
 *    requests the error limit over the whole trace's requests. The pick (sim/plan.ts,
 *    pickByRisk) walks only candidates within the SLO, so neither the pick, its neighbours, the
 *    robustness checks, the availability counts nor the "n of N meet the SLO" counts can reach
 *    it. (Stopping candidates that meet the SLO but cost too much to be reached by the pick would
 *    be faster, but the reports count and chart every candidate within the SLO, and a stopped
 *    one is not known to be within it.)
 * 2. It is out of the report's lists: `keepRanks` finished candidates (the most of
 *    robustness.maxChecked and the longest list a report shows) already have fewer violating
 *    minutes than it has so far. The rank order (sim/search.ts, rankOutcomes: within the SLO
 *    first, then fewest violating minutes) and the "closest to the SLO" order put those before
 *    it, so the first keepRanks of either order hold no stopped candidate and are the same.
 * 3. A finished candidate dominates it: no dearer per month and with no more violating minutes,
 *    strictly better on one or the same and listed first (paretoFront's order). So it is not on
 *    the cost-vs-SLO-minutes Pareto front, and without it the front is the same (the plan
 *    computes the front over the candidates simulated to the end).
 *
 * Finished candidates come from earlier waves of the sweep (sim/io/pool.ts): every candidate of a
 * wave is held to the same rule, made from the waves before it, so what is pruned, and when, is
 * the same for any number of workers. Waves go cheapest first by an estimate of each candidate's
 * cost ({@link sweepOrder}), so that strong candidates, which dominate the rest, finish early.
 *
 * A pruned candidate keeps its figures at the step it was stopped (lower bounds: the plan's
 * candidates.csv says so), counts as not meeting the SLO, and says when and why it was stopped.
 */
import type {
  Kpis,
  PlanCandidate,
  PrunedAt,
  SimulationContext,
  Slo,
  Trace,
} from "./vocab/index.js";
import { vcpusOf } from "./vocab/fargate.js";
import { taskCostPerSecond } from "./vocab/fargate.js";
import { taskStation } from "./queue.js";
import { monthlyCost } from "./rules.js";

/**
 * What every simulation of a wave is held to (plain data: it goes to the sweep's workers).
 * Figures are as {@link Kpis} computes them, so comparisons are exact.
 */
export interface StopRule {
  /** Check every this many steps (about ten minutes of trace). */
  readonly everySteps: number;
  /** The trace's busiest step, requests (for the tasks a candidate surely pays for). */
  readonly peakStepRequests: number;
  /** Violating minutes past which the SLO cannot be met: the budget, plus meetsSlo's slack. */
  readonly maxMinutes: number;
  /** Failed requests past which the error limit cannot be met, over the trace's requests. */
  readonly maxFailed: number;
  /**
   * The finished candidates' cost-vs-minutes staircase, cheapest first (cost rising, minutes
   * falling; of equal points the first listed): monthly cost, SLO minutes, id.
   */
  readonly stairCost: Float64Array;
  readonly stairMinutes: Float64Array;
  readonly stairId: Float64Array;
  /** The finished candidates' SLO minutes, ascending. */
  readonly minutesSorted: Float64Array;
  /** The ranks to keep exact (keepRanks). */
  readonly keepRanks: number;
}

/** A finished candidate, as the rule needs it. */
export interface Finished {
  readonly id: number;
  readonly kpis: Kpis;
}

/**
 * The rule for the next wave, from the candidates finished so far (pruned ones are not
 * finished: their figures are bounds).
 *
 * @param budgetMinutes the SLO's violation budget over the trace (sim/search.ts,
 *   violationBudgetMinutes; passed in so that the engine, which imports this module, loads no
 *   schema library in the sweep's workers).
 * @param keepRanks the first ranks kept exact: the most of robustness.maxChecked and the
 *   longest list of candidates a report shows.
 */
export function stopRule(
  finished: readonly Finished[],
  trace: Trace,
  slo: Slo,
  budgetMinutes: number,
  keepRanks: number,
): StopRule {
  const n = trace.requests.length;
  // The trace's requests, summed as the simulation sums them (the error rate's denominator).
  let total = 0;
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const r = trace.requests[i] ?? 0;
    total += r;
    if (r > peak) peak = r;
  }
  // meetsSlo's own slack (sim/search.ts).
  const budget = budgetMinutes + 1e-9;
  const errorLimit = slo.errorRatePercent + 1e-12;
  // Failed requests f fail the limit when 100·f / total > errorLimit; a relative margin covers
  // the rounding of that division and of the running sum.
  const maxFailed = total > 0 ? ((errorLimit * total) / 100) * (1 + 1e-9) : Infinity;
  const sorted = [...finished].sort(
    (a, b) =>
      a.kpis.monthlyCostUsd - b.kpis.monthlyCostUsd ||
      a.kpis.sloViolationMinutes - b.kpis.sloViolationMinutes ||
      a.id - b.id,
  );
  const stair: Finished[] = [];
  for (const f of sorted) {
    const last = stair[stair.length - 1];
    if (last === undefined || f.kpis.sloViolationMinutes < last.kpis.sloViolationMinutes)
      stair.push(f);
  }
  return {
    everySteps: Math.max(1, Math.round(PRUNE_CHECK_SECONDS / trace.stepSeconds)),
    peakStepRequests: peak,
    maxMinutes: budget,
    maxFailed,
    stairCost: Float64Array.from(stair, (f) => f.kpis.monthlyCostUsd),
    stairMinutes: Float64Array.from(stair, (f) => f.kpis.sloViolationMinutes),
    stairId: Float64Array.from(stair, (f) => f.id),
    minutesSorted: Float64Array.from(sorted, (f) => f.kpis.sloViolationMinutes).sort(),
    keepRanks,
  };
}

/** How often, in seconds of trace, a simulation checks whether it can stop. */
export const PRUNE_CHECK_SECONDS = 600;

/**
 * Whether the candidate `id`, with these figures so far (cost: a lower bound of its final
 * monthly cost), can stop (see the module comment); the dominating candidate, or null. The
 * rule's slack keeps it exact: a stopped candidate's final figures would fail the same tests.
 */
export function shouldStop(
  rule: StopRule,
  id: number,
  cost: number,
  minutes: number,
  failed: number,
): { reason: PrunedAt["reason"]; dominatedBy: number } | null {
  // 1. It can no longer meet the SLO.
  if (!(minutes > rule.maxMinutes || failed > rule.maxFailed)) return null;
  // 2. keepRanks finished candidates have fewer violating minutes than it has already.
  if (countBelow(rule.minutesSorted, minutes) < rule.keepRanks) return null;
  // 3. A finished candidate dominates it. The staircase's last step at or below this cost has
  //    the fewest minutes of all of them.
  const stairCost = rule.stairCost;
  const lo = countAtOrBelow(stairCost, cost);
  if (lo === 0) return null;
  const c = stairCost[lo - 1]!;
  const m = rule.stairMinutes[lo - 1]!;
  const other = rule.stairId[lo - 1]!;
  // Strictly better on cost or minutes, or the same and listed first (the front's order).
  if (m > minutes || !(c < cost || m < minutes || other < id)) return null;
  return { reason: "cannot-meet-slo", dominatedBy: other };
}

/** How many of the ascending `values` are below `x` (binary search). */
function countBelow(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many of the ascending `values` are at or below `x` (binary search). */
function countAtOrBelow(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The order in which a sweep simulates the candidates: cheapest first by an estimate of each one's
 * cost (tasks enough for each step's traffic at its target, within its MinCapacity and
 * MaxCapacity), so that the strong candidates finish in the first waves. Ties keep the given
 * order. Cost: O(steps) per distinct size, policy and capacity.
 */
export function sweepOrder(
  candidates: readonly PlanCandidate[],
  trace: Trace,
  context: SimulationContext,
): number[] {
  const estimates = new Map<string, number>();
  const cost = candidates.map((c) => {
    const key = `${c.task.cpu}/${c.task.memory}/${c.task.architecture}/${c.task.capacityProvider}/${c.metric}/${c.targetValue}/${c.scaling.MinCapacity}/${c.scaling.MaxCapacity}`;
    let estimate = estimates.get(key);
    if (estimate === undefined) {
      estimate = estimatedCost(c, trace, context);
      estimates.set(key, estimate);
    }
    return estimate;
  });
  return candidates.map((_, i) => i).sort((a, b) => cost[a]! - cost[b]! || a - b);
}

/** A rough monthly cost: tasks for each step's traffic at the candidate's target. */
function estimatedCost(c: PlanCandidate, trace: Trace, context: SimulationContext): number {
  const { service, prices } = context;
  const station = taskStation(
    vcpusOf(c.task),
    service.cpuMsPerRequest / 1000,
    service.idleCpuPercent / 100,
  );
  const s = trace.stepSeconds;
  // Requests per second one task takes at the target.
  const perTask =
    c.metric === "ALBRequestCountPerTarget"
      ? c.targetValue / 60
      : c.metric === "none"
        ? Infinity
        : (station.capacityRate * c.targetValue) / 100;
  const min = c.scaling.MinCapacity;
  const max = c.scaling.MaxCapacity;
  let taskSteps = 0;
  for (let i = 0; i < trace.requests.length; i++) {
    const need = perTask > 0 ? Math.ceil((trace.requests[i] ?? 0) / s / perTask) : max;
    taskSteps += Math.min(max, Math.max(min, need));
  }
  return monthlyCost(taskSteps * s * taskCostPerSecond(c.task, prices), trace.requests.length * s);
}
