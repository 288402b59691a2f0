/**
 * Turns a swept space into a plan (pure): outcomes, ranking, Pareto front, robustness and risk
 * of the candidates the pick reaches, the pick and its neighbours, the availability floor, and
 * the current-vs-recommended comparison.
 *
 *   candidates + their Kpis (from the sweep) → rankOutcomes (cheapest within the SLO first)
 *     → eligible: within the SLO and MinCapacity ≥ the availability floor
 *     → pickByRisk: robustness runs in rank order, each rated (sim/risk.ts), until one is
 *       rated maxRisk or lower (the pick), then a few more for a safer neighbour
 *     → recommended and current runs in full (Timeline + events)
 *     → the pick deployed at each hour of the week (sim/deploy-hours.ts) → PlanResult
 */
import {
  PARETO_DEFAULTS,
  ROBUSTNESS_DEFAULTS,
  SPACE_DEFAULTS,
  type Candidate,
  type CandidateOutcome,
  type Kpis,
  type PerturbationOutcome,
  type PlanAvailability,
  type PlanCandidate,
  type PlanNeighbour,
  type PlanResult,
  type PrunedAt,
  type RiskAssessment,
  type RiskRating,
  type RobustnessOutcome,
  type SimulatedRun,
  type SimulationContext,
  type Trace,
  type TraceCoverage,
  type WorseThanCurrent,
} from "./vocab/index.js";
import { formatHours as hoursText, isWholeCount, runningBounds } from "./vocab/numbers.js";
import { simulate } from "./engine.js";
import { deploymentHours, deploySettingsWith } from "./deploy-hours.js";
import {
  DEFAULT_PERTURBATIONS,
  frontLimitMinutes,
  meetsSlo,
  perturbationsWith,
  paretoFront,
  rankOutcomes,
  violationBudgetMinutes,
  type Perturbation,
  type RollingPercents,
} from "./search.js";
import {
  candidateFactors,
  dataFloor,
  DATA_FACTOR_KINDS,
  farOutside,
  pct,
  rateRisk,
  ratingWithReasons,
  riskRank,
  riskWords,
  severityOf,
  worstMinuteFar,
  worstMinuteOf,
  worstMinuteText,
  WORST_MINUTE_FACTOR,
  type RiskInputs,
} from "./risk.js";

export interface PlanInputs {
  readonly trace: Trace;
  readonly context: SimulationContext;
  readonly candidates: readonly PlanCandidate[];
  /** Kpis of each candidate, same order as `candidates`. */
  readonly kpis: readonly Kpis[];
  /** Which candidates the sweep stopped early (sim/prune.ts), same order; none when absent. */
  readonly pruned?: readonly (PrunedAt | null)[];
  /** How many of the best candidates get robustness runs, at least. */
  readonly topK: number;
  /** The riskiest rating the pick may have. @default ROBUSTNESS_DEFAULTS.maxRisk ("low") */
  readonly maxRisk?: RiskRating;
  /** Perturbations a pick must also stay within the SLO under. @default 0 */
  readonly minPassed?: number;
  /** Candidates checked at most while looking for one rated maxRisk or lower. @default topK */
  readonly maxChecked?: number;
  /** The availability floor on MinCapacity. @default SPACE_DEFAULTS.minTasksForAvailability (2) */
  readonly minTasksForAvailability?: number;
  /**
   * The Pareto front is drawn over the candidates with at most this many times the violation
   * budget in SLO-violating minutes (pareto.maxBudgetMultiple); null: over every candidate. The
   * sweep must have been pruned with the same (sim/io/pool.ts, frontBudgetMultiple).
   * @default PARETO_DEFAULTS.maxBudgetMultiple (2)
   */
  readonly frontBudgetMultiple?: number | null;
  readonly current: Candidate | null;
  /** Names the current settings when they are not among the candidates (reports/labels.ts). */
  readonly currentLabel?: (current: Candidate) => string;
  readonly perturbations?: readonly Perturbation[];
  /**
   * The rolling percents the service deploys with (robustness.deployment, else the bundle's
   * recorded ones): the "deploy at the peak" perturbation and the deploy-hours chart use them;
   * undefined: ECS's defaults; false: neither. Ignored when `perturbations` is given.
   */
  readonly deployment?: RollingPercents | false;
  /** The trace's coverage (analysis/trace-coverage.ts); a short one keeps ratings at medium. */
  readonly coverage?: TraceCoverage | null;
  /**
   * Called after each robustness run (one candidate under one perturbation, or as it is for its
   * worst minute) with the runs done and the runs planned so far: the best `topK` (of those at
   * the availability floor), and one candidate more each time the search goes further down the
   * ranking or rates the current settings.
   */
  readonly onRobustnessProgress?: (done: number, total: number) => void;
}

/**
 * Runs one candidate under every perturbation, and once more as it is with its timeline
 * recorded (for its worst minute), and rates its risk (sim/risk.ts).
 */
export function robustnessOf(
  outcome: CandidateOutcome,
  trace: Trace,
  context: SimulationContext,
  perturbations: readonly Perturbation[] = DEFAULT_PERTURBATIONS,
  shortTrace: RiskInputs["shortTrace"] = null,
  onRun?: () => void,
  dataLimits: RiskInputs["dataLimits"] = [],
  currentWorstMinute: RiskInputs["currentWorstMinute"] = null,
): RobustnessOutcome {
  const { candidate } = outcome;
  const results: PerturbationOutcome[] = perturbations.map((p) => {
    const changed = p.apply(trace, context);
    const run = p.candidate ? p.candidate(candidate, changed.trace) : candidate;
    const { kpis } = simulate(changed.trace, run, changed.context, { record: false });
    onRun?.();
    const budget = violationBudgetMinutes(context.slo, kpis.dataMinutes);
    const meets = meetsSlo(kpis, context.slo);
    return {
      name: p.name,
      varies: p.varies,
      kpis,
      meetsSlo: meets,
      marginMinutes: budget - kpis.sloViolationMinutes,
      severity: severityOf(kpis, meets, context.slo),
    };
  });
  const base = simulate(trace, candidate, context, { record: true });
  onRun?.();
  const risk = rateRisk({
    kpis: outcome.kpis,
    meetsSlo: outcome.meetsSlo,
    slo: context.slo,
    worstMinute: worstMinuteOf(base.timeline!),
    perturbations: results,
    shortTrace,
    dataLimits,
    stepMinutes: trace.stepSeconds / 60,
    // A scheduled action may move MaxCapacity: then the base one says nothing of the peak.
    maxCapacity: candidate.scaling.scheduledActions.some(
      (a) => a.ScalableTargetAction.MaxCapacity !== undefined,
    )
      ? null
      : candidate.scaling.MaxCapacity,
    currentWorstMinute,
  });
  return {
    candidateId: candidate.id,
    perturbations: results,
    passed: results.filter((r) => r.meetsSlo).length,
    risk,
  };
}

/**
 * The service's current settings as a plan candidate, so that the sweep ranks them with the
 * rest (and "keep what you have" can be the answer), named by `label` (reports/labels.ts has
 * caplab's: currentLabel).
 */
export function currentCandidate(
  current: Candidate,
  id: number,
  label: (current: Candidate) => string = () => "current",
): PlanCandidate {
  const policy = current.scaling.policies[0]?.TargetTrackingScalingPolicyConfiguration;
  const metric = policy?.PredefinedMetricSpecification?.PredefinedMetricType ?? "none";
  return {
    ...current,
    id,
    metric,
    targetValue: policy?.TargetValue ?? 0,
    label: label(current),
  };
}

/** What the pick asks of a candidate, and how far the search goes (RobustnessSchema). */
export interface PickRule {
  /** Candidates checked at least (when there are that many). */
  readonly topK: number;
  /** Candidates checked at most. */
  readonly maxChecked: number;
  readonly maxRisk: RiskRating;
  readonly minPassed: number;
  /**
   * The lowest rating the trace allows (its data factors, sim/risk.ts): a pick rated this is not
   * followed by a search for a safer neighbour. @default "very-low"
   */
  readonly floor?: RiskRating;
}

/** The robustness phase's result: what was checked, the pick and its neighbours. */
export interface RiskPick {
  /** The candidates checked, in rank order. */
  readonly robustness: RobustnessOutcome[];
  readonly pick: CandidateOutcome | null;
  /** The pick is rated maxRisk or lower (and passes minPassed). */
  readonly withinMaxRisk: boolean;
  /** The checked candidate ranked just before the pick (turned down: riskier). */
  readonly riskier: CandidateOutcome | null;
  /** The first checked candidate ranked after the pick with a lower rating. */
  readonly safer: CandidateOutcome | null;
}

/**
 * The pick (pure; `run` does the robustness runs). Candidates are checked in rank order
 * (cheapest first, see rankOutcomes): the best `topK` always, then one at a time until one is
 * rated `maxRisk` or lower and passes `minPassed` perturbations: that one is the pick. After
 * it, up to `topK` more are checked for a safer (lower-rated) neighbour, unless the pick is
 * rated very low. Never more than `maxChecked` in all. When none qualifies, the least risky
 * checked candidate is picked (lowest rating, then fewest points, then rank order). Without
 * any check (`maxChecked` 0), the best-ranked.
 *
 * So the pick, and both neighbours, are among the first `maxChecked` of `eligible`.
 */
export function pickByRisk(
  eligible: readonly CandidateOutcome[],
  run: (o: CandidateOutcome) => RobustnessOutcome,
  rule: PickRule,
): RiskPick {
  const checked: RobustnessOutcome[] = [];
  const acceptable = (r: RobustnessOutcome) =>
    riskRank(r.risk.rating) <= riskRank(rule.maxRisk) && r.passed >= rule.minPassed;
  let pickAt = -1;
  let saferAt = -1;
  for (const o of eligible) {
    if (checked.length >= rule.maxChecked) break;
    if (pickAt >= 0 && checked.length >= rule.topK) {
      const rating = checked[pickAt]!.risk.rating;
      const lookedPast = checked.length - 1 - pickAt;
      const lowest = riskRank(rating) <= riskRank(rule.floor ?? "very-low");
      if (saferAt >= 0 || lowest || lookedPast >= Math.max(1, rule.topK)) break;
    }
    const r = run(o);
    checked.push(r);
    const at = checked.length - 1;
    if (pickAt < 0) {
      if (acceptable(r)) pickAt = at;
    } else if (saferAt < 0 && riskRank(r.risk.rating) < riskRank(checked[pickAt]!.risk.rating)) {
      saferAt = at;
    }
  }
  const withinMaxRisk = pickAt >= 0;
  if (pickAt < 0 && checked.length > 0) {
    pickAt = 0;
    for (let i = 1; i < checked.length; i++) {
      const a = checked[i]!.risk;
      const b = checked[pickAt]!.risk;
      if (riskRank(a.rating) < riskRank(b.rating) || (a.rating === b.rating && a.points < b.points))
        pickAt = i;
    }
  }
  const byId = new Map(eligible.map((o) => [o.candidate.id, o]));
  const at = (i: number) => (i >= 0 ? (byId.get(checked[i]!.candidateId) ?? null) : null);
  const pick = checked.length > 0 ? at(pickAt) : (eligible[0] ?? null);
  return {
    robustness: checked,
    pick,
    withinMaxRisk: withinMaxRisk || (checked.length === 0 && pick !== null),
    riskier: pickAt > 0 ? at(pickAt - 1) : null,
    safer: saferAt >= 0 ? at(saferAt) : null,
  };
}

/** Candidates the sweep stopped early (sim/prune.ts), by why. */
export interface StoppedEarly {
  /** Stopped once they could no longer meet the SLO (they miss it). */
  readonly cannotMeetSlo: number;
  /** Stopped once past the Pareto front's limit (they miss the SLO and are off the front). */
  readonly farFromSlo: number;
  /** Stopped once too dear to matter: they may meet the SLO, but not change the plan. */
  readonly outOfReach: number;
  /**
   * The fewest finished candidates within the SLO at the availability floor that ranked before
   * an out-of-reach one when it stopped (0 when none stopped so).
   */
  readonly cheaperWithinSlo: number;
}

/** Counts the candidates the sweep stopped early, by why. */
export function stoppedEarly(outcomes: readonly CandidateOutcome[]): StoppedEarly {
  let cannotMeetSlo = 0;
  let farFromSlo = 0;
  let outOfReach = 0;
  let cheaperWithinSlo = Infinity;
  for (const o of outcomes) {
    if (o.pruned?.reason === "cannot-meet-slo") cannotMeetSlo++;
    else if (o.pruned?.reason === "far-from-slo") farFromSlo++;
    else if (o.pruned?.reason === "out-of-reach") {
      outOfReach++;
      cheaperWithinSlo = Math.min(cheaperWithinSlo, o.pruned.cheaperWithinSlo ?? 0);
    }
  }
  return {
    cannotMeetSlo,
    farFromSlo,
    outOfReach,
    cheaperWithinSlo: outOfReach > 0 ? cheaperWithinSlo : 0,
  };
}

/**
 * What the count of candidates within the SLO leaves out, as a clause to follow it ("" when the
 * sweep stopped none that might meet it): "; 53 more stopped early as too dear to change the
 * plan (dearer than 40 candidates within it; they may meet it too)".
 */
export function outOfReachClause(outcomes: readonly CandidateOutcome[]): string {
  const s = stoppedEarly(outcomes);
  if (s.outOfReach === 0) return "";
  return `; ${s.outOfReach} more stopped early as too dear to change the plan (dearer than ${s.cheaperWithinSlo} candidates within it; they may meet it too)`;
}

/** Assembles the plan from the sweep's results. */
export function assemblePlan(inputs: PlanInputs): PlanResult {
  const { trace, context, candidates } = inputs;
  const slo = context.slo;
  const outcomes: CandidateOutcome[] = candidates.map((candidate, i) => {
    const kpis = inputs.kpis[i] as Kpis;
    const pruned = inputs.pruned?.[i] ?? null;
    // A pruned candidate's figures are lower bounds; it counts as missing the SLO: it cannot
    // meet it, or cannot be reached by the pick (sim/prune.ts), and the reports say how many.
    return pruned
      ? { candidate, kpis, meetsSlo: false, pruned }
      : { candidate, kpis, meetsSlo: meetsSlo(kpis, slo) };
  });
  const ranked = rankOutcomes(outcomes);
  const perturbations =
    inputs.perturbations ??
    perturbationsWith(inputs.deployment, context.platform.drainingTasksInServiceMetrics);
  const minPassed = Math.min(
    inputs.minPassed ?? ROBUSTNESS_DEFAULTS.minPassed,
    perturbations.length,
  );
  const maxRisk = inputs.maxRisk ?? ROBUSTNESS_DEFAULTS.maxRisk;
  const floor = inputs.minTasksForAvailability ?? SPACE_DEFAULTS.minTasksForAvailability;
  const coverage = inputs.coverage ?? null;
  const shortTrace = coverage?.short
    ? { coveredHours: coverage.coveredHours, minTraceHours: coverage.guardrails.minTraceHours }
    : null;
  // The lowest rating the trace allows any candidate (sim/risk.ts: short-trace, thin-data).
  const ratingFloor: RiskRating = shortTrace
    ? "medium"
    : (coverage?.limits?.length ?? 0) > 0
      ? "low"
      : "very-low";

  // The availability floor: candidates below it are never picked while one at or above it
  // meets the SLO.
  const meeting = ranked.filter((o) => o.meetsSlo);
  const atFloor = meeting.filter((o) => o.candidate.scaling.MinCapacity >= floor);
  const eligible = atFloor.length > 0 ? atFloor : meeting;

  // Progress: each candidate checked is one run per perturbation and one as it is; the total
  // is the best `topK` planned, growing by a candidate each time the search goes further down
  // the ranking (or rates the current settings).
  const perCandidate = perturbations.length + 1;
  const planned = Math.min(inputs.topK, eligible.length) * perCandidate;
  let runs = 0;
  const onRun = () => {
    runs++;
    inputs.onRobustnessProgress?.(
      runs,
      Math.max(planned, Math.ceil(runs / perCandidate) * perCandidate),
    );
  };
  const full = (candidate: PlanCandidate): SimulatedRun => {
    const r = simulate(trace, candidate, context, { record: true });
    return { candidate, kpis: r.kpis, timeline: r.timeline!, events: r.events };
  };
  // The current settings first: a candidate's worst minute is weighed against theirs.
  const now = inputs.current;
  const current = now
    ? full(
        candidates.find((c) => c.task === now.task && c.scaling === now.scaling) ??
          currentCandidate(now, -1, inputs.currentLabel),
      )
    : null;
  const currentWorstMinute = current ? worstMinuteOf(current.timeline) : null;
  const run = (o: CandidateOutcome) =>
    robustnessOf(
      o,
      trace,
      context,
      perturbations,
      shortTrace,
      onRun,
      coverage?.limits ?? [],
      currentWorstMinute,
    );
  const picked = pickByRisk(eligible, run, {
    topK: inputs.topK,
    maxChecked: Math.max(inputs.topK, inputs.maxChecked ?? inputs.topK),
    maxRisk,
    minPassed,
    floor: ratingFloor,
  });
  const pick = picked.pick;
  const recommended = pick ? full(pick.candidate) : null;
  const riskOf = (id: number) => picked.robustness.find((r) => r.candidateId === id)?.risk ?? null;
  const risk = pick ? riskOf(pick.candidate.id) : null;
  let currentRisk: RiskAssessment | null = null;
  if (current) {
    currentRisk =
      riskOf(current.candidate.id) ??
      run({
        candidate: current.candidate,
        kpis: current.kpis,
        meetsSlo: meetsSlo(current.kpis, slo),
      }).risk;
  }
  const neighbour = (o: CandidateOutcome | null): PlanNeighbour | null => {
    const r = o ? riskOf(o.candidate.id) : null;
    if (!o || !r || !recommended) return null;
    return {
      candidateId: o.candidate.id,
      label: o.candidate.label,
      monthlyCostUsd: o.kpis.monthlyCostUsd,
      costDifferenceUsd: o.kpis.monthlyCostUsd - recommended.kpis.monthlyCostUsd,
      rating: r.rating,
      points: r.points,
      // What tells it from the pick: the trace's factors are the same for both.
      reasons: candidateFactors(r).map((f) => f.reason),
    };
  };
  // Every outcome has the trace's minutes with data, pruned or not (sim/tally.ts).
  const minutes = outcomes[0]?.kpis.dataMinutes ?? 0;
  const budget = violationBudgetMinutes(slo, minutes);
  const multiple =
    inputs.frontBudgetMultiple === undefined
      ? PARETO_DEFAULTS.maxBudgetMultiple
      : inputs.frontBudgetMultiple;
  const frontMinutes = frontLimitMinutes(slo, minutes, multiple);
  const availability: PlanAvailability = {
    floor,
    recommendedMinCapacity: recommended?.candidate.scaling.MinCapacity ?? null,
    currentMinCapacity: current?.candidate.scaling.MinCapacity ?? null,
    belowFloorMeetingSlo: meeting.length - atFloor.length,
    pickBelowFloor: recommended !== null && recommended.candidate.scaling.MinCapacity < floor,
  };
  const worse = recommended && current ? worseThanCurrent(current, recommended) : [];
  const result = {
    trace,
    outcomes,
    // Over the candidates simulated to the end, within the front's limit: a pruned one is past
    // the limit or dominated by one of them (sim/prune.ts), so the front is the exhaustive
    // sweep's.
    pareto: paretoFront(
      outcomes.filter((o) => !o.pruned),
      frontMinutes,
    ),
    paretoLimit: paretoLimitOf(outcomes, multiple, frontMinutes, budget),
    robustness: picked.robustness,
    recommended,
    current,
    reasons: [] as string[],
    slo: {
      latencyP95Ms: slo.latencyP95Ms,
      errorRatePercent: slo.errorRatePercent,
      violationBudgetMinutes: budget,
    },
    maxRisk,
    risk,
    currentRisk,
    neighbours: { riskier: neighbour(picked.riskier), safer: neighbour(picked.safer) },
    availability,
    worseThanCurrent: worse,
    coverage,
    // When is it safe to deploy the pick (issue #16)?
    ...(recommended && inputs.deployment !== false
      ? {
          deployHours: deploymentHours(
            trace,
            recommended.candidate,
            context,
            deploySettingsWith(inputs.deployment),
          ),
        }
      : {}),
  };
  result.reasons = explain(result, ranked, picked.withinMaxRisk, minPassed);
  return result;
}

/**
 * PlanResult.paretoLimit: the limit, and how many candidates lie past it (known: finished, or
 * stopped with more minutes already; unknown: stopped early for another reason, below it when
 * stopped).
 */
function paretoLimitOf(
  outcomes: readonly CandidateOutcome[],
  multiple: number | null,
  frontMinutes: number,
  budget: number,
): PlanResult["paretoLimit"] {
  let beyond = 0;
  let unknown = 0;
  for (const o of outcomes) {
    if (o.kpis.sloViolationMinutes > frontMinutes) beyond++;
    else if (o.pruned) unknown++;
  }
  return {
    budgetMultiple: multiple,
    maxMinutes: multiple === null ? null : multiple * budget,
    beyond,
    unknown: multiple === null ? 0 : unknown,
  };
}

/**
 * The figures on which `recommended` is worse than `current`: a higher error rate, worst p95
 * or SLO minutes (by more than what the report's rounding hides), a lower MinCapacity.
 */
export function worseThanCurrent(
  current: SimulatedRun,
  recommended: SimulatedRun,
): WorseThanCurrent[] {
  const c = current.kpis;
  const r = recommended.kpis;
  const out: WorseThanCurrent[] = [];
  const check = (figure: WorseThanCurrent["figure"], a: number, b: number, visible: number) => {
    if (b - a >= visible) out.push({ figure, current: a, recommended: b });
  };
  check("errorRatePercent", c.errorRatePercent, r.errorRatePercent, 0.0005);
  check("worstP95LatencyMs", c.worstP95LatencyMs, r.worstP95LatencyMs, 0.5);
  check("sloViolationMinutes", c.sloViolationMinutes, r.sloViolationMinutes, 0.5);
  // Fewer tasks at the quietest time is the worse direction for MinCapacity.
  const min = [current.candidate.scaling.MinCapacity, recommended.candidate.scaling.MinCapacity];
  if (min[1]! < min[0]!)
    out.push({ figure: "MinCapacity", current: min[0]!, recommended: min[1]! });
  return out;
}

function money(v: number): string {
  return `$${v.toFixed(v >= 100 ? 0 : 2)}`;
}

function signedMoney(v: number): string {
  return `${v < 0 ? "−" : "+"}${money(Math.abs(v))}`;
}

/**
 * When the pick's worst minute is far outside the SLO (the "worst-minute" risk factor): whether
 * the other candidates checked for robustness and the current setting share it (then it comes
 * from the traffic, not from the pick: a spike no setting in the space absorbs in time), or
 * which of them keep that minute within bounds and the cheapest of those. Only candidates
 * simulated in full are used (the robustness checks and the current setting), so a pruned sweep
 * says the same as an exhaustive one. Null when the pick's worst minute is not far outside.
 */
export function worstMinuteContext(
  result: Omit<PlanResult, "reasons">,
  pickId: number,
): string | null {
  const { risk, slo, currentRisk, robustness, outcomes } = result;
  if (!risk || !risk.factors.some((f) => f.kind === "worst-minute")) return null;
  const others = robustness.filter((x) => x.candidateId !== pickId);
  const within = others.filter((x) => !worstMinuteFar(x.risk.worstMinute, slo));
  const current = currentRisk?.worstMinute ?? null;
  if (others.length === 0 && current === null) return null;
  const bound = `${WORST_MINUTE_FACTOR}× the SLO`;
  const currentFar = current !== null && worstMinuteFar(current, slo);
  const currentText =
    current === null
      ? ""
      : `the current setting's worst minute is ${currentFar ? "also far outside" : "within bounds"} (${worstMinuteText(current)})`;
  if (within.length === 0) {
    const none =
      others.length === 0
        ? ""
        : others.length === 1
          ? `The other candidate checked does not keep its worst minute within ${bound} either`
          : `None of the ${others.length} other candidates checked keeps its worst minute within ${bound} either`;
    const both = [none, currentText]
      .filter((x) => x !== "")
      .join(current && currentFar ? ", and " : ", but ");
    const text = both.charAt(0).toUpperCase() + both.slice(1);
    // The traffic brings a minute both are far outside in; but where the pick fails requests in
    // it and the current setting does not (only slow), the settings add the failures.
    if (
      current !== null &&
      currentFar &&
      farOutside(risk.worstMinute, slo).errors &&
      !farOutside(current, slo).errors
    )
      return `${text}: the traffic brings that minute, but the pick fails up to ${pct(risk.worstMinute.errorRatePercent)} of a minute's requests where the current setting fails at most ${pct(current.errorRatePercent)} (the report's worst minutes say when and why).`;
    return current === null || currentFar
      ? `${text}: that minute comes from the traffic more than from the settings (the report's worst minutes say when and why).`
      : `${text}.`;
  }
  const byCost = (id: number) =>
    outcomes.find((o) => o.candidate.id === id)?.kpis.monthlyCostUsd ?? Infinity;
  const cheapest = [...within].sort(
    (a, b) => byCost(a.candidateId) - byCost(b.candidateId) || a.candidateId - b.candidateId,
  )[0]!;
  const label = outcomes.find((o) => o.candidate.id === cheapest.candidateId)?.candidate.label;
  return `${within.length} of the ${others.length} other candidates checked keep their worst minute within ${bound}; the cheapest of them is ${label ?? `candidate ${cheapest.candidateId}`} at ${money(byCost(cheapest.candidateId))} a month, rated ${riskWords(cheapest.risk.rating)} (${worstMinuteText(cheapest.risk.worstMinute)})${currentText ? `; ${currentText}` : ""}.`;
}

/**
 * How many times a run's overloaded tasks turned unhealthy, failing their ALB health checks
 * (MODEL-AUDIT O5), in all: task-episodes, not distinct tasks (a task that fails, recovers and
 * fails again counts twice; the events do not name tasks), summed over the fluid model's counts
 * (expected values, fractional under oomModel "poisson").
 */
function timesTurnedUnhealthy(run: Pick<SimulatedRun, "events">): number {
  let tasks = 0;
  for (const e of run.events) if (e.kind === "target-unhealthy") tasks += e.tasks;
  return tasks;
}

/** "once", "24 times". */
function times(n: number): string {
  return n === 1 ? "once" : `${n} times`;
}

/**
 * When the pick's tasks fail their ALB health checks under load (MODEL-AUDIT O5): how many
 * times they turned unhealthy in all (a task each time it does; the current setting's beside),
 * and that they run beside their replacements (D13), so more tasks run, and are billed, than are
 * desired. Null when none does.
 */
export function unhealthyUnderLoad(
  pick: Pick<SimulatedRun, "events" | "kpis">,
  current: Pick<SimulatedRun, "events"> | null,
): string | null {
  const tasks = timesTurnedUnhealthy(pick);
  if (!(tasks >= 0.5)) return null;
  const n = Math.round(tasks);
  const desired = pick.kpis.maxDesiredCount;
  const running = runningBounds(pick.kpis).high;
  const beside =
    desired !== undefined && running > desired
      ? `: up to ${running} tasks ran (by step means) where at most ${desired} were desired`
      : "";
  const now = current === null ? null : Math.round(timesTurnedUnhealthy(current));
  const today =
    now === null ? "" : `; the current setting's tasks: ${now === 0 ? "never" : times(now)}`;
  const turned = pick.events.filter((e) => e.kind === "target-unhealthy");
  // Fractional counts are expected values (an OOM share leaves 0.4 of a task, MODEL-AUDIT C8).
  const expected =
    !isWholeCount(tasks) ||
    turned.some((e) => e.kind === "target-unhealthy" && !isWholeCount(e.tasks));
  const what =
    turned.length === 1 && tasks === 1
      ? "one of the pick's tasks turned unhealthy: it failed its ALB health checks (a check waited in the queue past HealthCheckTimeoutSeconds) and was replaced"
      : `the pick's tasks turned unhealthy ${times(n)} in all (a task counts each time it does${expected ? "; the model's expected counts, summed and rounded" : ""}): they failed their ALB health checks (a check waited in the queue past HealthCheckTimeoutSeconds) and were replaced`;
  return `Under load, ${what} (MODEL-AUDIT O5${today}). ECS starts a replacement before it stops the unhealthy task where maximumPercent allows, so both run and are billed${beside}.`;
}

function explain(
  result: Omit<PlanResult, "reasons">,
  ranked: readonly CandidateOutcome[],
  withinMaxRisk: boolean,
  minPassed: number,
): string[] {
  const { recommended, current, robustness, availability: av } = result;
  const meeting = ranked.filter((o) => o.meetsSlo);
  const reasons: string[] = [];
  reasons.push(
    `${meeting.length} of ${ranked.length} candidates meet the SLO (at most ${result.slo.violationBudgetMinutes.toFixed(1)} violating minutes and the error-rate limit)${outOfReachClause(ranked)}.`,
  );
  if (!recommended) {
    const closest = ranked[0];
    if (closest) {
      reasons.push(
        `None meets it; the closest is ${closest.candidate.label} with ${closest.kpis.sloViolationMinutes.toFixed(0)} violating minutes and ${closest.kpis.errorRatePercent.toFixed(3)}% errors. Widen the space (larger tasks, lower targets, higher MinCapacity) or revisit the SLO.`,
      );
    }
    return reasons;
  }
  if (av.pickBelowFloor)
    reasons.push(
      `No candidate with MinCapacity ${av.floor} or more (the availability floor, space.minTasksForAvailability) meets the SLO, so the pick runs fewer tasks at its quietest: add larger MinCapacity values to the space.`,
    );
  else if (av.belowFloorMeetingSlo > 0)
    reasons.push(
      `${av.belowFloorMeetingSlo} of them have MinCapacity below ${av.floor} (the availability floor, space.minTasksForAvailability: a task in each of two Availability Zones) and are not picked.`,
    );
  const label = recommended.candidate.label;
  const cost = money(recommended.kpis.monthlyCostUsd);
  const r = robustness.find((x) => x.candidateId === recommended.candidate.id);
  const risk = result.risk;
  const maxRisk = riskWords(result.maxRisk);
  const cheapest = meeting[0];
  if (!risk) {
    reasons.push(
      `${label} is the cheapest that meets it, at ${cost} a month (no robustness check was run, so it has no risk rating).`,
    );
  } else if (
    !withinMaxRisk &&
    dataFloor(risk) !== null &&
    riskRank(dataFloor(risk)!) > riskRank(result.maxRisk)
  ) {
    const floor = dataFloor(risk)!;
    const why = risk.factors.filter(
      (f) => f.atLeast === floor && DATA_FACTOR_KINDS.includes(f.kind),
    );
    reasons.push(
      `No candidate can be rated ${maxRisk} or lower on this trace: every rating is ${riskWords(floor)} or higher, as ${why.map((f) => f.reason).join("; ")}. ${label} is the least risky of the ${robustness.length} checked, rated ${riskWords(risk.rating)}, at ${cost} a month. ${floor === "medium" ? `Give a trace of at least ${result.coverage ? hoursText(result.coverage.guardrails.minTraceHours) : "the minimum"}` : "Give a longer trace that covers the peak (see the Data notes)"}, or accept robustness.maxRisk: ${risk.rating}.`,
    );
  } else if (!withinMaxRisk) {
    reasons.push(
      `None of the ${robustness.length} candidates checked is rated ${maxRisk} or lower${minPassed > 0 ? ` with ${minPassed} perturbations passed` : ""}; ${label} is the least risky of them, rated ${riskWords(risk.rating)}, at ${cost} a month. Widen the space (larger tasks, lower targets, a higher MinCapacity), raise robustness.maxChecked, or accept robustness.maxRisk: ${risk.rating}.`,
    );
  } else if (cheapest && cheapest.candidate.id === recommended.candidate.id) {
    reasons.push(
      `${label} is the cheapest that meets it, at ${cost} a month, and is rated ${riskWords(risk.rating)} risk.`,
    );
  } else {
    reasons.push(
      `${label} is the cheapest rated ${maxRisk} risk or lower${minPassed > 0 ? ` that passes ${minPassed} perturbations` : ""}: ${cost} a month, rated ${riskWords(risk.rating)}${cheapest ? `; the cheapest within the SLO costs ${money(cheapest.kpis.monthlyCostUsd)}` : ""}.`,
    );
  }
  if (risk) {
    reasons.push(
      risk.factors.length === 0
        ? `Rated very low: it uses at most half of its SLO-minute and error budgets, no minute is far outside the SLO, it stays below its MaxCapacity and holds under every perturbation, on a trace that shows a whole pattern, its peak with an hour before and after it, and no gap beside it.`
        : `Rated ${riskWords(risk.rating)} (${risk.points} point${risk.points === 1 ? "" : "s"}): ${risk.factors.map((f) => f.reason).join("; ")}.`,
    );
  }
  const worst = risk && recommended ? worstMinuteContext(result, recommended.candidate.id) : null;
  if (worst) reasons.push(worst);
  const unhealthy = recommended ? unhealthyUnderLoad(recommended, result.current) : null;
  if (unhealthy) reasons.push(unhealthy);
  if (r) {
    const failed = r.perturbations.filter((p) => !p.meetsSlo).map((p) => p.name);
    reasons.push(
      `It stays within the SLO under ${r.passed} of ${r.perturbations.length} perturbations${failed.length > 0 ? `; not under ${failed.join(", ")}` : ""}.`,
    );
    const metric = recommended.candidate.metric;
    if (
      metric === "ALBRequestCountPerTarget" &&
      r.perturbations.some((p) => p.severity !== "holds" && /CPU/.test(p.name))
    )
      reasons.push(
        "A request-count target does not follow costlier requests: plan again when requests get heavier.",
      );
  }
  const { riskier, safer } = result.neighbours;
  if (riskier)
    reasons.push(
      `Cheaper but riskier: ${riskier.label}, ${money(riskier.monthlyCostUsd)} a month (${signedMoney(riskier.costDifferenceUsd)}), rated ${ratingWithReasons(riskier, 3, "it ")}.`,
    );
  if (safer)
    reasons.push(
      `Safer but dearer: ${safer.label}, ${money(safer.monthlyCostUsd)} a month (${signedMoney(safer.costDifferenceUsd)}), rated ${riskWords(safer.rating)}.`,
    );
  if (current) {
    const delta = recommended.kpis.monthlyCostUsd - current.kpis.monthlyCostUsd;
    const currentRisk = result.currentRisk;
    reasons.push(
      `Against the current settings: ${delta <= 0 ? "saves" : "costs"} ${money(Math.abs(delta))} a month (${money(current.kpis.monthlyCostUsd)} → ${money(recommended.kpis.monthlyCostUsd)}), SLO-violating minutes ${current.kpis.sloViolationMinutes.toFixed(0)} → ${recommended.kpis.sloViolationMinutes.toFixed(0)}${currentRisk && risk ? `, risk ${riskWords(currentRisk.rating)} → ${riskWords(risk.rating)}` : ""}.`,
    );
  }
  return reasons;
}
