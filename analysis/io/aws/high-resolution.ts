/**
 * 20-second `AWS/ECS` CPUUtilization and MemoryUtilization (reference/aws-ecs-scaling.md §1.10,
 * §5): which of the two the service publishes every 20 s, and which part of the window
 * CloudWatch still holds at that resolution (periods under 60 s are kept 3 hours).
 *
 *   service revision `monitoring` (resolutionSeconds 20) ────┐
 *   policies on …HighResolution predefined types ───────────┴─▶ highResolutionMetricsOf
 *   window × now × retention ─▶ highResolutionWindow ─▶ [fromMs, toMs) on the 20-s grid, or null
 */
import type { ScalingPolicy } from "@aws-sdk/client-application-auto-scaling";
import type { ServiceRevision } from "@aws-sdk/client-ecs";
import {
  HIGH_RESOLUTION_METRICS,
  HIGH_RESOLUTION_PERIOD,
  type HighResolutionMetric,
} from "./metrics.js";

/** How long CloudWatch keeps datapoints of periods under 60 s, seconds. @default 10800 (3 h) */
export const HIGH_RESOLUTION_RETENTION_SECONDS = 3 * 3600;

/**
 * How far inside the 3-hour limit the 20-s window starts, seconds: the collection takes time,
 * and the oldest 20-s datapoints expire while it runs. @default 300 (5 min, a caplab choice)
 */
export const HIGH_RESOLUTION_MARGIN_SECONDS = 300;

const PREDEFINED: Readonly<Record<string, HighResolutionMetric>> = {
  ECSServiceAverageCPUUtilizationHighResolution: "CPUUtilization",
  ECSServiceAverageMemoryUtilizationHighResolution: "MemoryUtilization",
};

/**
 * The metrics the service publishes every 20 s: those a current service revision's `monitoring`
 * sets to `resolutionSeconds: 20`, plus those a target-tracking policy tracks with a
 * `…HighResolution` predefined type (which AWS only accepts with 20-s metrics turned on).
 * In catalog order.
 */
export function highResolutionMetricsOf(
  revisions: readonly ServiceRevision[],
  policies: readonly ScalingPolicy[],
): HighResolutionMetric[] {
  const found = new Set<string>();
  for (const c of revisions.flatMap((r) => r.monitoring?.metricConfigurations ?? []))
    if (c.resolutionSeconds === HIGH_RESOLUTION_PERIOD)
      for (const name of c.metricNames ?? []) found.add(name);
  for (const p of policies) {
    const type =
      p.TargetTrackingScalingPolicyConfiguration?.PredefinedMetricSpecification
        ?.PredefinedMetricType;
    const metric = type === undefined ? undefined : PREDEFINED[type];
    if (metric) found.add(metric);
  }
  return HIGH_RESOLUTION_METRICS.filter((m) => found.has(m));
}

/**
 * The part of [fromMs, toMs) CloudWatch still holds at 20 s, seen at `nowMs`: from the later of
 * `fromMs` and (now − 3 h + margin), on the 20-s grid, to `toMs`. Null when nothing is left.
 *
 * Example: a window of the last 2 hours → all of it; a window of yesterday → null.
 */
export function highResolutionWindow(
  fromMs: number,
  toMs: number,
  nowMs: number,
  marginSeconds = HIGH_RESOLUTION_MARGIN_SECONDS,
): { fromMs: number; toMs: number } | null {
  const stepMs = HIGH_RESOLUTION_PERIOD * 1000;
  const oldest = nowMs - (HIGH_RESOLUTION_RETENTION_SECONDS - marginSeconds) * 1000;
  const start = Math.ceil(Math.max(fromMs, oldest) / stepMs) * stepMs;
  const end = Math.floor(toMs / stepMs) * stepMs;
  return end > start ? { fromMs: start, toMs: end } : null;
}
