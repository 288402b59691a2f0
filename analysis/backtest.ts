/**
 * Backtest: how far the simulator can be trusted on a service's own history (pure).
 *
 *   ObservedService × Candidate (the service's actual configuration) × SimulationContext
 *     → simulate(observed requests) → Timeline
 *     → fidelityScore: MAPE per series (RunningTaskCount, CPU, RequestCountPerTarget,
 *       TargetResponseTime p95) and the timing error of each scale-out
 */
import { simulate } from "../sim/engine.js";
import {
  warnings,
  type Candidate,
  type Kpis,
  type SimulationContext,
  type Timeline,
  type Trace,
  type TraceCoverage,
  type WarningSink,
} from "../sim/vocab/index.js";
import type { ObservedService } from "./calibrate.js";
import { assessTraceByDefault } from "./trace-coverage.js";

/**
 * The mean absolute percentage error of `predicted` against `observed`, in percent:
 * 100/n · Σ |pᵢ − oᵢ| / |oᵢ| over the steps where both are finite and |oᵢ| > `floor`
 * (a near-zero observation would make any error infinite).
 *
 * Cost: O(n). Returns null when no step qualifies.
 *
 * @example meanAbsolutePercentageError([100, 200], [110, 180]); // 10
 */
export function meanAbsolutePercentageError(
  observed: ArrayLike<number>,
  predicted: ArrayLike<number>,
  floor = 1e-9,
): number | null {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < Math.min(observed.length, predicted.length); i++) {
    const o = observed[i]!;
    const p = predicted[i]!;
    if (!Number.isFinite(o) || !Number.isFinite(p) || Math.abs(o) <= floor) continue;
    sum += Math.abs(p - o) / Math.abs(o);
    n++;
  }
  return n > 0 ? (100 * sum) / n : null;
}

/** Steps where a task-count series rises (a run of rising steps counts once, at its first step). */
export function scaleOutSteps(counts: ArrayLike<number>, minimumRise = 0.5): number[] {
  const out: number[] = [];
  let rising = false;
  for (let i = 1; i < counts.length; i++) {
    const a = counts[i - 1]!;
    const b = counts[i]!;
    const up = Number.isFinite(a) && Number.isFinite(b) && b - a >= minimumRise - 1e-9;
    const flatOrUp = Number.isFinite(a) && Number.isFinite(b) && b - a > -1e-9;
    if (up && !rising) out.push(i);
    rising = up || (rising && flatOrUp && b - a > 1e-9);
  }
  return out;
}

/** Matched scale-outs: observed step, simulated step, lag in seconds (simulated − observed). */
export interface ScaleOutTiming {
  readonly observed: number;
  readonly simulated: number;
  /** Matched pairs, in observed order. */
  readonly pairs: readonly { readonly observedMs: number; readonly lagSeconds: number }[];
  /** Mean |lag| over matched pairs, seconds; null when none matched. */
  readonly meanAbsoluteLagSeconds: number | null;
}

/**
 * Pairs observed and simulated scale-outs: repeatedly the closest unmatched pair within
 * `windowSeconds`, so one simulated scale-out answers at most one observed.
 */
export function matchScaleOuts(
  observedSteps: readonly number[],
  simulatedSteps: readonly number[],
  stepSeconds: number,
  startMs: number,
  windowSeconds = 900,
): ScaleOutTiming {
  const candidates: [number, number, number][] = [];
  for (const [a, o] of observedSteps.entries())
    for (const [b, s] of simulatedSteps.entries()) {
      const lag = (s - o) * stepSeconds;
      if (Math.abs(lag) <= windowSeconds) candidates.push([Math.abs(lag), a, b]);
    }
  candidates.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  const usedO = new Set<number>();
  const usedS = new Set<number>();
  const pairs: { observedMs: number; lagSeconds: number }[] = [];
  for (const [, a, b] of candidates) {
    if (usedO.has(a) || usedS.has(b)) continue;
    usedO.add(a);
    usedS.add(b);
    pairs.push({
      observedMs: startMs + observedSteps[a]! * stepSeconds * 1000,
      lagSeconds: (simulatedSteps[b]! - observedSteps[a]!) * stepSeconds,
    });
  }
  pairs.sort((p, q) => p.observedMs - q.observedMs);
  return {
    observed: observedSteps.length,
    simulated: simulatedSteps.length,
    pairs,
    meanAbsoluteLagSeconds: pairs.length
      ? pairs.reduce((a, p) => a + Math.abs(p.lagSeconds), 0) / pairs.length
      : null,
  };
}

/** The model's fidelity on a service's history. */
export interface FidelityScore {
  /** MAPE per series, percent; null when the bundle lacks the series. */
  readonly mapePercent: {
    readonly runningCount: number | null;
    readonly cpuUtilization: number | null;
    readonly requestCountPerTarget: number | null;
    readonly targetResponseTimeP95: number | null;
  };
  /** Mean of the available MAPEs, percent: the one-number score (lower is better). */
  readonly meanMapePercent: number | null;
  readonly scaleOuts: ScaleOutTiming;
}

/**
 * Compares a simulated Timeline with the observed series of the same steps.
 *
 * Definition: MAPE ({@link meanAbsolutePercentageError}) of simulated against observed
 * RunningTaskCount (simulated running + draining tasks: ECS counts a draining task as
 * RUNNING), CPUUtilization (percent; from CpuUtilized when the bundle lacks it),
 * RequestCountPerTarget (per step) and TargetResponseTime p95 (ms); scale-outs are the rises
 * of the two task counts ({@link scaleOutSteps}), paired by {@link matchScaleOuts}.
 *
 * Cost: O(steps + scale-outs²).
 */
export function fidelityScore(
  observed: ObservedService,
  timeline: Timeline,
  options: { readonly matchWindowSeconds?: number } = {},
): FidelityScore {
  const n = Math.min(observed.length, timeline.length);
  const s = observed.stepSeconds;
  const simRunning = new Float64Array(n);
  const simRcpt = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    simRunning[i] = timeline.runningCount[i]! + timeline.drainingCount[i]!;
    simRcpt[i] = timeline.requestCountPerTarget[i]! * (s / 60);
  }
  const vcpuUnits = Number(observed.task.cpu);
  const obsCpu =
    observed.cpuPercent ??
    (observed.cpuUnitsPerTask ? observed.cpuUnitsPerTask.map((u) => (100 * u) / vcpuUnits) : null);
  const mape = (o: Float64Array | null, p: ArrayLike<number>) =>
    o ? meanAbsolutePercentageError(o.subarray(0, n), p) : null;
  const mapePercent = {
    runningCount: mape(observed.runningTasks, simRunning),
    cpuUtilization: mape(obsCpu, timeline.cpuUtilization.subarray(0, n)),
    requestCountPerTarget: mape(observed.requestCountPerTarget, simRcpt),
    targetResponseTimeP95: mape(observed.responseTimeP95Ms, timeline.latencyP95Ms.subarray(0, n)),
  };
  const available = Object.values(mapePercent).filter((v): v is number => v !== null);
  const scaleOuts = matchScaleOuts(
    observed.runningTasks ? scaleOutSteps(observed.runningTasks.subarray(0, n)) : [],
    scaleOutSteps(simRunning),
    s,
    observed.startMs,
    options.matchWindowSeconds,
  );
  return {
    mapePercent,
    meanMapePercent: available.length
      ? available.reduce((a, b) => a + b, 0) / available.length
      : null,
    scaleOuts,
  };
}

/** The observed requests as a Trace (steps without data are gaps with 0 requests). */
export function observedTrace(o: ObservedService): Trace {
  const requests = new Float64Array(o.length);
  const gap = new Uint8Array(o.length);
  for (let i = 0; i < o.length; i++) {
    const r = o.requests[i]!;
    if (Number.isFinite(r)) requests[i] = r;
    else gap[i] = 1;
  }
  return { source: o.source, startMs: o.startMs, stepSeconds: o.stepSeconds, requests, gap };
}

/**
 * How much data a bundle's answer (backtest's score, rightsize's recommendation) rests on:
 * plan's {@link assessTrace} against the default guardrails, over the bundle's steps, a step
 * counting as data when it has requests, tasks or CPU observed (rightsize sizes from the CPU
 * even without requests). Neither command refuses a short bundle; both say so. O(steps).
 */
export function observedCoverage(o: ObservedService): TraceCoverage {
  const trace = observedTrace(o);
  const other = [o.runningTasks, o.cpuUnitsPerTask, o.cpuPercent, o.usage?.cpuUnits ?? null];
  const gap = trace.gap.map((g, i) =>
    g === 1 && !other.some((s) => s !== null && Number.isFinite(s[i] ?? NaN)) ? 1 : 0,
  );
  return assessTraceByDefault({ ...trace, gap });
}

/** The candidate with DesiredCount set to the first observed task count (the service's state at the start). */
export function startingAsObserved(o: ObservedService, candidate: Candidate): Candidate {
  const first = o.runningTasks ? [...o.runningTasks].find((v) => Number.isFinite(v)) : undefined;
  if (first === undefined) return candidate;
  const { MinCapacity, MaxCapacity } = candidate.scaling;
  const desired = Math.min(MaxCapacity, Math.max(MinCapacity, Math.round(first)));
  return { ...candidate, scaling: { ...candidate.scaling, DesiredCount: desired } };
}

export interface BacktestResult {
  readonly fidelity: FidelityScore;
  readonly kpis: Kpis;
  readonly timeline: Timeline;
}

/**
 * Replays the observed traffic through the simulator with the service's configuration
 * (starting at the observed task count) and scores the result ({@link fidelityScore}).
 */
export function backtest(
  observed: ObservedService,
  candidate: Candidate,
  context: SimulationContext,
  warn: WarningSink = () => {},
): BacktestResult {
  const trace = observedTrace(observed);
  const gaps = trace.gap.reduce((a, g) => a + g, 0);
  if (gaps > 0) warn(warnings.requestGapsReplayed(observed.source, gaps));
  const result = simulate(trace, startingAsObserved(observed, candidate), context, {
    record: true,
  });
  const timeline = result.timeline!;
  return { fidelity: fidelityScore(observed, timeline), kpis: result.kpis, timeline };
}
