/**
 * Turns a swept space into a plan (pure): outcomes, ranking, Pareto front, robustness of the
 * best K, the pick, and the current-vs-recommended comparison.
 *
 *   candidates + their Kpis (from the sweep) → rankOutcomes → robustness (best K × perturbations)
 *     → chooseRobust (cheapest passing minPassed perturbations) → recommended and current runs
 *     in full (Timeline + events) → PlanResult
 */
import {
  type Candidate,
  type CandidateOutcome,
  type Kpis,
  type PlanCandidate,
  type PlanResult,
  type PrunedAt,
  type RobustnessOutcome,
  type SimulatedRun,
  type SimulationContext,
  type Trace,
} from "./vocab/index.js";
import { simulate } from "./engine.js";
import {
  choose,
  DEFAULT_PERTURBATIONS,
  meetsSlo,
  paretoFront,
  rankOutcomes,
  violationBudgetMinutes,
  type Perturbation,
} from "./search.js";

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
  /**
   * Perturbations a candidate must pass to be picked. @default every perturbation's count,
   * capped at 3 (RobustnessSchema.minPassed)
   */
  readonly minPassed?: number;
  /** Candidates checked at most while looking for one that passes `minPassed`. @default topK */
  readonly maxChecked?: number;
  readonly current: Candidate | null;
  /** Names the current settings when they are not among the candidates (reports/labels.ts). */
  readonly currentLabel?: (current: Candidate) => string;
  readonly perturbations?: readonly Perturbation[];
}

/** Runs one candidate under every perturbation. */
export function robustnessOf(
  candidate: PlanCandidate,
  trace: Trace,
  context: SimulationContext,
  perturbations: readonly Perturbation[] = DEFAULT_PERTURBATIONS,
): RobustnessOutcome {
  const results = perturbations.map((p) => {
    const changed = p.apply(trace, context);
    const { kpis } = simulate(changed.trace, candidate, changed.context, { record: false });
    const budget = violationBudgetMinutes(context.slo, kpis.minutes);
    return {
      name: p.name,
      kpis,
      meetsSlo: meetsSlo(kpis, context.slo),
      marginMinutes: budget - kpis.sloViolationMinutes,
    };
  });
  return {
    candidateId: candidate.id,
    perturbations: results,
    passed: results.filter((r) => r.meetsSlo).length,
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

/**
 * Robustness runs in rank order: the best `topK` always, then more, one at a time, until one
 * passes `minPassed` perturbations or `maxChecked` have been run.
 */
export function checkRobustness(
  meeting: readonly CandidateOutcome[],
  run: (o: CandidateOutcome) => RobustnessOutcome,
  topK: number,
  maxChecked: number,
  minPassed: number,
): RobustnessOutcome[] {
  const out: RobustnessOutcome[] = [];
  for (const o of meeting) {
    const found = out.some((r) => r.passed >= minPassed);
    if (out.length >= maxChecked || (out.length >= topK && found)) break;
    out.push(run(o));
  }
  return out;
}

/**
 * The pick: the best-ranked candidate (cheapest, see rankOutcomes) that meets the SLO and
 * stays within it under at least `minPassed` perturbations; when none was found, the checked
 * one that passes the most (ties to rank order); with no robustness runs, the best-ranked.
 */
export function chooseRobust(
  ranked: readonly CandidateOutcome[],
  robustness: readonly RobustnessOutcome[],
  minPassed: number,
): CandidateOutcome | null {
  const meeting = ranked.filter((o) => o.meetsSlo);
  const passedOf = new Map(robustness.map((r) => [r.candidateId, r.passed]));
  const robust = meeting.find((o) => (passedOf.get(o.candidate.id) ?? -1) >= minPassed);
  return robust ?? choose(ranked, robustness);
}

/** A failed robustness check with at least this share of SLO-violating minutes is a breakdown. */
export const BREAKDOWN_SHARE = 0.25;

/** Assembles the plan from the sweep's results. */
export function assemblePlan(inputs: PlanInputs): PlanResult {
  const { trace, context, candidates } = inputs;
  const slo = context.slo;
  const outcomes: CandidateOutcome[] = candidates.map((candidate, i) => {
    const kpis = inputs.kpis[i] as Kpis;
    const pruned = inputs.pruned?.[i] ?? null;
    // A pruned candidate's figures are lower bounds: it is not known to meet the SLO.
    return pruned
      ? { candidate, kpis, meetsSlo: false, pruned }
      : { candidate, kpis, meetsSlo: meetsSlo(kpis, slo) };
  });
  const ranked = rankOutcomes(outcomes);
  const perturbations = inputs.perturbations ?? DEFAULT_PERTURBATIONS;
  const minPassed = Math.min(inputs.minPassed ?? 3, perturbations.length);
  const robustness = checkRobustness(
    ranked.filter((o) => o.meetsSlo),
    (o) => robustnessOf(o.candidate, trace, context, perturbations),
    inputs.topK,
    Math.max(inputs.topK, inputs.maxChecked ?? inputs.topK),
    minPassed,
  );
  const pick = chooseRobust(ranked, robustness, minPassed);
  const full = (candidate: PlanCandidate): SimulatedRun => {
    const r = simulate(trace, candidate, context, { record: true });
    return { candidate, kpis: r.kpis, timeline: r.timeline!, events: r.events };
  };
  const recommended = pick ? full(pick.candidate) : null;
  const now = inputs.current;
  const current = now
    ? full(
        candidates.find((c) => c.task === now.task && c.scaling === now.scaling) ??
          currentCandidate(now, -1, inputs.currentLabel),
      )
    : null;
  const minutes = outcomes[0]?.kpis.minutes ?? 0;
  const budget = violationBudgetMinutes(slo, minutes);
  return {
    trace,
    outcomes,
    pareto: paretoFront(outcomes),
    robustness,
    recommended,
    current,
    reasons: explain(ranked, robustness, recommended, current, budget, minPassed),
    slo: {
      latencyP95Ms: slo.latencyP95Ms,
      errorRatePercent: slo.errorRatePercent,
      violationBudgetMinutes: budget,
    },
  };
}

function money(v: number): string {
  return `$${v.toFixed(v >= 100 ? 0 : 2)}`;
}

function explain(
  ranked: readonly CandidateOutcome[],
  robustness: readonly RobustnessOutcome[],
  recommended: SimulatedRun | null,
  current: SimulatedRun | null,
  budget: number,
  minPassed: number,
): string[] {
  const meeting = ranked.filter((o) => o.meetsSlo);
  const pruned = ranked.filter((o) => o.pruned).length;
  const reasons: string[] = [];
  reasons.push(
    `${meeting.length} of ${ranked.length} candidates meet the SLO (at most ${budget.toFixed(1)} violating minutes and the error-rate limit)${pruned > 0 ? `; ${pruned} more were stopped early, once they could no longer meet it or cost more than the best that do (candidates.csv says when)` : ""}.`,
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
  const cheapest = meeting[0];
  const r = robustness.find((x) => x.candidateId === recommended.candidate.id);
  if (cheapest && cheapest.candidate.id === recommended.candidate.id) {
    reasons.push(
      `${recommended.candidate.label} is the cheapest that meets it, at ${money(recommended.kpis.monthlyCostUsd)} a month.`,
    );
  } else if (cheapest) {
    reasons.push(
      `${recommended.candidate.label} costs ${money(recommended.kpis.monthlyCostUsd)} a month, ${money(recommended.kpis.monthlyCostUsd - cheapest.kpis.monthlyCostUsd)} more than the cheapest that meets the SLO, because ${(r?.passed ?? 0) >= minPassed ? `it is the cheapest that stays within the SLO under at least ${minPassed} of the robustness checks` : "it stays within the SLO under more of the robustness checks"}.`,
    );
  }
  if (r && r.passed < minPassed)
    reasons.push(
      `None of the ${robustness.length} best candidates stays within the SLO under ${minPassed} of the ${r.perturbations.length} robustness checks, so this pick is fragile: widen the space (larger tasks, lower targets, a higher MinCapacity) or plan for the checks it fails.`,
    );
  if (r) {
    const failed = r.perturbations.filter((p) => !p.meetsSlo).map((p) => p.name);
    reasons.push(
      `It stays within the SLO under ${r.passed} of ${r.perturbations.length} perturbations${failed.length > 0 ? `; not under ${failed.join(", ")}` : ""}.`,
    );
    for (const p of r.perturbations) {
      if (p.meetsSlo || p.kpis.sloViolationMinutes < BREAKDOWN_SHARE * p.kpis.minutes) continue;
      const metric = recommended.candidate.metric;
      reasons.push(
        `Under ${p.name} it breaks down: ${p.kpis.sloViolationMinutes.toFixed(0)} of ${p.kpis.minutes.toFixed(0)} minutes violate the SLO${metric === "ALBRequestCountPerTarget" && /CPU/.test(p.name) ? " (a request-count target does not follow costlier requests: plan again when requests get heavier)" : ""}.`,
      );
    }
  }
  if (current) {
    const delta = recommended.kpis.monthlyCostUsd - current.kpis.monthlyCostUsd;
    reasons.push(
      `Against the current settings: ${delta <= 0 ? "saves" : "costs"} ${money(Math.abs(delta))} a month (${money(current.kpis.monthlyCostUsd)} → ${money(recommended.kpis.monthlyCostUsd)}), SLO-violating minutes ${current.kpis.sloViolationMinutes.toFixed(0)} → ${recommended.kpis.sloViolationMinutes.toFixed(0)}.`,
    );
  }
  return reasons;
}
