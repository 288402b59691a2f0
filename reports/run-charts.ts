/**
 * Vega-Lite (v6) chart specs for the run report. Pure: RunData in, charts out.
 *
 *   RunData.seconds (one row per second) → buckets of at most MAX_POINTS rows
 *     → requests, latency, errors; and, when the bundle has a server side, tasks with
 *       RequestCountPerTarget, and CPU / memory utilization.
 *
 * Data is inline (the HTML opens offline); times are epoch ms on a UTC scale. Strings from
 * outside go into a spec only as data values (TaskIds, container names, scaling-activity
 * descriptions and causes from AWS): never into markup; html.ts embeds specs with
 * jsonForScript and vega-tooltip escapes tooltip text.
 */
import type { TopLevelSpec } from "vega-lite";
import { bucketSize, MAX_POINTS, type Chart } from "./timeline-charts.js";
import { PALETTE, referenceRule, responsive } from "./chart-style.js";
import { formatCompact, formatNumber } from "./format.js";
import type {
  RunData,
  RunSecond,
  ServerPoint,
  TaskUsage,
  TrafficSide,
  TrafficStep,
  UsageSeries,
} from "./run-data.js";

/** Tasks named in a per-task chart's legend at most (lines are drawn for every task). */
export const LEGEND_TASKS = 20;

const TIME_X = {
  field: "t",
  type: "temporal",
  title: "time (UTC)",
  scale: { type: "utc" },
  axis: { format: "%H:%M:%S", labelOverlap: true },
} as const;
const TIME_TOOLTIP = { field: "t", type: "temporal", title: "time (UTC)", format: "%H:%M:%S" };

/** A chart of the run report (same shape as the plan report's, so the HTML shell is shared). */
export type RunChart = Chart;

/** Every chart of the run report, in report order (server-side charts only with data). */
export function runCharts(run: RunData): RunChart[] {
  return [
    ...(run.traffic === null
      ? loadTestCharts(run)
      : trafficCharts(run.traffic, run.trafficVerdict?.slo.latencyP95Ms)),
    ...serverCharts(run),
  ];
}

/** The load test's charts, from k6's seconds: requests, latency, errors (none without seconds). */
function loadTestCharts(run: RunData): RunChart[] {
  if (run.seconds.length === 0) return [];
  const bucket = bucketSize(run.seconds.length, MAX_POINTS);
  const per = bucket === 1 ? "per second" : `per ${bucket}-second bucket`;
  const failed = run.seconds.reduce((a, s) => a + s.failed + s.status5xx, 0);
  return [
    {
      id: "chart-requests",
      title: "Request rate",
      caption: `Requests and failed requests per second (mean ${per}).`,
      spec: requestRateChart(run),
    },
    {
      id: "chart-latency",
      title: "Latency percentiles",
      caption: `p50, p95 and p99 of http_req_duration ${per === "per second" ? "each second" : `(bucket max, ${per})`}${latencyOnLogScale(run) ? ", log scale" : ""}${run.slo ? "; the dark line is the SLO p95" : ""}.`,
      spec: latencyChart(run),
    },
    {
      id: "chart-errors",
      title: "Errors",
      caption: `Failed requests (http_req_failed) and 5xx responses as a share of requests, ${per}.`,
      spec: errorChart(run),
      ...(failed === 0
        ? {
            note: `No errors: none of the ${formatNumber(run.requests)} requests failed (http_req_failed) or got a 5xx response.`,
          }
        : {}),
    },
  ];
}

/** The server side's charts (none without one): tasks, requests per target, CPU and memory. */
function serverCharts(run: RunData): RunChart[] {
  const charts: RunChart[] = [];
  const server = run.server;
  if (server !== null) {
    charts.push({
      id: "chart-server-tasks",
      title: "Running tasks",
      caption: `Running tasks (ECS/ContainerInsights RunningTaskCount) per ${server.periodSeconds}-s period${server.scalingEvents.length > 0 ? "; the dotted vertical lines are the scaling activities" : ""}${server.maxCapacity !== null ? "; the dashed line is MaxCapacity" : ""}.`,
      spec: serverTasksChart(run),
    });
    charts.push({
      id: "chart-server-rcpt",
      title: "Requests per target",
      caption: `ALB RequestCountPerTarget per ${server.periodSeconds}-s period.`,
      spec: requestsPerTargetChart(run),
      ...(server.requestCountPerTarget.length === 0
        ? { note: "The bundle has no RequestCountPerTarget series." }
        : {}),
    });
    charts.push({
      id: "chart-server-utilization",
      title: "Server CPU and memory",
      caption: `AWS/ECS CPUUtilization and MemoryUtilization (service average), percent, per ${server.periodSeconds}-s period${(server.cpuUtilization20s?.length ?? 0) + (server.memoryUtilization20s?.length ?? 0) > 0 ? ", and at 20 s where the service publishes them" : ""}.`,
      spec: serverUtilizationChart(run),
      ...(server.cpuUtilization.length +
        server.memoryUtilization.length +
        (server.cpuUtilization20s?.length ?? 0) +
        (server.memoryUtilization20s?.length ?? 0) ===
      0
        ? {
            note: "The bundle has no AWS/ECS CPUUtilization or MemoryUtilization series (service average).",
          }
        : {}),
    });
    for (const metric of ["cpu", "memory"] as const) {
      if (!server.tasks.some((t) => hasUsage(t, metric))) continue;
      const what = metric === "cpu" ? "CPU" : "memory";
      const n = server.tasks.length;
      const unit = metric === "cpu" ? "CpuUtilized (CPU units)" : "MemoryUtilized (MiB)";
      charts.push({
        id: `chart-server-task-${metric}`,
        title: `Server ${what} per task`,
        caption: `ECS/ContainerInsights ${unit}, average per ${server.periodSeconds}-s period: one line per task (${n} task${n === 1 ? "" : "s"}${n > LEGEND_TASKS ? `, the first ${LEGEND_TASKS} in the legend` : ""}).`,
        spec: taskUsageChart(run, metric),
      });
      if (server.tasks.some((t) => t.containers.some((c) => hasUsage(c, metric))))
        charts.push({
          id: `chart-server-container-${metric}`,
          title: `Server ${what} per container`,
          caption: `ECS/ContainerInsights ${unit} per container, one line per task and container, coloured by container name.`,
          spec: containerUsageChart(run, metric),
        });
    }
  }
  return charts;
}

/** A trace bundle's steps, in buckets of `bucket`: sums of counts, max p95, mean weighted by requests. */
export function bucketTraffic(steps: readonly TrafficStep[], bucket: number): TrafficStep[] {
  if (bucket <= 1) return [...steps];
  const out: TrafficStep[] = [];
  for (let i = 0; i < steps.length; i += bucket) {
    const part = steps.slice(i, i + bucket);
    const requests = part.reduce((a, s) => a + s.requests, 0);
    const errors = part.filter((s) => s.http5xx !== null);
    const p95 = part.filter((s) => s.p95Ms !== null).map((s) => s.p95Ms!);
    const avg = part.filter((s) => s.avgMs !== null && s.requests > 0);
    const weight = avg.reduce((a, s) => a + s.requests, 0);
    out.push({
      timeMs: part[0]!.timeMs,
      requests,
      http5xx: errors.length === 0 ? null : errors.reduce((a, s) => a + s.http5xx!, 0),
      p95Ms: p95.length === 0 ? null : Math.max(...p95),
      avgMs: weight > 0 ? avg.reduce((a, s) => a + s.avgMs! * s.requests, 0) / weight : null,
    });
  }
  return out;
}

/**
 * The time axis of a trace bundle's charts, from minutes to months: labels on a 24-hour clock
 * (vega's own pick would read 00:42 as "12:42"), with the date once the span passes a day.
 */
function trafficX(spanMs: number) {
  const day = 86_400_000;
  const format = spanMs <= day ? "%H:%M" : spanMs <= 14 * day ? "%b %d %H:%M" : "%b %d";
  return {
    field: "t",
    type: "temporal",
    title: "time (UTC)",
    scale: { type: "utc" },
    axis: { format, labelOverlap: true },
  } as const;
}
const TRAFFIC_TOOLTIP = {
  field: "t",
  type: "temporal",
  title: "time (UTC)",
  format: "%Y-%m-%d %H:%M",
};

/** A trace bundle's charts: requests and 5xx per second, and TargetResponseTime when it has one. */
export function trafficCharts(traffic: TrafficSide, sloP95Ms?: number): RunChart[] {
  if (traffic.steps.length === 0) return [];
  const bucket = bucketSize(traffic.steps.length, MAX_POINTS);
  const rows = bucketTraffic(traffic.steps, bucket);
  const step = traffic.stepSeconds;
  const per =
    bucket === 1
      ? `each ${formatNumber(step)}-s step`
      : `per ${formatNumber(bucket * step)}-s bucket of ${bucket} steps`;
  const charts: RunChart[] = [];
  const has5xx = traffic.from.http5xx.length > 0;
  const x = trafficX(rows[rows.length - 1]!.timeMs - rows[0]!.timeMs);
  // A few points draw no line to see: mark each of them.
  const point = rows.length <= 60;
  charts.push({
    id: "chart-traffic-requests",
    title: "Request rate",
    caption: `Requests${has5xx ? " and 5xx responses" : ""} per second (mean ${per}).`,
    spec: responsive(
      {
        description: "Requests and 5xx responses per second.",
        data: {
          values: rows.flatMap((r) => [
            { t: r.timeMs, series: "requests", value: round(r.requests / (bucket * step)) },
            ...(has5xx
              ? [{ t: r.timeMs, series: "5xx", value: round((r.http5xx ?? 0) / (bucket * step)) }]
              : []),
          ]),
        },
        mark: { type: "line", strokeWidth: 1.2, interpolate: "step-after", point },
        encoding: {
          x,
          y: { field: "value", type: "quantitative", title: "per second" },
          color: {
            field: "series",
            type: "nominal",
            title: null,
            scale: has5xx
              ? { domain: ["requests", "5xx"], range: [PALETTE.blue, PALETTE.vermillion] }
              : { domain: ["requests"], range: [PALETTE.blue] },
          },
          tooltip: [TRAFFIC_TOOLTIP, { field: "series" }, { field: "value", format: ",.2f" }],
        },
      },
      200,
    ),
  });
  const latency = rows.flatMap((r) =>
    (
      [
        ["p95", r.p95Ms],
        ["average", r.avgMs],
      ] as const
    ).flatMap(([series, v]) =>
      v === null || v <= 0 ? [] : [{ t: r.timeMs, series, value: round(v, 2) }],
    ),
  );
  if (latency.length > 0) {
    const log = spansTenfold(latency, sloP95Ms);
    const lines = {
      data: { values: latency },
      mark: { type: "line", strokeWidth: 1.3, point },
      encoding: {
        x,
        y: latencyAxis(log),
        color: {
          field: "series",
          type: "nominal",
          title: null,
          scale: { domain: ["p95", "average"], range: [PALETTE.blue, PALETTE.green] },
        },
        tooltip: [
          TRAFFIC_TOOLTIP,
          { field: "series" },
          { field: "value", title: "ms", format: ",.1f" },
        ],
      },
    } as const;
    charts.push({
      id: "chart-traffic-latency",
      title: "Response time",
      caption: `TargetResponseTime p95 (${bucket === 1 ? "each step" : "the bucket's worst step"}) and average (weighted by requests), ${per}${log ? ", log scale" : ""}${sloP95Ms === undefined ? "" : "; the dark line is the SLO p95 it was judged against"}.`,
      spec: responsive(
        sloP95Ms === undefined
          ? { description: "Response time per step.", ...lines }
          : {
              description: "Response time per step against the SLO p95.",
              layer: [
                lines,
                referenceRule("slo", sloP95Ms, `SLO p95 ${formatCompact(sloP95Ms)} ms`, {
                  dash: [],
                }),
              ],
            },
        220,
      ),
    });
  }
  return charts;
}

function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Consecutive seconds in buckets of `bucket`: sums of counts and max of latencies. */
export function bucketSeconds(seconds: readonly RunSecond[], bucket: number): RunSecond[] {
  if (bucket <= 1) return [...seconds];
  const out: RunSecond[] = [];
  for (let i = 0; i < seconds.length; i += bucket) {
    const part = seconds.slice(i, i + bucket);
    const max = (pick: (s: RunSecond) => number | null): number | null => {
      const v = part.map(pick).filter((x): x is number => x !== null);
      return v.length === 0 ? null : Math.max(...v);
    };
    const sum = (pick: (s: RunSecond) => number): number => part.reduce((a, s) => a + pick(s), 0);
    out.push({
      timeMs: part[0]?.timeMs ?? 0,
      requests: sum((s) => s.requests),
      failed: sum((s) => s.failed),
      status5xx: sum((s) => s.status5xx),
      droppedIterations: sum((s) => s.droppedIterations),
      p50Ms: max((s) => s.p50Ms),
      p95Ms: max((s) => s.p95Ms),
      p99Ms: max((s) => s.p99Ms),
    });
  }
  return out;
}

function buckets(run: RunData): { rows: RunSecond[]; bucket: number } {
  const bucket = bucketSize(run.seconds.length, MAX_POINTS);
  return { rows: bucketSeconds(run.seconds, bucket), bucket };
}

/** Requests and failures per second, long format (series, value). */
export function requestRateChart(run: RunData): TopLevelSpec {
  const { rows, bucket } = buckets(run);
  const values = rows.flatMap((r) => [
    { t: r.timeMs, series: "requests", value: round(r.requests / bucket) },
    { t: r.timeMs, series: "failed", value: round(r.failed / bucket) },
  ]);
  return responsive(
    {
      description: "Requests and failed requests per second.",
      data: { values },
      mark: { type: "line", strokeWidth: 1.2, interpolate: "step-after" },
      encoding: {
        x: TIME_X,
        y: { field: "value", type: "quantitative", title: "per second" },
        color: {
          field: "series",
          type: "nominal",
          title: null,
          scale: { domain: ["requests", "failed"], range: [PALETTE.blue, PALETTE.vermillion] },
        },
        tooltip: [TIME_TOOLTIP, { field: "series" }, { field: "value", format: ",.1f" }],
      },
    },
    200,
  );
}

/** Colours of the latency percentiles: three Okabe–Ito hues, p99 also dashed. */
const PERCENTILE_COLORS = [PALETTE.green, PALETTE.blue, PALETTE.purple];

/** The latencies the chart draws (ms, above zero), p50, p95 and p99 of every bucket. */
function latencyValues(run: RunData): { t: number; series: string; value: number }[] {
  return buckets(run).rows.flatMap((r) =>
    (
      [
        ["p50", r.p50Ms],
        ["p95", r.p95Ms],
        ["p99", r.p99Ms],
      ] as const
    ).flatMap(([series, v]) =>
      v === null || v <= 0 ? [] : [{ t: r.timeMs, series, value: round(v, 2) }],
    ),
  );
}

/**
 * A log scale when the latencies (and the SLO line) span ten times or more, so a spike and the
 * quiet seconds both read; a linear one around the data otherwise (a log axis from 100 to 1,000
 * ms flattens a run that stays between 120 and 130 ms).
 */
export function latencyOnLogScale(run: RunData): boolean {
  return spansTenfold(latencyValues(run), run.slo?.latencyP95Ms);
}

/** Whether `values` and the SLO line (when above zero) span ten times or more. */
function spansTenfold(values: readonly { value: number }[], slo: number | undefined): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (const { value } of values) {
    lo = Math.min(lo, value);
    hi = Math.max(hi, value);
  }
  if (slo !== undefined && slo > 0) [lo, hi] = [Math.min(lo, slo), Math.max(hi, slo)];
  return hi >= 10 * lo;
}

/** The latency axis, ms: a log scale when the values span 10× (see {@link latencyOnLogScale}). */
function latencyAxis(log: boolean) {
  return {
    field: "value",
    type: "quantitative",
    title: log ? "latency (ms, log scale)" : "latency (ms)",
    scale: log ? { type: "log" } : { zero: false },
  } as const;
}

/** p50 / p95 / p99 per second (log scale when they span 10×), with the SLO p95 as a labelled line. */
export function latencyChart(run: RunData): TopLevelSpec {
  const values = latencyValues(run);
  const log = spansTenfold(values, run.slo?.latencyP95Ms);
  const lines = {
    data: { values },
    mark: { type: "line", strokeWidth: 1.4 },
    encoding: {
      x: TIME_X,
      y: latencyAxis(log),
      color: {
        field: "series",
        type: "nominal",
        title: null,
        scale: { domain: ["p50", "p95", "p99"], range: PERCENTILE_COLORS },
      },
      strokeDash: {
        field: "series",
        type: "nominal",
        title: null,
        scale: {
          domain: ["p50", "p95", "p99"],
          range: [
            [1, 0],
            [1, 0],
            [5, 3],
          ],
        },
      },
      tooltip: [TIME_TOOLTIP, { field: "series" }, { field: "value", title: "ms", format: ",.1f" }],
    },
  };
  const slo = run.slo?.latencyP95Ms;
  return responsive(
    {
      description: "Latency percentiles per second.",
      layer:
        slo === undefined
          ? [lines]
          : [lines, referenceRule("slo", slo, `SLO p95 ${formatNumber(slo)} ms`, { dash: [] })],
    },
    220,
  );
}

/** Failed requests and 5xx responses as a percent of requests. */
export function errorChart(run: RunData): TopLevelSpec {
  const { rows } = buckets(run);
  const share = (n: number, of: number): number => (of > 0 ? round((n / of) * 100, 3) : 0);
  const values = rows.flatMap((r) => [
    { t: r.timeMs, series: "failed %", value: share(r.failed, r.requests) },
    { t: r.timeMs, series: "5xx %", value: share(r.status5xx, r.requests) },
  ]);
  return responsive(
    {
      description: "Error rate per second.",
      data: { values },
      mark: { type: "area", opacity: 0.5, interpolate: "step-after" },
      encoding: {
        x: TIME_X,
        y: { field: "value", type: "quantitative", title: "percent of requests", stack: null },
        color: {
          field: "series",
          type: "nominal",
          title: null,
          scale: { domain: ["failed %", "5xx %"], range: [PALETTE.vermillion, PALETTE.orange] },
        },
        tooltip: [TIME_TOOLTIP, { field: "series" }, { field: "value", format: ",.2f" }],
      },
    },
    160,
  );
}

function seriesValues(
  named: readonly (readonly [string, readonly ServerPoint[]])[],
): { t: number; series: string; value: number }[] {
  return named.flatMap(([series, points]) =>
    points.map((p) => ({ t: p.timeMs, series, value: round(p.value, 2) })),
  );
}

/** Running tasks with the scaling activities and MaxCapacity. */
export function serverTasksChart(run: RunData): TopLevelSpec {
  const s = run.server;
  const tasks = seriesValues([["tasks", s?.taskCount ?? []]]);
  const maxCapacity = s?.maxCapacity ?? null;
  const events = (s?.scalingEvents ?? []).map((e) => ({
    t: e.timeMs,
    status: e.statusCode || "unknown",
    description: e.description,
    cause: e.cause,
  }));
  const eventLayer = {
    data: { values: events },
    // aria: false keeps AWS strings out of the static SVG's aria-label (tooltip only).
    mark: {
      type: "rule",
      color: PALETTE.orange,
      strokeWidth: 1.5,
      strokeDash: [2, 2],
      aria: false,
    },
    encoding: {
      x: TIME_X,
      tooltip: [
        { ...TIME_TOOLTIP, title: "scaling activity (UTC)" },
        { field: "status", title: "status" },
        { field: "description", title: "description" },
        { field: "cause", title: "cause" },
      ],
    },
  };
  const taskLayer = {
    data: { values: tasks },
    mark: { type: "line", interpolate: "step-after", color: PALETTE.blue, point: true },
    encoding: {
      x: TIME_X,
      y: { field: "value", type: "quantitative", title: "running tasks" },
      tooltip: [TIME_TOOLTIP, { field: "value", title: "tasks", format: ",.1f" }],
    },
  };
  return responsive(
    {
      description: "Running tasks with scaling activities.",
      layer: [
        taskLayer,
        ...(maxCapacity === null
          ? []
          : [referenceRule("maxCapacity", maxCapacity, `MaxCapacity ${maxCapacity}`)]),
        ...(events.length === 0 ? [] : [eventLayer]),
      ],
    },
    160,
  );
}

/** RequestCountPerTarget per period, as bars. */
export function requestsPerTargetChart(run: RunData): TopLevelSpec {
  const rcpt = seriesValues([["RequestCountPerTarget", run.server?.requestCountPerTarget ?? []]]);
  return responsive(
    {
      description: "RequestCountPerTarget per period.",
      data: { values: rcpt },
      mark: { type: "bar", color: PALETTE.skyBlue },
      encoding: {
        x: TIME_X,
        y: { field: "value", type: "quantitative", title: "requests per target" },
        tooltip: [TIME_TOOLTIP, { field: "value", title: "requests per target", format: ",.0f" }],
      },
    },
    130,
  );
}

/** CPU and memory utilization, percent. */
export function serverUtilizationChart(run: RunData): TopLevelSpec {
  const s = run.server;
  const named: [string, readonly ServerPoint[], string][] = [
    ["CPU %", s?.cpuUtilization ?? [], PALETTE.blue],
    ["memory %", s?.memoryUtilization ?? [], PALETTE.vermillion],
    ["CPU % (20 s)", s?.cpuUtilization20s ?? [], PALETTE.skyBlue],
    ["memory % (20 s)", s?.memoryUtilization20s ?? [], PALETTE.orange],
  ];
  const shown = named.filter(([name, points]) => points.length > 0 || !name.endsWith("(20 s)"));
  const values = seriesValues(shown.map(([name, points]) => [name, points] as const));
  return responsive(
    {
      description: "CPU and memory utilization.",
      data: { values },
      mark: { type: "line", point: true },
      encoding: {
        x: TIME_X,
        y: { field: "value", type: "quantitative", title: "percent", scale: { domain: [0, 100] } },
        color: {
          field: "series",
          type: "nominal",
          title: null,
          scale: {
            domain: shown.map(([name]) => name),
            range: shown.map(([, , color]) => color),
          },
        },
        tooltip: [TIME_TOOLTIP, { field: "series" }, { field: "value", format: ",.1f" }],
      },
    },
    180,
  );
}

function hasUsage(u: UsageSeries, metric: "cpu" | "memory"): boolean {
  return (metric === "cpu" ? u.cpuUnits : u.memoryMiB).length > 0;
}

function usagePoints(u: UsageSeries, metric: "cpu" | "memory"): readonly ServerPoint[] {
  return metric === "cpu" ? u.cpuUnits : u.memoryMiB;
}

/**
 * CpuUtilized or MemoryUtilized per task: a line per task, coloured by TaskId, the legend
 * limited to {@link LEGEND_TASKS}.
 */
export function taskUsageChart(run: RunData, metric: "cpu" | "memory"): TopLevelSpec {
  const tasks: readonly TaskUsage[] = run.server?.tasks ?? [];
  const unit = metric === "cpu" ? "CPU units" : "MiB";
  const format = metric === "cpu" ? ",.1f" : ",.0f";
  const taskValues = tasks.flatMap((t) =>
    usagePoints(t, metric).map((p) => ({ t: p.timeMs, task: t.taskId, value: round(p.value, 2) })),
  );
  return responsive(
    {
      description: `${metric === "cpu" ? "CpuUtilized" : "MemoryUtilized"} per task.`,
      data: { values: taskValues },
      mark: { type: "line", point: true, strokeWidth: 1.2 },
      encoding: {
        x: TIME_X,
        y: {
          field: "value",
          type: "quantitative",
          title: `${unit} per task`,
          ...zeroOnlyScale(taskValues),
        },
        color: {
          field: "task",
          type: "nominal",
          title: "task",
          scale: { scheme: "tableau10" },
          legend: { symbolLimit: LEGEND_TASKS, labelLimit: 160, columns: 4 },
        },
        tooltip: [TIME_TOOLTIP, { field: "task" }, { field: "value", title: unit, format }],
      },
    },
    180,
  );
}

/**
 * A y scale from 0 to 1 when every value is 0 (Container Insights reports 0 for an idle
 * task): vega-lite's domain [0, 0] would draw one tick, labelled "0.000000".
 */
function zeroOnlyScale(values: readonly { value: number }[]): { scale?: { domain: number[] } } {
  return values.every((v) => v.value === 0) ? { scale: { domain: [0, 1] } } : {};
}

/** CpuUtilized or MemoryUtilized per container: a line per task and container. */
export function containerUsageChart(run: RunData, metric: "cpu" | "memory"): TopLevelSpec {
  const tasks: readonly TaskUsage[] = run.server?.tasks ?? [];
  const unit = metric === "cpu" ? "CPU units" : "MiB";
  const format = metric === "cpu" ? ",.1f" : ",.0f";
  const containerValues = tasks.flatMap((t) =>
    t.containers.flatMap((c) =>
      usagePoints(c, metric).map((p) => ({
        t: p.timeMs,
        task: t.taskId,
        container: c.name,
        value: round(p.value, 2),
      })),
    ),
  );
  return responsive(
    {
      description: `${metric === "cpu" ? "CpuUtilized" : "MemoryUtilized"} per container.`,
      data: { values: containerValues },
      mark: { type: "line", point: true, strokeWidth: 1.2 },
      encoding: {
        x: TIME_X,
        y: {
          field: "value",
          type: "quantitative",
          title: `${unit} per container`,
          ...zeroOnlyScale(containerValues),
        },
        color: {
          field: "container",
          type: "nominal",
          title: "container",
          scale: { scheme: "tableau10" },
          legend: { symbolLimit: LEGEND_TASKS, labelLimit: 160, columns: 4 },
        },
        detail: { field: "task", type: "nominal" },
        tooltip: [
          TIME_TOOLTIP,
          { field: "task" },
          { field: "container" },
          { field: "value", title: unit, format },
        ],
      },
    },
    160,
  );
}
