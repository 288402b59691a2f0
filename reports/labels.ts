/**
 * Names for people: the short name of a scaling metric and the one-line label of a plan
 * candidate ("0.5 vCPU / 1 GiB x86 · CPU 60% · 1-12 tasks · cooldown 60/300s"). The simulator
 * builds no display strings: `caplab plan` hands {@link candidateLabel} to sim/search.ts's
 * expandSpace, and {@link currentLabel} to sim/plan.ts's currentCandidate.
 */
import {
  sizeLabel,
  type Candidate,
  type PlanCandidate,
  type PredefinedMetricType,
} from "../sim/vocab/index.js";

const SHORT_METRIC: Record<PredefinedMetricType, string> = {
  ECSServiceAverageCPUUtilization: "CPU",
  ECSServiceAverageCPUUtilizationHighResolution: "CPU (20 s)",
  ECSServiceAverageMemoryUtilization: "memory",
  ECSServiceAverageMemoryUtilizationHighResolution: "memory (20 s)",
  ALBRequestCountPerTarget: "ALB req/target",
};

/** A short name for a metric, e.g. "CPU (20 s)"; "fixed" for a candidate without a policy. */
export function shortMetricName(metric: PredefinedMetricType | "none"): string {
  return metric === "none" ? "fixed" : SHORT_METRIC[metric];
}

/**
 * The label of a candidate of the space: task size, metric and target, MinCapacity-MaxCapacity,
 * cooldowns, and whether it has scheduled minimums.
 *
 * @example candidateLabel(c) // "0.5 vCPU / 1 GiB x86 · CPU 60% · 1-12 tasks · cooldown 60/300s"
 */
export function candidateLabel(candidate: Omit<PlanCandidate, "label">): string {
  const { task, metric, targetValue, scaling } = candidate;
  const tt = scaling.policies[0]?.TargetTrackingScalingPolicyConfiguration;
  const unit = metric === "ALBRequestCountPerTarget" ? "/min" : "%";
  return `${sizeLabel(task)} · ${shortMetricName(metric)} ${targetValue}${unit} · ${scaling.MinCapacity}-${scaling.MaxCapacity} tasks · cooldown ${tt?.ScaleOutCooldown}/${tt?.ScaleInCooldown}s${scaling.scheduledActions.length > 0 ? " · scheduled min" : ""}`;
}

/** The label of the service's current settings, e.g. "current: 2 vCPU / 4 GiB x86 · CPU 50 · 4-40 tasks". */
export function currentLabel(current: Candidate): string {
  const policy = current.scaling.policies[0]?.TargetTrackingScalingPolicyConfiguration;
  const metric = policy?.PredefinedMetricSpecification?.PredefinedMetricType ?? "none";
  const more =
    current.scaling.policies.length > 1 ? ` + ${current.scaling.policies.length - 1} more` : "";
  return `current: ${sizeLabel(current.task)} · ${shortMetricName(metric)} ${policy?.TargetValue ?? ""}${more} · ${current.scaling.MinCapacity}-${current.scaling.MaxCapacity} tasks`;
}
