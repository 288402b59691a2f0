/**
 * What a run bundle says, shaped for the run report, the gate and the history. Pure: the one
 * k6 aggregator's result and already-read files in, {@link RunData} out; reading the bundle
 * is analysis/io/files/run-bundle.ts (loadRunBundle).
 *
 *   k6.json.gz ──K6Ingest (analysis/k6-ingest.ts)──▶ K6Ingested
 *     ──runDataOf(ingested, meta, extra)──▶ RunData
 *        (+ summary.json thresholds via {@link thresholdVerdicts}, their observed values via
 *         {@link withObservedValues}, + a trace bundle's series via {@link serverSideFromSeries})
 *
 *   summary.json alone (k6's end-of-test summary, no k6 output)
 *     ──runDataOf(null, meta, { summary })──▶ RunData of k6's run-wide figures
 *        (no per-second series, no 5xx; {@link RunData.unmeasured} says what is missing)
 *
 * Latency means k6's `http_req_duration` (all responses, as k6's own threshold on it);
 * requests are `http_reqs` Points and failures `http_req_failed` Points with a value ≠ 0.
 */
import { LatencyHistogram } from "../analysis/stats/index.js";
import type { GateRun, Unmeasured } from "../analysis/gate.js";
import type { K6Ingested } from "../analysis/k6-ingest.js";
import { builtinContains, parentMetricName, type K6MetricSummary } from "../analysis/k6-results.js";
import {
  summaryUnmeasured,
  type K6SummaryFile,
  type K6SummaryKind,
  type SummaryMetrics,
} from "../analysis/k6-summary.js";
import type { SloTargets } from "../scenarios/plan/k6-plan.js";
import {
  aggregationKey,
  evaluateThreshold,
  formatObserved,
  judgedPercentile,
  parseThresholdExpression,
  type MetricTypeOf,
} from "../scenarios/plan/k6-thresholds.js";
import type { TaskSize, Warning } from "../sim/vocab/index.js";
import type { TrafficSloVerdict } from "./traffic-slo.js";

/** Most request latencies a RunData keeps as its sample (a systematic thinning of all). */
export const LATENCY_SAMPLE_SIZE = 5000;

/** One second of the run, from the k6 Points whose time falls in it. */
export interface RunSecond {
  /** Start of the second, epoch ms (UTC). */
  readonly timeMs: number;
  readonly requests: number;
  /** `http_req_failed` Points with value 1. */
  readonly failed: number;
  /** `http_req_duration` Points tagged with a 5xx status. */
  readonly status5xx: number;
  readonly droppedIterations: number;
  /** Latency percentiles of the second, ms (LatencyHistogram, within 0.4 %); null without requests. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
}

/** A k6 threshold, whether it held, and the value it was judged on. */
export interface ThresholdVerdict {
  readonly metric: string;
  readonly expression: string;
  /** true = passed. (summary.json says the opposite: there `true` means FAILED.) */
  readonly ok: boolean;
  /** The aggregate compared, as k6 names it: `p(90)`, `rate`, `count`, … */
  readonly aggregation?: string;
  /**
   * Its value, in the metric's unit (ms for time): k6's own number from the summary export
   * when it holds it, else computed from the k6 output as k6 computes it; null when there is
   * none (a Rate without samples, which k6 does not judge).
   */
  readonly observed?: number | null;
  /** What the metric holds: `time` (ms), `data` (bytes) or `default`. */
  readonly contains?: string;
  /**
   * Samples of the (sub-)metric in the k6 output (or k6's Rate counts); 0: the verdict was
   * given on an empty sink, which the gate does not count as judged. Unknown when absent.
   */
  readonly samples?: number;
  /** Who gave the verdict: k6 itself, or caplab on the points (a distributed run, an import). */
  readonly judgedBy?: "k6" | "caplab";
}

/** "p(90) < 400: FAILED (621 ms)": a verdict with its observed value, as the report and gate print it. */
export function renderThresholdVerdict(t: ThresholdVerdict): string {
  const verdict = t.ok ? "passed" : "FAILED";
  const value =
    t.observed === undefined
      ? ""
      : t.observed === null
        ? ` (no ${t.aggregation ?? "value"}: not judged, as k6 does)`
        : ` (${formatObserved(t.observed, t.contains ?? "default")})`;
  return `${t.expression}: ${verdict}${value}`;
}

/** Run-wide latency of `http_req_duration`, exact (k6's percentile definition), ms. */
export interface RunLatency {
  readonly count: number;
  readonly avgMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** One datapoint of a server-side (CloudWatch) series. */
export interface ServerPoint {
  readonly timeMs: number;
  readonly value: number;
}

/** The server side of a run, from a trace bundle's series (collected for the run's window). */
export interface ServerSide {
  /** ECS/ContainerInsights RunningTaskCount (Average). */
  readonly taskCount: readonly ServerPoint[];
  /** AWS/ECS CPUUtilization (Average), percent of the task's vCPUs. */
  readonly cpuUtilization: readonly ServerPoint[];
  /** AWS/ECS MemoryUtilization (Average), percent. */
  readonly memoryUtilization: readonly ServerPoint[];
  /** The same two at 20 s, when the service publishes them and they were collected. */
  readonly cpuUtilization20s?: readonly ServerPoint[];
  readonly memoryUtilization20s?: readonly ServerPoint[];
  /** AWS/ApplicationELB RequestCountPerTarget (Sum). */
  readonly requestCountPerTarget: readonly ServerPoint[];
  /** AWS/ApplicationELB HTTPCode_Target_5XX_Count (Sum). */
  readonly http5xx: readonly ServerPoint[];
  /** Step of the series, seconds. */
  readonly periodSeconds: number;
  /** The scalable target's MaxCapacity when the bundle recorded it. */
  readonly maxCapacity: number | null;
  /** The task size when the bundle recorded it. */
  readonly task: TaskSize | null;
  /** Per-task CpuUtilized / MemoryUtilized (enhanced observability), sorted by TaskId. */
  readonly tasks: readonly TaskUsage[];
  /** Application Auto Scaling activities in the series' window (scaling.json), by time. */
  readonly scalingEvents: readonly ScalingEventRow[];
}

/** CpuUtilized (CPU units) and MemoryUtilized (MiB) averages of one container or task. */
export interface UsageSeries {
  readonly cpuUnits: readonly ServerPoint[];
  readonly memoryMiB: readonly ServerPoint[];
}

/** One task's usage and its containers' (ECS/ContainerInsights, enhanced observability). */
export interface TaskUsage extends UsageSeries {
  readonly taskId: string;
  /** Sorted by name. */
  readonly containers: readonly (UsageSeries & { readonly name: string })[];
}

/** A scaling activity as DescribeScalingActivities returned it (strings from AWS, unescaped). */
export interface ScalingEventRow {
  readonly timeMs: number;
  readonly description: string;
  readonly cause: string;
  readonly statusCode: string;
}

/** Who and what the run was, from manifest.json. */
export interface RunMeta {
  readonly runId: string;
  readonly scenario: string;
  readonly target: string;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly k6ExitCode: number | null;
  /** What manifest.json says of k6's exit (e.g. why there is no code: k6 ran elsewhere). */
  readonly k6Exit?: string | null;
  readonly gitCommit: string | null;
}

/**
 * One step of a trace bundle's traffic (an import of ALB, nginx or CSV data, a CloudWatch
 * export, a collect), from its series; null where the bundle has no series for a figure.
 */
export interface TrafficStep {
  /** Start of the step, epoch ms (UTC). */
  readonly timeMs: number;
  readonly requests: number;
  /** 5xx responses: the ALB's own and the targets', or the web server's. */
  readonly http5xx: number | null;
  /** TargetResponseTime p95 and Average of the step, ms. */
  readonly p95Ms: number | null;
  readonly avgMs: number | null;
}

/** A trace bundle's traffic: what its report shows in place of a load test's. */
export interface TrafficSide {
  /** The requests series' step, seconds. */
  readonly stepSeconds: number;
  /** The bundle's series each figure comes from (ids, or CloudWatch metric names). */
  readonly from: {
    /** null: the bundle counts no requests (no RequestCount, e.g. Container Insights alone). */
    readonly requests: string | null;
    readonly http5xx: readonly string[];
    readonly p95: string | null;
    readonly avg: string | null;
  };
  /** One per step of the requests series, by time. */
  readonly steps: readonly TrafficStep[];
}

/** The metrics that count 5xx responses (ALB's two, and the web server's from `import`). */
const FIVE_XX_METRICS = new Set([
  "HTTPCode_ELB_5XX_Count",
  "HTTPCode_Target_5XX_Count",
  "HTTPCode_5XX_Count",
]);

/**
 * The traffic of a trace bundle from its series: requests from the `requests` series (else
 * RequestCount), 5xx summed over the 5xx series of the same step, TargetResponseTime's p95 and
 * Average in ms; no steps when the bundle counts no requests (e.g. Container Insights alone).
 */
export function trafficFromSeries(series: readonly NamedSeries[], requestsId: string): TrafficSide {
  const requests =
    series.find((s) => s.id === requestsId) ??
    series.find((s) => s.metricName === "RequestCount" && (s.stat ?? "Sum") === "Sum");
  if (requests === undefined)
    return {
      stepSeconds: 60,
      from: { requests: null, http5xx: [], p95: null, avg: null },
      steps: [],
    };
  const period = requests.periodSeconds;
  const same = series.filter((s) => s !== requests && s.periodSeconds === period);
  const fiveXx = same.filter((s) => FIVE_XX_METRICS.has(s.metricName));
  const byTime = (s: NamedSeries | undefined, scale: number): Map<number, number> | null =>
    s === undefined ? null : new Map(s.points.map((p) => [p.timeMs, p.value * scale]));
  const latency = (stat: string) =>
    same.find((s) => s.metricName === "TargetResponseTime" && s.stat?.toLowerCase() === stat);
  const p95Series = latency("p95");
  const avgSeries = latency("average");
  const p95 = byTime(p95Series, 1000);
  const avg = byTime(avgSeries, 1000);
  const errors = fiveXx.map((s) => byTime(s, 1)!);
  const name = (s: NamedSeries) =>
    s.id === undefined || s.id === s.metricName ? s.metricName : `${s.id} (${s.metricName})`;
  return {
    stepSeconds: period,
    from: {
      requests: name(requests),
      http5xx: fiveXx.map(name),
      p95: p95Series === undefined ? null : name(p95Series),
      avg: avgSeries === undefined ? null : name(avgSeries),
    },
    steps: [...requests.points]
      .sort((a, b) => a.timeMs - b.timeMs)
      .map((p) => ({
        timeMs: p.timeMs,
        requests: p.value,
        http5xx:
          errors.length === 0 ? null : errors.reduce((a, m) => a + (m.get(p.timeMs) ?? 0), 0),
        p95Ms: p95?.get(p.timeMs) ?? null,
        avgMs: avg?.get(p.timeMs) ?? null,
      })),
  };
}

/** Whether a server side holds anything but 5xx counts (which a trace bundle's traffic shows). */
export function hasServerFigures(s: ServerSide): boolean {
  return (
    s.taskCount.length + s.cpuUtilization.length + s.memoryUtilization.length > 0 ||
    s.requestCountPerTarget.length > 0 ||
    s.tasks.length > 0
  );
}

/** Everything caplab reads from a run bundle. */
export interface RunData {
  readonly meta: RunMeta;
  readonly seconds: readonly RunSecond[];
  readonly latency: RunLatency;
  readonly requests: number;
  readonly failedRequests: number;
  /** failedRequests / requests, percent; 0 without requests. */
  readonly errorRatePercent: number;
  readonly status5xx: number;
  readonly droppedIterations: number;
  /** Up to {@link LATENCY_SAMPLE_SIZE} request latencies, sorted (every one when fewer). */
  readonly latencySample: readonly number[];
  readonly thresholds: readonly ThresholdVerdict[];
  /** The plan's SLO (plan.json) when the bundle has one. */
  readonly slo: SloTargets | null;
  readonly server: ServerSide | null;
  /** A trace bundle's traffic (no k6 output): the report shows it in place of the run's. */
  readonly traffic: TrafficSide | null;
  readonly warnings: readonly Warning[];
  /**
   * Where the run's figures come from: k6's per-request output, its end-of-test summary alone
   * (run-wide figures only), or neither.
   */
  readonly figures: "k6-output" | "summary" | "none";
  /** The test's run time from the summary (figures "summary"), seconds; else null. */
  readonly summarySeconds: number | null;
  /** Figures the run's files do not give, each with why (their numbers above are 0). */
  readonly unmeasured: Unmeasured;
  /** A trace bundle's traffic judged against an SLO (`caplab report --slo-…`); else absent. */
  readonly trafficVerdict?: TrafficSloVerdict;
  /**
   * k6's own verdict on the whole test, from its summary: the machine-readable summary's
   * `results.passed` (analysis/k6-summary.ts K6SummaryFile.passed). Absent when it holds none.
   */
  readonly k6Passed?: boolean;
}

export type { SummaryMetrics };

/**
 * The run as RunData from the one aggregator's result (null without a k6 output): the
 * per-second series, the run-wide latency of `http_req_duration` (k6's exact percentiles)
 * and a sample of it for the gate.
 */
export function runDataOf(
  ingested: K6Ingested | null,
  meta: RunMeta,
  extra: {
    readonly thresholds?: readonly ThresholdVerdict[];
    readonly slo?: SloTargets | null;
    readonly server?: ServerSide | null;
    readonly traffic?: TrafficSide | null;
    readonly warnings?: readonly Warning[];
    /**
     * The run's k6 summary (used when there is no k6 output): its shape, its metrics and its run
     * time in seconds.
     */
    readonly summary?: {
      readonly kind: K6SummaryKind;
      readonly metrics: SummaryMetrics;
      readonly seconds: number | null;
      /** k6's verdict on the whole test, where the summary holds one (RunData.k6Passed). */
      readonly passed?: boolean | null;
    };
  } = {},
): RunData {
  const passed = extra.summary?.passed;
  const verdict = typeof passed === "boolean" ? { k6Passed: passed } : {};
  // Without k6 output, a summary's run-wide figures are the run's, even with no HTTP metric
  // (a gRPC test): what it lacks is then named, never shown as 0.
  if (ingested === null && extra.summary !== undefined)
    return { ...runDataOfSummary(extra.summary, meta, extra), ...verdict };
  const seconds: RunSecond[] = [];
  const o = ingested?.overall;
  if (o !== undefined)
    for (let i = 0; i < o.requests.length; i++) {
      const p = (a: Float64Array) => (Number.isNaN(a[i]!) ? null : a[i]!);
      seconds.push({
        timeMs: o.startMs + i * 1000,
        requests: o.requests[i]!,
        failed: o.failures[i]!,
        status5xx: o.status5xx[i]!,
        droppedIterations: o.dropped[i]!,
        p50Ms: p(o.p50Ms),
        p95Ms: p(o.p95Ms),
        p99Ms: p(o.p99Ms),
      });
    }
  const d = ingested?.summary.http_req_duration ?? {};
  const sum = (f: (s: RunSecond) => number) => seconds.reduce((a, s) => a + f(s), 0);
  const requests = sum((s) => s.requests);
  const failedRequests = sum((s) => s.failed);
  let sample: ArrayLike<number> = ingested?.durations ?? [];
  if (ingested !== null && ingested.durations === null) {
    // Past the raw-value budget: a sample drawn from the run's histogram, by rank.
    const h = new LatencyHistogram();
    for (const x of ingested.overall.histograms) if (x !== null) h.merge(x);
    const n = Math.min(LATENCY_SAMPLE_SIZE, h.count);
    sample = Array.from({ length: n }, (_, i) => h.percentile(n > 1 ? i / (n - 1) : 0));
  }
  return {
    meta,
    seconds,
    latency: {
      count: d.count ?? 0,
      avgMs: d.avg ?? 0,
      p50Ms: d.med ?? 0,
      p90Ms: d["p(90)"] ?? 0,
      p95Ms: d["p(95)"] ?? 0,
      p99Ms: d["p(99)"] ?? 0,
      maxMs: d.max ?? 0,
    },
    requests,
    failedRequests,
    errorRatePercent: requests > 0 ? (failedRequests / requests) * 100 : 0,
    status5xx: sum((s) => s.status5xx),
    droppedIterations: sum((s) => s.droppedIterations),
    latencySample: thinSorted(sample, LATENCY_SAMPLE_SIZE),
    thresholds: extra.thresholds ?? [],
    slo: extra.slo ?? null,
    server: extra.server ?? null,
    traffic: extra.traffic ?? null,
    warnings: [...(extra.warnings ?? [])],
    figures: ingested === null ? "none" : "k6-output",
    summarySeconds: null,
    unmeasured: {},
    ...verdict,
  };
}

/** Whether a summary has the request figures a run report and the SLO need. */
export function hasRequestFigures(metrics: SummaryMetrics): boolean {
  return metrics.http_reqs?.count !== undefined || metrics.http_req_duration !== undefined;
}

/**
 * The run from k6's end-of-test summary alone (any of its three shapes): `http_reqs` count,
 * `http_req_failed` passes (k6's Rate counts a failed request as a pass: a non-zero value), and
 * `http_req_duration`'s aggregates: k6's own run-wide figures. What it cannot give is named in
 * `unmeasured` (analysis/k6-summary.ts `summaryUnmeasured`, the one rule), and its number here
 * is a 0 that no check is judged on.
 */
function runDataOfSummary(
  summary: NonNullable<NonNullable<Parameters<typeof runDataOf>[2]>["summary"]>,
  meta: RunMeta,
  extra: Parameters<typeof runDataOf>[2],
): RunData {
  const { metrics, seconds: summarySeconds } = summary;
  const d = metrics.http_req_duration ?? {};
  const requests = metrics.http_reqs?.count ?? 0;
  const unmeasured = summaryUnmeasured(summary);
  const stat = (key: string): number => d[key] ?? 0;
  const latency: RunLatency = {
    count: requests,
    avgMs: stat("avg"),
    p50Ms: stat("med"),
    p90Ms: stat("p(90)"),
    p95Ms: stat("p(95)"),
    p99Ms: stat("p(99)"),
    maxMs: stat("max"),
  };
  const failedRequests = metrics.http_req_failed?.passes ?? 0;
  return {
    meta,
    seconds: [],
    latency,
    requests,
    failedRequests,
    errorRatePercent: requests > 0 ? (failedRequests / requests) * 100 : 0,
    status5xx: 0,
    droppedIterations: metrics.dropped_iterations?.count ?? 0,
    latencySample: [],
    thresholds: extra?.thresholds ?? [],
    slo: extra?.slo ?? null,
    server: extra?.server ?? null,
    traffic: null,
    warnings: [...(extra?.warnings ?? [])],
    figures: "summary",
    summarySeconds,
    unmeasured,
  };
}

/** What a k6 end-of-test summary says of its metrics (analysis/k6-summary.ts K6SummaryFile). */
export type SummaryFacts = Pick<K6SummaryFile, "metrics" | "types" | "contains">;

const NO_SUMMARY: SummaryFacts = { metrics: {}, types: {}, contains: {} };

/**
 * Verdicts with the value each was judged on (see {@link ThresholdVerdict.observed}): k6's
 * number from the run's summary when it has the aggregate, else the aggregate computed from the
 * run's k6 output (`metrics`, K6Ingested.metrics), as k6 computes it. A verdict that already
 * carries its value keeps it.
 *
 * The summary's metric types (its own, or told from its values: K6SummaryFile.types) are k6's
 * registry for a metric the k6 output lacks, and what its metrics hold (`time`: ms) is the unit
 * of a custom metric's value. Without a k6 output (`metrics` null: a summary-only bundle) the
 * summary is all there is: an aggregate it does not hold (a percentile left out of
 * summaryTrendStats) stays unknown, never an empty sink's 0.
 */
export function withObservedValues(
  verdicts: readonly ThresholdVerdict[],
  metrics: Readonly<Record<string, K6MetricSummary>> | null,
  summary: SummaryFacts = NO_SUMMARY,
): ThresholdVerdict[] {
  const known: MetricTypeOf = (name) =>
    Object.hasOwn(summary.types, name) ? summary.types[name] : undefined;
  /** What the summary says the (sub-)metric's parent holds, where it says so. */
  const stated = (metric: string): string | undefined => {
    const parent = parentMetricName(metric);
    for (const name of [metric, parent])
      if (Object.hasOwn(summary.contains, name)) return summary.contains[name];
    return undefined;
  };
  return verdicts.map((t) => {
    if (t.observed !== undefined && t.samples !== undefined) return t;
    const parsed = parseThresholdExpression(t.expression);
    if (!parsed.ok) return t;
    const aggregation = aggregationKey(parsed.value.aggregation);
    const fromK6 = Object.hasOwn(summary.metrics, t.metric)
      ? summary.metrics[t.metric]![aggregation]
      : undefined;
    if (metrics === null) {
      const contains =
        t.contains ?? stated(t.metric) ?? builtinContains(parentMetricName(t.metric));
      if (t.observed !== undefined) return { ...t, contains };
      return {
        ...t,
        aggregation,
        ...(fromK6 === undefined ? {} : { observed: fromK6 }),
        contains,
      };
    }
    const judged = evaluateThreshold(t.metric, t.expression, metrics, known);
    // The samples it was judged on: the k6 output's, when there is one.
    const samples =
      t.samples ??
      (judged.verdict !== "invalid" && Object.keys(metrics).length > 0
        ? judged.samples
        : undefined);
    if (t.observed !== undefined) return samples === undefined ? t : { ...t, samples };
    const inOutput =
      Object.hasOwn(metrics, t.metric) || Object.hasOwn(metrics, parentMetricName(t.metric));
    const contains =
      (inOutput && judged.verdict !== "invalid" ? judged.contains : undefined) ??
      stated(t.metric) ??
      (judged.verdict === "invalid" ? undefined : judged.contains);
    const observed =
      fromK6 !== undefined ? fromK6 : judged.verdict === "invalid" ? undefined : judged.observed;
    return {
      ...t,
      aggregation,
      ...(observed === undefined ? {} : { observed }),
      ...(contains === undefined ? {} : { contains }),
      ...(samples === undefined ? {} : { samples }),
    };
  });
}

/**
 * At most `size` values of a sorted sample, evenly spaced by rank (the first and the last
 * kept), so its percentiles stay close to the full sample's. Cost: O(size).
 * Example: `thinSorted([1, 2, 3, 4, 5], 3)` → `[1, 3, 5]`.
 */
export function thinSorted(sorted: ArrayLike<number>, size: number): number[] {
  const n = sorted.length;
  if (n <= size) return Array.from(sorted);
  if (size < 2) throw new RangeError("`thinSorted` requires a size of at least 2");
  const out: number[] = [];
  for (let i = 0; i < size; i++) out.push(sorted[Math.round((i * (n - 1)) / (size - 1))] ?? 0);
  return out;
}

/**
 * The thresholds of a `--summary-export` file (reference/k6.md §4.3): each metric's
 * `thresholds` is `{expression: boolean}` where **`true` means the threshold FAILED**.
 * Returns them with k6's handleSummary polarity (`ok: true` = passed).
 */
export function thresholdVerdicts(summaryExport: unknown): ThresholdVerdict[] {
  const metrics = (summaryExport as { metrics?: unknown } | null)?.metrics;
  if (typeof metrics !== "object" || metrics === null) return [];
  const out: ThresholdVerdict[] = [];
  for (const [metric, m] of Object.entries(metrics as Record<string, unknown>)) {
    const thresholds = (m as { thresholds?: unknown } | null)?.thresholds;
    if (typeof thresholds !== "object" || thresholds === null) continue;
    for (const [expression, failed] of Object.entries(thresholds as Record<string, unknown>)) {
      // Older exports and handleSummary data write {ok: boolean}; the export writes a boolean.
      const ok =
        typeof failed === "boolean" ? !failed : (failed as { ok?: unknown } | null)?.ok === true;
      out.push({ metric, expression, ok, judgedBy: "k6" });
    }
  }
  return out;
}

/** A series of a trace bundle, already read: its CloudWatch names and its datapoints. */
export interface NamedSeries {
  /** Bundle series id, e.g. `task.<TaskId>.CpuUtilized.Average`. */
  readonly id?: string;
  readonly metricName: string;
  /** CloudWatch dimensions (TaskId, ContainerName for per-task series). */
  readonly dimensions?: readonly { readonly Name: string; readonly Value: string }[];
  readonly stat?: string;
  readonly periodSeconds: number;
  readonly points: readonly ServerPoint[];
}

/**
 * The server side from a trace bundle's series: picks RunningTaskCount, CPUUtilization,
 * MemoryUtilization, RequestCountPerTarget and HTTPCode_Target_5XX_Count (Average for
 * utilizations and task count, else the first statistic found). Null when none is there.
 */
export function serverSideFromSeries(
  series: readonly NamedSeries[],
  context: {
    readonly maxCapacity?: number | null;
    readonly task?: TaskSize | null;
    readonly scalingEvents?: readonly ScalingEventRow[];
  } = {},
): ServerSide | null {
  // The 60-s series: their timestamps pair with RunningTaskCount's (20-s CPU/memory do not).
  const minute = series.filter((s) => s.periodSeconds >= 60);
  const pick = (metricName: string, preferred: string): NamedSeries | undefined =>
    minute.find((s) => s.metricName === metricName && s.stat === preferred) ??
    minute.find((s) => s.metricName === metricName);
  const taskCount = pick("RunningTaskCount", "Average");
  const cpu = pick("CPUUtilization", "Average");
  const memory = pick("MemoryUtilization", "Average");
  const rcpt = pick("RequestCountPerTarget", "Sum");
  const http5xx = pick("HTTPCode_Target_5XX_Count", "Sum");
  const fine = (metricName: string): readonly ServerPoint[] =>
    series.find((s) => s.metricName === metricName && s.stat === "Average" && s.periodSeconds < 60)
      ?.points ?? [];
  const tasks = taskUsage(series);
  const perTask = series.filter((s) => perTaskKey(s) !== null);
  const found = [taskCount, cpu, memory, rcpt, http5xx, ...perTask].filter((s) => s !== undefined);
  if (found.length === 0) return null;
  return {
    taskCount: taskCount?.points ?? [],
    cpuUtilization: cpu?.points ?? [],
    memoryUtilization: memory?.points ?? [],
    cpuUtilization20s: fine("CPUUtilization"),
    memoryUtilization20s: fine("MemoryUtilization"),
    requestCountPerTarget: rcpt?.points ?? [],
    http5xx: http5xx?.points ?? [],
    periodSeconds: Math.min(...found.map((s) => s.periodSeconds)),
    maxCapacity: context.maxCapacity ?? null,
    task: context.task ?? null,
    tasks,
    scalingEvents: [...(context.scalingEvents ?? [])].sort((a, b) => a.timeMs - b.timeMs),
  };
}

interface PerTaskKey {
  readonly taskId: string;
  readonly container: string | null;
  readonly metric: "cpu" | "memory";
}

const PER_TASK_ID = /^(task|container)\.(.+)\.(CpuUtilized|MemoryUtilized)\.Average$/;

/**
 * Which task (and container) a series is for: `task.<TaskId>.CpuUtilized.Average`,
 * `container.<TaskId>.<Container>.MemoryUtilized.Average`. The names come from the TaskId and
 * ContainerName dimensions (the id parts are sanitized), else from the id. Null otherwise.
 */
export function perTaskKey(s: NamedSeries): PerTaskKey | null {
  const match = PER_TASK_ID.exec(s.id ?? "");
  if (match === null || (s.stat !== undefined && s.stat !== "Average")) return null;
  const [, level, rest = "", metricName] = match;
  const metric = metricName === "CpuUtilized" ? "cpu" : "memory";
  const dim = (name: string) => s.dimensions?.find((d) => d.Name === name)?.Value;
  if (level === "task") return { taskId: dim("TaskId") ?? rest, container: null, metric };
  // container.<TaskId>.<Container>: sanitized parts have no dots, so the last dot splits them.
  const dot = rest.lastIndexOf(".");
  if (dot <= 0) return null;
  return {
    taskId: dim("TaskId") ?? rest.slice(0, dot),
    container: dim("ContainerName") ?? rest.slice(dot + 1),
    metric,
  };
}

/** The per-task and per-container series, grouped by task, sorted by TaskId and name. */
export function taskUsage(series: readonly NamedSeries[]): TaskUsage[] {
  interface Usage {
    cpuUnits: readonly ServerPoint[];
    memoryMiB: readonly ServerPoint[];
  }
  const byTask = new Map<string, Usage & { containers: Map<string, Usage> }>();
  for (const s of series) {
    const key = perTaskKey(s);
    if (key === null) continue;
    let task = byTask.get(key.taskId);
    if (task === undefined) {
      task = { cpuUnits: [], memoryMiB: [], containers: new Map() };
      byTask.set(key.taskId, task);
    }
    let usage: Usage = task;
    if (key.container !== null) {
      usage = task.containers.get(key.container) ?? { cpuUnits: [], memoryMiB: [] };
      task.containers.set(key.container, usage);
    }
    if (key.metric === "cpu") usage.cpuUnits = s.points;
    else usage.memoryMiB = s.points;
  }
  const byName = <T>([a]: [string, T], [b]: [string, T]) => (a < b ? -1 : a > b ? 1 : 0);
  return [...byTask.entries()].sort(byName).map(([taskId, t]) => ({
    taskId,
    cpuUnits: t.cpuUnits,
    memoryMiB: t.memoryMiB,
    containers: [...t.containers.entries()].sort(byName).map(([name, c]) => ({
      name,
      cpuUnits: c.cpuUnits,
      memoryMiB: c.memoryMiB,
    })),
  }));
}

/**
 * The scaling activities of a scaling.json (`activities`: DescribeScalingActivities items,
 * StartTime as an ISO string) within [fromMs, toMs]; items without a StartTime are left out.
 */
export function scalingEventsOf(
  scalingJson: unknown,
  fromMs = -Infinity,
  toMs = Infinity,
): ScalingEventRow[] {
  const activities = (scalingJson as { activities?: unknown } | null)?.activities;
  if (!Array.isArray(activities)) return [];
  const text = (v: unknown): string => (typeof v === "string" ? v : "");
  const out: ScalingEventRow[] = [];
  for (const a of activities as Record<string, unknown>[]) {
    if (typeof a !== "object" || a === null) continue;
    const start = a.StartTime;
    const timeMs =
      typeof start === "string" ? Date.parse(start) : typeof start === "number" ? start : NaN;
    if (!Number.isFinite(timeMs) || timeMs < fromMs || timeMs > toMs) continue;
    out.push({
      timeMs,
      description: text(a.Description),
      cause: text(a.Cause),
      statusCode: text(a.StatusCode),
    });
  }
  return out.sort((a, b) => a.timeMs - b.timeMs);
}

/** Capacity figures of a run with server-side data; null entries when a series is missing. */
export interface CapacityFigures {
  /** Σ(CPU % / 100 × vCPUs × tasks × period) / requests: vCPU-seconds spent per request. */
  readonly cpuSecondsPerRequest: number | null;
  /** requests / Σ(tasks × period): requests served per task-second. */
  readonly requestsPerTaskSecond: number | null;
  /** Σ(tasks × period) in task-hours. */
  readonly taskHours: number | null;
}

/**
 * The run's capacity figures from its server side. The CPU and task-count series are paired
 * by timestamp; the client-side request count is the denominator.
 * Example: 2 tasks at 50 % of 1 vCPU for 60 s serving 600 requests → 0.1 vCPU-s per request.
 */
export function capacityFigures(run: RunData): CapacityFigures {
  const server = run.server;
  if (server === null || server.taskCount.length === 0 || run.requests === 0)
    return { cpuSecondsPerRequest: null, requestsPerTaskSecond: null, taskHours: null };
  const taskSeconds = server.taskCount.reduce((a, p) => a + p.value * server.periodSeconds, 0);
  let cpuSecondsPerRequest: number | null = null;
  if (server.task !== null && server.cpuUtilization.length > 0) {
    const vcpus = Number(server.task.cpu) / 1024;
    const tasksAt = new Map(server.taskCount.map((p) => [p.timeMs, p.value]));
    let cpuSeconds = 0;
    for (const p of server.cpuUtilization) {
      const tasks = tasksAt.get(p.timeMs);
      if (tasks !== undefined) cpuSeconds += (p.value / 100) * vcpus * tasks * server.periodSeconds;
    }
    cpuSecondsPerRequest = cpuSeconds / run.requests;
  }
  return {
    cpuSecondsPerRequest,
    requestsPerTaskSecond: taskSeconds > 0 ? run.requests / taskSeconds : null,
    taskHours: taskSeconds / 3600,
  };
}

/** Bad lines of a run's k6 output named one by one; the rest are counted. */
export const MAX_NAMED_BAD_K6_LINES = 5;

/** The run as the gate sees it (analysis/gate.ts). */
export function gateRunOf(run: RunData): GateRun {
  const capacity = capacityFigures(run);
  const server = run.server;
  const peak = (points: readonly ServerPoint[] | undefined): number | null =>
    points === undefined || points.length === 0
      ? null
      : points.reduce((m, p) => Math.max(m, p.value), -Infinity);
  return {
    label: run.meta.runId,
    requests: run.requests,
    failedRequests: run.failedRequests,
    status5xx: run.status5xx,
    latencyP95Ms: run.latency.p95Ms,
    latencyP99Ms: run.latency.p99Ms,
    latencySample: run.latencySample,
    secondP95Ms: run.seconds.flatMap((s) => (s.p95Ms === null ? [] : [s.p95Ms])),
    thresholds: run.thresholds.map((t) => ({ ...t, percent: judgedPercentile(t.expression) })),
    slo: run.slo,
    server:
      server === null
        ? null
        : {
            peakCpuPercent: peak(server.cpuUtilization),
            peakMemoryPercent: peak(server.memoryUtilization),
            maxTasks: peak(server.taskCount),
            maxCapacity: server.maxCapacity,
          },
    cpuSecondsPerRequest: capacity.cpuSecondsPerRequest,
    requestsPerTaskSecond: capacity.requestsPerTaskSecond,
    unmeasured: run.unmeasured,
    ...(run.k6Passed === undefined ? {} : { k6Passed: run.k6Passed }),
  };
}
