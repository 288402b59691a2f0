/**
 * How much trace a plan stands on (pure): its span, the steps with data, long gaps and the
 * steps with traffic, judged against the plan's guardrails, the way a careful analyst would
 * before trusting a recommendation. AWS Compute Optimizer gives an ECS service on Fargate no
 * recommendation until it has "24 hours of metrics in the past 14 days" (User Guide, viewing
 * ECS recommendations); caplab's minimum is the same day by default.
 *
 *   Trace + Guardrails → TraceCoverage (figures, short / below the pattern, notes)
 *     → requireEnoughTrace: a UsageError below the minimum unless --allow-short-trace
 */
import { UsageError } from "../sim/vocab/errors.js";
import { formatHours as hoursText } from "../sim/vocab/numbers.js";
import type { Guardrails, Trace, TraceCoverage } from "../sim/vocab/index.js";

/** At most one decimal (none from 10 up), no trailing zero, no locale: 1.25 → "1.3", 168 → "168". */
function round(v: number): string {
  const fixed = v.toFixed(v >= 10 ? 0 : 1);
  return fixed.endsWith(".0") ? fixed.slice(0, -2) : fixed;
}

function share(v: number): string {
  if (v > 0 && v < 0.1) return "under 0.1 %";
  return `${round(v)} %`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
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
  const belowPattern = coveredHours < guardrails.patternHours;
  const notes: string[] = [];
  if (short)
    notes.push(
      `The trace holds ${hoursText(coveredHours)} of data; a plan needs at least ${hoursText(guardrails.minTraceHours)} (guardrails.minTraceHours)${allowShort ? ", and was made anyway with --allow-short-trace: every rating is medium or higher" : ""}.`,
    );
  else if (belowPattern)
    notes.push(
      `The trace holds ${hoursText(coveredHours)} of data, less than the ${hoursText(guardrails.patternHours)} of traffic pattern the plan is meant for (guardrails.patternHours): a shorter trace may miss the weekly cycle and its peaks.`,
    );
  if (longGaps.length > 0) {
    const first = longGaps[0]!;
    notes.push(
      `${longGaps.length} gap${longGaps.length === 1 ? "" : "s"} of ${guardrails.longGapMinutes} min or more (${share(longGapPercent)} of the steps; the first from ${iso(first.fromMs)} to ${iso(first.toMs)}): those steps are simulated with no traffic.`,
    );
  }
  if (coveragePercent < guardrails.minCoveragePercent)
    notes.push(
      `Only ${share(coveragePercent)} of the steps have data (guardrails.minCoveragePercent ${guardrails.minCoveragePercent} %); the rest are gaps with no traffic.`,
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
  };
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
    `${source} holds ${hoursText(coverage.coveredHours)} of traffic data (${coverage.steps} step${coverage.steps === 1 ? "" : "s"} of ${coverage.stepSeconds} s${coverage.coveragePercent < 100 ? `, ${share(coverage.coveragePercent)} with data` : ""}), less than the ${hoursText(g.minTraceHours)} a plan needs (guardrails.minTraceHours); give a longer trace, or add --allow-short-trace to plan on it anyway (every rating is then medium or higher).`,
    "short-trace",
  );
}
