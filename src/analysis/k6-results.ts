/**
 * k6 `--out json` results, aggregated the way k6 does it (reference/k6.md §3.5, §4.1):
 *
 *   NDJSON line ──parseK6Line──▶ K6Line (Metric | Point)
 *     ──MetricAccumulator.add──▶ per metric (and sub-metric) raw samples
 *     ──summarize──▶ K6MetricSummary (count, rate, avg, min, med, max, p(N))
 *
 * Merging segments means feeding every segment's Points into one accumulator: percentiles
 * come from the raw points, never from averaging per-segment percentiles. Pure: lines in,
 * numbers out; the file reading lives in collect/k6-merge.ts.
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
 * @throws Error naming what is wrong when the line is not a k6 Metric or Point.
 */
export function parseK6Line(text: string): K6Line | null {
  if (text.trim() === "") return null;
  const raw = JSON.parse(text) as {
    type?: unknown;
    metric?: unknown;
    data?: Record<string, unknown>;
  };
  if (typeof raw.metric !== "string" || raw.data === undefined)
    throw new Error("a k6 JSON line needs `metric` and `data`");
  if (raw.type === "Metric") {
    return {
      type: "Metric",
      metric: raw.metric,
      metricType: raw.data.type as K6MetricType,
      contains: typeof raw.data.contains === "string" ? raw.data.contains : "default",
    };
  }
  if (raw.type === "Point") {
    const value = raw.data.value;
    if (typeof value !== "number") throw new Error(`a ${raw.metric} Point has no numeric value`);
    const tags = (raw.data.tags ?? {}) as Record<string, string>;
    return { type: "Point", metric: raw.metric, time: String(raw.data.time), value, tags };
  }
  throw new Error(`unknown k6 JSON line type ${JSON.stringify(raw.type)}`);
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
