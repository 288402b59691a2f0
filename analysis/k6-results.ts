/**
 * k6 `--out json` results, aggregated the way k6 does it (reference/k6.md §3.5, §4.1):
 *
 *   NDJSON line ──parseK6Line──▶ K6Line (Metric | Point)
 *     ──MetricAccumulator.add──▶ per metric (and sub-metric) raw samples
 *     ──summarize──▶ K6MetricSummary (count, rate, avg, min, med, max, p(N))
 *
 * Merging segments means feeding every segment's Points into one accumulator: percentiles
 * come from the raw points, never from averaging per-segment percentiles. Pure: lines in,
 * numbers out; the file reading lives in scenarios/io/k6-merge.ts.
 */

export type K6MetricType = "counter" | "gauge" | "rate" | "trend";

export type K6Line =
  | {
      readonly type: "Metric";
      readonly metric: string;
      readonly metricType: K6MetricType;
      readonly contains: string;
    }
  | {
      readonly type: "Point";
      readonly metric: string;
      /** RFC 3339 with nanoseconds and zone, kept as written. */
      readonly time: string;
      readonly value: number;
      readonly tags: Readonly<Record<string, string>>;
    };

/**
 * One NDJSON line of k6's JSON output; null for a blank line. Accepts both envelope
 * generations (with `data.name` or with `tainted`), and `tags: null`.
 *
 * @throws Error naming what is wrong when the line is not a k6 Metric or Point (not JSON, not
 *   an object, `data` missing or not an object, a Point without a numeric value, tags that
 *   are not an object of strings). The message is the reason a reader counts the line as bad.
 */
export function parseK6Line(text: string): K6Line | null {
  if (text.trim() === "") return null;
  const raw: unknown = JSON.parse(text);
  if (!isObject(raw))
    throw new Error(`a k6 JSON line is an object with metric, type and data, not ${kindOf(raw)}`);
  const { type, metric, data } = raw;
  if (typeof metric !== "string" || data === undefined)
    throw new Error("a k6 JSON line needs `metric` and `data`");
  if (!isObject(data))
    throw new Error(`the ${metric} line's data is ${kindOf(data)}, not an object`);
  if (type === "Metric") {
    return {
      type: "Metric",
      metric,
      metricType: data.type as K6MetricType,
      contains: typeof data.contains === "string" ? data.contains : "default",
    };
  }
  if (type === "Point") {
    const value = data.value;
    if (typeof value !== "number") throw new Error(`a ${metric} Point has no numeric value`);
    const tags = data.tags ?? {};
    if (!isObject(tags) || Object.values(tags).some((v) => typeof v !== "string"))
      throw new Error(`a ${metric} Point's tags are not an object of strings`);
    return {
      type: "Point",
      metric,
      time: String(data.time),
      value,
      tags: tags as Record<string, string>,
    };
  }
  throw new Error(`unknown k6 JSON line type ${JSON.stringify(type)}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/** k6's built-in Trend metrics of time, in ms (reference/k6.md §3.3): never negative. */
export const K6_DURATION_METRICS: ReadonlySet<string> = new Set([
  "http_req_duration",
  "http_req_blocked",
  "http_req_connecting",
  "http_req_tls_handshaking",
  "http_req_sending",
  "http_req_waiting",
  "http_req_receiving",
  "iteration_duration",
  "group_duration",
]);

/** k6's built-in Counters and Gauges (reference/k6.md §3.3): counts, never negative. */
export const K6_COUNT_METRICS: ReadonlySet<string> = new Set([
  "http_reqs",
  "iterations",
  "dropped_iterations",
  "data_sent",
  "data_received",
  "vus",
  "vus_max",
]);

/**
 * The longest duration a k6 Point may record before caplab calls it absurd: one day, in ms.
 * (k6's own HTTP timeout defaults to 60 s; a request, group or iteration of a day is a broken
 * clock or a hand-made file.) @default 86,400,000 ms
 */
export const MAX_K6_DURATION_MS = 86_400_000;

/**
 * The largest count a k6 Point may carry: 2^53 − 1, the largest whole number a double holds
 * exactly (k6 writes `http_reqs` Points of 1, one per request). @default 9,007,199,254,740,991
 */
export const MAX_K6_COUNT = Number.MAX_SAFE_INTEGER;

/**
 * Why a Point's value cannot be what k6 measured, or null when it can: any value that is not
 * finite (JSON cannot write NaN, but 1e400 reads as Infinity); a duration
 * ({@link K6_DURATION_METRICS}) below 0 or above {@link MAX_K6_DURATION_MS}; a count
 * ({@link K6_COUNT_METRICS}) below 0 or above {@link MAX_K6_COUNT}. Other metrics (custom
 * ones, rates) may be any finite number.
 *
 * @example k6PointValueProblem("http_req_duration", -5)
 *   // "http_req_duration -5 ms is negative, which a duration cannot be"
 */
export function k6PointValueProblem(metric: string, value: number): string | null {
  if (!Number.isFinite(value)) return `${metric} value ${value} is not a finite number`;
  if (K6_DURATION_METRICS.has(metric)) {
    if (value < 0) return `${metric} ${value} ms is negative, which a duration cannot be`;
    if (value > MAX_K6_DURATION_MS)
      return `${metric} ${value} ms is longer than a day, which caplab takes for a broken clock`;
  } else if (K6_COUNT_METRICS.has(metric)) {
    if (value < 0) return `${metric} count ${value} is negative, which a count cannot be`;
    if (value > MAX_K6_COUNT)
      return `${metric} count ${value} is above 2^53 − 1, beyond what caplab counts exactly`;
  }
  return null;
}

import { k6Percentile } from "./stats/index.js";

export { k6Percentile };

/** Aggregates of one metric, keyed like k6's summary (`count`, `rate`, `p(95)`, …). */
export interface K6MetricSummary {
  readonly type: K6MetricType;
  readonly values: Readonly<Record<string, number>>;
}

/** A `name{key:value}` sub-metric filter, as in k6 thresholds. */
export interface SubMetric {
  readonly name: string;
  readonly metric: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** "http_req_duration{endpoint:home}" → its parts. */
export function parseSubMetric(name: string): SubMetric {
  const m = /^([^{]+)\{(.*)\}$/.exec(name);
  if (m === null) return { name, metric: name, tags: {} };
  const tags: Record<string, string> = {};
  for (const pair of (m[2] ?? "").split(",")) {
    const at = pair.indexOf(":");
    if (at > 0) tags[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return { name, metric: m[1] ?? name, tags };
}

/**
 * Collects raw samples per metric and per requested sub-metric. Memory: one number per
 * Point of a trend (k6 keeps the same), a running sum otherwise.
 */
export class MetricAccumulator {
  private readonly types = new Map<string, K6MetricType>();
  private readonly samples = new Map<string, number[]>();
  private readonly subs: readonly SubMetric[];
  /** The latest Point of each metric by time (a gauge's value; merged files interleave). */
  private readonly latest = new Map<string, { ms: number; value: number }>();
  private firstMs = Infinity;
  private lastMs = -Infinity;

  constructor(subMetrics: readonly string[] = []) {
    this.subs = subMetrics.map(parseSubMetric);
  }

  add(line: K6Line): void {
    if (line.type === "Metric") {
      this.types.set(line.metric, line.metricType);
      return;
    }
    const ms = Date.parse(line.time);
    if (Number.isFinite(ms)) {
      this.firstMs = Math.min(this.firstMs, ms);
      this.lastMs = Math.max(this.lastMs, ms);
    }
    this.push(line.metric, line.value, ms);
    for (const sub of this.subs) {
      if (sub.metric !== line.metric) continue;
      if (Object.entries(sub.tags).every(([k, v]) => line.tags[k] === v))
        this.push(sub.name, line.value, ms);
    }
  }

  private push(name: string, value: number, ms: number): void {
    let list = this.samples.get(name);
    if (list === undefined) this.samples.set(name, (list = []));
    list.push(value);
    const at = Number.isFinite(ms) ? ms : -Infinity;
    const last = this.latest.get(name);
    if (last === undefined || at >= last.ms) this.latest.set(name, { ms: at, value });
  }

  /** Milliseconds between the first and the last Point. */
  spanMs(): number {
    return this.lastMs >= this.firstMs ? this.lastMs - this.firstMs : 0;
  }

  /**
   * Aggregates of every metric seen. Counter `rate` divides by `durationSeconds` (k6 uses
   * the test's run time; pass it when known, else the span of the Points is used).
   */
  summarize(
    durationSeconds = this.spanMs() / 1000,
    percentiles: readonly number[] = [90, 95, 99],
  ): Record<string, K6MetricSummary> {
    const out: Record<string, K6MetricSummary> = {};
    for (const [name, values] of this.samples) {
      const type = this.types.get(parseSubMetric(name).metric) ?? "trend";
      const latest = this.latest.get(name)?.value;
      out[name] = { type, values: aggregate(type, values, durationSeconds, percentiles, latest) };
    }
    return out;
  }
}

function aggregate(
  type: K6MetricType,
  values: readonly number[],
  durationSeconds: number,
  percentiles: readonly number[],
  latest?: number,
): Record<string, number> {
  const sum = values.reduce((a, b) => a + b, 0);
  switch (type) {
    case "counter":
      return { count: sum, rate: durationSeconds > 0 ? sum / durationSeconds : 0 };
    case "rate": {
      const passes = values.filter((v) => v !== 0).length;
      return {
        rate: values.length ? passes / values.length : 0,
        passes,
        fails: values.length - passes,
      };
    }
    case "gauge": {
      // A loop, not Math.min(...values): a long test has more Points than a call takes arguments.
      let min = Infinity;
      let max = -Infinity;
      for (const v of values) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      return { value: latest ?? values[values.length - 1] ?? 0, min, max };
    }
    case "trend": {
      const sorted = Float64Array.from(values).sort();
      const result: Record<string, number> = {
        count: values.length,
        avg: values.length ? sum / values.length : 0,
        min: sorted[0] ?? 0,
        med: k6Percentile(sorted, 0.5),
        max: sorted[sorted.length - 1] ?? 0,
      };
      for (const p of percentiles) result[`p(${p})`] = k6Percentile(sorted, p / 100);
      return result;
    }
  }
}
