/**
 * k6's vocabulary for its results (reference/k6.md §3.3–§4.1; research/k6-thresholds.md):
 * one `--out json` line parsed fully ({@link parseK6Line}, the slow path of the one
 * aggregator in analysis/k6-ingest.ts), the values a Point may hold, the built-in metrics and
 * their types, and k6's two parsers of a `name{tag:value}` sub-metric name. Pure.
 */

export type K6MetricType = "counter" | "gauge" | "rate" | "trend";

/** A threshold as k6's `options.thresholds` and its JSON output write it. */
export type K6ThresholdEntry =
  | string
  | {
      readonly threshold: string;
      readonly abortOnFail?: boolean;
      readonly delayAbortEval?: string | number | null;
    };

export type K6Line =
  | {
      readonly type: "Metric";
      readonly metric: string;
      readonly metricType: K6MetricType;
      readonly contains: string;
      /** The metric's thresholds as the script declared them (k6 writes them on the Metric line). */
      readonly thresholds: readonly K6ThresholdEntry[];
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
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the input: say it in words instead.
    throw new Error("it is not valid JSON");
  }
  if (!isObject(raw))
    throw new Error(`a k6 JSON line is an object with metric, type and data, not ${kindOf(raw)}`);
  const { type, metric, data } = raw;
  if (typeof metric !== "string" || data === undefined)
    throw new Error("a k6 JSON line needs `metric` and `data`");
  if (!isObject(data))
    throw new Error(`the ${metric} line's data is ${kindOf(data)}, not an object`);
  if (type === "Metric") {
    const thresholds = Array.isArray(data.thresholds)
      ? (data.thresholds as unknown[]).filter(
          (t): t is K6ThresholdEntry =>
            typeof t === "string" || (isObject(t) && typeof t.threshold === "string"),
        )
      : [];
    return {
      type: "Metric",
      metric,
      metricType: (K6_METRIC_TYPES as readonly unknown[]).includes(data.type)
        ? (data.type as K6MetricType)
        : (BUILTIN_METRIC_TYPES[metric] ?? "trend"),
      contains: typeof data.contains === "string" ? data.contains : "default",
      thresholds,
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

/**
 * k6's built-in Trend metrics of time, in ms (reference/k6.md §3.3: HTTP, iterations, groups,
 * gRPC, WebSockets, the browser's web vitals but CLS): never negative.
 */
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
  "grpc_req_duration",
  "ws_session_duration",
  "ws_connecting",
  "ws_ping",
  "browser_web_vital_lcp",
  "browser_web_vital_fcp",
  "browser_web_vital_inp",
  "browser_web_vital_ttfb",
  "browser_web_vital_fid",
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

/** k6's four metric types, as its JSON output names them. */
export const K6_METRIC_TYPES = ["counter", "gauge", "rate", "trend"] as const;

/**
 * k6's built-in metrics and their types (reference/k6.md §3.3; k6 `metrics/builtin.go`): k6
 * registers them all before a test, so a threshold may name them whether or not they got a
 * sample.
 */
export const BUILTIN_METRIC_TYPES: Readonly<Record<string, K6MetricType>> = {
  vus: "gauge",
  vus_max: "gauge",
  iterations: "counter",
  iteration_duration: "trend",
  dropped_iterations: "counter",
  checks: "rate",
  group_duration: "trend",
  data_sent: "counter",
  data_received: "counter",
  http_reqs: "counter",
  http_req_failed: "rate",
  http_req_duration: "trend",
  http_req_blocked: "trend",
  http_req_connecting: "trend",
  http_req_tls_handshaking: "trend",
  http_req_sending: "trend",
  http_req_waiting: "trend",
  http_req_receiving: "trend",
  ws_sessions: "counter",
  ws_msgs_sent: "counter",
  ws_msgs_received: "counter",
  ws_ping: "trend",
  ws_session_duration: "trend",
  ws_connecting: "trend",
  grpc_req_duration: "trend",
};

/** The metric a (sub-)metric name belongs to: everything before its first `{`, e.g. `http_req_duration{name:x}` → `http_req_duration`. */
export function parentMetricName(name: string): string {
  const brace = name.indexOf("{");
  return brace < 0 ? name : name.slice(0, brace);
}

/** What k6's built-in metrics hold: `time` (ms) for every built-in Trend, `data` (bytes), else `default`. */
export function builtinContains(metric: string): string {
  if (BUILTIN_METRIC_TYPES[metric] === "trend") return "time";
  if (metric === "data_sent" || metric === "data_received") return "data";
  return "default";
}

/** Aggregates of one metric, keyed like k6's summary (`count`, `rate`, `p(95)`, …). */
export interface K6MetricSummary {
  readonly type: K6MetricType;
  readonly values: Readonly<Record<string, number>>;
  /** What the values hold: `time` (ms), `data` (bytes) or `default`. @default "default" */
  readonly contains?: string;
  /** Samples that went into the aggregates (0: k6 judges the empty sink). */
  readonly samples?: number;
}

/**
 * A number as Go's `fmt.Sprintf("%g", v)` writes it (shortest digits; an exponent, of at least
 * two digits, below 1e-4 and from 1e6): how k6 names a percentile's sink key.
 * @example formatGoG(99.9) // "99.9"
 * @example formatGoG(0.00001) // "1e-05"
 */
export function formatGoG(v: number): string {
  if (Object.is(v, -0)) return "-0";
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v === 0) return "0";
  const [mantissa, e] = v.toExponential().split("e") as [string, string];
  const exponent = Number(e);
  if (exponent < -4 || exponent >= 6)
    return `${mantissa}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  return String(v);
}

/** The key of percentile `p` (0–100) in a summary's values, as k6 names it: `p(95)`, `p(99.9)`. */
export function percentileKey(p: number): string {
  return `p(${formatGoG(p)})`;
}

/** A `name{tag:value,…}` threshold key, as k6's ParseMetricName reads it. */
export interface ParsedMetricName {
  /** The metric: everything before the first `{`, untrimmed (`"m "` is not `"m"`). */
  readonly metric: string;
  /** The tag expressions between the braces, each trimmed, e.g. `["abc:123"]`; none without braces. */
  readonly tags: readonly string[];
}

/**
 * A threshold key as k6 validates it before the test starts (k6 `metrics/metric.go`,
 * `ParseMetricName`; research/k6-thresholds.md §3A): `{` is the first brace and `}` the last;
 * both or neither must be there, `}` after `{` and at the very end; the inside is split on
 * every `,` (quotes do not protect commas) and each part needs a `:` followed by something.
 * k6 refuses a key that breaks one of these with exit 104.
 *
 * @example parseK6MetricName("http_req_duration{name:http://${}.com}")
 *   // ok: metric "http_req_duration", tags ["name:http://${}.com"]
 * @example parseK6MetricName("test_metric{easyas}") // error: tag expression "easyas" is malformed
 */
export function parseK6MetricName(
  name: string,
): { ok: true; value: ParsedMetricName } | { ok: false; error: string } {
  const open = name.indexOf("{");
  const close = name.lastIndexOf("}");
  if (open < 0 && close < 0) return { ok: true, value: { metric: name, tags: [] } };
  if (open < 0 || close < 0)
    return { ok: false, error: `metric ${quote(name)} has unmatched opening/close curly brace` };
  if (close < open)
    return {
      ok: false,
      error: `metric ${quote(name)} closing curly brace appears before opening one`,
    };
  if (close !== name.length - 1)
    return {
      ok: false,
      error: `metric ${quote(name)} lacks a closing curly brace in its last position`,
    };
  const tags = name.slice(open + 1, close).split(",");
  for (const [i, t] of tags.entries()) {
    const colon = t.indexOf(":");
    if (colon < 0 || colon === t.length - 1)
      return { ok: false, error: `metric ${quote(name)} tag expression ${quote(t)} is malformed` };
    tags[i] = t.trim();
  }
  return { ok: true, value: { metric: name.slice(0, open), tags } };
}

/** Go's `strings.Trim(s, "\"'")`: every `"` and `'` off both ends, pairs or not. */
function trimQuotes(s: string): string {
  return s.replace(/^["']+|["']+$/g, "");
}

/** A sub-metric's filter: the tags a sample must carry, with these values. */
export interface SubMetricFilter {
  /** The parent metric. */
  readonly metric: string;
  /** Key → value; a sample matches when its tags contain every pair (extra tags are fine). */
  readonly tags: ReadonlyMap<string, string>;
}

/**
 * The tag filter k6's engine builds for a threshold on a sub-metric (k6
 * `internal/metrics/engine/engine.go` `getThresholdMetricOrSubmetric` and `metrics/metric.go`
 * `AddSubmetric`; research/k6-thresholds.md §3B, §5.5): the text between the first `{` and the
 * final `}` is trimmed (empty: an error), split on `,` (empty parts skipped), each part cut at
 * its first `:`; key and value are trimmed of spaces and then of any run of `"` and `'` at
 * either end (a part without `:` is a key with the empty value); a repeated key keeps its
 * last value. Null for a plain metric name.
 *
 * @example submetricFilter(`checks{check:"status is 200"}`) // checks, check = status is 200
 * @example submetricFilter("m{a,b}") // m, a = "", b = ""
 * @throws Error with k6's message when the braces are not closed at the end or hold nothing.
 */
export function submetricFilter(name: string): SubMetricFilter | null {
  const open = name.indexOf("{");
  if (open < 0) return null;
  const metric = name.slice(0, open);
  const definition = name.slice(open + 1);
  if (!definition.endsWith("}"))
    throw new Error("missing ending bracket, sub-metric format needs to be 'metric{key:value}'");
  const keyValues = definition.slice(0, -1).trim();
  if (keyValues === "")
    throw new Error(`submetric criteria for metric '${metric}' cannot be empty`);
  const tags = new Map<string, string>();
  for (const part of keyValues.split(",")) {
    if (part === "") continue;
    const colon = part.indexOf(":");
    if (colon < 0) tags.set(trimQuotes(part.trim()), "");
    else
      tags.set(trimQuotes(part.slice(0, colon).trim()), trimQuotes(part.slice(colon + 1).trim()));
  }
  return { metric, tags };
}

/** A name in k6's messages: double-quoted, as Go's %q writes it. */
function quote(text: string): string {
  return JSON.stringify(text);
}

/** A number as k6's summary prints it: at most 6 significant digits. */
function sixDigits(n: number): string {
  return String(Number(n.toPrecision(6)));
}

/**
 * An aggregate with its unit, as caplab prints a threshold's observed value: `621.049 ms` for
 * time, `2048 B` for data, else the number (a Rate's `rate` is the fraction the threshold
 * compares, e.g. `0.0213`).
 */
export function formatObserved(value: number, contains: string): string {
  if (contains === "time") return `${sixDigits(value)} ms`;
  if (contains === "data") return `${sixDigits(value)} B`;
  return sixDigits(value);
}
