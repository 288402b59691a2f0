/**
 * The simulator's running totals: what a step adds up (StepSums, task-seconds by state and the
 * step's traffic), and what the Kpis are made of (Tally), with the SLO-minute rule.
 */

import type { SiblingCosts } from "./siblings.js";

/** Share of a minute's requests allowed above the p95 limit before the minute breaks the SLO. */
export const P95_TAIL = 0.05;

/**
 * The running totals behind the Kpis, and the open minute's tallies for SLO minutes.
 *
 * They are fields of an object rather than locals of {@link simulate}'s loop on purpose: as
 * locals, V8 kept them boxed and allocated a number for most updates (about 45 bytes per
 * simulated step, measured), whereas an object's number fields are updated in place.
 */
export class Tally {
  totalRequests = 0;
  totalFailed = 0;
  totalCost = 0;
  stepCost = 0;
  p95Weighted = 0;
  p95Weight = 0;
  worstP95 = 0;
  maxTasks = 0;
  minTasks = Infinity;
  /** Most and fewest desired tasks held for some time (Fleet.markChange). */
  maxDesired = 0;
  minDesired = Infinity;
  taskSecondsSum = 0;
  cpuSum = 0;
  cpuSteps = 0;
  peakCpu = 0;
  peakMemory = 0;
  minuteRequests = 0;
  minuteFailed = 0;
  minuteServed = 0;
  minuteSlow = 0;
  violationMinutes = 0;
  oomKills = 0;
  /** The costs of candidates that differ only in price, in a shared run (sim/siblings.ts); else null. */
  siblings: SiblingCosts | null = null;
}

/** A step's task-seconds by state, and its traffic (fields, for the same reason as Tally). */
export class StepSums {
  running = 0; // RUNNING, draining included (AWS/ECS averages them unless drainingTasksInServiceMetrics is false)
  registered = 0; // RUNNING and not draining
  healthy = 0; // healthy, weighted by slow start
  idleRunning = 0; // running but not serving (not healthy yet, or draining)
  pending = 0;
  draining = 0;
  /** Requests the draining tasks served, and their memory (MiB-seconds): part of served, memory. */
  drainingServed = 0;
  drainingMemory = 0;
  served = 0;
  failed = 0;
  slow = 0;
  memory = 0; // MiB-seconds
  /** Requests that were on their way to tasks killed in this step, re-routed. */
  rerouted = 0;
  /** Time-weighted sums of desired, MinCapacity, MaxCapacity since the step's start. */
  desired = 0;
  min = 0;
  max = 0;
  changedAt = 0;

  reset(t0: number): void {
    this.running = this.registered = this.healthy = this.idleRunning = this.pending = 0;
    this.draining = this.served = this.failed = this.slow = this.memory = this.rerouted = 0;
    this.drainingServed = this.drainingMemory = 0;
    this.desired = this.min = this.max = 0;
    this.changedAt = t0;
  }
}

/** Whether a closed minute breaks the SLO: too large a slow share, or too many errors. */
export function breaksSlo(
  requests: number,
  failed: number,
  served: number,
  slow: number,
  errorLimit: number,
): boolean {
  if (!(requests > 0)) return false;
  const slowShare = served > 0 ? slow / served : 0;
  return slowShare > P95_TAIL || failed / requests > errorLimit;
}

/**
 * Minutes with data: the SLO minutes of the trace that hold a step with data (`gap` 0), what
 * the violation budget is a share of (Kpis.dataMinutes). Steps of a minute or more count
 * `stepSeconds / 60` each unless they are gaps; sub-minute steps count by minute, as the SLO
 * minutes are closed (sim/engine.ts `account`): a minute with any step of data counts whole, and
 * the trace's last, partial minute for the seconds it holds. So a trace without gaps has
 * `dataMinutes === minutes`, and no violating minute lies outside them: a gap step has no
 * requests, and a minute without requests never breaks the SLO ({@link breaksSlo}).
 * Cost: O(steps).
 *
 * @example traceDataMinutes({ stepSeconds: 60, gap: Uint8Array.of(0, 1, 1, 0) }) // 2
 * @example traceDataMinutes({ stepSeconds: 30, gap: Uint8Array.of(1, 0, 1, 1, 0) }) // 1.5
 */
export function traceDataMinutes(trace: {
  readonly stepSeconds: number;
  readonly gap: Uint8Array;
}): number {
  const s = trace.stepSeconds;
  const gap = trace.gap;
  const n = gap.length;
  if (s >= 60) {
    let data = 0;
    for (let i = 0; i < n; i++) if (gap[i] === 0) data++;
    return (data * s) / 60;
  }
  // The steps of a minute (every step choice under a minute divides it).
  const perMinute = Math.max(1, Math.round(60 / s));
  let minutes = 0;
  for (let from = 0; from < n; from += perMinute) {
    const to = Math.min(n, from + perMinute);
    for (let i = from; i < to; i++) {
      if (gap[i] === 0) {
        minutes += ((to - from) * s) / 60;
        break;
      }
    }
  }
  return minutes;
}
