/**
 * A verdict on observed traffic (a trace bundle: ALB or nginx logs, a CloudWatch export, a
 * collect) against an SLO, counted as the simulator counts a plan's SLO-violating minutes
 * (sim/tally.ts `breaksSlo`): a step with requests violates when its p95 response time is above
 * the limit or its 5xx share above the error limit, and weighs its step in minutes; the
 * traffic meets the SLO when the violating minutes stay within the budget, a share of the
 * span's minutes. Pure.
 *
 *   TrafficSide (reports/run-data.ts) + TrafficSlo ──trafficSloVerdict──▶ TrafficSloVerdict
 *
 * A limit the bundle has no series for is not judged, and the verdict says so: the traffic can
 * still miss the SLO on the other limit, but it does not pass on it alone (no verdict: drop the
 * limit that cannot be judged to judge the other alone).
 *
 * Like `simulate`'s, the verdict says how much data it rests on: below the data a plan needs
 * (guardrails.minTraceHours, plan's {@link assessTrace} over the requests series' steps), a pass is
 * no plain pass and a miss says it is one on too little data (`thinData`).
 */
import type { Trace, TraceCoverage } from "../sim/vocab/index.js";
import { assessTraceByDefault, thinDataClause } from "../analysis/trace-coverage.js";
import type { TrafficSide } from "./run-data.js";

/** The SLO a trace bundle's traffic is judged against (`caplab report --slo-…`). */
export interface TrafficSlo {
  /** p95 response-time limit per step, ms; undefined: latency is not judged. */
  readonly latencyP95Ms?: number;
  /** 5xx share limit per step, percent of requests; undefined: errors are not judged. */
  readonly errorRatePercent?: number;
  /** Violating minutes allowed, percent of the span's minutes. */
  readonly violationBudgetPercent: number;
}

export interface TrafficSloVerdict {
  readonly slo: TrafficSlo;
  /**
   * Within the budget; false once the judged limits exceed it; null when a limit asked for
   * could not be judged (no series for it) and the others stay within the budget: a pass
   * must not rest on a limit left unjudged.
   */
  readonly meets: boolean | null;
  readonly violatingMinutes: number;
  readonly budgetMinutes: number;
  /** The steps' span, minutes. */
  readonly spanMinutes: number;
  /** Minutes over the p95 limit, and over the 5xx limit (a step over both counts in each). */
  readonly slowMinutes: number;
  readonly errorMinutes: number;
  /** Minutes with requests but no p95 (a gap in the response-time series). */
  readonly unjudgedLatencyMinutes: number;
  /** Whether the p95 limit, and the 5xx limit, were asked for and have a series to judge. */
  readonly latencyJudged: boolean;
  readonly errorsJudged: boolean;
  /** What was judged, and what could not be (with why), in words. */
  readonly judged: readonly string[];
  readonly notJudged: readonly string[];
  /** The step with the highest p95 above the limit, and the one with the highest 5xx share above it. */
  readonly worstSlow: { readonly timeMs: number; readonly p95Ms: number } | null;
  readonly worstErrors: { readonly timeMs: number; readonly percent: number } | null;
  /**
   * The traffic holds less data than a plan needs (guardrails.minTraceHours, default 24 h):
   * `thin` says so in words ("over 1 min of trace data only: too little to rest a decision on
   * (…)"), null otherwise.
   */
  readonly thinData: boolean;
  readonly thin: string | null;
  /** plan's coverage of the requests series' steps; null without steps. */
  readonly coverage: TraceCoverage | null;
}

/**
 * plan's {@link assessTrace} over the traffic's steps with the default guardrails: a step of the
 * requests series is data (none counted is an idle step), a step it lacks is a gap. Null
 * without steps.
 */
export function trafficCoverage(traffic: TrafficSide): TraceCoverage | null {
  const steps = traffic.steps;
  if (steps.length === 0) return null;
  const stepMs = traffic.stepSeconds * 1000;
  const startMs = steps[0]!.timeMs;
  const length = Math.round((steps[steps.length - 1]!.timeMs - startMs) / stepMs) + 1;
  const requests = new Float64Array(length);
  const gap = new Uint8Array(length).fill(1);
  for (const s of steps) {
    const i = Math.round((s.timeMs - startMs) / stepMs);
    requests[i] = Number.isFinite(s.requests) ? s.requests : 0;
    gap[i] = 0;
  }
  const trace: Trace = {
    source: "traffic",
    startMs,
    stepSeconds: traffic.stepSeconds,
    requests,
    gap,
  };
  return assessTraceByDefault(trace);
}

/** Judges every step of `traffic` against `slo` (see the module comment). */
export function trafficSloVerdict(traffic: TrafficSide, slo: TrafficSlo): TrafficSloVerdict {
  const stepMinutes = traffic.stepSeconds / 60;
  const spanMinutes = traffic.steps.length * stepMinutes;
  const judged: string[] = [];
  const notJudged: string[] = [];
  const latency = slo.latencyP95Ms !== undefined && traffic.from.p95 !== null;
  const errors = slo.errorRatePercent !== undefined && traffic.from.http5xx.length > 0;
  if (slo.latencyP95Ms !== undefined)
    (latency ? judged : notJudged).push(
      latency
        ? `p95 ≤ ${slo.latencyP95Ms} ms (${traffic.from.p95})`
        : "p95: the bundle has no TargetResponseTime p95 series",
    );
  if (slo.errorRatePercent !== undefined)
    (errors ? judged : notJudged).push(
      errors
        ? `5xx ≤ ${slo.errorRatePercent} % of requests (${traffic.from.http5xx.join(" + ")})`
        : "errors: the bundle has no 5xx series",
    );
  let violating = 0;
  let slow = 0;
  let failing = 0;
  let unjudgedLatency = 0;
  let worstSlow: TrafficSloVerdict["worstSlow"] = null;
  let worstErrors: TrafficSloVerdict["worstErrors"] = null;
  for (const s of traffic.steps) {
    if (!(s.requests > 0)) continue;
    let bad = false;
    if (latency) {
      if (s.p95Ms === null) unjudgedLatency += stepMinutes;
      else if (s.p95Ms > slo.latencyP95Ms!) {
        bad = true;
        slow += stepMinutes;
        if (worstSlow === null || s.p95Ms > worstSlow.p95Ms)
          worstSlow = { timeMs: s.timeMs, p95Ms: s.p95Ms };
      }
    }
    if (errors && s.http5xx !== null) {
      const percent = (s.http5xx / s.requests) * 100;
      if (percent > slo.errorRatePercent!) {
        bad = true;
        failing += stepMinutes;
        if (worstErrors === null || percent > worstErrors.percent)
          worstErrors = { timeMs: s.timeMs, percent };
      }
    }
    if (bad) violating += stepMinutes;
  }
  const budgetMinutes = (slo.violationBudgetPercent / 100) * spanMinutes;
  const coverage = trafficCoverage(traffic);
  const thin = coverage === null ? null : thinDataClause(coverage);
  return {
    thinData: thin !== null,
    thin,
    coverage,
    slo,
    meets: violating > budgetMinutes ? false : notJudged.length > 0 ? null : true,
    violatingMinutes: violating,
    budgetMinutes,
    spanMinutes,
    slowMinutes: slow,
    errorMinutes: failing,
    unjudgedLatencyMinutes: unjudgedLatency,
    latencyJudged: latency,
    errorsJudged: errors,
    judged,
    notJudged,
    worstSlow,
    worstErrors,
  };
}
