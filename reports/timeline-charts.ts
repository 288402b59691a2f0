/**
 * Vega-Lite (v6) charts of simulated timelines, shared by the plan report (recommended and
 * current runs) and the simulate report (one run). Pure: timelines in, specs out.
 *
 *   ChartRun[] (timeline, events, the metric it tracks) + the trace's requests + the SLO
 *     → downsampled rows (at most MAX_POINTS per series; spikes kept, see {@link downsample})
 *     → traffic, tasks with scaling events, metric against target, p95 against the SLO, cost.
 *
 * Every chart draws its data inline (the HTML opens offline) and is as wide as its container
 * (chart-style.ts). Times are epoch milliseconds on a UTC scale. A chart with nothing to draw
 * is a note instead ({@link Chart.note}), never an empty frame.
 */
import type { TopLevelSpec } from "vega-lite";
import type { PredefinedMetricType, ScalingEvent, Timeline } from "../sim/vocab/index.js";
import { PALETTE, REFERENCE_COLOR, referenceRule, responsive } from "./chart-style.js";
import { formatCompact, formatNumber } from "./format.js";

/** Most points drawn per series; longer timelines are bucketed. */
export const MAX_POINTS = 2000;
/** Most scaling-event marks drawn; scale-outs and scale-ins are kept first. */
export const MAX_EVENT_MARKS = 1000;

/** A chart of a report: a stable id (the HTML element id), a title, a caption and its spec. */
export interface Chart {
  readonly id: string;
  readonly title: string;
  /** One sentence on how to read the chart. */
  readonly caption: string;
  readonly spec: TopLevelSpec;
  /** A static SVG rendering, filled in by the writer (I/O side) when it can render one. */
  readonly fallbackSvg?: string;
  /** Nothing to draw: the report shows this sentence instead of the chart. */
  readonly note?: string;
}

// ---------------------------------------------------------------------------------------
// Downsampling

/** Steps per bucket so that `length` steps give at most `maxPoints` buckets (at least 1). */
export function bucketSize(length: number, maxPoints: number = MAX_POINTS): number {
  if (maxPoints < 1) throw new Error("bucketSize requires maxPoints of at least 1");
  return Math.max(1, Math.ceil(length / maxPoints));
}

/**
 * Aggregates consecutive buckets of `bucket` values: "max" keeps spikes (latency, tasks,
 * utilization), "sum" keeps totals (requests, cost). The last bucket may be shorter.
 * Cost: O(n). Example: `downsample([1, 5, 2, 2], 2, "max")` → `[5, 2]`.
 */
export function downsample(
  values: ArrayLike<number>,
  bucket: number,
  how: "max" | "sum",
): number[] {
  if (!Number.isInteger(bucket) || bucket < 1) {
    throw new Error("downsample requires a whole bucket size of at least 1");
  }
  const out: number[] = [];
  for (let start = 0; start < values.length; start += bucket) {
    const end = Math.min(values.length, start + bucket);
    let acc = how === "max" ? -Infinity : 0;
    for (let i = start; i < end; i++) {
      const v = values[i] ?? 0;
      acc = how === "max" ? Math.max(acc, v) : acc + v;
    }
    out.push(acc);
  }
  return out;
}

/** Rounds for compact inline JSON; charts do not need more digits. */
export function round(v: number, digits = 2): number {
  if (!Number.isFinite(v)) return 0;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

interface Bucketing {
  readonly bucket: number;
  /** Start time of each bucket, epoch ms. */
  readonly times: number[];
  /** Length of each bucket in minutes (the last one may be shorter). */
  readonly minutes: number[];
}

function bucketing(startMs: number, stepSeconds: number, length: number): Bucketing {
  const bucket = bucketSize(length);
  const times: number[] = [];
  const minutes: number[] = [];
  for (let start = 0; start < length; start += bucket) {
    const steps = Math.min(bucket, length - start);
    times.push(startMs + start * stepSeconds * 1000);
    minutes.push((steps * stepSeconds) / 60);
  }
  return { bucket, times, minutes };
}

// ---------------------------------------------------------------------------------------
// Runs, metrics and events

export type RunName = "recommended" | "current" | "simulated";

/** A simulated run to draw. */
export interface ChartRun {
  readonly name: RunName;
  readonly timeline: Timeline;
  readonly events: readonly ScalingEvent[];
  /** The predefined metric its (first) target-tracking policy follows; null when none. */
  readonly metric: PredefinedMetricType | null;
  readonly targetValue: number | null;
}

/** Run colours: Okabe–Ito blue for the run the report is about, orange for the current one. */
export const RUN_COLORS: Readonly<Record<RunName, string>> = {
  recommended: PALETTE.blue,
  simulated: PALETTE.blue,
  current: PALETTE.orange,
};

/** Rows of one timeline column per run, downsampled; `per` turns a bucket sum into a rate. */
function seriesRows(
  runs: readonly ChartRun[],
  column: (t: Timeline) => Float64Array,
  how: "max" | "sum",
  per: "bucket" | "hour" = "bucket",
): { t: number; run: RunName; value: number }[] {
  const rows: { t: number; run: RunName; value: number }[] = [];
  for (const { name, timeline: tl } of runs) {
    const b = bucketing(tl.startMs, tl.stepSeconds, tl.length);
    const values = downsample(column(tl), b.bucket, how);
    values.forEach((v, i) => {
      const minutes = b.minutes[i] ?? 1;
      const value = per === "hour" ? (v * 60) / minutes : v;
      rows.push({ t: b.times[i] ?? 0, run: name, value: round(value, per === "hour" ? 4 : 2) });
    });
  }
  return rows;
}

/** The timeline column a metric is measured in. */
export function metricColumn(
  metric: PredefinedMetricType,
): "cpuUtilization" | "memoryUtilization" | "requestCountPerTarget" {
  if (metric === "ALBRequestCountPerTarget") return "requestCountPerTarget";
  if (metric.startsWith("ECSServiceAverageMemory")) return "memoryUtilization";
  return "cpuUtilization";
}

/** Axis title of a metric, with its unit. */
export function metricTitle(metric: PredefinedMetricType): string {
  switch (metricColumn(metric)) {
    case "requestCountPerTarget":
      return "RequestCountPerTarget (requests per target per minute)";
    case "memoryUtilization":
      return "Memory utilization (%)";
    case "cpuUtilization":
      return "CPU utilization (%)";
  }
}

/** A short axis title of a metric, e.g. "requests per target per minute". */
export function metricAxisTitle(metric: PredefinedMetricType): string {
  switch (metricColumn(metric)) {
    case "requestCountPerTarget":
      return "requests per target per minute";
    case "memoryUtilization":
      return "memory utilization (%)";
    case "cpuUtilization":
      return "CPU utilization (%)";
  }
}

/** Readable ticks for a log axis from `min` to `max`: 1, 2, 5, 10, 20, 50, … */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  const lo = Math.max(min, 1e-3);
  for (let p = 10 ** Math.floor(Math.log10(lo)); p <= max * 10; p *= 10)
    for (const m of [1, 2, 5]) {
      const v = Number((m * p).toPrecision(3));
      if (v >= lo / 2 && v <= max * 2) ticks.push(v);
    }
  return ticks;
}

/** A target value with its unit, e.g. "60 %" or "1,200 req/target/min". */
export function formatTarget(metric: PredefinedMetricType | "none", value: number): string {
  if (metric === "none") return "—";
  const digits = Number.isInteger(value) ? 0 : 1;
  return metricColumn(metric) === "requestCountPerTarget"
    ? `${formatNumber(value, digits)} req/target/min`
    : `${formatNumber(value, digits)} %`;
}

const EVENT_PRIORITY: Record<ScalingEvent["kind"], number> = {
  "scale-out": 0,
  "scale-in": 0,
  "oom-kill": 1,
  "unhealthy-task-replaced": 1,
  "target-unhealthy": 2,
  "target-healthy": 3,
  "scheduled-action": 1,
  "blocked-by-cooldown": 2,
  "scale-in-withheld": 3,
  "insufficient-data": 3,
  "deployment-started": 0,
  rollback: 0,
  "deployment-completed": 1,
  "deployment-stuck": 1,
  "tasks-replaced": 2,
  "scale-in-suspended": 3,
};

/**
 * "1 task", "3 tasks", or for a fraction (a group's count under oomModel "poisson" is an
 * expected value) "about 0.4 tasks", "about 0.008 tasks": never the raw 0.008383061120933455.
 */
export function taskCount(n: number): string {
  if (Number.isInteger(n)) return `${formatNumber(n, 0)} task${n === 1 ? "" : "s"}`;
  const digits = n >= 0.1 ? 1 : n >= 0.01 ? 2 : 3;
  return n < 0.001 ? "under 0.001 tasks" : `about ${formatCompact(n, digits)} tasks`;
}

/** A one-line description of what an event changed, e.g. "3 → 5 tasks". */
export function eventChange(e: ScalingEvent): string {
  switch (e.kind) {
    case "scale-out":
    case "scale-in":
      return `${e.from} → ${e.to} tasks`;
    case "blocked-by-cooldown":
      return `wanted ${e.wanted}, kept ${e.current} (${e.cooldown})`;
    case "scheduled-action":
      return `Min ${e.MinCapacity}, Max ${e.MaxCapacity}`;
    case "oom-kill":
      return `${taskCount(e.tasks)} killed`;
    case "target-unhealthy":
      return `${taskCount(e.tasks)} unhealthy`;
    case "target-healthy":
      return `${taskCount(e.tasks)} healthy again`;
    case "unhealthy-task-replaced":
      return `${taskCount(e.tasks)} replaced`;
    case "scale-in-withheld":
    case "insufficient-data":
    case "scale-in-suspended":
    case "deployment-stuck":
      return "no change";
    case "tasks-replaced":
      return `${formatNumber(e.tasks ?? 0, 0)} tasks started or stopped`;
    case "deployment-started":
      return `deployment ${e.deployment + 1} (${e.strategy})`;
    case "rollback":
      return `rollback (${formatNumber(e.tasks ?? 0, 0)} failed tasks)`;
    case "deployment-completed":
      return `deployment ${e.deployment + 1} over`;
  }
}

/** Event kinds drawn as marks on the tasks chart (the others are in the events table). */
const MARKED_KINDS: readonly ScalingEvent["kind"][] = [
  "scale-out",
  "scale-in",
  "oom-kill",
  "scheduled-action",
  "blocked-by-cooldown",
];

/** Event marks: the most telling events first (capped), then in time order. */
export function eventRows(
  run: Pick<ChartRun, "timeline" | "events">,
): { t: number; kind: string; tasks: number; change: string; reason: string }[] {
  const tl = run.timeline;
  const picked = run.events
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => MARKED_KINDS.includes(e.kind))
    .sort((a, b) => EVENT_PRIORITY[a.e.kind] - EVENT_PRIORITY[b.e.kind] || a.i - b.i)
    .slice(0, MAX_EVENT_MARKS)
    .sort((a, b) => a.e.timeMs - b.e.timeMs || a.i - b.i);
  return picked.map(({ e }) => {
    const step = Math.min(Math.max(0, e.step), Math.max(0, tl.length - 1));
    const tasks =
      e.kind === "scale-out" || e.kind === "scale-in" ? e.to : (tl.runningCount[step] ?? 0);
    return { t: e.timeMs, kind: e.kind, tasks, change: eventChange(e), reason: e.reason };
  });
}

/** Colour and shape per event kind: Okabe–Ito colours, and a shape each so colour is not needed. */
const EVENT_SCALES = {
  color: {
    domain: [...MARKED_KINDS],
    range: [PALETTE.green, PALETTE.orange, PALETTE.vermillion, PALETTE.skyBlue, PALETTE.purple],
  },
  shape: {
    domain: [...MARKED_KINDS],
    range: ["triangle-up", "triangle-down", "cross", "diamond", "square"],
  },
} as const;

export const TIME_X = {
  field: "t",
  type: "temporal",
  title: "time (UTC)",
  scale: { type: "utc" },
  axis: { format: "%b %d %H:%M", labelOverlap: "greedy", labelSeparation: 8 },
} as const;

export const TIME_TOOLTIP = {
  field: "t",
  type: "temporal",
  title: "time (UTC)",
  format: "%Y-%m-%d %H:%M",
};

/** Colour by run, with only the runs that are drawn in the legend. */
function runColor(runs: readonly ChartRun[]) {
  const names = runs.map((r) => r.name);
  return {
    field: "run",
    type: "nominal",
    title: "run",
    scale: { domain: names, range: names.map((n) => RUN_COLORS[n]) },
  } as const;
}

/** What the charts call the first run in captions: "the recommended run", "the run". */
function subject(run: ChartRun): string {
  return run.name === "simulated" ? "the run" : `the ${run.name} run`;
}

// ---------------------------------------------------------------------------------------
// The charts

export interface TimelineChartInput {
  /** Requests per step, as the trace gives them. */
  readonly traffic: {
    readonly startMs: number;
    readonly stepSeconds: number;
    readonly requests: ArrayLike<number>;
  };
  /** The runs to draw; the first is the one whose events and metric are shown. */
  readonly runs: readonly ChartRun[];
  /** The SLO's p95, ms; null when unknown. */
  readonly sloP95Ms: number | null;
}

/** Traffic, tasks with events, metric against target, p95 against the SLO, cost: in that order. */
export function timelineCharts(input: TimelineChartInput): Chart[] {
  const first = input.runs[0] ?? null;
  return [
    trafficChart(input),
    tasksChart(input),
    metricChart(first),
    latencyChart(input),
    costChart(input),
  ];
}

/**
 * A line (or area) through one point draws nothing: a one-step trace (a one-minute ALB log)
 * gets a dot on it, so that its charts are not empty frames.
 */
function dotWhenOneStep(steps: number): { point?: { filled: true; size: number } } {
  return steps === 1 ? { point: { filled: true, size: 40 } } : {};
}

/** (a) Requests per minute from the trace (bucket mean). */
export function trafficChart(input: TimelineChartInput): Chart {
  const trace = input.traffic;
  const b = bucketing(trace.startMs, trace.stepSeconds, trace.requests.length);
  const sums = downsample(trace.requests, b.bucket, "sum");
  const traffic = sums.map((s, i) => ({
    t: b.times[i] ?? 0,
    rpm: round(s / (b.minutes[i] ?? 1), 1),
  }));
  return {
    id: "chart-traffic",
    title: "Traffic",
    caption: `Requests per minute${b.bucket > 1 ? ` (mean of each ${b.bucket}-step bucket)` : ""}.`,
    spec: responsive(
      {
        description: "Traffic: requests per minute over time.",
        data: { values: traffic },
        mark: {
          type: "area",
          line: { color: "#334155" },
          color: "#cbd5e1",
          opacity: 0.85,
          ...dotWhenOneStep(traffic.length),
        },
        encoding: {
          x: TIME_X,
          y: { field: "rpm", type: "quantitative", title: "requests per minute" },
          tooltip: [TIME_TOOLTIP, { field: "rpm", title: "requests per minute", format: ",.0f" }],
        },
      },
      150,
    ),
    ...(traffic.length === 0 ? { note: "The trace has no steps to draw." } : {}),
  };
}

/** (b) Running tasks per run (bucket max), with the first run's scaling events as marks. */
export function tasksChart(input: TimelineChartInput): Chart {
  const runs = input.runs;
  const first = runs[0] ?? null;
  if (first === null)
    return {
      id: "chart-tasks",
      title: "Running tasks and scaling events",
      caption: "",
      spec: responsive({ data: { values: [] }, mark: "point" }, 40),
      note: "No simulated run to draw: no candidate met the SLO and there is no current setting.",
    };
  const tasks = seriesRows(runs, (tl) => tl.runningCount, "max");
  const events = eventRows(first);
  const layers: unknown[] = [
    {
      data: { values: tasks },
      mark: {
        type: "line",
        interpolate: "step-after",
        strokeWidth: 1.5,
        ...dotWhenOneStep(input.traffic.requests.length),
      },
      encoding: {
        x: TIME_X,
        y: { field: "value", type: "quantitative", title: "running tasks (max)" },
        color: runColor(runs),
        tooltip: [TIME_TOOLTIP, { field: "run" }, { field: "value", title: "running tasks" }],
      },
    },
  ];
  if (events.length > 0) {
    const present = new Set(events.map((e) => e.kind));
    const kinds = MARKED_KINDS.filter((k) => present.has(k));
    const scale = (range: readonly string[]) => ({
      domain: kinds,
      range: kinds.map((k) => range[MARKED_KINDS.indexOf(k)]!),
    });
    layers.push({
      data: { values: events },
      mark: { type: "point", filled: true, size: 40, opacity: 0.9 },
      encoding: {
        x: { field: "t", type: "temporal" },
        y: { field: "tasks", type: "quantitative" },
        shape: {
          field: "kind",
          type: "nominal",
          title: "scaling event",
          scale: scale(EVENT_SCALES.shape.range),
        },
        fill: {
          field: "kind",
          type: "nominal",
          title: "scaling event",
          scale: scale(EVENT_SCALES.color.range),
        },
        tooltip: [
          TIME_TOOLTIP,
          { field: "kind", title: "event" },
          { field: "change", title: "change" },
          { field: "reason", title: "reason" },
        ],
      },
    });
  }
  const many = first.events.length > events.length;
  return {
    id: "chart-tasks",
    title: "Running tasks and scaling events",
    caption: `Running tasks per run (bucket max); marks are the scaling events of ${subject(first)}${many ? ` (${events.length} of ${first.events.length}: the rest are in the events table)` : ""}.`,
    spec: responsive(
      {
        description: "Running tasks over time, with scaling events.",
        layer: layers,
        resolve: { scale: { color: "independent", fill: "independent", shape: "independent" } },
      },
      200,
    ),
  };
}

/** (c) The first run's scaling metric (bucket max) with a labelled line at its target. */
export function metricChart(run: ChartRun | null): Chart {
  const id = "chart-metric";
  const title = "Scaling metric against its target";
  if (run === null || run.metric === null || run.targetValue === null)
    return {
      id,
      title,
      caption: "",
      spec: responsive({ data: { values: [] }, mark: "point" }, 40),
      note:
        run === null
          ? "No simulated run to draw."
          : "The run has no target-tracking policy on a predefined metric, so there is no target to draw.",
    };
  const metric = run.metric;
  const rows = seriesRows([run], (tl) => tl[metricColumn(metric)], "max");
  const target = run.targetValue;
  return {
    id,
    title,
    caption: `${metricTitle(metric)} of ${subject(run)} (bucket max); the dashed line is the policy's TargetValue. Scaling events are marked on the tasks chart.`,
    spec: responsive(
      {
        description: `${metricTitle(metric)} against its target.`,
        layer: [
          {
            data: { values: rows },
            mark: {
              type: "line",
              strokeWidth: 1.2,
              color: RUN_COLORS[run.name],
              ...dotWhenOneStep(run.timeline.length),
            },
            encoding: {
              x: TIME_X,
              y: { field: "value", type: "quantitative", title: metricAxisTitle(metric) },
              tooltip: [
                TIME_TOOLTIP,
                { field: "value", title: metricTitle(metric), format: ",.1f" },
              ],
            },
          },
          referenceRule("target", target, `target ${formatTarget(metric, target)}`),
        ],
      },
      220,
    ),
  };
}

/** (d) p95 latency per run (bucket max, log scale) with the SLO as a labelled line. */
export function latencyChart(input: TimelineChartInput): Chart {
  const runs = input.runs;
  const rows = seriesRows(runs, (tl) => tl.latencyP95Ms, "max").filter((r) => r.value > 0);
  const slo = input.sloP95Ms;
  const values = rows.map((r) => r.value).concat(slo !== null ? [slo] : []);
  const ticks = values.length > 0 ? logTicks(Math.min(...values), Math.max(...values)) : [];
  const layers: unknown[] = [
    {
      data: { values: rows },
      mark: { type: "line", strokeWidth: 1.2, ...dotWhenOneStep(input.traffic.requests.length) },
      encoding: {
        x: TIME_X,
        y: {
          field: "value",
          type: "quantitative",
          title: "p95 latency (ms, log scale)",
          scale: { type: "log" },
          axis: { values: ticks, format: ",~r" },
        },
        color: runColor(runs),
        tooltip: [
          TIME_TOOLTIP,
          { field: "run" },
          { field: "value", title: "p95 latency (ms)", format: ",.0f" },
        ],
      },
    },
  ];
  if (slo !== null)
    layers.push(referenceRule("slo", slo, `SLO p95 ${formatNumber(slo)} ms`, { dash: [] }));
  return {
    id: "chart-latency",
    title: "p95 latency against the SLO",
    caption: `Per-step p95 latency (bucket max, log scale)${slo !== null ? "; the solid dark line is the SLO" : ""}.`,
    spec: responsive({ description: "p95 latency against the SLO.", layer: layers }, 220),
    ...(rows.length === 0
      ? { note: "No request was served, so there is no latency to draw." }
      : {}),
  };
}

/** (e) USD per hour billed, per run (bucket sum turned into an hourly rate). */
export function costChart(input: TimelineChartInput): Chart {
  const runs = input.runs;
  const rows = seriesRows(runs, (tl) => tl.costUsd, "sum", "hour");
  return {
    id: "chart-cost",
    title: "Cost per hour",
    caption: "USD per hour billed (bucket mean).",
    spec: responsive(
      {
        description: "Cost per hour over time.",
        data: { values: rows },
        mark: {
          type: "line",
          interpolate: "step-after",
          strokeWidth: 1.5,
          ...dotWhenOneStep(input.traffic.requests.length),
        },
        encoding: {
          x: TIME_X,
          y: {
            field: "value",
            type: "quantitative",
            title: "USD per hour",
            axis: { format: "$,.2f" },
          },
          color: runColor(runs),
          tooltip: [
            TIME_TOOLTIP,
            { field: "run" },
            { field: "value", title: "USD per hour", format: "$,.3f" },
          ],
        },
      },
      180,
    ),
    ...(rows.length === 0 ? { note: "No simulated run to draw." } : {}),
  };
}

export { REFERENCE_COLOR };
