/**
 * Vega-Lite (v6) chart specs for the plan report. Pure: a PlanResult in, specs out.
 *
 *   PlanResult
 *     → runs to draw (recommended, then current when known)
 *     → downsampled rows (at most MAX_POINTS per series; spikes kept, see {@link downsample})
 *     → one TopLevelSpec per chart ({@link planCharts} lists them in report order).
 *
 * Every chart draws its data inline, so a spec can be embedded in an HTML file that opens
 * offline. Times are epoch milliseconds on a UTC scale.
 */
import type { TopLevelSpec } from "vega-lite";
import {
  sizeLabel,
  type CandidateOutcome,
  type PlanCandidate,
  type PlanResult,
  type PredefinedMetricType,
  type ScalingEvent,
  type SimulatedRun,
  type TaskSize,
  type Timeline,
} from "../sim/vocab/index.js";
import { formatNumber, metricShortName } from "./format.js";
import { closestToSlo, rankOutcomes } from "../sim/search.js";

/** Most points drawn per series; longer timelines are bucketed. */
export const MAX_POINTS = 2000;
/** Most scaling-event marks drawn; scale-outs and scale-ins are kept first. */
export const MAX_EVENT_MARKS = 1000;

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const WIDTH = 700;
const RUN_COLORS = { recommended: "#2563eb", current: "#9ca3af" } as const;
const SLO_COLOR = "#dc2626";

/** A chart of the report: a stable id (used as the HTML element id), a title and its spec. */
export interface PlanChart {
  readonly id: string;
  readonly title: string;
  /** One sentence on how to read the chart. */
  readonly caption: string;
  readonly spec: TopLevelSpec;
  /** A static SVG rendering, filled in by the writer (I/O side) when it can render one. */
  readonly fallbackSvg?: string;
}

/** Every chart of the plan report, in report order. */
export function planCharts(result: PlanResult): PlanChart[] {
  const metric = chartMetric(result);
  return [
    {
      id: "chart-traffic",
      title: "Traffic and running tasks",
      caption: result.recommended
        ? "Requests per minute (bucket mean) and running tasks (bucket max); points are the scaling events of the recommended run."
        : "Requests per minute (bucket mean) and running tasks (bucket max).",
      spec: trafficChart(result),
    },
    {
      id: "chart-metric",
      title: "Scaling metric against its target",
      caption:
        metric === null
          ? "No target-tracking metric to draw."
          : `${metricTitle(metric)} (bucket max) of the ${result.recommended ? "recommended" : "current"} run; the dashed rule is the target value.`,
      spec: scalingMetricChart(result),
    },
    {
      id: "chart-latency",
      title: "p95 latency against the SLO",
      caption: "Per-step p95 latency (bucket max, log scale); the red rule is the SLO.",
      spec: latencyChart(result),
    },
    {
      id: "chart-cost",
      title: "Cost per hour",
      caption: "USD per hour billed (bucket mean).",
      spec: costChart(result),
    },
    {
      id: "chart-pareto",
      title: "Cost against SLO minutes",
      caption:
        "Every candidate; the connected, outlined points are the Pareto front, the yellow diamond is the pick and the grey cross the current setting.",
      spec: paretoChart(result),
    },
    {
      id: "chart-heatmap",
      title: "Monthly cost by target value and task size",
      caption:
        "Cheapest candidate per cell for the pick's metric; cells marked × miss the SLO whatever the other settings.",
      spec: costHeatmap(result),
    },
  ];
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
function round(v: number, digits = 2): number {
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
// Runs and metrics

type RunName = "recommended" | "current";

interface NamedRun {
  readonly name: RunName;
  readonly run: SimulatedRun;
}

function runsOf(result: PlanResult): NamedRun[] {
  const runs: NamedRun[] = [];
  if (result.recommended) runs.push({ name: "recommended", run: result.recommended });
  if (result.current) runs.push({ name: "current", run: result.current });
  return runs;
}

/** Rows of one timeline column per run, downsampled; `per` turns a bucket sum into a rate. */
function seriesRows(
  runs: readonly NamedRun[],
  column: (t: Timeline) => Float64Array,
  how: "max" | "sum",
  per: "bucket" | "hour" = "bucket",
): { t: number; run: RunName; value: number }[] {
  const rows: { t: number; run: RunName; value: number }[] = [];
  for (const { name, run } of runs) {
    const tl = run.timeline;
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

/** The metric the charts centre on: the pick's, else the current run's, else the closest candidate's. */
function chartMetric(result: PlanResult): PredefinedMetricType | null {
  const candidates: (PlanCandidate | undefined)[] = [
    result.recommended?.candidate,
    result.current?.candidate,
    closestOutcomes(result, 1)[0]?.candidate,
  ];
  for (const c of candidates) if (c && c.metric !== "none") return c.metric;
  return null;
}

/**
 * Outcomes closest to meeting the SLO: fewest violation minutes, then lowest error rate,
 * then cheapest (the search's order for candidates that miss the SLO).
 */
export function closestOutcomes(result: PlanResult, n: number): CandidateOutcome[] {
  return [...result.outcomes].sort(closestToSlo).slice(0, n);
}

/** Candidates in the search's rank order (sim/search.ts, rankOutcomes). */
export function rankedOutcomes(result: PlanResult): CandidateOutcome[] {
  return rankOutcomes(result.outcomes);
}

// ---------------------------------------------------------------------------------------
// Scaling events

const EVENT_PRIORITY: Record<ScalingEvent["kind"], number> = {
  "scale-out": 0,
  "scale-in": 0,
  "oom-kill": 1,
  "scheduled-action": 1,
  "blocked-by-cooldown": 2,
  "scale-in-withheld": 3,
  "insufficient-data": 3,
};

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
      return `${e.tasks} task${e.tasks === 1 ? "" : "s"} killed`;
    case "scale-in-withheld":
    case "insufficient-data":
      return "no change";
  }
}

/** Event marks: the most telling events first (capped), then in time order. */
function eventRows(
  run: SimulatedRun,
): { t: number; kind: string; tasks: number; change: string; reason: string }[] {
  const tl = run.timeline;
  const picked = run.events
    .map((e, i) => ({ e, i }))
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

const EVENT_COLOR_SCALE = {
  domain: [
    "scale-out",
    "scale-in",
    "blocked-by-cooldown",
    "scale-in-withheld",
    "insufficient-data",
    "scheduled-action",
    "oom-kill",
  ],
  range: ["#16a34a", "#f97316", "#a855f7", "#64748b", "#94a3b8", "#0ea5e9", "#b91c1c"],
};

const TIME_X = {
  field: "t",
  type: "temporal",
  title: "time (UTC)",
  scale: { type: "utc" },
  axis: { format: "%b %d %H:%M", labelOverlap: true },
} as const;

/** Color by run, with only the runs that are drawn in the legend. */
function runColor(runs: readonly NamedRun[]) {
  const names = runs.map((r) => r.name);
  return {
    field: "run",
    type: "nominal",
    title: "run",
    scale: { domain: names, range: names.map((n) => RUN_COLORS[n]) },
  } as const;
}

const TIME_TOOLTIP = {
  field: "t",
  type: "temporal",
  title: "time (UTC)",
  format: "%Y-%m-%d %H:%M",
};

// ---------------------------------------------------------------------------------------
// (a) Traffic and running tasks

/** Requests per minute (from the trace) above running tasks per run, with scaling events. */
export function trafficChart(result: PlanResult): TopLevelSpec {
  const trace = result.trace;
  const b = bucketing(trace.startMs, trace.stepSeconds, trace.requests.length);
  const sums = downsample(trace.requests, b.bucket, "sum");
  const traffic = sums.map((s, i) => ({
    t: b.times[i] ?? 0,
    rpm: round(s / (b.minutes[i] ?? 1), 1),
  }));
  const runs = runsOf(result);
  const tasks = seriesRows(runs, (tl) => tl.runningCount, "max");
  const runColorEncoding = runColor(runs);
  const events = result.recommended ? eventRows(result.recommended) : [];

  const taskLayers: unknown[] = [
    {
      data: { values: tasks },
      mark: { type: "line", interpolate: "step-after", strokeWidth: 1.5 },
      encoding: {
        x: TIME_X,
        y: { field: "value", type: "quantitative", title: "running tasks (max)" },
        color: runColorEncoding,
        tooltip: [TIME_TOOLTIP, { field: "run" }, { field: "value", title: "running tasks" }],
      },
    },
  ];
  if (events.length > 0) {
    taskLayers.push({
      data: { values: events },
      mark: { type: "point", filled: true, size: 45, opacity: 0.85 },
      encoding: {
        x: { field: "t", type: "temporal" },
        y: { field: "tasks", type: "quantitative" },
        shape: { value: "triangle-up" },
        fill: {
          field: "kind",
          type: "nominal",
          title: "scaling event",
          legend: { orient: "bottom", columns: 4 },
          scale: EVENT_COLOR_SCALE,
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

  return {
    $schema: SCHEMA,
    description: "Traffic (requests per minute) and running tasks over time.",
    vconcat: [
      {
        width: WIDTH,
        height: 150,
        data: { values: traffic },
        mark: { type: "area", line: { color: "#475569" }, color: "#cbd5e1", opacity: 0.8 },
        encoding: {
          x: { ...TIME_X, title: null },
          y: { field: "rpm", type: "quantitative", title: "requests per minute" },
          tooltip: [TIME_TOOLTIP, { field: "rpm", title: "requests per minute", format: ",.0f" }],
        },
      },
      { width: WIDTH, height: 200, layer: taskLayers },
    ],
    resolve: { scale: { color: "independent" } },
  } as TopLevelSpec;
}

// ---------------------------------------------------------------------------------------
// (b) Scaling metric against target

/** The pick's scaling metric (bucket max) with a rule at its target value. */
export function scalingMetricChart(result: PlanResult): TopLevelSpec {
  const named: NamedRun | null = result.recommended
    ? { name: "recommended", run: result.recommended }
    : result.current
      ? { name: "current", run: result.current }
      : null;
  const metric = named && named.run.candidate.metric !== "none" ? named.run.candidate.metric : null;
  if (named === null || metric === null) {
    return emptyChart("No simulated run with a target-tracking metric to draw.");
  }
  const column = metricColumn(metric);
  const rows = seriesRows([named], (tl) => tl[column], "max");
  const target = named.run.candidate.targetValue;
  const actions = eventRows(named.run).filter(
    (e) => e.kind === "scale-out" || e.kind === "scale-in",
  );
  const layers: unknown[] = [
    {
      data: { values: rows },
      mark: { type: "line", strokeWidth: 1.2, color: RUN_COLORS[named.name] },
      encoding: {
        x: TIME_X,
        y: { field: "value", type: "quantitative", title: metricTitle(metric) },
        tooltip: [TIME_TOOLTIP, { field: "value", title: metricTitle(metric), format: ",.1f" }],
      },
    },
    {
      data: { values: [{ target }] },
      layer: [
        {
          mark: { type: "rule", color: SLO_COLOR, strokeDash: [6, 4], strokeWidth: 1.5 },
          encoding: { y: { field: "target", type: "quantitative" } },
        },
        {
          mark: {
            type: "text",
            align: "right",
            baseline: "bottom",
            dy: -3,
            x: "width",
            color: SLO_COLOR,
          },
          encoding: {
            y: { field: "target", type: "quantitative" },
            text: { value: `target ${formatTarget(metric, target)}` },
          },
        },
      ],
    },
  ];
  if (actions.length > 0) {
    layers.push({
      data: { values: actions },
      mark: { type: "rule", strokeWidth: 1, opacity: 0.35 },
      encoding: {
        x: { field: "t", type: "temporal" },
        color: {
          field: "kind",
          type: "nominal",
          title: "scaling event",
          scale: EVENT_COLOR_SCALE,
          legend: { orient: "bottom", columns: 4 },
        },
        tooltip: [
          TIME_TOOLTIP,
          { field: "change", title: "change" },
          { field: "reason", title: "reason" },
        ],
      },
    });
  }
  return {
    $schema: SCHEMA,
    description: `${metricTitle(metric)} of the ${named.name} run against its target.`,
    width: WIDTH,
    height: 220,
    layer: layers,
  } as TopLevelSpec;
}

/** A target value with its unit, e.g. "60 %" or "1,200 req/target/min". */
export function formatTarget(metric: PredefinedMetricType | "none", value: number): string {
  if (metric === "none") return "—";
  const digits = Number.isInteger(value) ? 0 : 1;
  return metricColumn(metric) === "requestCountPerTarget"
    ? `${formatNumber(value, digits)} req/target/min`
    : `${formatNumber(value, digits)} %`;
}

// ---------------------------------------------------------------------------------------
// (c) Latency against the SLO

/** p95 latency per run (bucket max, log scale) with the SLO as a rule. */
export function latencyChart(result: PlanResult): TopLevelSpec {
  const runs = runsOf(result);
  const runColorEncoding = runColor(runs);
  const rows = seriesRows(runs, (tl) => tl.latencyP95Ms, "max").filter((r) => r.value > 0);
  const slo = result.slo.latencyP95Ms;
  return {
    $schema: SCHEMA,
    description: "p95 latency against the SLO.",
    width: WIDTH,
    height: 220,
    layer: [
      {
        data: { values: rows },
        mark: { type: "line", strokeWidth: 1.2 },
        encoding: {
          x: TIME_X,
          y: {
            field: "value",
            type: "quantitative",
            title: "p95 latency (ms, log scale)",
            scale: { type: "log" },
          },
          color: runColorEncoding,
          tooltip: [
            TIME_TOOLTIP,
            { field: "run" },
            { field: "value", title: "p95 latency (ms)", format: ",.0f" },
          ],
        },
      },
      {
        data: { values: [{ slo }] },
        layer: [
          {
            mark: { type: "rule", color: SLO_COLOR, strokeWidth: 1.5 },
            encoding: { y: { field: "slo", type: "quantitative" } },
          },
          {
            mark: {
              type: "text",
              align: "right",
              baseline: "bottom",
              dy: -3,
              x: "width",
              color: SLO_COLOR,
            },
            encoding: {
              y: { field: "slo", type: "quantitative" },
              text: { value: `SLO p95 ${slo} ms` },
            },
          },
        ],
      },
    ],
  } as TopLevelSpec;
}

// ---------------------------------------------------------------------------------------
// (d) Cost per hour

/** USD per hour billed, per run (bucket sum turned into an hourly rate). */
export function costChart(result: PlanResult): TopLevelSpec {
  const runs = runsOf(result);
  const runColorEncoding = runColor(runs);
  const rows = seriesRows(runs, (tl) => tl.costUsd, "sum", "hour");
  return {
    $schema: SCHEMA,
    description: "Cost per hour over time.",
    width: WIDTH,
    height: 180,
    data: { values: rows },
    mark: { type: "line", interpolate: "step-after", strokeWidth: 1.5 },
    encoding: {
      x: TIME_X,
      y: { field: "value", type: "quantitative", title: "USD per hour", axis: { format: "$,.2f" } },
      color: runColorEncoding,
      tooltip: [
        TIME_TOOLTIP,
        { field: "run" },
        { field: "value", title: "USD per hour", format: "$,.3f" },
      ],
    },
  } as TopLevelSpec;
}

// ---------------------------------------------------------------------------------------
// (e) Pareto scatter

/** Every candidate's monthly cost against its SLO minutes; the front connected, the pick starred. */
export function paretoChart(result: PlanResult): TopLevelSpec {
  const pareto = new Set(result.pareto);
  const pickId = result.recommended?.candidate.id ?? null;
  const rows = result.outcomes.map((o) => ({
    id: o.candidate.id,
    label: o.candidate.label,
    metric: metricShortName(o.candidate.metric),
    cost: round(o.kpis.monthlyCostUsd),
    minutes: round(o.kpis.sloViolationMinutes, 1),
    errorRate: round(o.kpis.errorRatePercent, 3),
    meetsSlo: o.meetsSlo ? "yes" : "no",
    pareto: pareto.has(o.candidate.id),
  }));
  const front = result.pareto
    .map((id) => rows.find((r) => r.id === id))
    .filter((r): r is (typeof rows)[number] => r !== undefined)
    .map((r, order) => ({ ...r, order }));
  const marks: { kind: string; label: string; cost: number; minutes: number }[] = [];
  const pick = rows.find((r) => r.id === pickId);
  if (pick) marks.push({ kind: "pick", label: pick.label, cost: pick.cost, minutes: pick.minutes });
  if (result.current) {
    marks.push({
      kind: "current",
      label: result.current.candidate.label,
      cost: round(result.current.kpis.monthlyCostUsd),
      minutes: round(result.current.kpis.sloViolationMinutes, 1),
    });
  }
  const tooltip = [
    { field: "label", title: "candidate" },
    { field: "cost", title: "monthly cost (USD)", format: "$,.2f" },
    { field: "minutes", title: "SLO minutes" },
    { field: "errorRate", title: "error rate (%)" },
    { field: "meetsSlo", title: "meets SLO" },
  ];
  const x = {
    field: "cost",
    type: "quantitative",
    title: "monthly cost (USD)",
    axis: { format: "$,.0f" },
    scale: { zero: false },
  };
  const y = {
    field: "minutes",
    type: "quantitative",
    title: "SLO-violating minutes (symlog)",
    scale: { type: "symlog" },
  };
  const layers: unknown[] = [
    {
      data: { values: [{ budget: result.slo.violationBudgetMinutes }] },
      mark: { type: "rule", color: SLO_COLOR, strokeDash: [6, 4] },
      encoding: {
        y: { field: "budget", type: "quantitative" },
        tooltip: { field: "budget", title: "violation budget (minutes)" },
      },
    },
    {
      data: { values: rows },
      mark: { type: "point", filled: true, size: 40 },
      encoding: {
        x,
        y,
        color: { field: "metric", type: "nominal", title: "metric" },
        opacity: { condition: { test: "datum.pareto", value: 0.95 }, value: 0.45 },
        tooltip,
      },
    },
  ];
  if (front.length > 0) {
    layers.push({
      data: { values: front },
      layer: [
        {
          mark: { type: "line", color: "#111827", strokeWidth: 1, strokeDash: [3, 2] },
          encoding: { x, y, order: { field: "order", type: "quantitative" } },
        },
        {
          mark: { type: "point", size: 110, strokeWidth: 1.5, color: "#111827" },
          encoding: { x, y, tooltip },
        },
      ],
    });
  }
  if (marks.length > 0) {
    layers.push({
      data: { values: marks },
      layer: [
        {
          mark: { type: "point", filled: true, size: 260, stroke: "#111827", strokeWidth: 1 },
          encoding: {
            x,
            y,
            shape: {
              field: "kind",
              type: "nominal",
              title: "marked",
              scale: { domain: ["pick", "current"], range: ["diamond", "cross"] },
            },
            fill: {
              field: "kind",
              type: "nominal",
              legend: null,
              scale: { domain: ["pick", "current"], range: ["#facc15", "#6b7280"] },
            },
            tooltip: [
              { field: "kind", title: "marked" },
              { field: "label", title: "candidate" },
              { field: "cost", title: "monthly cost (USD)", format: "$,.2f" },
              { field: "minutes", title: "SLO minutes" },
            ],
          },
        },
        {
          mark: { type: "text", dx: 10, dy: -10, align: "left", fontWeight: "bold" },
          encoding: { x, y, text: { field: "kind" } },
        },
      ],
    });
  }
  return {
    $schema: SCHEMA,
    description: "Monthly cost against SLO-violating minutes for every candidate.",
    width: WIDTH - 100,
    height: 320,
    layer: layers,
    resolve: { scale: { color: "independent", fill: "independent", shape: "independent" } },
  } as TopLevelSpec;
}

// ---------------------------------------------------------------------------------------
// (f) Cost heatmap

function sizeOrder(a: TaskSize, b: TaskSize): number {
  return (
    Number(a.cpu) - Number(b.cpu) ||
    Number(a.memory) - Number(b.memory) ||
    a.architecture.localeCompare(b.architecture) ||
    a.capacityProvider.localeCompare(b.capacityProvider)
  );
}

/** One heatmap cell: the cheapest SLO-meeting candidate, else the closest one. */
export interface HeatmapCell {
  readonly target: number;
  readonly size: string;
  readonly cost: number;
  readonly meetsSlo: boolean;
  readonly label: string;
  readonly minutes: number;
  readonly candidates: number;
  readonly pick: boolean;
}

/** Heatmap cells for one metric: target value × task size. */
export function heatmapCells(result: PlanResult, metric: PredefinedMetricType): HeatmapCell[] {
  const pickId = result.recommended?.candidate.id ?? null;
  const byCell = new Map<string, CandidateOutcome[]>();
  for (const o of result.outcomes) {
    if (o.candidate.metric !== metric) continue;
    const key = `${o.candidate.targetValue}\u0000${sizeLabel(o.candidate.task)}`;
    const list = byCell.get(key) ?? [];
    list.push(o);
    byCell.set(key, list);
  }
  const cells: HeatmapCell[] = [];
  for (const list of byCell.values()) {
    const best = [...list].sort(
      (a, b) =>
        Number(b.meetsSlo) - Number(a.meetsSlo) ||
        (a.meetsSlo ? 0 : a.kpis.sloViolationMinutes - b.kpis.sloViolationMinutes) ||
        a.kpis.monthlyCostUsd - b.kpis.monthlyCostUsd ||
        a.candidate.id - b.candidate.id,
    )[0];
    if (!best) continue;
    cells.push({
      target: best.candidate.targetValue,
      size: sizeLabel(best.candidate.task),
      cost: round(best.kpis.monthlyCostUsd),
      meetsSlo: best.meetsSlo,
      label: best.candidate.label,
      minutes: round(best.kpis.sloViolationMinutes, 1),
      candidates: list.length,
      pick: list.some((o) => o.candidate.id === pickId),
    });
  }
  return cells.sort((a, b) => a.target - b.target || a.size.localeCompare(b.size));
}

/** Monthly cost heatmap, target value (x) × task size (y), for the pick's metric. */
export function costHeatmap(result: PlanResult): TopLevelSpec {
  const metric = chartMetric(result);
  if (metric === null) return emptyChart("No target-tracking candidates to draw.");
  const cells = heatmapCells(result, metric);
  // Cells darker than about 60 % along the color ramp get white text.
  const costs = cells.map((c) => c.cost);
  const darkAbove = round(Math.min(...costs) + 0.6 * (Math.max(...costs) - Math.min(...costs)));
  const sizes = [
    ...new Map(
      result.outcomes
        .filter((o) => o.candidate.metric === metric)
        .sort((a, b) => sizeOrder(a.candidate.task, b.candidate.task))
        .map((o) => [sizeLabel(o.candidate.task), true]),
    ).keys(),
  ];
  const targets = [...new Set(cells.map((c) => c.target))].sort((a, b) => a - b);
  const x = {
    field: "target",
    type: "ordinal",
    title: `TargetValue — ${metricTitle(metric)}`,
    sort: targets,
    axis: { labelAngle: 0 },
  };
  const y = { field: "size", type: "ordinal", title: "task size", sort: sizes };
  const tooltip = [
    { field: "label", title: "cheapest in cell" },
    { field: "cost", title: "monthly cost (USD)", format: "$,.2f" },
    { field: "minutes", title: "SLO minutes" },
    { field: "meetsSlo", title: "meets SLO" },
    { field: "candidates", title: "candidates in cell" },
  ];
  return {
    $schema: SCHEMA,
    description: `Monthly cost by target value and task size for ${metric}.`,
    width: Math.min(WIDTH - 100, Math.max(240, targets.length * 90)),
    height: Math.max(120, sizes.length * 34),
    data: { values: cells },
    encoding: { x, y },
    layer: [
      {
        mark: { type: "rect", stroke: "white", strokeWidth: 1 },
        encoding: {
          color: {
            field: "cost",
            type: "quantitative",
            title: "monthly cost (USD)",
            scale: { scheme: "blues" },
            legend: { format: "$,.0f" },
          },
          opacity: { condition: { test: "datum.meetsSlo", value: 1 }, value: 0.35 },
          tooltip,
        },
      },
      {
        transform: [{ filter: "datum.pick" }],
        mark: { type: "rect", fill: null, stroke: "#facc15", strokeWidth: 3 },
      },
      {
        mark: { type: "text", fontSize: 11 },
        encoding: {
          text: {
            condition: { test: "datum.meetsSlo", field: "cost", format: "$,.0f" },
            value: "× misses SLO",
          },
          color: {
            condition: [
              { test: "!datum.meetsSlo", value: "#b91c1c" },
              { test: `datum.cost > ${darkAbove}`, value: "#ffffff" },
            ],
            value: "#0f172a",
          },
          tooltip,
        },
      },
    ],
  } as TopLevelSpec;
}

function emptyChart(message: string): TopLevelSpec {
  return {
    $schema: SCHEMA,
    width: WIDTH,
    height: 40,
    data: { values: [{ message }] },
    mark: { type: "text", align: "left", x: 0, y: 20, color: "#64748b", fontSize: 13 },
    encoding: { text: { field: "message" } },
  } as TopLevelSpec;
}
