/**
 * When is it safe to deploy? (pure; issue #16): the SLO cost of a rolling deployment started at
 * each hour of the trace's first week, for one candidate (the plan's pick).
 *
 *   trace × candidate × context
 *     → for each whole hour h of the first week (at most 168):
 *         the slice [h − warm-up, h + after) simulated twice, without and with a deployment at h
 *         (both start settled, sim/engine.ts settledCount), under each deployment setting
 *     → per hour and setting: SLO-violating minutes and failed requests added by the deployment
 *       (the difference of the two runs, at least 0), and its extra cost.
 *
 * Slices rather than the whole trace: 168 × settings × 2 runs of three hours each cost about
 * what three runs of the week do. A deployment whose effects outlast the slice (a long bake
 * time) would be cut short: the rolling deployments measured here last minutes.
 */
import type { Candidate, DeployHourOutcome, SimulationContext, Trace } from "./vocab/index.js";
import { simulate } from "./engine.js";
import { defaultRollingDeployment } from "./deploy.js";

/** One deployment setting of the chart: ECS's rolling percents. */
export interface DeploySetting {
  readonly label: string;
  readonly minimumHealthyPercent: number;
  readonly maximumPercent: number;
}

/** ECS's defaults, and the setting that saves the extra tasks by stopping half first. */
export const DEPLOY_SETTINGS: readonly DeploySetting[] = [
  { label: "100 % / 200 % (ECS defaults)", minimumHealthyPercent: 100, maximumPercent: 200 },
  { label: "50 % / 100 %", minimumHealthyPercent: 50, maximumPercent: 100 },
];

/**
 * The settings of the chart: the service's own percents first (when given and not already
 * among them), then {@link DEPLOY_SETTINGS}.
 */
export function deploySettingsWith(
  own: { readonly minimumHealthyPercent: number; readonly maximumPercent: number } | undefined,
): DeploySetting[] {
  if (!own) return [...DEPLOY_SETTINGS];
  const known = DEPLOY_SETTINGS.find(
    (s) =>
      s.minimumHealthyPercent === own.minimumHealthyPercent &&
      s.maximumPercent === own.maximumPercent,
  );
  const mine: DeploySetting = {
    label: `${own.minimumHealthyPercent} % / ${own.maximumPercent} % (the service's)`,
    minimumHealthyPercent: own.minimumHealthyPercent,
    maximumPercent: own.maximumPercent,
  };
  return known ? [...DEPLOY_SETTINGS] : [mine, ...DEPLOY_SETTINGS];
}

/** Simulated before the hour, so that scaling has settled, minutes. */
export const DEPLOY_WARM_UP_MINUTES = 60;
/** Simulated from the hour on: the deployment and its draining, minutes. */
export const DEPLOY_AFTER_MINUTES = 120;

/** One hour's outcome (the vocabulary's DeployHourOutcome). */
export type DeployHour = DeployHourOutcome;

/**
 * The SLO cost of a deployment at each whole hour of the trace's first week (hours without a
 * full warm-up before them or a full slice after them are left out).
 */
export function deploymentHours(
  trace: Trace,
  candidate: Candidate,
  context: SimulationContext,
  settings: readonly DeploySetting[] = DEPLOY_SETTINGS,
): DeployHour[] {
  const s = trace.stepSeconds;
  const n = trace.requests.length;
  const hourMs = 3_600_000;
  const warm = Math.round((DEPLOY_WARM_UP_MINUTES * 60) / s);
  const after = Math.round((DEPLOY_AFTER_MINUTES * 60) / s);
  const out: DeployHour[] = [];
  const first = Math.ceil(trace.startMs / hourMs) * hourMs;
  for (let k = 0; k < 168; k++) {
    const startMs = first + k * hourMs;
    const at = Math.round((startMs - trace.startMs) / 1000 / s);
    if (at + after > n) break;
    if (at - warm < 0) continue;
    const from = at - warm;
    const slice: Trace = {
      ...trace,
      startMs: trace.startMs + from * s * 1000,
      requests: trace.requests.subarray(from, at + after),
      gap: trace.gap.subarray(from, at + after),
    };
    const base = simulate(slice, candidate, context, { record: false }).kpis;
    for (const setting of settings) {
      const deployment = {
        ...defaultRollingDeployment(warm * s),
        minimumHealthyPercent: setting.minimumHealthyPercent,
        maximumPercent: setting.maximumPercent,
      };
      const k2 = simulate(slice, { ...candidate, deployments: [deployment] }, context, {
        record: false,
      }).kpis;
      out.push({
        startMs,
        setting: setting.label,
        sloViolationMinutes: Math.max(0, k2.sloViolationMinutes - base.sloViolationMinutes),
        failedRequests: Math.max(0, k2.failedRequests - base.failedRequests),
        extraCostUsd: k2.costUsd - base.costUsd,
      });
    }
  }
  return out;
}
