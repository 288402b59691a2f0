/**
 * The report of one `caplab simulate` run (pure): a verdict first (within the SLO or not, and
 * by how much, qualified when it rests on less trace than a plan needs, with the trace's other
 * limits as cautions under it: analysis/trace-coverage.ts), the key figures, the timeline charts (traffic, tasks with scaling events,
 * metric against target, p95 against the SLO, cost), the minutes behind the worst p95 and the
 * failed requests, and the events table.
 *
 *   SimulateOutput (timeline, events, Kpis, task, scaling, SLO)
 *     → simulateCharts (timeline-charts.ts) → renderSimulateHtml / renderSimulateMarkdown
 *
 * Strings from outside (the trace path, policy and scheduled-action names, event reasons) are
 * escaped for HTML (escapeHtml) and Markdown (markdownInline, markdownCell).
 */
import { sloBudget } from "./slo-budget.js";
import { deploymentSummary } from "../analysis/deployment-outcome.js";
import {
  GUARDRAIL_DEFAULTS,
  sizeLabel,
  type PredefinedMetricType,
  type ScalingConfig,
  type SimulateOutput,
  type Timeline,
  type TraceCoverage,
} from "../sim/vocab/index.js";
import { findExtremes } from "../analysis/extremes.js";
import { assessTraceByDefault, thinDataClause } from "../analysis/trace-coverage.js";
import { markdownCell, markdownInline } from "./escape.js";
import {
  escapeHtml,
  formatCompact,
  taskRange,
  formatHours,
  formatNumber,
  formatOomKills,
  formatPercent,
  formatUsd,
  formatUtc,
  plural,
} from "./format.js";
import {
  chartFigure,
  eventsSection,
  extremesHtml,
  htmlDocument,
  type VegaRuntime,
} from "./html.js";
import { policySummary } from "./plan-facts.js";
import {
  eventChange,
  formatTarget,
  timelineCharts,
  type Chart,
  type ChartRun,
} from "./timeline-charts.js";

/** The predefined metric and target of the first target-tracking policy, if any. */
function trackedMetric(
  scaling: ScalingConfig | null,
): { metric: PredefinedMetricType; target: number } | null {
  const tt = scaling?.policies[0]?.TargetTrackingScalingPolicyConfiguration;
  const metric = tt?.PredefinedMetricSpecification?.PredefinedMetricType;
  return tt && metric ? { metric, target: tt.TargetValue } : null;
}

/** Every chart of the simulate report, in report order. */
export function simulateCharts(input: SimulateOutput): Chart[] {
  const tracked = trackedMetric(input.scaling);
  const run: ChartRun = {
    name: "simulated",
    timeline: input.timeline,
    events: input.events,
    metric: tracked?.metric ?? null,
    targetValue: tracked?.target ?? null,
  };
  return timelineCharts({
    traffic: {
      startMs: input.timeline.startMs,
      stepSeconds: input.timeline.stepSeconds,
      requests: input.timeline.requests,
    },
    runs: [run],
    sloP95Ms: input.slo?.latencyP95Ms ?? null,
  });
}

/** The verdict: within the SLO or not, with the figures that decide it. */
export interface SimulateVerdict {
  readonly meetsSlo: boolean | null;
  readonly headline: string;
  readonly lines: readonly string[];
  /**
   * The trace holds less data than a plan needs (guardrails.minTraceHours): the headline says
   * so, a pass is not a plain pass, and a miss stays a miss.
   */
  readonly thinData: boolean;
  /** What the trace leaves unseen (the coverage notes), shown under the verdict. */
  readonly cautions: readonly string[];
  /** The coverage the verdict rests on; null when the folder does not tell. */
  readonly coverage: TraceCoverage | null;
}

/**
 * The folder's coverage; for a folder written before summary.json held it, the coverage of
 * the timeline's own steps when they span less than the minimum (their data can only be
 * less, so such a trace is short whatever its gaps were), else null (not known).
 */
export function simulateCoverage(input: SimulateOutput): TraceCoverage | null {
  if (input.coverage) return input.coverage;
  const t = input.timeline;
  if ((t.length * t.stepSeconds) / 3600 >= GUARDRAIL_DEFAULTS.minTraceHours) return null;
  const c = assessTraceByDefault({
    source: input.trace?.source ?? input.dir,
    startMs: t.startMs,
    stepSeconds: t.stepSeconds,
    requests: Float64Array.from(t.requests, (v) => (Number.isFinite(v) ? v : 0)),
    gap: new Uint8Array(t.length),
  });
  return { ...c, notes: c.notes.slice(0, 1), limits: [] };
}

export function simulateVerdict(input: SimulateOutput): SimulateVerdict {
  const k = input.kpis;
  const slo = input.slo;
  const coverage = simulateCoverage(input);
  const thin = coverage === null ? null : thinDataClause(coverage);
  const cautions = coverage?.notes ?? [];
  const lines = [
    `${formatUsd(k.monthlyCostUsd)} a month (${formatUsd(k.costUsd)} for the ${formatHours(k.minutes / 60)} simulated)`,
    `tasks ${taskRange(k)}; mean ${formatNumber(k.meanTasks, 1)} running; ${plural(k.scalingActions, "scaling action")}`,
  ];
  const base = { lines, thinData: thin !== null, cautions, coverage };
  if (slo === null)
    return {
      ...base,
      meetsSlo: null,
      headline:
        "No SLO to judge against: this folder's summary.json was written before it kept the SLO; run caplab simulate again.",
    };
  const { minutes: budget, basis } = sloBudget(slo, k);
  const gaps = k.dataMinutes < k.minutes - 1e-9;
  const minutesOk = k.sloViolationMinutes <= budget + 1e-9;
  const errorsOk = k.errorRatePercent <= slo.errorRatePercent + 1e-12;
  const meets = minutesOk && errorsOk;
  const minutes = formatNumber(k.sloViolationMinutes);
  const figures = `${minutes} SLO-violating ${minutes === "1" ? "minute" : "minutes"} (budget ${formatCompact(budget, budget < 1 ? 3 : 1)}${gaps ? `: ${basis}` : ""}), ${formatPercent(k.errorRatePercent, 3)} errors (limit ${formatPercent(slo.errorRatePercent, 3)}), worst p95 ${formatNumber(k.worstP95LatencyMs)} ms (SLO ${formatNumber(slo.latencyP95Ms)} ms)`;
  const why = `(${[minutesOk ? "" : "too many violating minutes", errorsOk ? "" : "too many errors"].filter((s) => s !== "").join(" and ")})`;
  let headline: string;
  if (thin === null)
    headline = meets ? `Meets the SLO: ${figures}.` : `Misses the SLO ${why}: ${figures}.`;
  else
    headline = meets
      ? `Meets the SLO ${thin}. Its figures: ${figures}.`
      : `Misses the SLO ${why} ${thinDataClause(coverage!, "miss")}. Its figures: ${figures}.`;
  return { ...base, meetsSlo: meets, headline };
}

function settingRows(input: SimulateOutput): [string, string][] {
  const rows: [string, string][] = [];
  if (input.task)
    rows.push([
      "Task",
      `${sizeLabel(input.task)} (cpu ${input.task.cpu}, memory ${input.task.memory})`,
    ]);
  if (input.scaling) {
    rows.push([
      "MinCapacity / MaxCapacity",
      `${input.scaling.MinCapacity} / ${input.scaling.MaxCapacity}`,
    ]);
    input.scaling.policies.forEach((p, i) => {
      const tt = p.TargetTrackingScalingPolicyConfiguration;
      rows.push([
        `Policy ${i + 1}${p.PolicyName ? ` "${p.PolicyName}"` : ""}`,
        `${policySummary(p)}${tt ? `, cooldowns ${tt.ScaleOutCooldown}/${tt.ScaleInCooldown} s` : ""}`,
      ]);
    });
    for (const a of input.scaling.scheduledActions)
      rows.push([
        `Scheduled action${a.ScheduledActionName ? ` "${a.ScheduledActionName}"` : ""}`,
        `${a.Schedule}: ${[a.ScalableTargetAction.MinCapacity !== undefined ? `MinCapacity ${a.ScalableTargetAction.MinCapacity}` : "", a.ScalableTargetAction.MaxCapacity !== undefined ? `MaxCapacity ${a.ScalableTargetAction.MaxCapacity}` : ""].filter((s) => s !== "").join(", ")}`,
      ]);
  }
  (input.kpis.deployments ?? []).forEach((d, n) =>
    rows.push([`Deployment ${n + 1}`, deploymentSummary(d, input.timeline.startMs)]),
  );
  return rows;
}

function spanText(t: Timeline): string {
  const endMs = t.startMs + t.length * t.stepSeconds * 1000;
  const hours = (t.length * t.stepSeconds) / 3600;
  return `${formatUtc(t.startMs)} to ${formatUtc(endMs)} · ${plural(t.length, "step")} of ${t.stepSeconds} s (${formatHours(hours)})`;
}

/** Renders the simulate report as one self-contained HTML file. */
export function renderSimulateHtml(
  input: SimulateOutput,
  charts: readonly Chart[],
  runtime: VegaRuntime,
): string {
  const e = escapeHtml;
  const v = simulateVerdict(input);
  const k = input.kpis;
  const tracked = trackedMetric(input.scaling);
  const body: string[] = [];
  const source = input.trace?.source ?? input.dir;
  body.push(`<header>
<h1>Simulation</h1>
<p class="sub">Trace <code>${e(source)}</code> · ${e(spanText(input.timeline))}</p>
${input.slo ? `<p class="sub">SLO: p95 ≤ ${e(formatNumber(input.slo.latencyP95Ms))} ms, errors ≤ ${e(formatPercent(input.slo.errorRatePercent, 3))}, at most ${e(formatCompact(input.slo.violationBudgetPercent, 2))} % of the minutes violating</p>` : ""}
</header>`);
  // A pass on too little data is amber, not green: it is no pass to rest a decision on.
  const cls =
    v.meetsSlo === null
      ? "risk-none"
      : !v.meetsSlo
        ? "risk-high"
        : v.thinData
          ? "risk-medium"
          : "risk-low";
  const word = v.meetsSlo === null ? "Not judged" : v.meetsSlo ? "Meets the SLO" : "Misses the SLO";
  body.push(`<section id="verdict" class="verdict ${cls}">
<div class="verdict-main">
<p class="eyebrow">Verdict${v.thinData ? " on too little data" : ""}</p>
<h2 class="pick">${e(v.thinData ? `${word}, on too little data` : word)}</h2>
<p>${e(v.headline)}</p>
<ul>${v.lines.map((l) => `<li>${e(l)}</li>`).join("")}</ul>
${v.cautions.length > 0 ? `<ul class="cautions">${v.cautions.map((c) => `<li>${e(c)}</li>`).join("")}</ul>` : ""}
</div>
<div class="verdict-side"><table class="compare"><tbody>
${[
  ["Monthly cost", formatUsd(k.monthlyCostUsd)],
  ["SLO-violating minutes", formatNumber(k.sloViolationMinutes)],
  ["Error rate", formatPercent(k.errorRatePercent, 3)],
  ["Worst p95 latency", `${formatNumber(k.worstP95LatencyMs)} ms`],
  ["Tasks", taskRange(k)],
  ["OOM kills", formatOomKills(k.oomKills)],
]
  .map(([label, value]) => {
    const inner = e(value!);
    const linked =
      label === "Worst p95 latency"
        ? `<a href="#worst-p95">${inner}</a>`
        : label === "Error rate"
          ? `<a href="#most-errors">${inner}</a>`
          : inner;
    return `<tr><th scope="row">${e(label!)}</th><td>${linked}</td></tr>`;
  })
  .join("\n")}
</tbody></table></div>
</section>`);
  const settings = settingRows(input);
  body.push(
    `<section id="settings"><h2>What was simulated</h2>${
      settings.length === 0
        ? '<p class="note">This folder\'s summary.json was written before it kept the task and scaling; run caplab simulate again to see them and the target line.</p>'
        : `<table class="kv"><tbody>${settings.map(([a, b]) => `<tr><th scope="row">${e(a)}</th><td>${e(b)}</td></tr>`).join("")}</tbody></table>${tracked ? `<p class="note">The metric chart draws ${e(tracked.metric)} against its TargetValue ${e(formatTarget(tracked.metric, tracked.target))}.</p>` : ""}`
    }</section>`,
  );
  body.push(`<section id="charts"><h2>Charts</h2>`);
  for (const chart of charts) body.push(chartFigure(chart));
  body.push(`</section>`);
  if (input.slo)
    body.push(
      `<section id="worst-minutes"><h2>Worst minutes</h2>${extremesHtml(findExtremes(input.timeline, input.events, input.slo), "the run", input.slo)}</section>`,
    );
  body.push(eventsSection(input.events, "Scaling events"));
  body.push(`<footer>Generated by caplab. This file is self-contained and works offline.</footer>`);
  return htmlDocument(`caplab simulate · ${source}`, body, charts, runtime);
}

/** The simulate report as Markdown (a CI job summary). */
export function renderSimulateMarkdown(input: SimulateOutput, maxEvents = 50): string {
  const md = markdownInline;
  const cell = markdownCell;
  const v = simulateVerdict(input);
  const k = input.kpis;
  const out: string[] = ["## caplab simulation", ""];
  out.push(`**${md(v.headline)}**`, "");
  for (const l of v.lines) out.push(`- ${md(l)}`);
  if (v.cautions.length > 0) {
    out.push("", "Cautions about the data:", "");
    for (const c of v.cautions) out.push(`- ${md(c)}`);
  }
  out.push("", `Trace ${md(input.trace?.source ?? input.dir)}: ${spanText(input.timeline)}.`, "");
  const settings = settingRows(input);
  if (settings.length > 0) {
    out.push("### What was simulated", "", "| Setting | Value |", "| --- | --- |");
    for (const [a, b] of settings) out.push(`| ${cell(a)} | ${cell(b)} |`);
    out.push("");
  }
  out.push(
    "### Key figures",
    "",
    "| Figure | Value |",
    "| --- | --- |",
    `| Monthly cost | ${cell(formatUsd(k.monthlyCostUsd))} |`,
    `| SLO-violating minutes | ${formatNumber(k.sloViolationMinutes)} |`,
    `| Error rate | [${formatPercent(k.errorRatePercent, 3)}](#worst-minutes) |`,
    `| Worst p95 latency | [${formatNumber(k.worstP95LatencyMs)} ms](#worst-minutes) |`,
    `| Tasks | ${taskRange(k)}; mean ${formatNumber(k.meanTasks, 1)} running |`,
    ...(k.oomKills > 0 ? [`| OOM kills | ${formatOomKills(k.oomKills)} |`] : []),
    "",
  );
  if (input.slo) {
    out.push("### Worst minutes", "");
    const extremes = findExtremes(input.timeline, input.events, input.slo);
    if (extremes.length === 0)
      out.push(
        `No minute has a p95 above ${formatNumber(input.slo.latencyP95Ms)} ms, and no request failed.`,
      );
    for (const x of extremes)
      out.push(
        x.kind === "worst-p95"
          ? `- **Worst p95: ${formatNumber(x.value)} ms at ${formatUtc(x.timeMs)}.** Why: ${md(x.causes.join("; "))}.`
          : `- **Most failed requests: ${formatNumber(x.value)} from ${formatUtc(x.fromMs)} to ${formatUtc(x.toMs)}${x.sharePercent !== null ? ` (${formatCompact(x.sharePercent, 1)} % of all failures)` : ""}.** Why: ${md(x.causes.join("; "))}.`,
      );
    out.push("");
  }
  const events = [...input.events].sort((a, b) => a.timeMs - b.timeMs).slice(0, maxEvents);
  out.push("### Scaling events", "");
  if (events.length === 0) out.push("No scaling events.", "");
  else {
    out.push(
      input.events.length > events.length
        ? `The first ${events.length} of ${input.events.length} (events.json holds every one):`
        : `All ${events.length}:`,
      "",
      "| Time (UTC) | Event | Change | Reason |",
      "| --- | --- | --- | --- |",
      ...events.map(
        (ev) =>
          `| ${formatUtc(ev.timeMs)} | ${ev.kind} | ${cell(eventChange(ev))} | ${cell(ev.reason)} |`,
      ),
      "",
    );
  }
  return out.join("\n");
}
