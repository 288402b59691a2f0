/**
 * Turns a swept space into a plan (pure): outcomes, ranking, Pareto front, robustness of the
 * best K, the pick, and the current-vs-recommended comparison.
 *
 *   candidates + their Kpis (from the sweep) → rankOutcomes → robustness (best K × perturbations)
 *     → choose → recommended and current runs in full (Timeline + events) → PlanResult
 */
import {
  sizeLabel,
  type Candidate,
  type CandidateOutcome,
  type Kpis,
  type PlanCandidate,
  type PlanResult,
  type RobustnessOutcome,
  type SimulatedRun,
  type SimulationContext,
  type Trace,
} from "../vocab/index.js";
import { simulate } from "./engine.js";
import {
  choose,
  DEFAULT_PERTURBATIONS,
  meetsSlo,
  paretoFront,
  rankOutcomes,
  shortMetricName,
  violationBudgetMinutes,
  type Perturbation,
} from "./search.js";

export interface PlanInputs {
  readonly trace: Trace;
  readonly context: SimulationContext;
  readonly candidates: readonly PlanCandidate[];
  /** Kpis of each candidate, same order as `candidates`. */
  readonly kpis: readonly Kpis[];
  /** How many of the best candidates get robustness runs. */
  readonly topK: number;
  readonly current: Candidate | null;
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
 * rest (and "keep what you have" can be the answer).
 */
export function currentCandidate(current: Candidate, id: number): PlanCandidate {
  const policy = current.scaling.policies[0]?.TargetTrackingScalingPolicyConfiguration;
  const metric = policy?.PredefinedMetricSpecification?.PredefinedMetricType ?? "none";
  const more =
    current.scaling.policies.length > 1 ? ` + ${current.scaling.policies.length - 1} more` : "";
  return {
    ...current,
    id,
    metric,
    targetValue: policy?.TargetValue ?? 0,
    label: `current: ${sizeLabel(current.task)} · ${shortMetricName(metric)} ${policy?.TargetValue ?? ""}${more} · ${current.scaling.MinCapacity}-${current.scaling.MaxCapacity} tasks`,
  };
}

/** Assembles the plan from the sweep's results. */
export function assemblePlan(inputs: PlanInputs): PlanResult {
  const { trace, context, candidates } = inputs;
  const slo = context.slo;
  const outcomes: CandidateOutcome[] = candidates.map((candidate, i) => {
    const kpis = inputs.kpis[i] as Kpis;
    return { candidate, kpis, meetsSlo: meetsSlo(kpis, slo) };
  });
  const ranked = rankOutcomes(outcomes);
  const top = ranked.filter((o) => o.meetsSlo).slice(0, inputs.topK);
  const robustness = top.map((o) =>
    robustnessOf(o.candidate, trace, context, inputs.perturbations),
  );
  const pick = choose(ranked, robustness);
  const full = (candidate: PlanCandidate): SimulatedRun => {
    const r = simulate(trace, candidate, context, { record: true });
    return { candidate, kpis: r.kpis, timeline: r.timeline!, events: r.events };
  };
  const recommended = pick ? full(pick.candidate) : null;
  const now = inputs.current;
  const current = now
    ? full(
        candidates.find((c) => c.task === now.task && c.scaling === now.scaling) ??
          currentCandidate(now, -1),
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
    reasons: explain(ranked, robustness, recommended, current, budget),
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
): string[] {
  const meeting = ranked.filter((o) => o.meetsSlo);
  const reasons: string[] = [];
  reasons.push(
    `${meeting.length} of ${ranked.length} candidates meet the SLO (at most ${budget.toFixed(1)} violating minutes and the error-rate limit).`,
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
      `${recommended.candidate.label} costs ${money(recommended.kpis.monthlyCostUsd)} a month, ${money(recommended.kpis.monthlyCostUsd - cheapest.kpis.monthlyCostUsd)} more than the cheapest that meets the SLO, because it stays within the SLO under more of the robustness checks.`,
    );
  }
  if (r) {
    const failed = r.perturbations.filter((p) => !p.meetsSlo).map((p) => p.name);
    reasons.push(
      `It stays within the SLO under ${r.passed} of ${r.perturbations.length} perturbations${failed.length > 0 ? `; not under ${failed.join(", ")}` : ""}.`,
    );
  }
  if (current) {
    const delta = recommended.kpis.monthlyCostUsd - current.kpis.monthlyCostUsd;
    reasons.push(
      `Against the current settings: ${delta <= 0 ? "saves" : "costs"} ${money(Math.abs(delta))} a month (${money(current.kpis.monthlyCostUsd)} → ${money(recommended.kpis.monthlyCostUsd)}), SLO-violating minutes ${current.kpis.sloViolationMinutes.toFixed(0)} → ${recommended.kpis.sloViolationMinutes.toFixed(0)}.`,
    );
  }
  return reasons;
}
