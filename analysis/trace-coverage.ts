/**
 * How much trace a plan stands on (pure): its span, the steps with data, long gaps and the
 * steps with traffic, judged against the plan's guardrails, the way a careful analyst would
 * before trusting a recommendation. AWS Compute Optimizer gives an ECS service on Fargate no
 * recommendation until it has "24 hours of metrics in the past 14 days" (User Guide, viewing
 * ECS recommendations); caplab's minimum is the same day by default.
 *
 *   Trace + Guardrails → TraceCoverage (figures, short / below the pattern, notes)
 *     → requireEnoughTrace: a UsageError below the minimum unless --allow-short-trace
 *     → thinDataClause / coverageSummary: what a verdict on the trace says of it (simulate,
 *       backtest and rightsize judge a short trace too, but say so)
 */
import { UsageError } from "../sim/vocab/errors.js";
import { formatHours as hoursText, plural } from "../sim/vocab/numbers.js";
import {
  GuardrailsSchema,
  type Guardrails,
  type Trace,
  type TraceCoverage,
  type TraceLimit,
} from "../sim/vocab/index.js";

/**
 * A busiest hour with less than this much trace before it (or after it) is "at the edge": the
 * simulation starts with the fleet already sized for the trace's first ten minutes
 * (sim/engine.ts settledCount), so the scale-out up to a peak at the start is never simulated,
 * and a trace that stops inside its busiest hour may stop before the peak did. @default 1 (hour)
 */
export const PEAK_EDGE_HOURS = 1;
/**
 * Target tracking's scale-in alarm: 15 of 15 one-minute datapoints below 90 % of the target
 * (shared/reference/aws-ecs-scaling.md §1.2; AWS, "Target tracking scaling policies for
 * Application Auto Scaling"). A trace shorter than that plus the default ScaleInCooldown (300 s)
 * shows no scale-in at all.
 */
export const SCALE_IN_ALARM_MINUTES = 15;
const SCALE_IN_SEEN_MINUTES = SCALE_IN_ALARM_MINUTES + 5;

/**
 * The busiest hour is a peak when its rate is at least this multiple of the trace's mean rate
 * (over the steps with data): a flat trace has no ramp to miss and no peak to lose in a gap.
 * @default 1.5
 */
export const PEAK_RATIO = 1.5;
/** A gap this long or longer is weighed against the traffic next to it (gaps near the peak). */
export const PEAK_GAP_MINUTES = 5;
/**
 * A gap is "near the peak" when the data in the hour before or after it runs at this share of
 * the busiest hour's rate or more: the missing minutes may hold traffic as high as the peak, or
 * higher. @default 0.75
 */
export const NEAR_PEAK_SHARE = 0.75;

/** At most one decimal (none from 10 up), no trailing zero, no locale: 1.25 → "1.3", 168 → "168". */
function round(v: number): string {
  const fixed = v.toFixed(v >= 10 ? 0 : 1);
  return fixed.endsWith(".0") ? fixed.slice(0, -2) : fixed;
}

function share(v: number): string {
  if (v > 0 && v < 0.1) return "under 0.1 %";
  // 99.6 would round to "100 %", which says every step.
  if (v < 100 && round(v) === "100") return "over 99 %";
  return `${round(v)} %`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** Whole minutes or hours, for the distance of a peak from the trace's ends: "0 min", "45 min". */
function minutesText(hours: number): string {
  return hoursText(hours).replace(/^0 s$/, "0 min");
}

/**
 * The busiest hour: the window of an hour's steps (the whole trace when shorter) with the most
 * requests, the first of equals. Null without any request. Cost: O(steps).
 */
function busiestHourOf(trace: Trace): NonNullable<TraceCoverage["busiestHour"]> | null {
  const steps = trace.requests.length;
  const window = Math.min(steps, Math.max(1, Math.round(3600 / trace.stepSeconds)));
  if (window === 0) return null;
  let sum = 0;
  for (let i = 0; i < window; i++) sum += trace.requests[i] ?? 0;
  let best = sum;
  let at = 0;
  for (let i = window; i < steps; i++) {
    sum += (trace.requests[i] ?? 0) - (trace.requests[i - window] ?? 0);
    if (sum > best + 1e-9) {
      best = sum;
      at = i - window + 1;
    }
  }
  if (!(best > 0)) return null;
  const stepMs = trace.stepSeconds * 1000;
  return {
    fromMs: trace.startMs + at * stepMs,
    toMs: trace.startMs + (at + window) * stepMs,
    requests: best,
    leadHours: (at * trace.stepSeconds) / 3600,
    tailHours: ((steps - at - window) * trace.stepSeconds) / 3600,
  };
}

/**
 * Gaps of {@link PEAK_GAP_MINUTES} or more next to traffic near the peak: the mean of the data
 * steps in the hour before or after the gap is at least {@link NEAR_PEAK_SHARE} of the busiest
 * hour's mean. Returns how many, and the first with the share of the busier side. O(steps).
 */
function gapsNearPeakOf(
  trace: Trace,
  busiest: NonNullable<TraceCoverage["busiestHour"]>,
): { count: number; first: { fromMs: number; toMs: number; share: number } | null } {
  const steps = trace.requests.length;
  const hour = Math.max(1, Math.round(3600 / trace.stepSeconds));
  const peakMean = busiest.requests / Math.min(steps, hour);
  const minSteps = Math.max(1, Math.ceil((PEAK_GAP_MINUTES * 60) / trace.stepSeconds));
  const meanOf = (from: number, to: number): number => {
    let sum = 0;
    let n = 0;
    for (let i = Math.max(0, from); i < Math.min(steps, to); i++) {
      if (trace.gap[i] === 1) continue;
      sum += trace.requests[i] ?? 0;
      n++;
    }
    return n > 0 ? sum / n : 0;
  };
  let count = 0;
  let first: { fromMs: number; toMs: number; share: number } | null = null;
  let i = 0;
  while (i < steps) {
    if (trace.gap[i] !== 1) {
      i++;
      continue;
    }
    let end = i;
    while (end < steps && trace.gap[end] === 1) end++;
    if (end - i >= minSteps) {
      const share = Math.max(meanOf(i - hour, i), meanOf(end, end + hour)) / peakMean;
      if (share >= NEAR_PEAK_SHARE) {
        count++;
        first ??= {
          fromMs: trace.startMs + i * trace.stepSeconds * 1000,
          toMs: trace.startMs + end * trace.stepSeconds * 1000,
          share,
        };
      }
    }
    i = end;
  }
  return { count, first };
}

/**
 * The trace's coverage against the guardrails. Covered hours are the steps with data (not
 * gaps); the span is every step. Cost: O(steps).
 *
 * Example: a one-minute trace with the defaults → `short: true`, notes "The trace holds
 * 1 min of data; a plan needs at least 24 h (guardrails.minTraceHours) …".
 */
export function assessTrace(
  trace: Trace,
  guardrails: Guardrails,
  allowShort = false,
  guardrailsFrom?: string,
): TraceCoverage {
  const steps = trace.requests.length;
  const stepHours = trace.stepSeconds / 3600;
  let covered = 0;
  let active = 0;
  const longGaps: { fromMs: number; toMs: number }[] = [];
  let inLongGaps = 0;
  const longSteps = Math.max(1, Math.ceil((guardrails.longGapMinutes * 60) / trace.stepSeconds));
  let runStart = -1;
  const closeRun = (end: number) => {
    if (runStart < 0) return;
    if (end - runStart >= longSteps) {
      longGaps.push({
        fromMs: trace.startMs + runStart * trace.stepSeconds * 1000,
        toMs: trace.startMs + end * trace.stepSeconds * 1000,
      });
      inLongGaps += end - runStart;
    }
    runStart = -1;
  };
  for (let i = 0; i < steps; i++) {
    if (trace.gap[i] === 1) {
      if (runStart < 0) runStart = i;
      continue;
    }
    closeRun(i);
    covered++;
    if ((trace.requests[i] ?? 0) > 0) active++;
  }
  closeRun(steps);
  const coveredHours = covered * stepHours;
  const spanHours = steps * stepHours;
  const coveragePercent = steps > 0 ? (100 * covered) / steps : 0;
  const activePercent = steps > 0 ? (100 * active) / steps : 0;
  const longGapPercent = steps > 0 ? (100 * inLongGaps) / steps : 0;
  const short = coveredHours < guardrails.minTraceHours;
  // The pattern is judged on the span: missing minutes inside it are the coverage guardrail's
  // and the gaps' to judge (a week with half an hour missing still shows the weekly cycle).
  const belowPattern = spanHours < guardrails.patternHours;
  const notes: string[] = [];
  const limits: TraceLimit[] = [];
  if (short)
    notes.push(
      `The trace holds ${hoursText(coveredHours)} of data; ${guardrailsFrom === undefined ? "a plan" : "a verdict"} needs at least ${hoursText(guardrails.minTraceHours)} (${minimumField(guardrailsFrom)})${allowShort ? ", and was made anyway with --allow-short-trace: every rating is medium or higher" : ""}${spanHours * 60 < SCALE_IN_SEEN_MINUTES ? `; in ${hoursText(spanHours)} no scale-in can be seen (target tracking scales in after ${SCALE_IN_ALARM_MINUTES} one-minute datapoints below 90 % of its target, then a cooldown)` : ""}.`,
    );
  else if (belowPattern)
    notes.push(
      `The trace spans ${hoursText(spanHours)}, less than the ${hoursText(guardrails.patternHours)} of traffic pattern the plan is meant for (guardrails.patternHours): a shorter trace may miss the weekly cycle and its peaks.`,
    );
  if (belowPattern && !short)
    limits.push({
      kind: "below-pattern",
      reason: `the trace spans ${hoursText(spanHours)}, under the ${hoursText(guardrails.patternHours)} of traffic pattern a plan is meant for (guardrails.patternHours)`,
    });
  const busiestHour = busiestHourOf(trace);
  let total = 0;
  for (let i = 0; i < steps; i++) if (trace.gap[i] !== 1) total += trace.requests[i] ?? 0;
  const hourSteps = Math.min(steps, Math.max(1, Math.round(3600 / trace.stepSeconds)));
  const peak =
    busiestHour !== null &&
    covered > 0 &&
    busiestHour.requests / hourSteps >= PEAK_RATIO * (total / covered);
  // On a trace shorter than the minimum, the peak is always near an end: the short-trace note
  // says more.
  if (busiestHour && peak && !short) {
    const span = `${iso(busiestHour.fromMs)} to ${iso(busiestHour.toMs)}`;
    if (busiestHour.leadHours < PEAK_EDGE_HOURS) {
      notes.push(
        `The trace's busiest hour (${span}) starts ${minutesText(busiestHour.leadHours)} after the trace does: the simulation starts with tasks already sized for the first ten minutes, so the scale-out up to that peak is never simulated; give a trace that starts hours before its peak (at a quiet time).`,
      );
      limits.push({
        kind: "peak-at-start",
        reason: `the trace starts ${minutesText(busiestHour.leadHours)} before its busiest hour, so the scale-out up to that peak is not simulated`,
      });
    }
    if (busiestHour.tailHours < PEAK_EDGE_HOURS) {
      notes.push(
        `The trace ends ${minutesText(busiestHour.tailHours)} after its busiest hour (${span}): the peak may have gone on, or grown, after the trace stops; give a trace that runs hours past its peak.`,
      );
      limits.push({
        kind: "peak-at-end",
        reason: `the trace ends ${minutesText(busiestHour.tailHours)} after its busiest hour, so how long that peak lasted is not known`,
      });
    }
  }
  if (longGaps.length > 0) {
    const first = longGaps[0]!;
    notes.push(
      `${longGaps.length} gap${longGaps.length === 1 ? "" : "s"} of ${guardrails.longGapMinutes} min or more (${share(longGapPercent)} of the steps; the first from ${iso(first.fromMs)} to ${iso(first.toMs)}): those steps are simulated with no traffic, billed, and left out of the SLO budget (a share of the minutes with data).`,
    );
  }
  const nearPeak =
    busiestHour && peak ? gapsNearPeakOf(trace, busiestHour) : { count: 0, first: null };
  if (nearPeak.first) {
    const g = nearPeak.first;
    const many = nearPeak.count > 1;
    notes.push(
      `${many ? `${nearPeak.count} gaps` : "A gap"} of ${PEAK_GAP_MINUTES} min or more ${many ? "lie" : "lies"} next to traffic near the peak (${many ? "the first " : ""}from ${iso(g.fromMs)} to ${iso(g.toMs)}, beside an hour at ${round(100 * g.share)} % of the busiest hour's rate): the missing minutes may hold the real peak, so the plan may be sized for less; fill the gap or choose a window without it.`,
    );
    limits.push({
      kind: "gap-near-peak",
      reason: `${many ? `${nearPeak.count} gaps lie` : "a gap lies"} next to traffic near the peak (${many ? "the first " : ""}from ${iso(g.fromMs)} to ${iso(g.toMs)}), where the real peak may be missing`,
    });
  }
  if (coveragePercent < guardrails.minCoveragePercent) {
    notes.push(
      `Only ${share(coveragePercent)} of the steps have data (guardrails.minCoveragePercent ${guardrails.minCoveragePercent} %); the rest are gaps with no traffic.`,
    );
    limits.push({
      kind: "low-coverage",
      reason: `only ${share(coveragePercent)} of the trace's steps have data (guardrails.minCoveragePercent ${guardrails.minCoveragePercent} %)`,
    });
  }
  if (trace.stepSeconds > 60)
    notes.push(
      `The trace has ${trace.stepSeconds}-s steps, coarser than the SLO's minute: bursts shorter than a step are averaged out, and a violating step counts as ${round(trace.stepSeconds / 60)} minutes; give 60-s data (a CloudWatch period of 60) for a finer plan.`,
    );
  if (covered > 0 && activePercent < 0.5 * coveragePercent)
    notes.push(
      `Only ${share(activePercent)} of the steps have any request: the trace is mostly idle, so its peaks rest on few minutes.`,
    );
  return {
    steps,
    stepSeconds: trace.stepSeconds,
    coveredHours,
    spanHours,
    coveragePercent,
    activePercent,
    longGaps,
    longGapPercent,
    guardrails,
    short,
    belowPattern,
    allowedShort: short && allowShort,
    notes,
    busiestHour,
    limits,
    ...(guardrailsFrom === undefined ? {} : { guardrailsFrom }),
  };
}

/** The minimum's field: "guardrails.minTraceHours", or "guardrails.minTraceHours in sim.yaml". */
function minimumField(guardrailsFrom: string | undefined): string {
  return `guardrails.minTraceHours${guardrailsFrom === undefined ? "" : ` in ${guardrailsFrom}`}`;
}

/**
 * Refuses a trace below the minimum, in one sentence that names the override; returns
 * otherwise.
 *
 * @throws UsageError when `coverage.short` and the override was not given.
 */
export function requireEnoughTrace(coverage: TraceCoverage, source: string): void {
  if (!coverage.short || coverage.allowedShort) return;
  const g = coverage.guardrails;
  throw new UsageError(
    `${source} holds ${hoursText(coverage.coveredHours)} of traffic data (${coverage.steps} step${coverage.steps === 1 ? "" : "s"} of ${coverage.stepSeconds} s${coverage.coveragePercent < 100 ? `, ${share(coverage.coveragePercent)} with data` : ""}), less than the ${hoursText(g.minTraceHours)} a plan needs (guardrails.minTraceHours); give a trace of at least ${hoursText(g.minTraceHours)} (a week shows the weekly cycle: guardrails.patternHours), or add --allow-short-trace to plan on it anyway (every rating is then medium or higher).`,
    "short-trace",
  );
}

/**
 * How much trace data there is, for a summary line: "1 min of trace data (1 step of 60 s)",
 * "2 min of trace data in a 151-day span (under 0.1 % of its 217,441 steps of 60 s)".
 */
export function coverageSummary(coverage: TraceCoverage): string {
  const c = coverage;
  const steps = `${plural(c.steps, "step")} of ${c.stepSeconds} s`;
  return c.coveragePercent >= 100
    ? `${hoursText(c.coveredHours)} of trace data (${steps})`
    : `${hoursText(c.coveredHours)} of trace data in a span of ${hoursText(c.spanHours)} (${share(c.coveragePercent)} of its ${steps})`;
}

/**
 * What a verdict resting on a trace below the minimum says about it, or null when the trace
 * holds at least `guardrails.minTraceHours` of data. `plan` refuses such a trace
 * ({@link requireEnoughTrace}); `simulate`, `backtest` and `rightsize` go on (a short incident
 * is worth a look) but put this clause in their verdict, so that it never reads as a plain pass.
 *
 * Example: a one-minute trace → "over 1 min of trace data only: too little to rest a decision
 * on (a plan needs 24 h: guardrails.minTraceHours)"; a miss on it → "…: a real miss, but too
 * little to rest a decision on (…)".
 */
export function thinDataClause(
  coverage: TraceCoverage,
  verdict: "pass" | "miss" = "pass",
): string | null {
  const c = coverage;
  if (!c.short) return null;
  const span =
    c.coveragePercent >= 100
      ? ""
      : ` (in a span of ${hoursText(c.spanHours)}, ${share(c.coveragePercent)} of the steps with data)`;
  // A miss is a miss on any data: it is said so, then that the data decides nothing more.
  return `over ${hoursText(c.coveredHours)} of trace data only${span}: ${verdict === "miss" ? "a real miss, but " : ""}${thinDataReason(c)}`;
}

/**
 * {@link assessTrace} against the default guardrails, for the inputs without `guardrails:`
 * (backtest, rightsize, the traffic verdict of `report --slo-…`, a simulate folder written
 * before summary.json kept its coverage): none of them refuses a short trace, but each says
 * what it rests on. (`simulate` takes its config's `guardrails:`, plan's schema.)
 */
export function assessTraceByDefault(trace: Trace): TraceCoverage {
  return assessTrace(trace, GuardrailsSchema.parse({}));
}

/**
 * Why a trace below the minimum decides nothing: "too little to rest a decision on (a plan needs
 * 24 h: guardrails.minTraceHours)"; with a simulate config's guardrails, "(a verdict needs 24 h:
 * guardrails.minTraceHours in sim.yaml)".
 */
export function thinDataReason(coverage: TraceCoverage): string {
  const from = coverage.guardrailsFrom;
  return `too little to rest a decision on (${from === undefined ? "a plan" : "a verdict"} needs ${hoursText(coverage.guardrails.minTraceHours)}: ${minimumField(from)})`;
}
