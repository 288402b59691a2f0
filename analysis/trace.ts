/**
 * From timestamped observations to a fixed-step trace (STYLE.md point 2):
 *
 *   RawMetricSeries (unordered, may repeat or skip)
 *     → toTrace: window [from, to), scale, sum into fixed steps, flag empty steps as gaps
 *     → Trace (fixed step, gaps explicit)
 *     → resampleTrace: sum into coarser steps.
 *
 * Pure: no I/O, no clock; warnings go to the sink passed in.
 */
import type { RawMetricSeries, Trace, WarningSink } from "../sim/vocab/index.js";
// The module itself, not the vocabulary's barrel: the barrel loads zod, ~70 ms more for
// every k6 ingestion worker thread to start (k6-ingest.ts imports this file).
import { warnings } from "../sim/vocab/warnings.js";
import { UsageError } from "../sim/vocab/errors.js";

/** The step lengths a trace may have, in seconds. Each divides the next one up to a minute. */
export const STEP_SECONDS_CHOICES = [1, 5, 10, 15, 20, 30, 60, 120, 300] as const;

/** Individual gap warnings per trace; further gap runs are summed up in one warning. */
export const MAX_GAP_WARNINGS = 20;

/**
 * The most steps a trace (or any fixed-step series caplab builds: an import, a collected
 * series, a run's seconds) may hold: about 1.9 years at 60 s, 11.6 days at 1 s. Memory and
 * time then grow with the data, not with the time span it covers: a few rows years apart are
 * refused with this limit named, before anything of that size is allocated. `simulate` at the
 * limit peaks under 1 GB. @default 1,000,000
 */
export const MAX_TRACE_STEPS = 1_000_000;

/**
 * The one sentence for a span over {@link MAX_TRACE_STEPS}: what spans how far, and what to
 * change (`hint`: the window and step options of the command at hand).
 *
 * @example tooManySteps("a.csv", 5_259_600, 60, 0, 315_576_000_000, "narrow trace.from/trace.to")
 */
export function tooManySteps(
  what: string,
  steps: number,
  stepSeconds: number,
  fromMs: number,
  toMs: number,
  hint: string,
): string {
  return `${what} spans ${steps} steps of ${stepSeconds} s (${iso(fromMs)} to ${iso(toMs)}), more than the ${MAX_TRACE_STEPS} a trace may hold (MAX_TRACE_STEPS); ${hint}.`;
}

/** A trace that cannot be built; the message is one sentence that says what to change. */
export class TraceError extends UsageError {
  declare readonly code: "empty-trace" | "bad-step" | "trace-too-long" | "bad-series";
  constructor(message: string, code: TraceError["code"]) {
    super(message, code);
    this.name = "TraceError";
  }
}

/** ISO 8601 of epoch ms; a time past the year 275760 (no Date holds it) as its number. */
const iso = (ms: number): string =>
  Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms after 1970`;

// ---------------------------------------------------------------------------------------------
// Time and spacing

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Epoch milliseconds of an ISO 8601 time, or null when `text` is not one. Without an offset
 * the time is UTC (never the machine's time zone). Accepts `T` or a space between date and
 * time, optional seconds and fractions, and `Z`, `±hh`, `±hhmm` or `±hh:mm` offsets.
 *
 * @example parseIsoTime("1995-07-01T00:00:00-04:00") // 804571200000
 * @example parseIsoTime("1998-04-30 21:30:00")       // 894058200000 (UTC)
 */
export function parseIsoTime(text: string): number | null {
  const fast = parseCanonicalUtc(text);
  if (fast !== null) return fast;
  const m = ISO_TIME.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 24 || minute > 59 || second > 60) return null;
  if (hour === 24 && (minute > 0 || second > 0)) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, wholeMs(frac));
  return utc - zoneOffsetMinutes(zone) * 60_000;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * The common case of {@link parseIsoTime} without a regular expression: exactly
 * `YYYY-MM-DDTHH:MM:SS[.f…]Z` (what ALB logs, CloudWatch and k6 write). Null when `text` is
 * not in that shape, or not a valid time (then the general parser decides). Same result as the
 * general parser, fractions truncated to the millisecond the same way ({@link wholeMs}).
 */
function parseCanonicalUtc(text: string): number | null {
  const n = text.length;
  if (n < 20 || text.charCodeAt(n - 1) !== 90 /* Z */) return null;
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  )
    return null;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 1 || day < 1 || hour < 0 || minute < 0 || second < 0) return null;
  let ms = 0;
  if (n > 20) {
    // `.f…Z` with 1 to 9 digits.
    if (text.charCodeAt(19) !== 46 || n - 21 < 1 || n - 21 > 9 || digits(text, 20, n - 21) < 0)
      return null;
    ms = wholeMs(text.slice(20, n - 1));
  }
  if (month > 12 || day > daysInMonth(year, month) || minute > 59 || second > 60) return null;
  if (hour > 24 || (hour === 24 && (minute > 0 || second > 0))) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/**
 * The whole milliseconds of a fraction of a second given by its digits: truncated, as
 * `Date.parse`, Elasticsearch's date processor (Elastic's ALB pipeline turns
 * `22:23:00.186641Z` into `22:23:00.186Z`) and Go's time formatting do, so a request logged at
 * `10:00:59.9996Z` counts in the 10:00 minute, never the next.
 *
 * @example wholeMs("186641") // 186
 * @example wholeMs("5") // 500
 */
export function wholeMs(fraction: string): number {
  return fraction === "" ? 0 : Number(fraction.slice(0, 3).padEnd(3, "0"));
}

/** The decimal number in text[from, from + length), or −1 when a character is not a digit. */
function digits(text: string, from: number, length: number): number {
  let v = 0;
  for (let i = from; i < from + length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function zoneOffsetMinutes(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === "Z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  return sign * (hours * 60 + minutes);
}

/**
 * The typical spacing of a series, in seconds: the median of the positive differences
 * between consecutive distinct times (sorted). Null with fewer than two distinct times.
 * Cost: O(n log n) for the sort.
 *
 * @example typicalSpacingSeconds([0, 60_000, 120_000, 600_000]) // 60
 */
export function typicalSpacingSeconds(times: readonly number[]): number | null {
  const sorted = Float64Array.from(times).sort();
  const diffs: number[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const d = sorted[i]! - sorted[i - 1]!;
    if (d > 0) diffs.push(d);
  }
  if (diffs.length === 0) return null;
  diffs.sort((a, b) => a - b);
  const mid = diffs.length >> 1;
  const median = diffs.length % 2 === 1 ? diffs[mid]! : (diffs[mid - 1]! + diffs[mid]!) / 2;
  return median / 1000;
}

/**
 * The step for a series with the given spacing: the shortest of {@link STEP_SECONDS_CHOICES}
 * that is at least 95 % of the spacing (so that each step normally holds an observation,
 * while slightly jittery one-minute data still gets 60-s steps), or 300 s for coarser data.
 *
 * @example stepForSpacing(60) // 60
 * @example stepForSpacing(2)  // 5
 * @example stepForSpacing(1800) // 300
 */
export function stepForSpacing(spacingSeconds: number): number {
  for (const step of STEP_SECONDS_CHOICES) {
    if (step >= spacingSeconds * 0.95) return step;
  }
  return 300;
}

function checkStep(source: string, stepSeconds: number): void {
  if (!(STEP_SECONDS_CHOICES as readonly number[]).includes(stepSeconds)) {
    throw new TraceError(
      `A ${stepSeconds}-s step was asked for ${source}; use one of ${STEP_SECONDS_CHOICES.join(", ")} seconds.`,
      "bad-step",
    );
  }
}

// ---------------------------------------------------------------------------------------------
// RawMetricSeries → Trace

export interface ToTraceOptions {
  /** Step length in seconds, one of {@link STEP_SECONDS_CHOICES}. @default the data's typical spacing, snapped ({@link stepForSpacing}) */
  readonly stepSeconds?: number;
  /** Window start, epoch ms, inclusive. @default the first observation */
  readonly from?: number;
  /** Window end, epoch ms, exclusive. @default after the last observation */
  readonly to?: number;
  /** Multiplier on every value. @default 1 */
  readonly scale?: number;
  /**
   * How long one observation covers, seconds: a bundle series' period. A value is spread over
   * the steps this covers when it is longer than the step.
   * @default the data's typical spacing (a CSV says nothing else; a bundle with long gaps would
   *   otherwise have its few values spread over them)
   */
  readonly observationSeconds?: number;
}

/**
 * Builds a fixed-step trace from raw observations.
 *
 * Method: keep observations with finite time and value inside [from, to); take the step
 * from the options or from the data's typical spacing ({@link typicalSpacingSeconds},
 * {@link stepForSpacing}); start at the first kept time floored to a multiple of the step
 * (in epoch time, so minute steps start on the minute); add each value, times `scale`, to
 * the step its time falls in (repeated timestamps add up; order does not matter). When the
 * data is coarser than the step (e.g. 30-min counts in 5-min steps), each value is spread
 * evenly over the steps its spacing covers. Steps no observation touches are gaps (gap = 1,
 * 0 requests), and each run of gaps is reported to `warn` ({@link gapInSeries}).
 * Cost: O(n log n + steps).
 *
 * @throws TraceError when nothing is left in the window, or the step is not a standard one.
 * @example toTrace({ source: "s", times: [0, 120_000, 60_000], values: [1, 3, 2] }, {}, warn)
 *   // { startMs: 0, stepSeconds: 60, requests: [1, 2, 3], gap: [0, 0, 0] }
 */
export function toTrace(raw: RawMetricSeries, options: ToTraceOptions, warn: WarningSink): Trace {
  const { source } = raw;
  if (raw.times.length !== raw.values.length) {
    throw new TraceError(
      `${source} has ${raw.times.length} times but ${raw.values.length} values; give one value per time.`,
      "bad-series",
    );
  }
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  const scale = options.scale ?? 1;

  const times: number[] = [];
  const values: number[] = [];
  let nonFinite = 0;
  for (let i = 0; i < raw.times.length; i++) {
    const t = raw.times[i]!;
    const v = raw.values[i]!;
    if (!Number.isFinite(t) || !Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (t < from || t >= to) continue;
    times.push(t);
    values.push(v * scale);
  }
  if (nonFinite > 0) warn(warnings.nonFiniteObservations(source, nonFinite));
  if (times.length === 0) {
    const window =
      options.from === undefined && options.to === undefined
        ? ""
        : ` between ${Number.isFinite(from) ? iso(from) : "the start"} and ${Number.isFinite(to) ? iso(to) : "the end"}`;
    throw new TraceError(
      `${source} has no observations${window}; check the file or widen the trace window (from/to).`,
      "empty-trace",
    );
  }

  const spacing = options.observationSeconds ?? typicalSpacingSeconds(times);
  const stepSeconds = options.stepSeconds ?? stepForSpacing(spacing ?? STEP_SECONDS_CHOICES[0]);
  checkStep(source, stepSeconds);
  const stepMs = stepSeconds * 1000;
  // How long one observation lasts, in ms: its spacing when coarser than the step.
  const spreadMs = spacing !== null && spacing > stepSeconds ? spacing * 1000 : 0;
  if (spreadMs > 0) warn(warnings.coarseSeries(source, spacing!, stepSeconds));

  let minT = Infinity;
  let maxT = -Infinity;
  for (const t of times) {
    if (t < minT) minT = t;
    if (t > maxT) maxT = t;
  }
  const startMs = Math.floor(minT / stepMs) * stepMs;
  let endMs = spreadMs > 0 ? maxT + spreadMs : Math.floor(maxT / stepMs) * stepMs + stepMs;
  if (endMs > to) endMs = to;
  const length = Math.ceil((endMs - startMs) / stepMs);
  if (length > MAX_TRACE_STEPS) {
    throw new TraceError(
      tooManySteps(
        source,
        length,
        stepSeconds,
        startMs,
        endMs,
        "narrow the window to the data you want (trace.from/trace.to in a config, --from/--to for import) or take a longer step (--step for import)",
      ),
      "trace-too-long",
    );
  }

  const requests = new Float64Array(length);
  const seen = new Uint8Array(length);
  let duplicates = 0;
  const sortedTimes = Float64Array.from(times).sort();
  for (let i = 1; i < sortedTimes.length; i++) {
    if (sortedTimes[i] === sortedTimes[i - 1]) duplicates++;
  }
  for (let i = 0; i < times.length; i++) {
    const t = times[i]!;
    const v = values[i]!;
    if (spreadMs === 0) {
      const k = Math.floor((t - startMs) / stepMs);
      requests[k]! += v;
      seen[k] = 1;
    } else {
      spread(requests, seen, startMs, stepMs, t, t + spreadMs, v);
    }
  }
  if (duplicates > 0) warn(warnings.duplicateTimestamps(source, duplicates));

  const gap = new Uint8Array(length);
  for (let k = 0; k < length; k++) gap[k] = seen[k] ? 0 : 1;
  reportGaps(source, startMs, stepMs, gap, warn);
  return { source, startMs, stepSeconds, requests, gap };
}

/** Adds `value` over [t0, t1) to the steps it overlaps, in proportion to the overlap. */
function spread(
  requests: Float64Array,
  seen: Uint8Array,
  startMs: number,
  stepMs: number,
  t0: number,
  t1: number,
  value: number,
): void {
  const first = Math.floor((t0 - startMs) / stepMs);
  const last = Math.min(Math.ceil((t1 - startMs) / stepMs), requests.length);
  for (let k = first; k < last; k++) {
    const lo = Math.max(t0, startMs + k * stepMs);
    const hi = Math.min(t1, startMs + (k + 1) * stepMs);
    if (hi <= lo) continue;
    requests[k]! += (value * (hi - lo)) / (t1 - t0);
    seen[k] = 1;
  }
}

function reportGaps(
  source: string,
  startMs: number,
  stepMs: number,
  gap: Uint8Array,
  warn: WarningSink,
): void {
  let runs = 0;
  let extraRuns = 0;
  let extraSteps = 0;
  let k = 0;
  while (k < gap.length) {
    if (gap[k] === 0) {
      k++;
      continue;
    }
    const first = k;
    while (k < gap.length && gap[k] === 1) k++;
    runs++;
    if (runs <= MAX_GAP_WARNINGS) {
      warn(warnings.gapInSeries(source, startMs + first * stepMs, startMs + k * stepMs));
    } else {
      extraRuns++;
      extraSteps += k - first;
    }
  }
  if (extraRuns > 0) warn(warnings.moreGapsInSeries(source, extraRuns, extraSteps));
}

// ---------------------------------------------------------------------------------------------
// Trace → coarser Trace

/**
 * Sums a trace into coarser steps. The new step must be a whole multiple of the old one and
 * one of {@link STEP_SECONDS_CHOICES}; the first new step starts at the old start floored to
 * the new step. A coarse step is a gap only when every fine step in it is a gap (or lies
 * outside the trace); a partly covered step holds what data there is. Cost: O(steps).
 *
 * @throws TraceError when the new step is not a standard multiple of the old one.
 * @example resampleTrace(oneMinuteTrace, 300) // five minutes summed per step
 */
export function resampleTrace(trace: Trace, stepSeconds: number): Trace {
  checkStep(trace.source, stepSeconds);
  if (stepSeconds % trace.stepSeconds !== 0) {
    throw new TraceError(
      `${trace.source} has ${trace.stepSeconds}-s steps, which do not divide ${stepSeconds} s; resample to a whole multiple of ${trace.stepSeconds} s.`,
      "bad-step",
    );
  }
  if (stepSeconds === trace.stepSeconds) {
    return { ...trace, requests: trace.requests.slice(), gap: trace.gap.slice() };
  }
  const stepMs = stepSeconds * 1000;
  const fineMs = trace.stepSeconds * 1000;
  const startMs = Math.floor(trace.startMs / stepMs) * stepMs;
  const endMs = trace.startMs + trace.requests.length * fineMs;
  const length = Math.ceil((endMs - startMs) / stepMs);
  const requests = new Float64Array(length);
  const covered = new Uint8Array(length);
  for (let i = 0; i < trace.requests.length; i++) {
    const k = Math.floor((trace.startMs + i * fineMs - startMs) / stepMs);
    requests[k]! += trace.requests[i]!;
    if (trace.gap[i] === 0) covered[k] = 1;
  }
  const gap = new Uint8Array(length);
  for (let k = 0; k < length; k++) gap[k] = covered[k] ? 0 : 1;
  return { source: trace.source, startMs, stepSeconds, requests, gap };
}
