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
import { bucketSize, MAX_POINTS, type PlanChart } from "./plan-charts.js";
import type { RunData, RunSecond, ServerPoint, TaskUsage, UsageSeries } from "./run-data.js";

/** Tasks named in a per-task chart's legend at most (lines are drawn for every task). */
export const LEGEND_TASKS = 20;

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const WIDTH = 700;
const SLO_COLOR = "#dc2626";

const TIME_X = {
  field: "t",
  type: "temporal",
  title: "time (UTC)",
  scale: { type: "utc" },
  axis: { format: "%H:%M:%S", labelOverlap: true },
} as const;
const TIME_TOOLTIP = { field: "t", type: "temporal", title: "time (UTC)", format: "%H:%M:%S" };

/** A chart of the run report (same shape as the plan report's, so the HTML shell is shared). */
export type RunChart = PlanChart;

/** Every chart of the run report, in report order (server-side charts only with data). */
export function runCharts(run: RunData): RunChart[] {
  const bucket = bucketSize(run.seconds.length, MAX_POINTS);
  const per = bucket === 1 ? "per second" : `per ${bucket}-second bucket`;
  const charts: RunChart[] = [
    {
      id: "chart-requests",
      title: "Request rate",
      caption: `Requests and failed requests per second (mean ${per}).`,
      spec: requestRateChart(run),
    },
    {
      id: "chart-latency",
      title: "Latency percentiles",
      caption: `p50, p95 and p99 of http_req_duration ${per === "per second" ? "each second" : `(bucket max, ${per})`}, log scale${run.slo ? "; the red rule is the SLO p95" : ""}.`,
      spec: latencyChart(run),
    },
    {
      id: "chart-errors",
      title: "Errors",
      caption: `Failed requests (http_req_failed) and 5xx responses as a share of requests, ${per}.`,
      spec: errorChart(run),
    },
  ];
  const server = run.server;
  if (server !== null) {
    charts.push({
      id: "chart-server-tasks",
      title: "Tasks and requests per target",
      caption: `Running tasks (ECS/ContainerInsights RunningTaskCount) and RequestCountPerTarget per ${server.periodSeconds}-s period.`,
      spec: serverTasksChart(run),
    });
    charts.push({
      id: "chart-server-utilization",
      title: "Server CPU and memory",
      caption: `AWS/ECS CPUUtilization and MemoryUtilization (service average), percent, per ${server.periodSeconds}-s period${(server.cpuUtilization20s?.length ?? 0) + (server.memoryUtilization20s?.length ?? 0) > 0 ? ", and at 20 s (lighter lines) where the service publishes them" : ""}.`,
      spec: serverUtilizationChart(run),
    });
    for (const metric of ["cpu", "memory"] as const) {
      if (!server.tasks.some((t) => hasUsage(t, metric))) continue;
      const what = metric === "cpu" ? "CPU" : "memory";
      const n = server.tasks.length;
      charts.push({
        id: `chart-server-task-${metric}`,
        title: `Server ${what} per task and container`,
        caption: `ECS/ContainerInsights ${metric === "cpu" ? "CpuUtilized (CPU units)" : "MemoryUtilized (MiB)"}, average per ${server.periodSeconds}-s period: one line per task (${n} task${n === 1 ? "" : "s"}${n > LEGEND_TASKS ? `, the first ${LEGEND_TASKS} in the legend` : ""}), then one per container.`,
        spec: taskUsageChart(run, metric),
      });
    }
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
  return {
    $schema: SCHEMA,
    description: "Requests and failed requests per second.",
    width: WIDTH,
    height: 200,
    data: { values },
    mark: { type: "line", strokeWidth: 1.2, interpolate: "step-after" },
    encoding: {
      x: TIME_X,
      y: { field: "value", type: "quantitative", title: "per second" },
      color: {
        field: "series",
        type: "nominal",
        title: null,
        scale: { domain: ["requests", "failed"], range: ["#2563eb", SLO_COLOR] },
      },
      tooltip: [TIME_TOOLTIP, { field: "series" }, { field: "value", format: ",.1f" }],
    },
  } as TopLevelSpec;
}

/** p50 / p95 / p99 per second on a log scale, with the SLO p95 as a rule. */
export function latencyChart(run: RunData): TopLevelSpec {
  const { rows } = buckets(run);
  const values = rows.flatMap((r) =>
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
  const lines = {
    data: { values },
    mark: { type: "line", strokeWidth: 1.2 },
    encoding: {
      x: TIME_X,
      y: {
        field: "value",
        type: "quantitative",
        title: "latency (ms, log scale)",
        scale: { type: "log" },
      },
      color: {
        field: "series",
        type: "nominal",
        title: null,
        scale: { domain: ["p50", "p95", "p99"], range: ["#93c5fd", "#2563eb", "#1e3a8a"] },
      },
      tooltip: [TIME_TOOLTIP, { field: "series" }, { field: "value", title: "ms", format: ",.1f" }],
    },
  };
  const slo = run.slo?.latencyP95Ms;
  return {
    $schema: SCHEMA,
    description: "Latency percentiles per second.",
    width: WIDTH,
    height: 220,
    layer:
      slo === undefined
        ? [lines]
        : [
            lines,
            {
              data: { values: [{ slo }] },
              mark: { type: "rule", color: SLO_COLOR, strokeWidth: 1.5, strokeDash: [4, 3] },
              encoding: { y: { field: "slo", type: "quantitative" } },
            },
          ],
  } as TopLevelSpec;
}

/** Failed requests and 5xx responses as a percent of requests. */
export function errorChart(run: RunData): TopLevelSpec {
  const { rows } = buckets(run);
  const share = (n: number, of: number): number => (of > 0 ? round((n / of) * 100, 3) : 0);
  const values = rows.flatMap((r) => [
    { t: r.timeMs, series: "failed %", value: share(r.failed, r.requests) },
    { t: r.timeMs, series: "5xx %", value: share(r.status5xx, r.requests) },
  ]);
  return {
    $schema: SCHEMA,
    description: "Error rate per second.",
    width: WIDTH,
    height: 160,
    data: { values },
    mark: { type: "area", opacity: 0.5, interpolate: "step-after" },
    encoding: {
      x: TIME_X,
      y: { field: "value", type: "quantitative", title: "percent of requests", stack: null },
      color: {
        field: "series",
        type: "nominal",
        title: null,
        scale: { domain: ["failed %", "5xx %"], range: [SLO_COLOR, "#f97316"] },
      },
      tooltip: [TIME_TOOLTIP, { field: "series" }, { field: "value", format: ",.2f" }],
    },
  } as TopLevelSpec;
}

function seriesValues(
  named: readonly (readonly [string, readonly ServerPoint[]])[],
): { t: number; series: string; value: number }[] {
  return named.flatMap(([series, points]) =>
    points.map((p) => ({ t: p.timeMs, series, value: round(p.value, 2) })),
  );
}

/** Running tasks above RequestCountPerTarget (two rows sharing the time axis). */
export function serverTasksChart(run: RunData): TopLevelSpec {
  const s = run.server;
  const tasks = seriesValues([["tasks", s?.taskCount ?? []]]);
  const rcpt = seriesValues([["RequestCountPerTarget", s?.requestCountPerTarget ?? []]]);
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
    mark: { type: "rule", color: "#b45309", strokeWidth: 1.5, strokeDash: [2, 2], aria: false },
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
    mark: { type: "line", interpolate: "step-after", color: "#0f766e", point: true },
    encoding: {
      x: TIME_X,
      y: { field: "value", type: "quantitative", title: "running tasks" },
      tooltip: [TIME_TOOLTIP, { field: "value", title: "tasks", format: ",.1f" }],
    },
  };
  return {
    $schema: SCHEMA,
    description: "Running tasks with scaling activities, and RequestCountPerTarget.",
    vconcat: [
      {
        width: WIDTH,
        height: 140,
        layer: [
          taskLayer,
          ...(maxCapacity === null
            ? []
            : [
                {
                  data: { values: [{ maxCapacity }] },
                  mark: { type: "rule", color: SLO_COLOR, strokeDash: [4, 3] },
                  encoding: { y: { field: "maxCapacity", type: "quantitative" } },
                },
              ]),
          ...(events.length === 0 ? [] : [eventLayer]),
        ],
      },
      {
        width: WIDTH,
        height: 120,
        data: { values: rcpt },
        mark: { type: "bar", color: "#6366f1" },
        encoding: {
          x: TIME_X,
          y: { field: "value", type: "quantitative", title: "RequestCountPerTarget" },
          tooltip: [TIME_TOOLTIP, { field: "value", title: "requests per target", format: ",.0f" }],
        },
      },
    ],
  } as TopLevelSpec;
}

/** CPU and memory utilization, percent. */
export function serverUtilizationChart(run: RunData): TopLevelSpec {
  const s = run.server;
  const named: [string, readonly ServerPoint[], string][] = [
    ["CPU %", s?.cpuUtilization ?? [], "#2563eb"],
    ["memory %", s?.memoryUtilization ?? [], "#a855f7"],
    ["CPU % (20 s)", s?.cpuUtilization20s ?? [], "#93c5fd"],
    ["memory % (20 s)", s?.memoryUtilization20s ?? [], "#d8b4fe"],
  ];
  const shown = named.filter(([name, points]) => points.length > 0 || !name.endsWith("(20 s)"));
  const values = seriesValues(shown.map(([name, points]) => [name, points] as const));
  return {
    $schema: SCHEMA,
    description: "CPU and memory utilization.",
    width: WIDTH,
    height: 180,
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: TIME_X,
      y: { field: "value", type: "quantitative", title: "percent", scale: { domain: [0, 100] } },
      color: {
        field: "series",
        type: "nominal",
        title: null,
        scale: { domain: shown.map(([name]) => name), range: shown.map(([, , color]) => color) },
      },
      tooltip: [TIME_TOOLTIP, { field: "series" }, { field: "value", format: ",.1f" }],
    },
  } as TopLevelSpec;
}

function hasUsage(u: UsageSeries, metric: "cpu" | "memory"): boolean {
  return (metric === "cpu" ? u.cpuUnits : u.memoryMiB).length > 0;
}

function usagePoints(u: UsageSeries, metric: "cpu" | "memory"): readonly ServerPoint[] {
  return metric === "cpu" ? u.cpuUnits : u.memoryMiB;
}

/**
 * CpuUtilized or MemoryUtilized per task (a line per task, colored by TaskId, the legend
 * limited to {@link LEGEND_TASKS}) above the same per container (colored by container name,
 * a line per task and container); the container row only when there are container series.
 */
export function taskUsageChart(run: RunData, metric: "cpu" | "memory"): TopLevelSpec {
  const tasks: readonly TaskUsage[] = run.server?.tasks ?? [];
  const unit = metric === "cpu" ? "CPU units" : "MiB";
  const format = metric === "cpu" ? ",.1f" : ",.0f";
  const taskValues = tasks.flatMap((t) =>
    usagePoints(t, metric).map((p) => ({ t: p.timeMs, task: t.taskId, value: round(p.value, 2) })),
  );
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
  const y = { field: "value", type: "quantitative", title: `${unit} per task` };
  const perTask = {
    width: WIDTH,
    height: 180,
    data: { values: taskValues },
    mark: { type: "line", point: true, strokeWidth: 1.2 },
    encoding: {
      x: TIME_X,
      y,
      color: {
        field: "task",
        type: "nominal",
        title: "task",
        scale: { scheme: "tableau20" },
        legend: { symbolLimit: LEGEND_TASKS, labelLimit: 160 },
      },
      tooltip: [TIME_TOOLTIP, { field: "task" }, { field: "value", title: unit, format }],
    },
  };
  const perContainer = {
    width: WIDTH,
    height: 160,
    data: { values: containerValues },
    mark: { type: "line", point: true, strokeWidth: 1.2 },
    encoding: {
      x: TIME_X,
      y: { ...y, title: `${unit} per container` },
      color: {
        field: "container",
        type: "nominal",
        title: "container",
        legend: { symbolLimit: LEGEND_TASKS, labelLimit: 160 },
      },
      detail: { field: "task", type: "nominal" },
      tooltip: [
        TIME_TOOLTIP,
        { field: "task" },
        { field: "container" },
        { field: "value", title: unit, format },
      ],
    },
  };
  return {
    $schema: SCHEMA,
    description: `${metric === "cpu" ? "CpuUtilized" : "MemoryUtilized"} per task and container.`,
    vconcat: containerValues.length === 0 ? [perTask] : [perTask, perContainer],
    resolve: { scale: { color: "independent" }, legend: { color: "independent" } },
  } as TopLevelSpec;
}
