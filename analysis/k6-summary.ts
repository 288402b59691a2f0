/**
 * k6's end-of-test summary, in each of the three shapes k6 writes it (reference/k6.md §4.3),
 * read into one shape; and, decided here once, which run figures a summary cannot give. Pure.
 *
 *   summary JSON ──parseK6Summary──▶ K6SummaryFile (kind, run time, metrics by name)
 *     ──summaryUnmeasured──▶ the run figures it lacks, each with why (the report and the gate
 *       skip what needs them; the import lists them)
 *
 * The machine-readable summary (schema 1.0.0 of grafana/k6-summary, `--new-machine-readable-
 * summary`, k6 v1.5.0 and later) is read as k6 writes it, which is not quite as the schema
 * spells it. k6 (grafana/k6 at 8788307, `internal/lib/summary/machine_readable.go`) builds the
 * schema's Go types and hands them to JavaScript, whose bridge names each Go field in snake case
 * and ignores the `json` tags (`js/common/bridge.go`, `FieldName`); both `--summary-export` and
 * handleSummary's argument are that object's `JSON.stringify` (k6's own test,
 * `internal/cmd/tests/cmd_run_test.go`, asserts `generated_at`, `k6_version`, `p90`, `p95`). So
 * both spellings are read: `k6_version` or `k6Version`, `p90` or `p(90)`.
 */
import type { RunFigure, Unmeasured } from "./gate.js";
import type { K6TrendValues } from "./k6-ingest.js";
import type { K6MetricType } from "./k6-results.js";

/** The three summary shapes k6 writes (reference/k6.md §4.3). */
export type K6SummaryKind = "summary-export" | "handle-summary" | "machine-readable";

/** A k6 end-of-test summary, normalized: rate metrics always have `rate`, `passes`, `fails`. */
export interface K6SummaryFile {
  readonly kind: K6SummaryKind;
  /** Test run duration, ms, when the file states it. */
  readonly durationMs: number | null;
  /**
   * Aggregates by metric name, keyed as the `--summary-export` shape keys them: `count`, `rate`
   * (a counter's per second, a Rate's share), `passes`, `fails`, `value`, `min`, `max`, `avg`,
   * `med`, `p(90)`, …
   */
  readonly metrics: Readonly<Record<string, K6TrendValues>>;
  /** What a metric's values hold (`time`, `data`, `default`), where the file says it. */
  readonly contains: Readonly<Record<string, string>>;
  /**
   * Each metric's k6 type: its `type` where the file says it (handleSummary's data, the
   * machine-readable summary), else told from its values' keys (`--summary-export`, whose writer
   * drops `type`: {@link summaryMetricType}). A threshold's aggregations depend on it.
   */
  readonly types: Readonly<Record<string, K6MetricType>>;
  /** The k6 version that wrote it, where the file says it (the machine-readable shape). */
  readonly k6Version: string | null;
  /**
   * k6's own verdict on the test, where the file holds one: the machine-readable summary's
   * `results.passed` ("Whether the test passed (true) or failed (false). Determined by
   * threshold evaluations and other test criteria.", grafana/k6-summary
   * `schemas/summary/1.0.0/schema.json` from its revision that requires it); null without it (the
   * other shapes; k6 up to v2.2 writes schema 1.0.0 without it).
   */
  readonly passed: boolean | null;
}

/** A summary's metrics, as {@link parseK6Summary} reads them. */
export type SummaryMetrics = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** The machine-readable schema's major version caplab reads. */
export const MACHINE_READABLE_SCHEMA_MAJOR = 1;

/**
 * The trend statistics the machine-readable summary can hold: its writer keeps these six of
 * `summaryTrendStats` and drops every other (k6 `machine_readable.go`,
 * `machineReadableMetricValues`; k6 issue #5736).
 */
export const MACHINE_READABLE_TREND_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)"] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function numericValues(o: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isObject(o)) return out;
  for (const [k, v] of Object.entries(o)) if (typeof v === "number") out[k] = v;
  return out;
}

const K6_METRIC_TYPES: readonly K6MetricType[] = ["counter", "gauge", "rate", "trend"];

function metricTypeOf(value: unknown): K6MetricType | undefined {
  return K6_METRIC_TYPES.find((t) => t === value);
}

/**
 * A metric's k6 type told from the keys of its `--summary-export` values, which k6 writes
 * without `type` (k6 `internal/js/summary-wrapper.js`, `oldJSONSummary`, keeps `metric.values`
 * alone, renaming a Rate's `rate` to `value`), from what each sink's `Format` writes (k6
 * `metrics/sink.go`): a Rate has `passes` and `fails`; a Gauge `value` (with `min`, `max`); a
 * Counter `count` and `rate` and nothing else; a Trend the summaryTrendStats (`avg`, `med`,
 * `p(95)`, …, `count` among them when asked). Undefined for values that fit none.
 *
 * @example summaryMetricType({ count: 3, rate: 0.5 })            // "counter"
 * @example summaryMetricType({ passes: 9, fails: 1, value: 0.9 }) // "rate"
 * @example summaryMetricType({ avg: 40, "p(95)": 90 })           // "trend"
 */
export function summaryMetricType(
  values: Readonly<Record<string, number>>,
): K6MetricType | undefined {
  const keys = Object.keys(values);
  if (keys.length === 0) return undefined;
  if ("passes" in values && "fails" in values) return "rate";
  if ("value" in values) return "gauge";
  if ("count" in values && "rate" in values && keys.length === 2) return "counter";
  const trendStat = (k: string) => /^(avg|min|med|max|count|p\(\d+(\.\d+)?\))$/.test(k);
  return keys.every(trendStat) ? "trend" : undefined;
}

/** Whether `json` is the machine-readable shape: a `version` beside a `results.metrics` array. */
export function isMachineReadableSummary(json: unknown): boolean {
  return (
    isObject(json) &&
    typeof json.version === "string" &&
    isObject(json.results) &&
    Array.isArray(json.results.metrics)
  );
}

/**
 * Reads a k6 end-of-test summary in any of its shapes: `--summary-export` (flat values, rate
 * metrics with `value`), the `handleSummary(data)` object (`metrics[name].values`, with
 * `state.testRunDurationMs`), or the machine-readable summary (see the module comment and
 * {@link parseMachineReadable}).
 *
 * @throws Error when the object is none of them, or a machine-readable summary of a schema
 *   version caplab does not read.
 */
export function parseK6Summary(json: unknown): K6SummaryFile {
  if (isMachineReadableSummary(json)) return parseMachineReadable(json as Record<string, unknown>);
  const o = (json ?? {}) as Record<string, unknown>;
  if (!isObject(o.metrics)) {
    throw new Error("not a k6 summary: it has no `metrics` object");
  }
  const entries = Object.entries(o.metrics);
  const wrapped = entries.some(([, m]) => isObject(m) && "values" in m);
  const metrics: Record<string, K6TrendValues> = {};
  const contains: Record<string, string> = {};
  const types: Record<string, K6MetricType> = {};
  for (const [name, m] of entries) {
    if (wrapped) {
      metrics[name] = numericValues((m as { values?: unknown }).values);
      const c = (m as { contains?: unknown } | null)?.contains;
      if (typeof c === "string") contains[name] = c;
      const t =
        metricTypeOf((m as { type?: unknown } | null)?.type) ?? summaryMetricType(metrics[name]);
      if (t !== undefined) types[name] = t;
    } else {
      const v = numericValues(m);
      // summary-export renames a rate metric's `rate` to `value`. k6's rate is passes ÷
      // (passes + fails) (metrics/sink.go, RateSink.Format); some exports carry a `value`
      // that disagrees (k6-html-reporter's sample: checks 88 passes, 0 fails, value 0, and
      // rate>0.90 not crossed), so the counts decide when there are any.
      if (v.passes !== undefined && v.fails !== undefined && v.value !== undefined) {
        const total = v.passes + v.fails;
        v.rate = total > 0 ? v.passes / total : v.value;
        delete v.value;
      }
      const t = summaryMetricType(v);
      if (t !== undefined) types[name] = t;
      metrics[name] = v;
    }
  }
  const state = o.state as { testRunDurationMs?: unknown } | undefined;
  return {
    kind: wrapped ? "handle-summary" : "summary-export",
    durationMs: typeof state?.testRunDurationMs === "number" ? state.testRunDurationMs : null,
    metrics,
    contains,
    types,
    k6Version: null,
    passed: null,
  };
}

/**
 * The machine-readable summary, as k6 writes it (grafana/k6 8788307
 * `internal/lib/summary/machine_readable.go`; schema grafana/k6-summary `schemas/summary/1.0.0`
 * and `schemas/metric/1.0.0`), keyed like the other shapes:
 * - `config.duration` is in **seconds** (the writer's `TestRunDuration.Seconds()`; the schema:
 *   "Test run duration in seconds");
 * - a counter has `count` only: its `rate` is count ÷ the run's seconds, as k6's CounterSink
 *   computes it for the other shapes;
 * - a rate has `matches` (its non-zero samples: for `http_req_failed` the failed requests),
 *   `total` and `rate`: `passes` = matches, `fails` = total − matches;
 * - a trend has at most {@link MACHINE_READABLE_TREND_STATS}, spelled `p90`/`p95` by k6 and
 *   `p(90)`/`p(95)` by the schema (a stat left out of summaryTrendStats is absent or null);
 * - `checks` is not among `results.metrics` (the summary skips it): k6 writes its values as
 *   `checks_succeeded` in `results.checks.metrics` (k6 `internal/output/summary/data.go`,
 *   `populateSummaryChecks`), or, without it, they are summed from `results.checks.results`;
 * - no thresholds: schema 1.0.0 has none (k6 issue #4872); its later revision has k6's verdict on
 *   the whole test, `results.passed` (a boolean, required there; see K6SummaryFile.passed).
 * Metrics are keyed by `name` as written: k6 writes no sub-metric here (its metrics are the
 * root group's, by the samples' metric), and one written by hand, `name{tag:value}`, stays apart
 * from its parent.
 */
function parseMachineReadable(o: Record<string, unknown>): K6SummaryFile {
  const version = o.version as string;
  const major = /^(\d+)\.\d+\.\d+/.exec(version)?.[1];
  if (major === undefined || Number(major) !== MACHINE_READABLE_SCHEMA_MAJOR)
    throw new Error(
      `a machine-readable summary of schema version "${version}": caplab reads version ${MACHINE_READABLE_SCHEMA_MAJOR}.x (grafana/k6-summary)`,
    );
  const config = isObject(o.config) ? o.config : {};
  const seconds =
    typeof config.duration === "number" && Number.isFinite(config.duration) && config.duration >= 0
      ? config.duration
      : null;
  const results = o.results as { metrics: unknown[]; checks?: unknown; passed?: unknown };
  const metrics: Record<string, K6TrendValues> = {};
  const contains: Record<string, string> = {};
  const types: Record<string, K6MetricType> = {};
  const read = (list: unknown) => {
    const items = Array.isArray(list) ? list : isObject(list) ? Object.values(list) : [];
    for (const m of items) {
      if (!isObject(m) || typeof m.name !== "string" || Object.hasOwn(metrics, m.name)) continue;
      const values = machineReadableValues(m.type, m.values, seconds);
      metrics[m.name] = values;
      if (typeof m.contains === "string") contains[m.name] = m.contains;
      const t = metricTypeOf(m.type) ?? summaryMetricType(values);
      if (t !== undefined) types[m.name] = t;
    }
  };
  read(results.metrics);
  const checks = isObject(results.checks) ? results.checks : {};
  read(checks.metrics);
  if (!Object.hasOwn(metrics, "checks")) {
    const succeeded = metrics.checks_succeeded;
    const byCheck = Array.isArray(checks.results) ? checks.results.filter(isObject) : [];
    if (succeeded?.passes !== undefined) metrics.checks = succeeded;
    else if (byCheck.length > 0) {
      const sum = (k: string) => byCheck.reduce((a, c) => a + (Number(c[k]) || 0), 0);
      const passes = sum("passes");
      const fails = sum("fails");
      metrics.checks = {
        passes,
        fails,
        ...(passes + fails > 0 ? { rate: passes / (passes + fails) } : {}),
      };
    }
    if (Object.hasOwn(metrics, "checks")) {
      contains.checks = "default";
      types.checks = "rate";
    }
  }
  const meta = isObject(o.metadata) ? o.metadata : {};
  const k6Version = meta.k6_version ?? meta.k6Version;
  return {
    kind: "machine-readable",
    durationMs: seconds === null ? null : seconds * 1000,
    metrics,
    contains,
    types,
    k6Version: typeof k6Version === "string" ? k6Version : null,
    passed: typeof results.passed === "boolean" ? results.passed : null,
  };
}

/** One machine-readable metric's values, keyed like the other shapes (see parseMachineReadable). */
function machineReadableValues(
  type: unknown,
  values: unknown,
  seconds: number | null,
): K6TrendValues {
  const v: Record<string, number> = {};
  for (const [k, x] of Object.entries(numericValues(values))) {
    const p = /^p(\d+(?:\.\d+)?)$/.exec(k);
    v[p === null ? k : `p(${p[1]})`] ??= x;
  }
  if (v.matches !== undefined && v.total !== undefined) {
    v.passes = v.matches;
    v.fails = v.total - v.matches;
    if (v.rate === undefined && v.total > 0) v.rate = v.matches / v.total;
    delete v.matches;
    delete v.total;
  }
  if (type === "counter" && v.count !== undefined && v.rate === undefined && seconds)
    v.rate = v.count / seconds;
  return v;
}

/** The run figures of `http_req_duration` and the summary key each is. */
const LATENCY_FIGURES: readonly (readonly [RunFigure, string])[] = [
  ["avg", "avg"],
  ["p50", "med"],
  ["p90", "p(90)"],
  ["p95", "p(95)"],
  ["p99", "p(99)"],
  ["max", "max"],
];

/** The test's run time from a summary's `http_reqs` (count ÷ rate, as k6 computed the rate). */
export function summaryCounterSeconds(
  metrics: Readonly<Record<string, Readonly<Record<string, number>>>>,
): number | undefined {
  const count = metrics.http_reqs?.count;
  const rate = metrics.http_reqs?.rate;
  return count !== undefined && rate !== undefined && rate > 0 ? count / rate : undefined;
}

/**
 * The run figures a k6 end-of-test summary does not give, each with why and what to do: the
 * one rule for the run report, the gate (which skips a check on such a figure, never judging
 * a 0 in its place) and the import's list of what is missing.
 * - never: 5xx counts (a summary counts no status codes) and per-second latencies;
 * - a statistic of `http_req_duration` not in the file: it was not in k6's summaryTrendStats,
 *   or (the machine-readable shape) it is not one of the six its writer keeps, so p(99) never;
 * - the failed requests without `http_req_failed` (k6 before v0.31 wrote none);
 * - every HTTP figure of a test that made no HTTP request, its 5xx too (no `http_reqs`, no
 *   `http_req_duration`: a gRPC test), for that one reason;
 * - k6's verdicts on its thresholds, in the machine-readable shape (schema 1.0.0 has none; its
 *   later revision's `results.passed`, k6's verdict on the whole test, is named instead).
 *
 * @example summaryUnmeasured({ kind: "machine-readable", metrics: { http_req_duration:
 *   { avg: 40, min: 5, med: 35, max: 300, "p(90)": 80, "p(95)": 120 }, http_req_failed:
 *   { passes: 1, fails: 9, rate: 0.1 } } })   // keys: 5xx, seconds, p99, thresholds
 */
export function summaryUnmeasured(summary: {
  readonly kind: K6SummaryKind;
  readonly metrics: SummaryMetrics;
  readonly passed?: boolean | null;
}): Unmeasured {
  const machine = summary.kind === "machine-readable";
  const d = summary.metrics.http_req_duration;
  // k6 writes its http_* metrics once a request was made (a gRPC test has none of them).
  const noHttp =
    d === undefined && summary.metrics.http_reqs === undefined
      ? "k6's end-of-test summary has no HTTP metrics (http_reqs, http_req_duration): the test made no HTTP requests"
      : null;
  const out: Partial<Record<RunFigure, string>> = {
    // (A test with no HTTP request has no status codes for its --out json output to give.)
    "5xx":
      noHttp ??
      "k6's end-of-test summary counts no status codes; import the run's --out json output for them",
    seconds:
      "k6's end-of-test summary has no per-second latencies; import the run's --out json output for them",
  };
  for (const [figure, key] of LATENCY_FIGURES) {
    if (d?.[key] !== undefined) continue;
    if (noHttp !== null) out[figure] = noHttp;
    else if (d === undefined) out[figure] = "k6's end-of-test summary has no http_req_duration";
    else if (machine && !(MACHINE_READABLE_TREND_STATS as readonly string[]).includes(key))
      out[figure] =
        `k6's machine-readable summary has no ${key} of http_req_duration: its trends keep only ${MACHINE_READABLE_TREND_STATS.join(", ")}, whatever summaryTrendStats says (k6 issue #5736); import the run's --out json output, or write --summary-export without --new-machine-readable-summary and with "${key}" in summaryTrendStats`;
    else
      out[figure] =
        key.startsWith("p(") || key === "med"
          ? `k6's end-of-test summary has no ${key} of http_req_duration; add "${key}" to k6's summaryTrendStats option, or import the run's --out json output`
          : `k6's end-of-test summary has no ${key} of http_req_duration`;
  }
  if (machine)
    out.thresholds =
      typeof summary.passed === "boolean"
        ? `k6's machine-readable summary (schema 1.0.0) holds no single thresholds (k6 issue #4872), only k6's verdict on the whole test, results.passed: ${summary.passed}`
        : "k6's machine-readable summary (schema 1.0.0) holds no thresholds (k6 issue #4872); k6's exit code, 99 when one failed, is their verdict: keep it in the pipeline, or import the run's --out json output, whose Metric lines carry them";
  if (summary.metrics.http_req_failed?.passes === undefined)
    out.failed =
      noHttp ??
      (machine
        ? "k6's end-of-test summary has no http_req_failed"
        : "k6's end-of-test summary has no http_req_failed, which k6 v0.31 and later write");
  return out;
}
