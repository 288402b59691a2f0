/**
 * Vega-Lite (v6) chart specs for the plan report. Pure: a PlanResult in, specs out.
 *
 *   PlanResult
 *     → runs to draw (recommended, then current when known)
 *     → the timeline charts (timeline-charts.ts: traffic, tasks with events, metric against
 *       target, p95 against the SLO, cost)
 *     → every candidate's cost against its SLO minutes, and the cost by target and size.
 *
 * Every chart draws its data inline, so a spec can be embedded in an HTML file that opens
 * offline. Times are epoch milliseconds on a UTC scale.
 */
import {
  sizeLabel,
  type CandidateOutcome,
  type PlanCandidate,
  type PlanResult,
  type PredefinedMetricType,
  type SimulatedRun,
  type TaskSize,
} from "../sim/vocab/index.js";
import { formatCompact, formatNumber, metricShortName } from "./format.js";
import { closestToSlo, rankOutcomes } from "../sim/search.js";
import { stoppedEarly } from "../sim/plan.js";
import { paretoLimitText } from "./plan-facts.js";
import { PALETTE, REFERENCE_COLOR, referenceRule, responsive } from "./chart-style.js";
import { deployHoursChart } from "./deploy-hours.js";
import {
  metricTitle,
  round,
  timelineCharts,
  type Chart,
  type ChartRun,
  type RunName,
} from "./timeline-charts.js";

export {
  bucketSize,
  downsample,
  eventChange,
  formatTarget,
  MAX_EVENT_MARKS,
  MAX_POINTS,
  metricColumn,
  metricTitle,
} from "./timeline-charts.js";

/** A chart of the plan report (the shape every report shares). */
export type PlanChart = Chart;

/** A simulated run of the plan as the timeline charts take it. */
export function chartRun(name: RunName, run: SimulatedRun): ChartRun {
  const metric = run.candidate.metric === "none" ? null : run.candidate.metric;
  return {
    name,
    timeline: run.timeline,
    events: run.events,
    metric,
    targetValue: metric === null ? null : run.candidate.targetValue,
  };
}

function runsOf(result: PlanResult): ChartRun[] {
  const runs: ChartRun[] = [];
  if (result.recommended) runs.push(chartRun("recommended", result.recommended));
  if (result.current) runs.push(chartRun("current", result.current));
  return runs;
}

/** Every chart of the plan report, in report order. */
export function planCharts(result: PlanResult): PlanChart[] {
  const timeline = timelineCharts({
    traffic: result.trace,
    runs: runsOf(result),
    sloP95Ms: result.slo.latencyP95Ms,
  });
  const stopped = stoppedEarly(result.outcomes);
  return [
    ...timeline,
    {
      id: "chart-pareto",
      title: "Cost against SLO minutes",
      caption:
        (stopped.cannotMeetSlo + stopped.farFromSlo + stopped.outOfReach > 0
          ? `Every candidate simulated to the end (colour: its metric; ${stoppedWords(result)} are left out)`
          : "Every candidate (colour: its metric)") +
        `; the dashed line joins the Pareto front, the diamond is the pick and the cross the current setting. Candidates above the budget line miss the SLO. ${paretoLimitText(result)}`,
      spec: paretoChart(result),
    },
    {
      id: "chart-heatmap",
      title: "Monthly cost by target value and task size",
      caption:
        stopped.outOfReach > 0
          ? "The cheapest candidate simulated to the end per cell for the pick's metric; × marks a cell where every candidate misses the SLO, “dearer” one whose candidates were all stopped early as too dear to change the plan, the thick outline the pick."
          : "The cheapest candidate per cell for the pick's metric; × marks a cell where every candidate misses the SLO, the thick outline the pick.",
      spec: costHeatmap(result),
      ...(chartMetric(result) === null
        ? { note: "No candidate uses a target-tracking metric, so there is no target to map." }
        : {}),
    },
    ...deployCharts(result),
  ];
}

/** The "when is it safe to deploy" chart, when the plan has one (reports/deploy-hours.ts). */
function deployCharts(result: PlanResult): PlanChart[] {
  const chart = deployHoursChart(result);
  return chart ? [chart] : [];
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
// Pareto scatter

/** Colour of each metric's candidates (Okabe–Ito). */
const METRIC_COLORS: Readonly<Record<string, string>> = {
  CPU: PALETTE.blue,
  "CPU (20 s)": PALETTE.green,
  "ALB req/target": PALETTE.orange,
  memory: PALETTE.purple,
  "memory (20 s)": PALETTE.skyBlue,
  fixed: PALETTE.grey,
};

/** Readable ticks for a symlog axis of minutes up to `max`: 0, 1, 2, 5, 10, 20, 50, … */
export function minuteTicks(max: number): number[] {
  const ticks = [0];
  for (let p = 1; p <= Math.max(1, max) * 1.5; p *= 10)
    for (const m of [1, 2, 5]) if (m * p <= Math.max(1, max) * 1.5) ticks.push(m * p);
  return ticks;
}

/**
 * Every candidate's monthly cost against its SLO minutes; the front connected, the pick marked.
 * Candidates the sweep stopped early (sim/prune.ts) are left out: their figures are only lower
 * bounds, and none of them could be on the front, be picked or be listed (some of those stopped
 * as out of reach may meet the SLO: the description says how many).
 */
export function paretoChart(result: PlanResult): PlanChart["spec"] {
  const pareto = new Set(result.pareto);
  const pickId = result.recommended?.candidate.id ?? null;
  const rows = result.outcomes
    .filter((o) => !o.pruned)
    .map((o) => ({
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
  const limit = result.paretoLimit.maxMinutes;
  const maxMinutes = Math.max(
    1,
    result.slo.violationBudgetMinutes,
    limit ?? 0,
    ...rows.map((r) => r.minutes),
  );
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
    axis: { values: minuteTicks(maxMinutes), format: ",.0f" },
  };
  const metrics = [...new Set(rows.map((r) => r.metric))];
  const layers: unknown[] = [
    {
      data: { values: rows },
      mark: { type: "point", filled: true, size: 36 },
      encoding: {
        x,
        y,
        color: {
          field: "metric",
          type: "nominal",
          title: "metric",
          scale: { domain: metrics, range: metrics.map((m) => METRIC_COLORS[m] ?? PALETTE.black) },
        },
        opacity: { condition: { test: "datum.pareto", value: 0.95 }, value: 0.45 },
        tooltip,
      },
    },
    referenceRule(
      "budget",
      result.slo.violationBudgetMinutes,
      `SLO budget ${formatCompact(result.slo.violationBudgetMinutes, 1)} min`,
    ),
  ];
  // How far the front reaches (pareto.maxBudgetMultiple), when above the budget line.
  if (limit !== null && limit > result.slo.violationBudgetMinutes)
    layers.push(
      referenceRule(
        "frontLimit",
        limit,
        `front drawn up to ${formatCompact(result.paretoLimit.budgetMultiple ?? 0, 2)}× budget, ${formatCompact(limit, 1)} min`,
        { dash: [2, 3] },
      ),
    );
  if (front.length > 0) {
    layers.push({
      data: { values: front },
      layer: [
        {
          mark: { type: "line", color: "#111827", strokeWidth: 1, strokeDash: [3, 2] },
          encoding: { x, y, order: { field: "order", type: "quantitative" } },
        },
        {
          mark: { type: "point", size: 100, strokeWidth: 1.2, color: "#111827" },
          encoding: { x, y, tooltip },
        },
      ],
    });
  }
  if (marks.length > 0) {
    layers.push({
      data: { values: marks },
      mark: { type: "point", filled: true, size: 240, stroke: "#111827", strokeWidth: 1 },
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
          title: "marked",
          scale: { domain: ["pick", "current"], range: [PALETTE.yellow, PALETTE.grey] },
        },
        tooltip: [
          { field: "kind", title: "marked" },
          { field: "label", title: "candidate" },
          { field: "cost", title: "monthly cost (USD)", format: "$,.2f" },
          { field: "minutes", title: "SLO minutes" },
        ],
      },
    });
  }
  return responsive(
    {
      description:
        rows.length === result.outcomes.length
          ? "Monthly cost against SLO-violating minutes for every candidate."
          : `Monthly cost against SLO-violating minutes for the ${rows.length} candidates simulated to the end (${stoppedWords(result)} are left out: none of them is on the front).`,
      layer: layers,
      resolve: { scale: { color: "independent", fill: "independent", shape: "independent" } },
    },
    320,
  );
}

// ---------------------------------------------------------------------------------------
// Cost heatmap

function sizeOrder(a: TaskSize, b: TaskSize): number {
  return (
    Number(a.cpu) - Number(b.cpu) ||
    Number(a.memory) - Number(b.memory) ||
    a.architecture.localeCompare(b.architecture) ||
    a.capacityProvider.localeCompare(b.capacityProvider)
  );
}

/**
 * The candidates the sweep stopped early, in words: "12 stopped early once they could no longer
 * meet the SLO and 40 once too dear to change the plan".
 */
function stoppedWords(result: PlanResult): string {
  const s = stoppedEarly(result.outcomes);
  const multiple = result.paretoLimit.budgetMultiple;
  const parts = [
    s.cannotMeetSlo > 0 ? `${s.cannotMeetSlo} once they could no longer meet the SLO` : "",
    s.farFromSlo > 0
      ? `${s.farFromSlo} once past ${multiple === null ? "the front's limit" : result.paretoLimit.maxMinutes === 0 ? "their first violating minute (the SLO allows none)" : `${formatCompact(multiple, 2)}× the SLO budget`} (off the front)`
      : "",
    s.outOfReach > 0
      ? `${s.outOfReach} once too dear to change the plan (dearer than ${s.cheaperWithinSlo} or more candidates within the SLO)`
      : "",
  ].filter((p) => p !== "");
  const all = s.cannotMeetSlo + s.farFromSlo + s.outOfReach;
  const listed =
    parts.length > 2 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : parts.join(" and ");
  return `${all} stopped early, ${listed},`;
}

/** One heatmap cell: the cheapest SLO-meeting candidate, else the closest one. */
export interface HeatmapCell {
  readonly target: number;
  readonly size: string;
  /** The column: the target value when every size has the same ones, else its rank in its size. */
  readonly column: string;
  readonly cost: number;
  readonly meetsSlo: boolean;
  /**
   * Every candidate of the cell was stopped early (sim/prune.ts), and one of them as out of
   * reach: it may meet the SLO, but is too dear to change the plan.
   */
  readonly stopped: boolean;
  readonly label: string;
  readonly minutes: number;
  readonly candidates: number;
  readonly pick: boolean;
  /** What the cell shows: the cost, with the target value above it when columns are ranks. */
  readonly text: string | readonly string[];
}

/** Heatmap cells for one metric: target value × task size. */
export function heatmapCells(result: PlanResult, metric: PredefinedMetricType): HeatmapCell[] {
  const pickId = result.recommended?.candidate.id ?? null;
  const byCell = new Map<string, CandidateOutcome[]>();
  const targetsBySize = new Map<string, Set<number>>();
  for (const o of result.outcomes) {
    if (o.candidate.metric !== metric) continue;
    const size = sizeLabel(o.candidate.task);
    const key = `${o.candidate.targetValue}\u0000${size}`;
    const list = byCell.get(key) ?? [];
    list.push(o);
    byCell.set(key, list);
    const set = targetsBySize.get(size) ?? new Set<number>();
    set.add(o.candidate.targetValue);
    targetsBySize.set(size, set);
  }
  const sorted = new Map(
    [...targetsBySize].map(([size, set]) => [size, [...set].sort((a, b) => a - b)]),
  );
  const signatures = new Set([...sorted.values()].map((t) => t.join(",")));
  const shared = signatures.size <= 1;
  const cells: HeatmapCell[] = [];
  for (const list of byCell.values()) {
    // A candidate the sweep stopped early (sim/prune.ts) shows only when its cell has nothing
    // else: its figures are lower bounds.
    const best = [...list].sort(
      (a, b) =>
        Number(b.meetsSlo) - Number(a.meetsSlo) ||
        Number(a.pruned !== undefined) - Number(b.pruned !== undefined) ||
        (a.meetsSlo ? 0 : a.kpis.sloViolationMinutes - b.kpis.sloViolationMinutes) ||
        a.kpis.monthlyCostUsd - b.kpis.monthlyCostUsd ||
        a.candidate.id - b.candidate.id,
    )[0];
    if (!best) continue;
    const size = sizeLabel(best.candidate.task);
    const target = best.candidate.targetValue;
    const rank = (sorted.get(size) ?? []).indexOf(target);
    const cost = round(best.kpis.monthlyCostUsd);
    // A stopped candidate shows only when every one in its cell was stopped: "×" when they
    // cannot meet the SLO, "dearer" when one may meet it but costs too much to matter.
    const stopped = list.some((o) => o.pruned?.reason === "out-of-reach") && !!best.pruned;
    const costText = best.meetsSlo ? `$${formatNumber(cost)}` : stopped ? "dearer" : "×";
    cells.push({
      target,
      size,
      column: shared ? shortTarget(metric, target) : `#${rank + 1}`,
      cost,
      meetsSlo: best.meetsSlo,
      stopped,
      label: best.candidate.label,
      minutes: round(best.kpis.sloViolationMinutes, 1),
      candidates: list.length,
      pick: list.some((o) => o.candidate.id === pickId),
      text: shared ? costText : [shortTarget(metric, target), costText],
    });
  }
  return cells.sort((a, b) => a.target - b.target || a.size.localeCompare(b.size));
}

/** "60 %" or "2,573/min". */
function shortTarget(metric: PredefinedMetricType, target: number): string {
  return metric === "ALBRequestCountPerTarget"
    ? `${formatNumber(target)}/min`
    : `${formatCompact(target, 1)} %`;
}

/** Monthly cost heatmap, target value (x) × task size (y), for the pick's metric. */
export function costHeatmap(result: PlanResult): PlanChart["spec"] {
  const metric = chartMetric(result);
  if (metric === null) return responsive({ data: { values: [] }, mark: "rect" }, 40);
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
  const columns = [...new Map(cells.map((c) => [c.column, c.target])).entries()]
    .sort((a, b) =>
      a[0].startsWith("#") ? Number(a[0].slice(1)) - Number(b[0].slice(1)) : a[1] - b[1],
    )
    .map(([c]) => c);
  const twoLines = cells.some((c) => Array.isArray(c.text));
  const x = {
    field: "column",
    type: "ordinal",
    title: twoLines
      ? `${metric === "ALBRequestCountPerTarget" ? "RequestCountPerTarget" : "TargetValue"}: lowest to highest for each task size`
      : `TargetValue — ${metricTitle(metric)}`,
    sort: columns,
    axis: { labelAngle: 0, labelOverlap: "greedy" },
  };
  const y = { field: "size", type: "ordinal", title: "task size", sort: sizes };
  const tooltip = [
    { field: "label", title: "cheapest in cell" },
    { field: "cost", title: "monthly cost (USD)", format: "$,.2f" },
    { field: "minutes", title: "SLO minutes" },
    { field: "meetsSlo", title: "meets SLO" },
    { field: "stopped", title: "stopped early (too dear)" },
    { field: "candidates", title: "candidates in cell" },
  ];
  return responsive(
    {
      description: cells.some((c) => c.stopped || c.meetsSlo)
        ? `Monthly cost by target value and task size for ${metric}${
            stoppedEarly(result.outcomes).outOfReach > 0
              ? `; cells show the cheapest candidate simulated to the end, and "dearer" where every candidate was stopped early as too dear to change the plan`
              : ""
          }.`
        : `Monthly cost by target value and task size for ${metric}.`,
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
              legend: { format: "$,.0f", gradientLength: 220 },
            },
            opacity: { condition: { test: "datum.meetsSlo", value: 1 }, value: 0.3 },
            tooltip,
          },
        },
        {
          transform: [{ filter: "datum.pick" }],
          mark: { type: "rect", fill: null, stroke: PALETTE.vermillion, strokeWidth: 3 },
        },
        {
          mark: { type: "text", fontSize: 11, lineHeight: 13, limit: 0 },
          encoding: {
            text: { field: "text" },
            color: {
              condition: [
                { test: "!datum.meetsSlo", value: REFERENCE_COLOR },
                { test: `datum.cost > ${darkAbove}`, value: "#ffffff" },
              ],
              value: "#0f172a",
            },
            tooltip,
          },
        },
      ],
    },
    Math.max(120, sizes.length * (twoLines ? 40 : 30)),
  );
}
