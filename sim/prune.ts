/**
 * Exact pruning for the sweep (pure): stop simulating a candidate once it can no longer change
 * what the plan reports: the Pareto front, the ranking the robustness checks walk and the
 * report lists, the pick.
 *
 * A simulation's cost, SLO-violating minutes and failed requests only grow as it advances (every
 * step adds a cost ≥ 0, closes minutes, counts failures). So at a step a candidate's figures so
 * far are lower bounds of its final ones, and so is its cost so far plus what it is sure to pay
 * until the end (the tasks it always runs, when the engine can show it: Simulation.billedFloor,
 * sim/engine.ts). It is stopped when both hold:
 *
 * 1. It is out of the plan's reach (keepRanks = the most of robustness.maxChecked and the
 *    report's longest list of candidates):
 *    - it already costs more than keepRanks finished candidates that meet the SLO, each by more
 *      than the ranking's 1 % cost tie: the ranking (sim/search.ts, rankOutcomes) puts those in
 *      earlier tie groups, so it ranks after them, where neither the robustness checks nor the
 *      report's lists go; or
 *    - it can no longer meet the SLO (its violating minutes already pass the budget, or its
 *      failed requests the error limit over the whole trace's requests), so the robustness checks
 *      and the pick, which look only at candidates that meet it, never see it; and, while fewer
 *      than keepRanks finished candidates meet it, keepRanks finished candidates already have
 *      fewer violating minutes than it has so far, so the report's lists of those closest to the
 *      SLO never reach it either.
 * 2. A finished candidate dominates it: no dearer per month and with no more violating minutes,
 *    strictly better on one or the same and listed first. So it is not on the cost-vs-SLO-minutes
 *    Pareto front, and without it the front is the same.
 *
 * Finished candidates come from earlier waves of the sweep (sim/io/pool.ts): every candidate of a
 * wave is held to the same rule, made from the waves before it, so what is pruned, and when, is
 * the same for any number of workers. Waves go cheapest first by an estimate of each candidate's
 * cost ({@link sweepOrder}), so that strong candidates finish early.
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
import { COST_TIE_FRACTION } from "./search.js";

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
  /** Monthly cost past which a candidate ranks after keepRanks finished ones that meet the SLO. */
  readonly reachCost: number;
  /**
   * The finished candidates' cost-vs-minutes staircase, cheapest first (cost rising, minutes
   * falling; of equal points the first listed): monthly cost, SLO minutes, id.
   */
  readonly stairCost: Float64Array;
  readonly stairMinutes: Float64Array;
  readonly stairId: Float64Array;
  /**
   * Whether keepRanks finished candidates meet the SLO: then the report's lists of the best
   * candidates hold only candidates that meet it.
   */
  readonly enoughMeet: boolean;
  /** The finished candidates' SLO minutes, ascending (while not enoughMeet). */
  readonly minutesSorted: Float64Array;
  /** The ranks to keep exact (keepRanks). */
  readonly keepRanks: number;
}

/** A finished candidate, as the rule needs it. */
export interface Finished {
  readonly id: number;
  readonly kpis: Kpis;
  readonly meetsSlo: boolean;
}

/**
 * The rule for the next wave, from the candidates finished so far (pruned ones are not
 * finished: their figures are bounds).
 *
 * @param keepRanks the ranks the robustness checks can reach (robustness.maxChecked).
 */
export function stopRule(
  finished: readonly Finished[],
  trace: Trace,
  slo: Slo,
  keepRanks: number,
): StopRule {
  const n = trace.requests.length;
  const minutes = (n * trace.stepSeconds) / 60;
  // The trace's requests, summed as the simulation sums them (the error rate's denominator).
  let total = 0;
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const r = trace.requests[i] ?? 0;
    total += r;
    if (r > peak) peak = r;
  }
  const budget = (slo.violationBudgetPercent / 100) * minutes + 1e-9;
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
  // (The ranking's own expression: a group takes costs up to the head's × (1 + the tie).)
  const reach = sorted
    .filter((f) => f.meetsSlo)
    .map((f) => f.kpis.monthlyCostUsd * (1 + COST_TIE_FRACTION));
  reach.sort((a, b) => a - b);
  const stair: Finished[] = [];
  for (const f of sorted) {
    const last = stair[stair.length - 1];
    if (last === undefined || f.kpis.sloViolationMinutes < last.kpis.sloViolationMinutes)
      stair.push(f);
  }
  const enoughMeet = keepRanks > 0 && reach.length >= keepRanks;
  return {
    everySteps: Math.max(1, Math.round(600 / trace.stepSeconds)),
    peakStepRequests: peak,
    maxMinutes: budget,
    maxFailed,
    reachCost: keepRanks > 0 && reach.length >= keepRanks ? reach[keepRanks - 1]! : Infinity,
    stairCost: Float64Array.from(stair, (f) => f.kpis.monthlyCostUsd),
    stairMinutes: Float64Array.from(stair, (f) => f.kpis.sloViolationMinutes),
    stairId: Float64Array.from(stair, (f) => f.id),
    enoughMeet,
    minutesSorted: enoughMeet
      ? new Float64Array(0)
      : Float64Array.from(sorted, (f) => f.kpis.sloViolationMinutes).sort(),
    keepRanks,
  };
}

/**
 * Whether the candidate `id`, with these figures so far, can stop (see the module comment);
 * the reason and the dominating candidate, or null. The rule's slack keeps it exact: a stopped
 * candidate's final figures would fail the same tests.
 */
export function shouldStop(
  rule: StopRule,
  id: number,
  cost: number,
  minutes: number,
  failed: number,
): { reason: PrunedAt["reason"]; dominatedBy: number } | null {
  const cannotMeet = minutes > rule.maxMinutes || failed > rule.maxFailed;
  if (!cannotMeet && !(cost > rule.reachCost)) return null;
  // While fewer than keepRanks finished candidates meet the SLO, the report lists some that miss
  // it, closest first (fewest violating minutes): keep out of those lists, behind keepRanks
  // finished candidates with fewer minutes than this one has already.
  if (!rule.enoughMeet && countBelow(rule.minutesSorted, minutes) < rule.keepRanks) return null;
  const reason = cannotMeet ? "cannot-meet-slo" : "beyond-reach";
  // The staircase's last step at or below this cost has the fewest minutes of all of them.
  const stairCost = rule.stairCost;
  const lo = countAtOrBelow(stairCost, cost);
  if (lo === 0) return null;
  const c = stairCost[lo - 1]!;
  const m = rule.stairMinutes[lo - 1]!;
  const other = rule.stairId[lo - 1]!;
  // Strictly better on cost or minutes, or the same and listed first (the front's order).
  if (m > minutes || !(c < cost || m < minutes || other < id)) return null;
  return { reason, dominatedBy: other };
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
