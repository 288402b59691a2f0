/**
 * The facts the plan reports state, as plain (unescaped) text rows: the Markdown and HTML
 * renderers take them from here and escape them for their medium, so both say the same.
 */
import {
  sizeLabel,
  type Kpis,
  type PerturbationOutcome,
  type PerturbationVaries,
  type PlanCandidate,
  type PlanResult,
  type PolicyConfig,
  type RiskAssessment,
  type RiskRating,
  type RobustnessOutcome,
  type WorseThanCurrent,
} from "../sim/vocab/index.js";
import { formatTarget } from "./timeline-charts.js";
import { dataFloor, ratingWithReasons, riskWords } from "../sim/risk.js";
import { plural } from "../sim/vocab/numbers.js";
import {
  formatCompact,
  taskRange,
  formatHours,
  formatNumber,
  formatPercent,
  formatSeconds,
  formatUsd,
  formatUsdDelta,
  metricShortName,
} from "./format.js";

/** A label and its value, both plain text. */
export type Row = readonly [label: string, value: string];

/** One-line description of a policy, e.g. "target tracking: ECSServiceAverageCPUUtilization at 60 %". */
export function policySummary(policy: PolicyConfig): string {
  const tt = policy.TargetTrackingScalingPolicyConfiguration;
  if (tt) {
    const metric =
      tt.PredefinedMetricSpecification?.PredefinedMetricType ??
      (tt.CustomizedMetricSpecification
        ? `${tt.CustomizedMetricSpecification.Namespace}/${tt.CustomizedMetricSpecification.MetricName}`
        : "custom metric");
    const target = tt.PredefinedMetricSpecification
      ? formatTarget(tt.PredefinedMetricSpecification.PredefinedMetricType, tt.TargetValue)
      : formatNumber(tt.TargetValue, 2);
    return `target tracking on ${metric} at ${target}`;
  }
  const step = policy.StepScalingPolicyConfiguration;
  if (step) {
    const alarm = policy.Alarm;
    const on = alarm ? ` on ${alarm.Metric.Namespace}/${alarm.Metric.MetricName}` : "";
    return `step scaling${on}, ${step.StepAdjustments.length} step(s), ${step.AdjustmentType}`;
  }
  return "no policy configuration";
}

/** Task size as the task definition states it, e.g. `1 vCPU / 2 GiB x86 (cpu 1024, memory 2048 MiB)`. */
export function taskSummary(c: PlanCandidate): string {
  return `${sizeLabel(c.task)} (cpu ${c.task.cpu}, memory ${c.task.memory} MiB, ${c.task.architecture}, ${c.task.capacityProvider})`;
}

/** Scaling in a few words, e.g. "CPU 60 % · 2–40 tasks". */
export function scalingSummary(c: PlanCandidate): string {
  const target =
    c.metric === "none"
      ? "fixed capacity"
      : `${metricShortName(c.metric)} ${formatTarget(c.metric, c.targetValue)}`;
  return `${target} · ${c.scaling.MinCapacity}–${c.scaling.MaxCapacity} tasks`;
}

/** What to set: task size, then the scalable target, each policy and scheduled action. */
export function settingsRows(c: PlanCandidate): Row[] {
  const rows: Row[] = [
    ["Task cpu / memory", `${c.task.cpu} / ${c.task.memory} (${sizeLabel(c.task)})`],
    ["Architecture · capacity provider", `${c.task.architecture} · ${c.task.capacityProvider}`],
    ["MinCapacity / MaxCapacity", `${c.scaling.MinCapacity} / ${c.scaling.MaxCapacity}`],
  ];
  c.scaling.policies.forEach((p, i) => {
    const name = p.PolicyName ? ` "${p.PolicyName}"` : "";
    const label = c.scaling.policies.length > 1 ? `Policy ${i + 1}${name}` : `Policy${name}`;
    rows.push([label, policySummary(p)]);
    const tt = p.TargetTrackingScalingPolicyConfiguration;
    if (tt) {
      const metric = tt.PredefinedMetricSpecification?.PredefinedMetricType;
      rows.push([
        "TargetValue",
        metric ? formatTarget(metric, tt.TargetValue) : String(tt.TargetValue),
      ]);
      rows.push(["ScaleOutCooldown", formatSeconds(tt.ScaleOutCooldown)]);
      rows.push(["ScaleInCooldown", formatSeconds(tt.ScaleInCooldown)]);
      rows.push(["DisableScaleIn", String(tt.DisableScaleIn)]);
    }
    const step = p.StepScalingPolicyConfiguration;
    if (step) rows.push(["Cooldown", formatSeconds(step.Cooldown)]);
  });
  for (const a of c.scaling.scheduledActions) {
    const min = a.ScalableTargetAction.MinCapacity;
    const max = a.ScalableTargetAction.MaxCapacity;
    const parts = [
      min !== undefined ? `MinCapacity ${min}` : "",
      max !== undefined ? `MaxCapacity ${max}` : "",
    ]
      .filter((s) => s !== "")
      .join(", ");
    rows.push([
      `Scheduled action${a.ScheduledActionName ? ` "${a.ScheduledActionName}"` : ""}`,
      `${a.Schedule}: ${parts}`,
    ]);
  }
  return rows;
}

/** Key figures of a run, e.g. for the head of a report. */
export function keyFigureRows(kpis: Kpis, result: PlanResult): Row[] {
  return [
    ["Monthly cost", formatUsd(kpis.monthlyCostUsd)],
    [
      "SLO-violating minutes",
      `${formatNumber(kpis.sloViolationMinutes)} of ${formatCompact(result.slo.violationBudgetMinutes, 1)} allowed`,
    ],
    [
      "Error rate",
      `${formatPercent(kpis.errorRatePercent, 3)} (limit ${formatPercent(result.slo.errorRatePercent, 3)})`,
    ],
    [
      "Worst p95 latency",
      `${formatNumber(kpis.worstP95LatencyMs)} ms (SLO ${formatNumber(result.slo.latencyP95Ms)} ms)`,
    ],
    ["Tasks", `${taskRange(kpis)}; mean ${formatNumber(kpis.meanTasks, 1)} running`],
  ];
}

/** A row of the current-vs-recommended table: label, current, recommended, change, worse. */
export type ComparisonRow = readonly [
  label: string,
  current: string,
  recommended: string,
  change: string,
  /** The recommendation is worse than the current setting on this figure. */
  worse: boolean,
];

/** Current against recommended (plain text); `worse` marks the figures the pick is worse on. */
export function comparisonRows(
  current: { candidate: PlanCandidate; kpis: Kpis },
  recommended: { candidate: PlanCandidate; kpis: Kpis },
  extra: {
    readonly currentRisk?: RiskAssessment | null;
    readonly risk?: RiskAssessment | null;
    readonly worse?: readonly WorseThanCurrent[];
  } = {},
): ComparisonRow[] {
  const c = current.kpis;
  const r = recommended.kpis;
  const worse = new Set((extra.worse ?? []).map((w) => w.figure));
  const diff = (a: number, b: number, decimals = 0, unit = "") => {
    const d = b - a;
    const s = formatNumber(Math.abs(d), decimals);
    if (s === formatNumber(0, decimals)) return "same";
    return `${d > 0 ? "+" : "-"}${s}${unit}`;
  };
  const rows: ComparisonRow[] = [
    [
      "Monthly cost",
      formatUsd(c.monthlyCostUsd),
      formatUsd(r.monthlyCostUsd),
      formatUsdDelta(r.monthlyCostUsd - c.monthlyCostUsd),
      false,
    ],
  ];
  if (extra.risk && extra.currentRisk)
    rows.push([
      "Risk",
      riskWords(extra.currentRisk.rating),
      riskWords(extra.risk.rating),
      extra.risk.rating === extra.currentRisk.rating
        ? "same"
        : riskRankOf(extra.risk.rating) > riskRankOf(extra.currentRisk.rating)
          ? "riskier"
          : "safer",
      riskRankOf(extra.risk.rating) > riskRankOf(extra.currentRisk.rating),
    ]);
  rows.push(
    [
      "SLO-violating minutes",
      formatNumber(c.sloViolationMinutes),
      formatNumber(r.sloViolationMinutes),
      diff(c.sloViolationMinutes, r.sloViolationMinutes),
      worse.has("sloViolationMinutes"),
    ],
    [
      "Error rate",
      formatPercent(c.errorRatePercent, 3),
      formatPercent(r.errorRatePercent, 3),
      diff(c.errorRatePercent, r.errorRatePercent, 3, " pp"),
      worse.has("errorRatePercent"),
    ],
    [
      "Worst p95 latency",
      `${formatNumber(c.worstP95LatencyMs)} ms`,
      `${formatNumber(r.worstP95LatencyMs)} ms`,
      diff(c.worstP95LatencyMs, r.worstP95LatencyMs, 0, " ms"),
      worse.has("worstP95LatencyMs"),
    ],
    [
      "MinCapacity–MaxCapacity",
      `${current.candidate.scaling.MinCapacity}–${current.candidate.scaling.MaxCapacity}`,
      `${recommended.candidate.scaling.MinCapacity}–${recommended.candidate.scaling.MaxCapacity}`,
      diff(current.candidate.scaling.MinCapacity, recommended.candidate.scaling.MinCapacity) ===
      "same"
        ? "same minimum"
        : `minimum ${diff(current.candidate.scaling.MinCapacity, recommended.candidate.scaling.MinCapacity)}`,
      worse.has("MinCapacity"),
    ],
    [
      "Task size",
      sizeLabel(current.candidate.task),
      sizeLabel(recommended.candidate.task),
      "",
      false,
    ],
    [
      "Scaling",
      scalingSummary(current.candidate),
      scalingSummary(recommended.candidate),
      "",
      false,
    ],
    [
      "Mean tasks",
      formatNumber(c.meanTasks, 1),
      formatNumber(r.meanTasks, 1),
      diff(c.meanTasks, r.meanTasks, 1),
      false,
    ],
    [
      "Scaling actions",
      formatNumber(c.scalingActions),
      formatNumber(r.scalingActions),
      diff(c.scalingActions, r.scalingActions),
      false,
    ],
  );
  return rows;
}

function riskRankOf(r: RiskRating): number {
  return ["very-low", "low", "medium", "high"].indexOf(r);
}

/** The answer first: what to set, its risk, what it costs against today, and what to watch. */
export interface PlanVerdict {
  /** The pick's label, or null without one. */
  readonly pick: string | null;
  /** "No candidate meets the SLO" and the like when there is no pick. */
  readonly headline: string;
  readonly risk: RiskRating | null;
  /** e.g. "low (2 points; low or lower accepted)". */
  readonly riskText: string | null;
  /** e.g. "very low" for the current setting. */
  readonly currentRiskText: string | null;
  /** e.g. "$421 a month; saves $122 against the current $543". */
  readonly costText: string | null;
  /** What the pick is worse on, availability, a pick above the accepted risk, too little data. */
  readonly cautions: readonly string[];
  /** Why it has its rating, one clause each (empty: very low). */
  readonly riskReasons: readonly string[];
  /** "Cheaper but riskier: …", "Safer but dearer: …". */
  readonly neighbours: readonly string[];
}

const FIGURE_WORDS: Readonly<Record<WorseThanCurrent["figure"], string>> = {
  errorRatePercent: "error rate",
  worstP95LatencyMs: "worst p95",
  sloViolationMinutes: "SLO-violating minutes",
  MinCapacity: "MinCapacity",
};

function figureValue(w: WorseThanCurrent["figure"], v: number): string {
  switch (w) {
    case "errorRatePercent":
      return formatPercent(v, 3);
    case "worstP95LatencyMs":
      return `${formatNumber(v)} ms`;
    default:
      return formatNumber(v);
  }
}

/** Joins clauses as "a, b and c". */
function listOf(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

/** The verdict block of every plan output (terminal, report.md, report.html). */
export function planVerdict(result: PlanResult): PlanVerdict {
  const pick = result.recommended;
  const cautions: string[] = [];
  const coverageNotes = result.coverage?.notes ?? [];
  if (!pick) {
    return {
      pick: null,
      headline: `No candidate meets the SLO: none of the ${result.outcomes.length} stays within ${formatCompact(result.slo.violationBudgetMinutes, 1)} violating minutes and ${formatPercent(result.slo.errorRatePercent, 3)} errors.`,
      risk: null,
      riskText: null,
      currentRiskText: result.currentRisk ? riskWords(result.currentRisk.rating) : null,
      costText: null,
      cautions: [...coverageNotes],
      riskReasons: [],
      neighbours: [],
    };
  }
  const risk = result.risk;
  const maxRisk = result.maxRisk ?? "low";
  const worse = (result.worseThanCurrent ?? [])
    .filter((w) => w.figure !== "MinCapacity")
    .map(
      (w) =>
        `${FIGURE_WORDS[w.figure]} (${figureValue(w.figure, w.current)} → ${figureValue(w.figure, w.recommended)})`,
    );
  const currentRisk = result.currentRisk;
  if (risk && currentRisk && riskRankOf(risk.rating) > riskRankOf(currentRisk.rating))
    worse.unshift(`risk (${riskWords(currentRisk.rating)} → ${riskWords(risk.rating)})`);
  if (worse.length > 0 && result.current)
    cautions.push(`Worse than the current setting on ${listOf(worse)}.`);
  const av = result.availability;
  const min = pick.candidate.scaling.MinCapacity;
  const lowerMin = (result.worseThanCurrent ?? []).find((w) => w.figure === "MinCapacity");
  if (lowerMin)
    cautions.push(
      `Lower MinCapacity than the current setting (${lowerMin.current} → ${lowerMin.recommended}): at quiet times ${lowerMin.recommended} task${lowerMin.recommended === 1 ? " runs" : "s run"} instead of ${lowerMin.current}, so losing an Availability Zone leaves fewer tasks to take its traffic until the service scales out.`,
    );
  if (av?.pickBelowFloor)
    cautions.push(
      `MinCapacity ${min} is below the availability floor of ${av.floor} (space.minTasksForAvailability): no candidate at or above it meets the SLO.`,
    );
  if (min < 2)
    cautions.push(
      `MinCapacity ${min}: at quiet times a single task runs, in one Availability Zone; AWS recommends running across several AZs (Trusted Advisor check c1z7dfpz01 flags a service in one AZ).`,
    );
  const floor = risk ? dataFloor(risk) : null;
  if (risk && riskRankOf(risk.rating) > riskRankOf(maxRisk))
    cautions.push(
      floor !== null && riskRankOf(floor) > riskRankOf(maxRisk)
        ? `No candidate can be rated ${riskWords(maxRisk)} or lower on this trace: its data keeps every rating at ${riskWords(floor)} or higher (see below); this pick is the least risky of those checked, rated ${riskWords(risk.rating)}.`
        : `No candidate checked is rated ${riskWords(maxRisk)} or lower; this pick is the least risky of them, rated ${riskWords(risk.rating)}.`,
    );
  cautions.push(...coverageNotes);
  const current = result.current;
  let costText = `${formatUsd(pick.kpis.monthlyCostUsd)} a month`;
  if (current) {
    const d = pick.kpis.monthlyCostUsd - current.kpis.monthlyCostUsd;
    costText +=
      Math.abs(d) < 0.005
        ? `; the same as the current setting`
        : `; ${d < 0 ? "saves" : "costs"} ${formatUsd(Math.abs(d))} a month ${d < 0 ? "against" : "more than"} the current ${formatUsd(current.kpis.monthlyCostUsd)}`;
  }
  const neighbours: string[] = [];
  const { riskier, safer } = result.neighbours ?? { riskier: null, safer: null };
  if (riskier)
    neighbours.push(
      `Cheaper but riskier: ${riskier.label}, ${formatUsd(riskier.monthlyCostUsd)} a month (${formatUsdDelta(riskier.costDifferenceUsd)}), rated ${ratingWithReasons(riskier)}.`,
    );
  if (safer)
    neighbours.push(
      `Safer but dearer: ${safer.label}, ${formatUsd(safer.monthlyCostUsd)} a month (${formatUsdDelta(safer.costDifferenceUsd)}), rated ${ratingWithReasons(safer)}.`,
    );
  else if (risk && risk.rating !== "very-low")
    neighbours.push("Safer but dearer: none among the candidates checked after the pick.");
  return {
    pick: pick.candidate.label,
    headline: pick.candidate.label,
    risk: risk?.rating ?? null,
    riskText: risk
      ? `${riskWords(risk.rating)} (${risk.points} point${risk.points === 1 ? "" : "s"}; ${riskWords(maxRisk)} or lower accepted)`
      : null,
    currentRiskText: result.currentRisk ? riskWords(result.currentRisk.rating) : null,
    costText,
    cautions,
    riskReasons: risk
      ? risk.factors.length === 0
        ? [
            "within half of its SLO-minute and error budgets, no minute far outside the SLO, below its MaxCapacity, and it holds under every perturbation, on a trace that shows a whole pattern and its peak",
          ]
        : risk.factors.map((f) => f.reason)
      : [],
    neighbours,
  };
}

/**
 * What each default perturbation's size stands for (sim/search.ts DEFAULT_PERTURBATIONS). The
 * sizes are caplab's fixed choices, not measured from the service; the README's "How the pick is
 * made" gives the same reasons.
 */
const PERTURBATION_SIZES: readonly (readonly [string, string])[] = [
  ["traffic x1.2", "a fifth more traffic, growth before the next plan"],
  ["traffic x1.5", "a busier week than the one traced (a launch, a season)"],
  ["launch time x1.5", "tasks half again as slow to start (a bigger image, a slower pull)"],
  [
    "CPU per request x1.2",
    "requests a fifth costlier (a heavier release, or cpuMsPerRequest measured low)",
  ],
  [
    "spike x3 for 10 min",
    "a burst over before target tracking (three one-minute datapoints above target) and a launch have caught up",
  ],
  [
    "AWS/ECS average without draining tasks",
    "a reading of the model, not of traffic: AWS does not say whether draining tasks count in the AWS/ECS CPU and memory averages, and the plan counts them by default",
  ],
  [
    "AWS/ECS average with draining tasks",
    "a reading of the model, not of traffic: AWS does not say whether draining tasks count in the AWS/ECS CPU and memory averages, and this plan leaves them out",
  ],
  ["deploy at the peak", "a rolling deployment started at the busiest step"],
];

/**
 * One sentence on why the perturbations have their sizes, for those of `names` caplab knows
 * ("" when it knows none): "The perturbations are caplab's, the same for every plan: traffic
 * x1.2, a fifth more traffic …; …."
 */
export function perturbationSizesText(names: readonly string[]): string {
  const known = names.flatMap((n) => {
    const hit = PERTURBATION_SIZES.find(([name]) => n === name || n.startsWith(`${name} (`));
    return hit ? [`${n}, ${hit[1]}`] : [];
  });
  if (known.length === 0) return "";
  return `Their sizes are caplab's, the same for every plan, not measured from this service: ${known.join("; ")}.`;
}

/**
 * What a perturbation varies, in a table cell: "traffic", "the service", "operations", "the
 * model (MODEL-AUDIT O9)".
 */
export function variesText(v: PerturbationVaries): string {
  switch (v.kind) {
    case "traffic":
      return "traffic";
    case "service":
      return "the service";
    case "operations":
      return "operations";
    case "model-reading":
      return `the model (MODEL-AUDIT ${v.audit})`;
  }
}

/**
 * What the model readings among a candidate's perturbations say about it, in a sentence ("" when
 * it was run under none): a miss under one is a model risk (sim/risk.ts: at least medium, high
 * for a bad miss or a breakdown); holding under it, the candidate does not rest on the guess.
 */
export function modelReadingText(perturbations: readonly PerturbationOutcome[]): string {
  const readings = perturbations.filter((p) => p.varies.kind === "model-reading");
  if (readings.length === 0) return "";
  const facts = (ps: readonly PerturbationOutcome[]) =>
    ps
      .map((p) =>
        p.varies.kind === "model-reading"
          ? `${p.varies.fact} (platform.${p.varies.parameter}, MODEL-AUDIT ${p.varies.audit})`
          : "",
      )
      .join("; ");
  const missed = readings.filter((p) => !p.meetsSlo);
  if (missed.length === 0)
    return `It holds under the other reading of what AWS does not document, ${facts(readings)}: its SLO does not rest on which way AWS behaves.`;
  return `A miss under ${missed.map((p) => p.name).join(", ")} is a model risk, not a traffic one: the run keeps the traced traffic and reads the other way what AWS does not document, ${facts(missed)}, which no trace can show; so the rating is at least medium, and high for a bad miss or a breakdown.`;
}

/** The robustness check of the pick, else of the first candidate checked. */
export function robustnessOfInterest(result: PlanResult): RobustnessOutcome | null {
  const pickId = result.recommended?.candidate.id;
  return result.robustness.find((r) => r.candidateId === pickId) ?? result.robustness[0] ?? null;
}

/** The label of a candidate id, or "candidate #id" when it is not among the outcomes. */
export function candidateLabel(result: PlanResult, id: number): string {
  return result.outcomes.find((o) => o.candidate.id === id)?.candidate.label ?? `candidate #${id}`;
}

/** Trace span in words, e.g. "360 steps of 60 s (6 h)". */
export function traceSpan(result: PlanResult): string {
  const steps = result.trace.requests.length;
  const hours = (steps * result.trace.stepSeconds) / 3600;
  return `${formatNumber(steps)} steps of ${result.trace.stepSeconds} s (${formatHours(hours)})`;
}

/**
 * How far the Pareto front reaches (PlanResult.paretoLimit), in a sentence: "The Pareto front is
 * drawn up to 2× the SLO budget (806 violating minutes); 120 candidates lie past it." With
 * candidates stopped early for another reason, which may lie past it too, the count is "at
 * least". Says plainly when no candidate is within the limit (no front).
 */
export function paretoLimitText(result: PlanResult): string {
  const { budgetMultiple, maxMinutes, beyond, unknown } = result.paretoLimit;
  if (budgetMultiple === null || maxMinutes === null)
    return "The Pareto front is drawn over every candidate (pareto.maxBudgetMultiple: null).";
  const budget = `${formatCompact(budgetMultiple, 2)}× the SLO budget (${formatCompact(maxMinutes, 1)} violating minutes)`;
  const past =
    beyond === 0
      ? unknown > 0
        ? `no candidate simulated to the end lies past it (${plural(unknown, "candidate")} stopped early may)`
        : "no candidate lies past it"
      : `${unknown > 0 ? "at least " : ""}${plural(beyond, "candidate")} ${beyond === 1 ? "lies" : "lie"} past it`;
  if (result.pareto.length === 0)
    return `${maxMinutes === 0 ? "No candidate is free of SLO-violating minutes (the SLO allows none)" : `No candidate is within ${budget}`}, so there is no Pareto front: ${past}. Widen the space (larger tasks, lower targets, a higher MinCapacity)${maxMinutes === 0 ? "" : " or raise pareto.maxBudgetMultiple"}.`;
  return `The Pareto front is drawn ${maxMinutes === 0 ? "over the candidates with no SLO-violating minute (the SLO allows none)" : `up to ${budget}`}; ${past}.`;
}
