/**
 * The minutes behind a run's extreme figures (pure): the step with the worst p95 and the
 * stretch that holds most of the failed requests, each with what was going on then, in the
 * simulator's own terms (a traffic spike, a scale-out not yet serving, MaxCapacity reached,
 * tasks killed for memory, overloaded tasks failing their health checks and replaced, no healthy
 * target, a cooldown holding a scale-out back).
 *
 *   Timeline + ScalingEvent[] + SLO → Extreme[] (step, window, causes, the rows around it)
 *
 * The reports link their worst-p95 and error figures to these rows.
 */
import type { ScalingEvent, Timeline } from "../sim/vocab/index.js";
import { fixedGrouped, isWholeCount } from "../sim/vocab/numbers.js";

/** Steps of traffic before a window that its spike is measured against (an hour at 60 s). */
export const BASELINE_STEPS = 60;
/** Traffic at least this multiple of the hour before counts as a spike. */
export const SPIKE_FACTOR = 1.5;
/** How far back a scale-out still explains a window, seconds (a launch plus health checks). */
export const SCALE_OUT_LOOKBACK_SECONDS = 15 * 60;
/** How far after a window a scale-out still explains it ("it came only at …"), seconds. */
export const SCALE_OUT_LOOKAHEAD_SECONDS = 10 * 60;
/**
 * How far back a task failing its health checks still explains a window, seconds: ECS's
 * replacement launching and passing HealthyThresholdCount checks (5 × 30 s by default).
 */
export const HEALTH_LOOKBACK_SECONDS = 5 * 60;
/** Rows shown on each side of the extreme step. */
export const EXTREME_CONTEXT_ROWS = 5;

/** One step of the timeline as the reports show it around an extreme. */
export interface ExtremeRow {
  readonly step: number;
  readonly timeMs: number;
  readonly requests: number;
  readonly failedRequests: number;
  /** Tasks RUNNING, mean over the step (a fluid count: 2.5 when a third task ran half of it). */
  readonly runningCount: number;
  /** Tasks taking traffic, mean over the step. */
  readonly healthyCount: number;
  /** The desired count, mean over the step; {@link desiredLow} and {@link desiredHigh} are the whole counts it averages. */
  readonly desiredCount: number;
  /** The lowest and highest desired count in force during the step (whole numbers; equal unless it changed inside the step). */
  readonly desiredLow: number;
  readonly desiredHigh: number;
  readonly cpuUtilization: number;
  readonly latencyP95Ms: number;
  /** The extreme step itself. */
  readonly extreme: boolean;
}

export interface Extreme {
  readonly kind: "worst-p95" | "most-errors";
  /** The step with the extreme value. */
  readonly step: number;
  readonly timeMs: number;
  /** The p95 (ms) of that step, or the failed requests in the window. */
  readonly value: number;
  /** The stretch around it: [fromStep, toStep) of steps over the SLO p95, or with failures. */
  readonly fromStep: number;
  readonly toStep: number;
  readonly fromMs: number;
  readonly toMs: number;
  /** For "most-errors": the window's share of every failed request of the run, percent. */
  readonly sharePercent: number | null;
  /** What was going on, one clause each, e.g. "a traffic spike: 9,120 requests a minute, 3.2× the hour before". */
  readonly causes: readonly string[];
  readonly rows: readonly ExtremeRow[];
}

const num = fixedGrouped;

/** "14:05 UTC": the window's own day is in the heading that shows the causes. */
function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The contiguous run of steps around `at` for which `inside(i)` holds (at least [at, at+1)). */
function windowAround(
  at: number,
  length: number,
  inside: (i: number) => boolean,
): [number, number] {
  let from = at;
  let to = at + 1;
  while (from > 0 && inside(from - 1)) from--;
  while (to < length && inside(to)) to++;
  return [from, to];
}

/**
 * The desired counts in force during step `i`, lowest and highest. ECS's desired count is a
 * whole number; the timeline's desiredCount is its mean over the step, so a count that changed
 * inside the step (a scheduled action at 14:00:30, an alarm evaluation inside a 5-minute step)
 * shows a fraction. The scaling events inside the step say which counts it averaged: a scale-out
 * or scale-in sets `to` (from `from`), a scheduled action clamps the count into its MinCapacity
 * and MaxCapacity (as sim/engine.ts does); the count before the first of them is the scale
 * event's `from`, or the one whose time-weighted mean with the rest is the step's mean. A change
 * at the step's end (a 60-s alarm evaluation in a 60-s step) belongs to the next step. When the
 * events do not account for the mean (a timeline read without its events), the whole numbers
 * around the mean. Cost: O(events + MaxCapacity) for the step.
 *
 * @example a step of 300 s whose alarm raised desired from 2 to 3 at 180 s has mean 2.4: { low: 2, high: 3 }
 */
export function desiredInForce(
  t: Timeline,
  events: readonly ScalingEvent[],
  i: number,
): { readonly low: number; readonly high: number } {
  const mean = t.desiredCount[i]!;
  const stepMs = t.stepSeconds * 1000;
  const t0 = t.startMs + i * stepMs;
  const t1 = t0 + stepMs;
  const inside = events
    .filter(
      (e) =>
        (e.kind === "scale-out" || e.kind === "scale-in" || e.kind === "scheduled-action") &&
        e.timeMs > t0 + 0.5 &&
        e.timeMs < t1 - 0.5,
    )
    .sort((a, b) => a.timeMs - b.timeMs);
  const near = (v: number) => Math.abs(v - mean) <= 1e-6 * Math.max(1, mean);
  if (inside.length === 0 && near(Math.round(mean)))
    return { low: Math.round(mean), high: Math.round(mean) };
  // The counts in force from a count `start` at the step's start, and their time-weighted mean.
  const walk = (start: number) => {
    let current = start;
    let low = start;
    let high = start;
    let sum = 0;
    let at = t0;
    for (const e of inside) {
      sum += current * (e.timeMs - at);
      at = e.timeMs;
      if (e.kind === "scale-out" || e.kind === "scale-in") current = e.to;
      else if (e.kind === "scheduled-action")
        current = Math.min(Math.max(current, e.MinCapacity), e.MaxCapacity);
      low = Math.min(low, current);
      high = Math.max(high, current);
    }
    sum += current * (t1 - at);
    return { low, high, mean: sum / stepMs };
  };
  const first = inside[0];
  const starts: number[] = [];
  if (first && (first.kind === "scale-out" || first.kind === "scale-in")) starts.push(first.from);
  else if (first) {
    const most = Math.ceil(
      Math.max(mean, t.maxCapacity[i]!, first.kind === "scheduled-action" ? first.MaxCapacity : 0),
    );
    for (let v = 0; v <= most + 1; v++) starts.push(v);
  }
  for (const start of starts) {
    const w = walk(start);
    if (near(w.mean)) return { low: w.low, high: w.high };
  }
  return { low: Math.floor(mean + 1e-6), high: Math.ceil(mean - 1e-6) };
}

/** What the counts of the worst-minutes tables are, said under each table. */
export const EXTREME_COUNTS_NOTE =
  "Running and Healthy are means over the row's step (a task that ran half of it counts 0.5); Desired is the count in force, lowest–highest when it changed inside the step.";

/** A desired count as ECS has it: "3", or "2–3" when it changed inside the step. */
export function desiredText(d: { readonly low: number; readonly high: number }): string {
  return d.low === d.high ? num(d.low) : `${num(d.low)}–${num(d.high)}`;
}

/**
 * Tasks as a step's mean counts them: a whole number as it is ("2 tasks"), a fraction as the
 * mean it is ("an average of 1.5 tasks"): the fluid model's counts are means over the step.
 */
/**
 * A fractional count as people read it: one decimal without a trailing zero ("2.4", "2"), two
 * under 0.1 ("0.04"), so a sliver of a task does not print as "0.0".
 */
function fraction(v: number): string {
  if (v >= 0.1) return num(v, 1).replace(/\.0$/, "");
  return v >= 0.005 ? num(v, 2) : "under 0.01";
}

function meanTasks(v: number, noun = "task"): string {
  if (isWholeCount(v)) {
    const n = Math.round(v);
    return `${num(n)} ${n === 1 ? noun : `${noun}s`}`;
  }
  return `an average of ${fraction(v)} ${noun}s`;
}

/**
 * Tasks the model kills or marks unhealthy, summed over events: a whole number as it is, a
 * fraction as the expected value it is ("about 9.5"): under oomModel "poisson" a kill takes the
 * share of a group whose requests in flight pass what fits, so counts are expected values.
 */
function expectedTasks(v: number): string {
  return isWholeCount(v) ? num(Math.round(v)) : v < 0.005 ? "under 0.01" : `about ${fraction(v)}`;
}

function rowsAround(
  t: Timeline,
  events: readonly ScalingEvent[],
  at: number,
  from: number,
  to: number,
): ExtremeRow[] {
  const start = Math.max(0, Math.max(from - 2, at - EXTREME_CONTEXT_ROWS));
  const end = Math.min(t.length, Math.min(to + 2, at + EXTREME_CONTEXT_ROWS + 1));
  const rows: ExtremeRow[] = [];
  for (let i = start; i < end; i++) {
    const desired = desiredInForce(t, events, i);
    rows.push({
      step: i,
      timeMs: t.startMs + i * t.stepSeconds * 1000,
      requests: t.requests[i]!,
      failedRequests: t.failedRequests[i]!,
      runningCount: t.runningCount[i]!,
      healthyCount: t.healthyCount[i]!,
      desiredCount: t.desiredCount[i]!,
      desiredLow: desired.low,
      desiredHigh: desired.high,
      cpuUtilization: t.cpuUtilization[i]!,
      latencyP95Ms: t.latencyP95Ms[i]!,
      extreme: i === at,
    });
  }
  return rows;
}

/** What was going on in [from, to) around the step `at`, one clause each. */
export function causesOf(
  t: Timeline,
  events: readonly ScalingEvent[],
  at: number,
  from: number,
  to: number,
): string[] {
  const causes: string[] = [];
  const perMinute = 60 / t.stepSeconds;
  const before: number[] = [];
  for (let i = Math.max(0, from - BASELINE_STEPS); i < from; i++) before.push(t.requests[i]!);
  const base = median(before);
  let peak = at;
  for (let i = from; i < to; i++) if (t.requests[i]! > t.requests[peak]!) peak = i;
  const peakRpm = t.requests[peak]! * perMinute;
  if (base > 0 && t.requests[peak]! >= SPIKE_FACTOR * base)
    causes.push(
      `a traffic spike: ${num(peakRpm)} requests a minute at ${clock(t.startMs + peak * t.stepSeconds * 1000)}, ${num(t.requests[peak]! / base, 1)}× the hour before`,
    );
  else if (base === 0 && before.length > 0 && peakRpm > 0)
    causes.push(`traffic after a quiet hour: ${num(peakRpm)} requests a minute`);
  const fromMs = t.startMs + from * t.stepSeconds * 1000;
  const toMs = t.startMs + to * t.stepSeconds * 1000;
  const inWindow = (e: ScalingEvent, lookbackMs = 0) =>
    e.timeMs >= fromMs - lookbackMs && e.timeMs < toMs;
  const atMs = t.startMs + at * t.stepSeconds * 1000;
  // The scale-out nearest the minute, from a launch-and-health-check time before the window
  // to a little after it.
  const outs = events
    .filter(
      (e) =>
        e.kind === "scale-out" &&
        e.timeMs >= fromMs - SCALE_OUT_LOOKBACK_SECONDS * 1000 &&
        e.timeMs < toMs + SCALE_OUT_LOOKAHEAD_SECONDS * 1000,
    )
    .sort((a, b) => Math.abs(a.timeMs - atMs) - Math.abs(b.timeMs - atMs));
  const desired = t.desiredCount[at]!;
  const healthy = t.healthyCount[at]!;
  // Counts over a step are means (healthy, running) and the desired count the whole numbers in
  // force: "on average 1.5 of the 2 desired tasks were serving".
  const serving = () =>
    `${healthy < 1e-6 ? "none" : isWholeCount(healthy) ? num(Math.round(healthy)) : `on average ${fraction(healthy)}`} of the ${desiredText(desiredInForce(t, events, at))} desired tasks ${healthy < 1e-6 ? "was" : "were"} serving`;
  const running = meanTasks(t.runningCount[at]!);
  const first = outs[0];
  if (first && first.kind === "scale-out") {
    const minutes = Math.round(Math.abs(atMs - first.timeMs) / 60000);
    causes.push(
      first.timeMs <= atMs
        ? `a scale-out from ${num(first.from)} to ${num(first.to)} tasks was decided at ${clock(first.timeMs)} (${minutes} min before); ${serving()}`
        : `the service scaled out from ${num(first.from)} to ${num(first.to)} tasks only at ${clock(first.timeMs)}, ${minutes} min later, with CPU at ${num(t.cpuUtilization[at]!)} % on ${running} meanwhile`,
    );
  } else if (desired > healthy + 0.5) {
    causes.push(`${serving()}: new tasks were still starting`);
  } else if (t.cpuUtilization[at]! >= 80) {
    causes.push(`no scale-out: CPU at ${num(t.cpuUtilization[at]!)} % on ${running}`);
  }
  const blocked = events.filter((e) => e.kind === "blocked-by-cooldown" && inWindow(e));
  const b = blocked[0];
  if (b && b.kind === "blocked-by-cooldown")
    causes.push(`${b.cooldown} held a scale-out back until ${clock(b.untilMs)}`);
  let atMax = false;
  for (let i = from; i < to && !atMax; i++)
    atMax = t.maxCapacity[i]! > 0 && t.runningCount[i]! >= t.maxCapacity[i]! - 0.01;
  if (atMax) causes.push(`the service was at MaxCapacity (${num(t.maxCapacity[at]!)} tasks)`);
  const killed = events
    .filter((e) => e.kind === "oom-kill" && inWindow(e))
    .reduce((a, e) => a + (e.kind === "oom-kill" ? e.tasks : 0), 0);
  if (killed > 0)
    causes.push(
      `${expectedTasks(killed)} task${killed === 1 ? " was" : "s were"} killed for running out of memory${isWholeCount(killed) ? "" : " (an expected value: oomModel poisson kills the share of a group whose requests in flight pass what fits)"}`,
    );
  const lookback = HEALTH_LOOKBACK_SECONDS * 1000;
  const unhealthy = events.filter((e) => e.kind === "target-unhealthy" && inWindow(e, lookback));
  if (unhealthy.length > 0)
    causes.push(
      healthChecksCause(
        unhealthy,
        events.some((e) => e.kind === "unhealthy-task-replaced" && inWindow(e, lookback)),
      ),
    );
  let noHealthy = false;
  for (let i = from; i < to && !noHealthy; i++)
    noHealthy = t.requests[i]! > 0 && t.healthyCount[i]! < 0.01;
  if (noHealthy) causes.push("no task was healthy, so requests got 503s");
  if (causes.length === 0)
    causes.push(
      `CPU at ${num(t.cpuUtilization[at]!)} % on ${meanTasks(t.runningCount[at]!, "running task")}`,
    );
  return causes;
}

/**
 * Overloaded tasks failing their ALB health checks (MODEL-AUDIT O5) and ECS replacing them,
 * each time with its tasks (a replacement can fail again): "overloaded tasks failed their ALB
 * health checks 2 times, 8 at 10:42 and 8 at 10:44 UTC (a check waited in the queue past
 * HealthCheckTimeoutSeconds); ECS replaced them, and a replacement serves only once healthy".
 * At most three times are listed.
 */
function healthChecksCause(unhealthy: readonly ScalingEvent[], replaced: boolean): string {
  const tasks = (e: ScalingEvent) => (e.kind === "target-unhealthy" ? e.tasks : 0);
  const count = (e: ScalingEvent) => expectedTasks(tasks(e));
  const first = unhealthy[0]!;
  const one = tasks(first) === 1 && unhealthy.length === 1;
  let what: string;
  if (unhealthy.length === 1) {
    what = `${count(first)} overloaded task${one ? "" : "s"} failed ${one ? "its" : "their"} ALB health checks at ${clock(first.timeMs)}`;
  } else {
    const times = unhealthy.map((e) => `${count(e)} at ${clock(e.timeMs).slice(0, 5)}`);
    const listed =
      times.length > 3
        ? `${times.slice(0, 3).join(", ")} and ${times.length - 3} more`
        : `${times.slice(0, -1).join(", ")} and ${times[times.length - 1]!}`;
    what = `overloaded tasks failed their ALB health checks ${times.length} times, ${listed} UTC`;
  }
  return `${what} (a check waited in the queue past HealthCheckTimeoutSeconds)${replaced ? `; ECS replaced ${one ? "it" : "them"}, and a replacement serves only once healthy` : ""}`;
}

/**
 * The worst-p95 step (when it is above the SLO) and the stretch with the most failed requests
 * (when any failed), each with its causes and the rows around it. Cost: O(steps + events).
 */
export function findExtremes(
  t: Timeline,
  events: readonly ScalingEvent[],
  slo: { readonly latencyP95Ms: number },
): Extreme[] {
  const out: Extreme[] = [];
  if (t.length === 0) return out;
  const stepMs = t.stepSeconds * 1000;
  let worst = -1;
  for (let i = 0; i < t.length; i++) {
    const v = t.latencyP95Ms[i]!;
    if (Number.isFinite(v) && (worst < 0 || v > t.latencyP95Ms[worst]!)) worst = i;
  }
  if (worst >= 0 && t.latencyP95Ms[worst]! > slo.latencyP95Ms) {
    const [from, to] = windowAround(worst, t.length, (i) => t.latencyP95Ms[i]! > slo.latencyP95Ms);
    out.push({
      kind: "worst-p95",
      step: worst,
      timeMs: t.startMs + worst * stepMs,
      value: t.latencyP95Ms[worst]!,
      fromStep: from,
      toStep: to,
      fromMs: t.startMs + from * stepMs,
      toMs: t.startMs + to * stepMs,
      sharePercent: null,
      causes: causesOf(t, events, worst, from, to),
      rows: rowsAround(t, events, worst, from, to),
    });
  }
  let total = 0;
  let most = -1;
  for (let i = 0; i < t.length; i++) {
    const f = t.failedRequests[i]!;
    total += f;
    if (f > 0 && (most < 0 || f > t.failedRequests[most]!)) most = i;
  }
  if (most >= 0) {
    const [from, to] = windowAround(most, t.length, (i) => t.failedRequests[i]! > 0);
    let inWindow = 0;
    for (let i = from; i < to; i++) inWindow += t.failedRequests[i]!;
    out.push({
      kind: "most-errors",
      step: most,
      timeMs: t.startMs + most * stepMs,
      value: inWindow,
      fromStep: from,
      toStep: to,
      fromMs: t.startMs + from * stepMs,
      toMs: t.startMs + to * stepMs,
      sharePercent: total > 0 ? (100 * inWindow) / total : null,
      causes: causesOf(t, events, most, from, to),
      rows: rowsAround(t, events, most, from, to),
    });
  }
  return out;
}

/** An extreme as the JSON outputs write it (recommendation.json, summary.json): times in ISO 8601. */
export function extremeJson(x: Extreme) {
  return {
    kind: x.kind,
    time: new Date(x.timeMs).toISOString(),
    from: new Date(x.fromMs).toISOString(),
    to: new Date(x.toMs).toISOString(),
    value: x.value,
    sharePercent: x.sharePercent,
    causes: x.causes,
  };
}
