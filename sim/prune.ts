/**
 * Exact pruning for the sweep (pure): stop simulating a candidate once it can no longer change
 * what the plan reports: the pick and its neighbours, the robustness checks, the Pareto front,
 * and the report's lists of the best candidates.
 *
 * A simulation's cost, SLO-violating minutes and failed requests only grow as it advances (every
 * step adds a cost ≥ 0, closes minutes, counts failures). So at a step a candidate's figures so
 * far are lower bounds of its final ones, and so is its cost so far plus what it is sure to pay
 * until the end (the tasks it always runs, when the engine can show it: Simulation.billedFloor,
 * sim/engine.ts). It is stopped when it is far from the SLO (`far-from-slo`), or when a finished
 * candidate dominates it and one of two reasons holds:
 *
 * - `far-from-slo` (no dominating candidate needed): its violating minutes already pass the
 *   Pareto front's limit, `pareto.maxBudgetMultiple` times the budget plus meetsSlo's slack
 *   (sim/search.ts, frontLimitMinutes; at least the budget itself), and `keepRanks` finished
 *   candidates have fewer violating minutes than it has so far. Its final minutes are at least
 *   those, so: it is not on the front, which is drawn only over the candidates within the limit
 *   (paretoFront's `maxMinutes`), the same in the exhaustive sweep, and a point left out of the
 *   set the front is drawn over never changes it; it misses the SLO, so the pick, which walks
 *   only candidates within it, never sees it; and the rank order and the "closest to the SLO"
 *   order put those keepRanks before it, as for `cannot-meet-slo` below. With a budget of 0 the
 *   limit is the slack alone: a candidate stops once it has a violating minute. With no limit
 *   (null) this reason never holds.
 *
 * - Dominated (required for the two reasons below): a finished candidate is no dearer per month than its cost's
 *   lower bound and has no more violating minutes than it has so far, strictly better on one or
 *   the same and listed first (paretoFront's order, sim/search.ts). So it is not on the
 *   cost-vs-SLO-minutes Pareto front, and without it the front is the same (the plan computes
 *   the front over the candidates simulated to the end). This holds for the limited front too:
 *   if its final minutes are within the limit, so are its dominator's (no more than its own),
 *   which is then in the set the front is drawn over; if not, it is not in that set.
 * - `cannot-meet-slo`: its violating minutes already pass the budget, or its failed requests
 *   the error limit over the whole trace's requests, and `keepRanks` finished candidates have
 *   fewer violating minutes than it has so far. The pick (sim/plan.ts, pickByRisk) walks only
 *   candidates within the SLO; the rank order (rankOutcomes: within the SLO first, then fewest
 *   violating minutes) and the "closest to the SLO" order put those keepRanks before it, so the
 *   first keepRanks of either order hold no stopped candidate.
 * - `out-of-reach`: it may meet the SLO, but `keepRanks` finished candidates within the SLO and
 *   at the availability floor cost so little that, even plus rankOutcomes' near-tie margin
 *   (COST_TIE_FRACTION), they are cheaper than its cost's lower bound. Such a candidate F ranks
 *   before it whatever its final figures: rankOutcomes groups costs within the margin of a
 *   group's cheapest (its head h, cost(h) ≤ cost(F)), so sharing F's group would need
 *   cost ≤ cost(h)·(1 + margin) ≤ cost(F)·(1 + margin) < its cost; and groups go cheapest
 *   first. The groups before the first stopped candidate's group are unchanged without it and
 *   hold those keepRanks candidates, so the first keepRanks ranks, and the first
 *   robustness.maxChecked (≤ keepRanks) of the candidates eligible for the pick (within the SLO
 *   at the floor; there are some, so the floor applies), are the same: pickByRisk never looks
 *   further, and the report lists no more. What changes is the count of candidates within the
 *   SLO: the reports say how many were stopped this way (sim/plan.ts, reports/).
 *
 * Finished candidates come from earlier waves of the sweep (sim/io/pool.ts): every candidate of a
 * wave is held to the same rule, made from the waves before it, so what is pruned, and when, is
 * the same for any number of workers. Waves go cheapest first by an estimate of each candidate's
 * cost ({@link sweepOrder}), so that strong candidates, which dominate the rest, finish early.
 *
 * A pruned candidate keeps its figures at the step it was stopped (lower bounds: the plan's
 * candidates.csv says so), counts as not meeting the SLO (the reports say how many of them may
 * meet it), and says when and why it was stopped.
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
import { SWEEP_DEFAULTS } from "./vocab/defaults.js";
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
  /**
   * Violating minutes past which a candidate is off the Pareto front and out of the SLO: the
   * front's limit (frontLimitMinutes), at least maxMinutes; Infinity without a limit.
   */
  readonly frontMinutes: number;
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
  /**
   * The monthly costs of the finished candidates within the SLO at the availability floor, each
   * times (1 + rankOutcomes' near-tie margin), ascending: a candidate whose cost's lower bound
   * passes keepRanks of them is out of reach.
   */
  readonly reachCosts: Float64Array;
  /** The ranks to keep exact (keepRanks). */
  readonly keepRanks: number;
}

/** A finished candidate, as the rule needs it. */
export interface Finished {
  readonly id: number;
  readonly kpis: Kpis;
  /** Within the SLO with MinCapacity at or above the availability floor: one the pick can reach. */
  readonly eligible: boolean;
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
 * @param costTieFraction rankOutcomes' near-tie margin (sim/search.ts, COST_TIE_FRACTION).
 * @param frontMinutes the Pareto front's limit on violating minutes, slack included
 *   (sim/search.ts, frontLimitMinutes, as the plan draws the front). @default Infinity (no
 *   limit: the front over every candidate)
 */
export function stopRule(
  finished: readonly Finished[],
  trace: Trace,
  slo: Slo,
  budgetMinutes: number,
  keepRanks: number,
  costTieFraction: number,
  frontMinutes: number = Infinity,
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
    everySteps: Math.max(1, Math.round(SWEEP_DEFAULTS.pruneCheckSeconds / trace.stepSeconds)),
    peakStepRequests: peak,
    maxMinutes: budget,
    frontMinutes: Math.max(budget, frontMinutes),
    maxFailed,
    stairCost: Float64Array.from(stair, (f) => f.kpis.monthlyCostUsd),
    stairMinutes: Float64Array.from(stair, (f) => f.kpis.sloViolationMinutes),
    stairId: Float64Array.from(stair, (f) => f.id),
    minutesSorted: Float64Array.from(sorted, (f) => f.kpis.sloViolationMinutes).sort(),
    // The same product rankOutcomes compares with, so the comparison is exact.
    reachCosts: Float64Array.from(
      finished.filter((f) => f.eligible),
      (f) => f.kpis.monthlyCostUsd * (1 + costTieFraction),
    ).sort(),
    keepRanks,
  };
}

/**
 * Whether the candidate `id`, with these figures so far (cost: a lower bound of its final
 * monthly cost), can stop (see the module comment); why, and the dominating candidate (none for
 * `far-from-slo`), or null. The rule's slack keeps it exact: a stopped candidate's final figures
 * would pass the same tests.
 */
export function shouldStop(
  rule: StopRule,
  id: number,
  cost: number,
  minutes: number,
  failed: number,
): Pick<PrunedAt, "reason" | "dominatedBy" | "cheaperWithinSlo"> | null {
  // Off the front and out of the SLO, and keepRanks finished candidates have fewer violating
  // minutes than it has already (frontMinutes is Infinity without a limit).
  if (minutes > rule.frontMinutes && countBelow(rule.minutesSorted, minutes) >= rule.keepRanks)
    return { reason: "far-from-slo" };
  // A finished candidate dominates it. The staircase's last step at or below this cost has the
  // fewest minutes of all of them.
  const stairCost = rule.stairCost;
  const lo = countAtOrBelow(stairCost, cost);
  if (lo === 0) return null;
  const c = stairCost[lo - 1]!;
  const m = rule.stairMinutes[lo - 1]!;
  const other = rule.stairId[lo - 1]!;
  // Strictly better on cost or minutes, or the same and listed first (the front's order).
  if (m > minutes || !(c < cost || m < minutes || other < id)) return null;
  // It can no longer meet the SLO, and keepRanks finished candidates have fewer violating
  // minutes than it has already.
  if (
    (minutes > rule.maxMinutes || failed > rule.maxFailed) &&
    countBelow(rule.minutesSorted, minutes) >= rule.keepRanks
  )
    return { reason: "cannot-meet-slo", dominatedBy: other };
  // keepRanks finished candidates within the SLO at the floor rank before it, whatever it costs.
  const cheaper = countBelow(rule.reachCosts, cost);
  if (cheaper >= Math.max(1, rule.keepRanks))
    return { reason: "out-of-reach", dominatedBy: other, cheaperWithinSlo: cheaper };
  return null;
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

/**
 * The steps [from, to) of the ordering pass (SWEEP_DEFAULTS.orderWindow*: a fiftieth of the
 * trace around its busiest step, six hours to a day), or null when the trace
 * is under two days (the pass would cost as much as it saves).
 */
export function orderWindow(trace: Trace): { from: number; to: number } | null {
  const n = trace.requests.length;
  if (n * trace.stepSeconds < 2 * 86_400) return null;
  const seconds = Math.min(
    SWEEP_DEFAULTS.orderWindowMaxSeconds,
    Math.max(
      SWEEP_DEFAULTS.orderWindowMinSeconds,
      SWEEP_DEFAULTS.orderWindowFraction * n * trace.stepSeconds,
    ),
  );
  const steps = Math.max(1, Math.round(seconds / trace.stepSeconds));
  let peak = 0;
  for (let i = 1; i < n; i++) if (trace.requests[i]! > trace.requests[peak]!) peak = i;
  const from = Math.min(n - steps, Math.max(0, peak - Math.floor(steps / 2)));
  return { from, to: from + steps };
}

/** The trace's steps [from, to) as a trace of their own. */
export function traceWindow(trace: Trace, window: { from: number; to: number }): Trace {
  return {
    ...trace,
    startMs: trace.startMs + window.from * trace.stepSeconds * 1000,
    requests: trace.requests.slice(window.from, window.to),
    gap: trace.gap.slice(window.from, window.to),
  };
}

/** A candidate's figures on the ordering pass's window (an estimate: used only for the order). */
export interface OrderEstimate {
  readonly monthlyCostUsd: number;
  readonly sloViolationMinutes: number;
  /** Within the SLO on the window, at or above the availability floor. */
  readonly eligible: boolean;
}

/**
 * The order in which a sweep simulates the candidates, from their figures on a short window
 * around the busiest step ({@link orderWindow}): first the ones that look strongest for pruning, i.e.
 * those on the window's cost-vs-minutes Pareto front (they dominate the rest) and the cheapest
 * that look eligible for the pick (they put dearer ones out of reach), then layer after layer.
 * A candidate's key is the smaller of its Pareto layer (0: on the front, 1: on the front
 * without layer 0, …) and its place among the eligible-looking ones, cheapest first, in
 * groups of `keepRanks`; ties go to the cheaper, then the lower index. A candidate whose window
 * alone has more violating minutes than the whole trace's front allows (`frontMinutes`) looks
 * far from the SLO: it takes no part in the layers and goes last (the sweep stops such ones
 * without a dominating candidate, so they need not finish first). The order only decides
 * which candidates finish first; what is pruned stays exact whatever it is. Cost: O(n log n).
 */
export function estimateOrder(
  estimates: readonly OrderEstimate[],
  keepRanks: number,
  frontMinutes: number = Infinity,
): number[] {
  const n = estimates.length;
  const byCost = estimates
    .map((_, i) => i)
    .sort(
      (a, b) =>
        estimates[a]!.monthlyCostUsd - estimates[b]!.monthlyCostUsd ||
        estimates[a]!.sloViolationMinutes - estimates[b]!.sloViolationMinutes ||
        a - b,
    );
  // Pareto layers: each point, cheapest first, joins the first layer whose fewest minutes so far
  // are more than its own (those fewest minutes rise with the layer: binary search).
  const layerMinutes: number[] = [];
  const key = new Float64Array(n);
  for (const i of byCost) {
    const m = estimates[i]!.sloViolationMinutes;
    if (m > frontMinutes) {
      key[i] = Infinity;
      continue;
    }
    let lo = 0;
    let hi = layerMinutes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (layerMinutes[mid]! > m) hi = mid;
      else lo = mid + 1;
    }
    layerMinutes[lo] = m;
    key[i] = lo;
  }
  const group = Math.max(1, keepRanks);
  let eligibleRank = 0;
  for (const i of byCost) {
    // (One past the limit cannot look eligible when the limit is at least the budget.)
    if (!estimates[i]!.eligible || key[i] === Infinity) continue;
    key[i] = Math.min(key[i]!, Math.floor(eligibleRank / group));
    eligibleRank++;
  }
  const place = new Float64Array(n);
  byCost.forEach((i, at) => (place[i] = at));
  return estimates.map((_, i) => i).sort((a, b) => key[a]! - key[b]! || place[a]! - place[b]!);
}
