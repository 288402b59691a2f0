/**
 * The facts the plan reports state, as plain (unescaped) text rows: the Markdown and HTML
 * renderers take them from here and escape them for their medium, so both say the same.
 */
import {
  sizeLabel,
  type Kpis,
  type PlanCandidate,
  type PlanResult,
  type PolicyConfig,
  type RobustnessOutcome,
} from "../sim/vocab/index.js";
import { formatTarget } from "./plan-charts.js";
import {
  formatCompact,
  formatCount,
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
    [
      "Tasks",
      `${formatCount(kpis.minTasks)}–${formatCount(kpis.maxTasks)} (mean ${formatNumber(kpis.meanTasks, 1)})`,
    ],
  ];
}

/** Current against recommended: label, current, recommended, change (plain text). */
export function comparisonRows(
  current: { candidate: PlanCandidate; kpis: Kpis },
  recommended: { candidate: PlanCandidate; kpis: Kpis },
): (readonly [string, string, string, string])[] {
  const c = current.kpis;
  const r = recommended.kpis;
  const diff = (a: number, b: number, decimals = 0, unit = "") => {
    const d = b - a;
    const s = formatNumber(Math.abs(d), decimals);
    if (s === formatNumber(0, decimals)) return "same";
    return `${d > 0 ? "+" : "-"}${s}${unit}`;
  };
  return [
    ["Task size", sizeLabel(current.candidate.task), sizeLabel(recommended.candidate.task), ""],
    ["Scaling", scalingSummary(current.candidate), scalingSummary(recommended.candidate), ""],
    [
      "Monthly cost",
      formatUsd(c.monthlyCostUsd),
      formatUsd(r.monthlyCostUsd),
      formatUsdDelta(r.monthlyCostUsd - c.monthlyCostUsd),
    ],
    [
      "SLO-violating minutes",
      formatNumber(c.sloViolationMinutes),
      formatNumber(r.sloViolationMinutes),
      diff(c.sloViolationMinutes, r.sloViolationMinutes),
    ],
    [
      "Error rate",
      formatPercent(c.errorRatePercent, 3),
      formatPercent(r.errorRatePercent, 3),
      diff(c.errorRatePercent, r.errorRatePercent, 3, " pp"),
    ],
    [
      "Worst p95 latency",
      `${formatNumber(c.worstP95LatencyMs)} ms`,
      `${formatNumber(r.worstP95LatencyMs)} ms`,
      diff(c.worstP95LatencyMs, r.worstP95LatencyMs, 0, " ms"),
    ],
    [
      "Mean tasks",
      formatNumber(c.meanTasks, 1),
      formatNumber(r.meanTasks, 1),
      diff(c.meanTasks, r.meanTasks, 1),
    ],
    ["Max tasks", formatNumber(c.maxTasks), formatNumber(r.maxTasks), diff(c.maxTasks, r.maxTasks)],
    [
      "Scaling actions",
      formatNumber(c.scalingActions),
      formatNumber(r.scalingActions),
      diff(c.scalingActions, r.scalingActions),
    ],
  ];
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
  const span =
    hours >= 48 ? `${formatCompact(hours / 24, 1)} days` : `${formatCompact(hours, 1)} h`;
  return `${formatNumber(steps)} steps of ${result.trace.stepSeconds} s (${span})`;
}
