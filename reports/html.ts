/**
 * The plan as one self-contained HTML file that opens offline. Pure: text out.
 *
 *   PlanResult + PlanChart[] (+ optional static SVGs) + the vega runtime as strings
 *     → <html> with inline CSS, inline vega / vega-lite / vega-embed (UMD globals
 *       `vega`, `vegaLite`, `vegaEmbed`, in that order), the specs as escaped JSON and a
 *       small script that embeds each chart in its container.
 *
 * Every string that came from outside goes through {@link escapeHtml}; JSON inside
 * `<script>` goes through {@link jsonForScript}; the runtime scripts through
 * {@link scriptText}. A chart's static SVG, when given, shows until the live chart is drawn
 * (and stays when scripts are off or fail).
 */
import { planBudgetBasis } from "./slo-budget.js";
import { sizeLabel, type PlanResult, type ScalingEvent } from "../sim/vocab/index.js";
import { outOfReachClause } from "../sim/plan.js";
import { heaviestReason } from "../sim/risk.js";
import {
  desiredText,
  EXTREME_COUNTS_NOTE,
  findExtremes,
  type Extreme,
} from "../analysis/extremes.js";
import {
  formatCompact,
  formatCount,
  escapeHtml,
  formatNumber,
  formatPercent,
  formatUsd,
  formatUsdDelta,
  formatUtc,
  jsonForScript,
  metricShortName,
} from "./format.js";
import {
  closestOutcomes,
  eventChange,
  formatTarget,
  rankedOutcomes,
  type PlanChart,
} from "./plan-charts.js";
import {
  candidateLabel,
  comparisonRows,
  keyFigureRows,
  perturbationSizesText,
  modelReadingText,
  variesText,
  planVerdict,
  robustnessOfInterest,
  settingsRows,
  traceSpan,
} from "./plan-facts.js";

/** Candidates listed in the HTML report. */
export const HTML_TOP_CANDIDATES = 20;
/** Scaling events listed in the HTML report. */
export const HTML_MAX_EVENTS = 200;

/** The three vega bundles (UMD builds), as file contents. */
export interface VegaRuntime {
  readonly vega: string;
  readonly vegaLite: string;
  readonly vegaEmbed: string;
}

/** CSS class of a risk rating's badge. */
function riskClass(rating: string | null): string {
  return rating === null ? "risk-none" : `risk-${rating}`;
}

/**
 * The verdict block: the pick, its risk and cost against today, what to watch (cautions), why
 * it has its rating, its neighbours, and the current-vs-recommended figures. What a planner
 * reads first; it fits the first screen at 1400 px.
 */
function verdictHtml(result: PlanResult): string {
  const e = escapeHtml;
  const v = planVerdict(result);
  const pick = result.recommended;
  const list = (cls: string, items: readonly string[]) =>
    items.length === 0
      ? ""
      : `<ul class="${cls}">${items.map((i) => `<li>${e(i)}</li>`).join("")}</ul>`;
  if (!pick) {
    const closest = closestOutcomes(result, 5);
    return `<section id="verdict" class="verdict alert">
<div class="verdict-main">
<p class="eyebrow">No recommendation</p>
<h2 class="pick">No candidate met the SLO</h2>
<p>${e(v.headline)} The closest:</p>
<ol>${closest
      .map(
        (o) =>
          `<li>${e(o.candidate.label)}: ${e(formatNumber(o.kpis.sloViolationMinutes))} violating minutes, error rate ${e(formatPercent(o.kpis.errorRatePercent, 3))}, ${e(formatUsd(o.kpis.monthlyCostUsd))} per month</li>`,
      )
      .join("")}</ol>
<p>Widen the candidate space (larger sizes, lower targets, higher MinCapacity) or revisit the SLO.</p>
${list("cautions", v.cautions)}
</div>
</section>`;
  }
  const current = result.current;
  let delta = "";
  if (current) {
    const d = pick.kpis.monthlyCostUsd - current.kpis.monthlyCostUsd;
    delta = `<span class="badge ${d <= 0 ? "good" : "bad"}">${e(formatUsdDelta(d))} a month vs current</span>`;
  }
  const compare = current
    ? `<table class="compare"><thead><tr><th></th><th>Current</th><th>Recommended</th></tr></thead><tbody>
${comparisonRows(current, pick, {
  currentRisk: result.currentRisk,
  risk: result.risk,
  worse: result.worseThanCurrent,
})
  .slice(0, 6)
  .map(
    ([k, c, r, , worse]) =>
      `<tr${worse ? ' class="worse"' : ""}><th scope="row">${e(k)}</th><td>${linkFigure(k, e(c), "current")}</td><td>${linkFigure(k, e(r), "recommended")}${worse ? ' <span class="flag">worse</span>' : ""}</td></tr>`,
  )
  .join("\n")}
</tbody></table>`
    : `<table class="compare"><tbody>${keyFigureRows(pick.kpis, result)
        .map(
          ([k, val]) =>
            `<tr><th scope="row">${e(k)}</th><td>${linkFigure(k, e(val), "recommended")}</td></tr>`,
        )
        .join(
          "",
        )}</tbody></table><p class="note">No current setting in the config to compare with (add <code>current:</code>).</p>`;
  return `<section id="verdict" class="verdict ${riskClass(v.risk)}">
<div class="verdict-main">
<p class="eyebrow">Recommendation</p>
<h2 class="pick">${e(v.headline)}</h2>
<p class="badges"><span class="badge ${riskClass(v.risk)}">Risk: ${e(v.risk === null ? "not rated" : v.risk.replace("-", " "))}</span><span class="badge">${e(formatUsd(pick.kpis.monthlyCostUsd))} a month</span>${delta}</p>
${list("cautions", v.cautions)}
<p class="risk-line">${v.riskText !== null ? `Rated ${e(v.riskText)}${v.currentRiskText !== null ? `; the current setting is rated ${e(v.currentRiskText)}` : ""}:` : "Not rated (no robustness check was run)."}</p>
${list("risk-reasons", v.riskReasons)}
${list("neighbours", v.neighbours)}
</div>
<div class="verdict-side">${compare}</div>
</section>`;
}

/** Links the worst-p95 and error-rate figures of a run to the minutes behind them. */
function linkFigure(label: string, html: string, run: "current" | "recommended"): string {
  if (run !== "recommended") return html;
  if (label === "Worst p95 latency") return `<a href="#worst-p95">${html}</a>`;
  if (label === "Error rate") return `<a href="#most-errors">${html}</a>`;
  return html;
}

/** The minutes behind the extreme figures of a run, as tables with anchors. */
export function extremesHtml(
  extremes: readonly Extreme[],
  subject: string,
  slo: { readonly latencyP95Ms: number },
): string {
  const e = escapeHtml;
  if (extremes.length === 0)
    return `<p class="note">No minute of ${e(subject)} has a p95 above the SLO's ${e(formatNumber(slo.latencyP95Ms))} ms, and no request failed.</p>`;
  return extremes
    .map((x) => {
      const head =
        x.kind === "worst-p95"
          ? `Worst p95: ${formatNumber(x.value)} ms at ${formatUtc(x.timeMs)}`
          : `Most failed requests: ${formatNumber(x.value)} from ${formatUtc(x.fromMs)} to ${formatUtc(x.toMs)}${x.sharePercent !== null ? ` (${formatCompact(x.sharePercent, 1)} % of all failures)` : ""}`;
      return `<h3 id="${x.kind}">${e(head)}</h3>
<p>${e(`Why: ${x.causes.join("; ")}.`)}</p>
<table class="minutes"><thead><tr><th>Time (UTC)</th><th class="num">Requests</th><th class="num">Failed</th><th class="num">Running<br>(mean)</th><th class="num">Healthy<br>(mean)</th><th class="num">Desired</th><th class="num">CPU %</th><th class="num">p95 (ms)</th></tr></thead><tbody>
${x.rows
  .map(
    (r) =>
      `<tr${r.extreme ? ' class="is-pick"' : ""}><td class="nowrap">${e(formatUtc(r.timeMs))}</td><td class="num">${e(formatNumber(r.requests))}</td><td class="num">${e(formatNumber(r.failedRequests))}</td><td class="num">${e(formatCount(r.runningCount))}</td><td class="num">${e(formatCount(r.healthyCount))}</td><td class="num nowrap">${e(desiredText({ low: r.desiredLow, high: r.desiredHigh }))}</td><td class="num">${e(formatNumber(r.cpuUtilization))}</td><td class="num">${e(formatNumber(r.latencyP95Ms))}</td></tr>`,
  )
  .join("\n")}
</tbody></table>
<p class="note">${e(EXTREME_COUNTS_NOTE)}</p>`;
    })
    .join("\n");
}

/**
 * Renders the report, answer first: the verdict, why, the charts, the minutes behind the
 * extremes, then the settings (JSON and CLI collapsed), the comparison, robustness and risk,
 * the candidates and the events. `snippetHtml` is a trusted HTML fragment (the AWS CLI
 * snippet as {@link preBlock}) shown collapsed under the settings; `undefined` leaves it out.
 */
export function renderPlanHtml(
  result: PlanResult,
  specs: readonly PlanChart[],
  snippetHtml: string | undefined,
  runtime: VegaRuntime,
): string {
  const e = escapeHtml;
  const pick = result.recommended;
  const t = result.trace;
  const endMs = t.startMs + t.requests.length * t.stepSeconds * 1000;
  const body: string[] = [];

  body.push(`<header>
<h1>Capacity plan</h1>
<p class="sub">Trace <code>${e(t.source)}</code> · ${e(formatUtc(t.startMs))} to ${e(formatUtc(endMs))} · ${e(traceSpan(result))}</p>
<p class="sub">SLO: p95 ≤ ${e(formatNumber(result.slo.latencyP95Ms))} ms, errors ≤ ${e(formatPercent(result.slo.errorRatePercent, 3))}, at most ${e(formatCompact(result.slo.violationBudgetMinutes, 1))} violating minutes${e(planBudgetBasis(result))} · ${result.outcomes.length} candidates, ${result.outcomes.filter((o) => o.meetsSlo).length} within the SLO${e(outOfReachClause(result.outcomes))}</p>
</header>`);
  body.push(verdictHtml(result));

  if (result.reasons.length > 0) {
    body.push(
      `<section id="reasons"><h2>Why</h2><ul>${result.reasons.map((r) => `<li>${e(r)}</li>`).join("")}</ul></section>`,
    );
  }

  body.push(`<section id="charts"><h2>Charts</h2>`);
  for (const chart of specs) body.push(chartFigure(chart));
  body.push(`</section>`);

  if (pick) {
    body.push(
      `<section id="worst-minutes"><h2>Worst minutes of the recommended run</h2>${extremesHtml(findExtremes(pick.timeline, pick.events, result.slo), "the recommended run", result.slo)}</section>`,
    );
    body.push(`<section id="recommendation">
<h2>What to set</h2>
${kvTable(settingsRows(pick.candidate))}
<details><summary>Settings as JSON</summary>
${preBlock(JSON.stringify(applyJson(pick.candidate), null, 2))}
</details>${snippetHtml !== undefined ? `\n<details id="summary"><summary>Apply with the AWS CLI</summary>\n${snippetHtml}\n</details>` : ""}
</section>`);
  }

  // Current vs recommended, in full.
  if (pick && result.current) {
    const rows = comparisonRows(result.current, pick, {
      currentRisk: result.currentRisk,
      risk: result.risk,
      worse: result.worseThanCurrent,
    });
    body.push(`<section id="comparison"><h2>Current vs recommended</h2>
<table><thead><tr><th></th><th>Current</th><th>Recommended</th><th>Change</th></tr></thead><tbody>
${rows.map((r) => `<tr${r[4] ? ' class="worse"' : ""}><th scope="row">${e(r[0])}</th><td>${e(r[1])}</td><td>${e(r[2])}</td><td>${e(r[3])}</td></tr>`).join("\n")}
</tbody></table></section>`);
  } else if (result.current) {
    body.push(`<section id="comparison"><h2>Current setting</h2>
<p class="pick">${e(result.current.candidate.label)}</p>${kvTable(keyFigureRows(result.current.kpis, result))}</section>`);
  }

  // Robustness and risk.
  const robust = robustnessOfInterest(result);
  if (robust) {
    const who =
      pick && robust.candidateId === pick.candidate.id
        ? "The recommendation"
        : candidateLabel(result, robust.candidateId);
    const byId = new Map(result.outcomes.map((o) => [o.candidate.id, o]));
    body.push(`<section id="robustness"><h2>Robustness and risk</h2>
<p>${e(who)} stays within the SLO under ${robust.passed} of ${robust.perturbations.length} perturbations. ${e(perturbationSizesText(robust.perturbations.map((p) => p.name)))}</p>
<table><thead><tr><th>Perturbation</th><th>Varies</th><th>Outcome</th><th class="num">Margin (min)</th><th class="num">SLO minutes</th><th class="num">Error rate</th><th class="num">Monthly cost</th></tr></thead><tbody>
${robust.perturbations
  .map(
    (p) =>
      `<tr><td>${e(p.name)}</td><td>${e(variesText(p.varies))}</td><td>${p.meetsSlo ? '<span class="ok">holds</span>' : `<span class="no">${e(severityWords(p.severity))}</span>`}</td><td class="num">${e(formatNumber(p.marginMinutes, 1))}</td><td class="num">${e(formatNumber(p.kpis.sloViolationMinutes))}</td><td class="num">${e(formatPercent(p.kpis.errorRatePercent, 3))}</td><td class="num">${e(formatUsd(p.kpis.monthlyCostUsd))}</td></tr>`,
  )
  .join("\n")}
</tbody></table>
${modelReadingText(robust.perturbations) ? `<p>${e(modelReadingText(robust.perturbations))}</p>\n` : ""}<h3>Candidates rated, in rank order</h3>
<table><thead><tr><th class="num">#</th><th>Candidate</th><th class="num">Monthly cost</th><th>Risk</th><th class="num">Passed</th><th>Heaviest reason</th></tr></thead><tbody>
${result.robustness
  .map((r, i) => {
    const o = byId.get(r.candidateId);
    const isPick = r.candidateId === pick?.candidate.id;
    return `<tr${isPick ? ' class="is-pick"' : ""}><td class="num">${i + 1}</td><td>${e(candidateLabel(result, r.candidateId))}</td><td class="num">${e(o ? formatUsd(o.kpis.monthlyCostUsd) : "—")}</td><td><span class="badge small ${riskClass(r.risk?.rating ?? null)}">${e(r.risk ? r.risk.rating.replace("-", " ") : "—")}</span></td><td class="num">${r.passed} of ${r.perturbations.length}</td><td>${e(heaviestReason(r.risk, "brief"))}</td></tr>`;
  })
  .join("\n")}
</tbody></table></section>`);
  }

  // Candidates.
  const listed = pick
    ? rankedOutcomes(result).slice(0, HTML_TOP_CANDIDATES)
    : closestOutcomes(result, HTML_TOP_CANDIDATES);
  const pareto = new Set(result.pareto);
  const rated = new Map(result.robustness.map((r) => [r.candidateId, r.risk?.rating ?? null]));
  body.push(`<section id="candidates"><h2>${pick ? "Top" : "Closest"} ${listed.length} of ${result.outcomes.length} candidates</h2>
<table class="candidates"><thead><tr><th class="num">#</th><th>Task size</th><th>Metric</th><th class="num">Target</th><th class="num">Min–Max</th><th class="num">Cooldowns</th><th class="num">Monthly cost</th><th class="num">SLO min</th><th class="num">Error rate</th><th>Risk</th><th>Notes</th></tr></thead><tbody>
${listed
  .map((o, i) => {
    const c = o.candidate;
    const tt = c.scaling.policies[0]?.TargetTrackingScalingPolicyConfiguration;
    const notes = [
      c.id === pick?.candidate.id ? "pick" : "",
      c.id === result.current?.candidate.id ? "current" : "",
      pareto.has(c.id) ? "Pareto" : "",
      o.meetsSlo ? "" : "misses SLO",
      c.scaling.scheduledActions.length > 0 ? "scheduled min" : "",
    ]
      .filter((s) => s !== "")
      .join(", ");
    const rating = rated.get(c.id);
    return `<tr${c.id === pick?.candidate.id ? ' class="is-pick"' : ""}><td class="num">${i + 1}</td><td class="nowrap">${e(sizeLabel(c.task))}</td><td class="nowrap">${e(metricShortName(c.metric))}</td><td class="num">${e(formatTarget(c.metric, c.targetValue))}</td><td class="num">${c.scaling.MinCapacity}–${c.scaling.MaxCapacity}</td><td class="num">${tt ? `${tt.ScaleOutCooldown}/${tt.ScaleInCooldown} s` : "—"}</td><td class="num">${e(formatUsd(o.kpis.monthlyCostUsd))}</td><td class="num">${e(formatNumber(o.kpis.sloViolationMinutes))}</td><td class="num">${e(formatPercent(o.kpis.errorRatePercent, 3))}</td><td>${rating ? `<span class="badge small ${riskClass(rating)}">${e(rating.replace("-", " "))}</span>` : '<span class="note">—</span>'}</td><td>${e(notes)}</td></tr>`;
  })
  .join("\n")}
</tbody></table>
<p class="note">Risk is rated for the candidates the pick checked (in rank order); candidates.csv lists every candidate.</p></section>`);

  // Scaling events.
  if (pick) {
    body.push(eventsSection(pick.events, "Scaling events of the recommended run"));
  }

  const notes = result.coverage?.notes ?? [];
  if (result.coverage) {
    const c = result.coverage;
    body.push(`<section id="data"><h2>Data</h2>
<p>${e(`${formatCompact(c.coveredHours, 1)} h of data over ${formatCompact(c.spanHours, 1)} h (${formatCompact(c.coveragePercent, 1)} % of the steps have data, ${formatCompact(c.activePercent, 1)} % have requests); the minimum is ${formatCompact(c.guardrails.minTraceHours, 1)} h (guardrails.minTraceHours).`)}</p>
${notes.length > 0 ? `<ul>${notes.map((n) => `<li>${e(n)}</li>`).join("")}</ul>` : ""}</section>`);
  }

  body.push(`<footer>Generated by caplab. This file is self-contained and works offline.</footer>`);

  return htmlDocument(`caplab plan · ${t.source}`, body, specs, runtime);
}

/** Words for how a run fared under a perturbation. */
function severityWords(s: string): string {
  switch (s) {
    case "misses":
      return "misses mildly";
    case "misses-badly":
      return "misses badly";
    case "breaks-down":
      return "breaks down";
    default:
      return s;
  }
}

/** The scaling events table of a run, collapsed when long. */
export function eventsSection(all: readonly ScalingEvent[], title: string): string {
  const e = escapeHtml;
  const events = [...all]
    .map((ev, i) => ({ ev, i }))
    .sort((a, b) => a.ev.timeMs - b.ev.timeMs || a.i - b.i)
    .slice(0, HTML_MAX_EVENTS)
    .map(({ ev }) => ev);
  const more = all.length - events.length;
  return `<section id="events"><h2>${e(title)}</h2>
<p class="note">${events.length === 0 ? "No scaling events." : `${more > 0 ? `First ${events.length} of ${all.length}` : `All ${events.length}`} events, in time order.`}</p>
${
  events.length === 0
    ? ""
    : `<details${events.length <= 20 ? " open" : ""}><summary>Show the events</summary><table class="events"><thead><tr><th>Time (UTC)</th><th>Event</th><th>Change</th><th>Policy / action</th><th>Reason</th></tr></thead><tbody>
${events.map((ev) => `<tr class="ev-${e(ev.kind)}"><td class="nowrap">${e(formatUtc(ev.timeMs))}</td><td class="nowrap">${e(ev.kind)}</td><td>${e(eventChange(ev))}</td><td>${e(eventSource(ev))}</td><td>${e(ev.reason)}</td></tr>`).join("\n")}
</tbody></table></details>`
}</section>`;
}

/**
 * A chart as a `<figure>`: caption, an empty container the embed script fills, and the
 * static SVG (when given and safe) until then. Shared by the plan and run reports.
 */
export function chartFigure(chart: PlanChart): string {
  const e = escapeHtml;
  if (chart.note !== undefined)
    return `<figure class="chart-note" id="${e(chart.id)}">
<figcaption><strong>${e(chart.title)}</strong></figcaption>
<p class="note">${e(chart.note)}</p>
</figure>`;
  const svg = chart.fallbackSvg !== undefined ? safeSvg(chart.fallbackSvg) : null;
  return `<figure class="chart" id="${e(chart.id)}">
<figcaption><strong>${e(chart.title)}</strong> <span>${e(chart.caption)}</span></figcaption>
<div class="chart-live"></div>${svg !== null ? `\n<div class="chart-fallback">${svg}</div>` : ""}
</figure>`;
}

/**
 * The self-contained HTML shell shared by the plan and run reports: inline CSS, the body
 * parts (trusted markup, already escaped) joined by line breaks, the vega runtime, the
 * charts' specs as escaped JSON and the embed script. `title` is escaped here.
 */
export function htmlDocument(
  title: string,
  body: readonly string[],
  specs: readonly PlanChart[],
  runtime: VegaRuntime,
): string {
  const chartData = specs
    .filter((c) => c.note === undefined)
    .map((c) => ({ id: c.id, spec: c.spec }));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body.join("\n")}
</main>
<script>${scriptText(runtime.vega)}</script>
<script>${scriptText(runtime.vegaLite)}</script>
<script>${scriptText(runtime.vegaEmbed)}</script>
<script type="application/json" id="caplab-charts">${jsonForScript(chartData)}</script>
<script>${EMBED_SCRIPT}</script>
</body>
</html>
`;
}

/** Escaped text in a `<pre>`; also usable for the AWS CLI snippet as the summary fragment. */
export function preBlock(text: string, title?: string): string {
  const head = title !== undefined ? `<h3>${escapeHtml(title)}</h3>\n` : "";
  return `${head}<pre><code>${escapeHtml(text)}</code></pre>`;
}

/**
 * Makes a script's source safe to inline in `<script>…</script>`: no `</script`, no `<!--`
 * (in strings, templates and regexes `<\/` and `<\x21` mean `</` and `<!`), and no source-map comment
 * pointing at a file that is not there.
 */
export function scriptText(source: string): string {
  return source
    .replace(/<\/(script)/gi, "<\\/$1")
    .replace(/<!--/g, "<\\x21--")
    .replace(/\/\/# sourceMappingURL=\S*\s*$/, "");
}

/**
 * A static SVG, or null when it is not plainly an SVG or carries anything that can run
 * (scripts, event handlers, foreign objects, javascript: links).
 */
export function safeSvg(svg: string): string | null {
  const trimmed = svg.trim();
  if (!trimmed.startsWith("<svg")) return null;
  if (/<script|<foreignobject|<iframe|\son[a-z]+\s*=|javascript:/i.test(trimmed)) return null;
  return trimmed;
}

/** The settings in the shape AWS takes them. */
function applyJson(c: PlanResult["outcomes"][number]["candidate"]): unknown {
  return {
    taskDefinition: {
      cpu: c.task.cpu,
      memory: c.task.memory,
      runtimePlatform: { cpuArchitecture: c.task.architecture, operatingSystemFamily: "LINUX" },
    },
    capacityProviderStrategy: [{ capacityProvider: c.task.capacityProvider, weight: 1 }],
    scalableTarget: { MinCapacity: c.scaling.MinCapacity, MaxCapacity: c.scaling.MaxCapacity },
    scalingPolicies: c.scaling.policies,
    ...(c.scaling.scheduledActions.length > 0
      ? { scheduledActions: c.scaling.scheduledActions }
      : {}),
  };
}

function eventSource(ev: ScalingEvent): string {
  switch (ev.kind) {
    case "scheduled-action":
      return ev.name;
    case "oom-kill":
    case "target-unhealthy":
    case "target-healthy":
    case "unhealthy-task-replaced":
      return "—";
    case "deployment-started":
    case "tasks-replaced":
    case "scale-in-suspended":
    case "deployment-stuck":
    case "rollback":
    case "deployment-completed":
      return `deployment ${ev.deployment + 1} (${ev.strategy})`;
    default:
      return ev.policy;
  }
}

function kvTable(rows: readonly (readonly [string, string])[]): string {
  return `<table class="kv"><tbody>${rows
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join("")}</tbody></table>`;
}

/** Embeds each chart; on success the static SVG goes, on failure a message shows. */
const EMBED_SCRIPT = `
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("caplab-charts").textContent);
  data.forEach(function (chart) {
    var figure = document.getElementById(chart.id);
    if (!figure) return;
    var live = figure.querySelector(".chart-live");
    if (typeof vegaEmbed !== "function") {
      live.textContent = "Interactive charts need JavaScript; showing the static version.";
      return;
    }
    vegaEmbed(live, chart.spec, { actions: false, renderer: "svg" })
      .then(function () {
        var fallback = figure.querySelector(".chart-fallback");
        if (fallback) fallback.remove();
        figure.classList.add("is-live");
      })
      .catch(function (err) {
        live.textContent = "This chart could not be drawn: " + (err && err.message ? err.message : err);
        live.classList.add("chart-error");
      });
  });
})();
`;

const CSS = `
:root {
  --fg: #0f172a; --muted: #475569; --line: #e2e8f0; --bg: #ffffff; --panel: #f8fafc;
  --accent: #0072b2; --ok: #047857; --no: #b42318; --warn: #92400e;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1240px; margin: 0 auto; padding: 20px 20px 48px; }
h1 { font-size: 24px; margin: 0 0 2px; }
h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; color: var(--muted); }
a { color: var(--accent); }
.sub { margin: 0; color: var(--muted); font-size: 14px; }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
code { background: var(--panel); padding: 1px 4px; border-radius: 4px; overflow-wrap: anywhere; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px; overflow: auto; max-height: 420px; }
pre code { background: none; padding: 0; }
details { margin: 8px 0; }
summary { cursor: pointer; color: var(--accent); font-weight: 500; }
.verdict { display: grid; grid-template-columns: minmax(0, 1.35fr) minmax(0, 1fr); gap: 20px 28px; margin: 14px 0 0; padding: 14px 18px; border: 1px solid var(--line); border-left: 6px solid var(--accent); border-radius: 8px; background: var(--panel); }
.verdict.risk-very-low, .verdict.risk-low { border-left-color: var(--ok); }
.verdict.risk-medium { border-left-color: #b45309; }
.verdict.risk-high, .verdict.alert { border-left-color: var(--no); }
@media (max-width: 900px) { .verdict { grid-template-columns: minmax(0, 1fr); } }
.verdict h2 { border: 0; margin: 0 0 6px; padding: 0; }
.verdict ul { margin: 6px 0; padding-left: 20px; }
.verdict li { margin: 2px 0; }
.eyebrow { margin: 0; font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.pick { font-size: 19px; font-weight: 650; line-height: 1.3; }
.badges { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; border: 1px solid var(--line); background: #fff; font-weight: 600; font-size: 14px; white-space: nowrap; }
.badge.small { padding: 0 8px; font-size: 12px; }
.badge.good { color: var(--ok); } .badge.bad { color: var(--no); }
.risk-very-low.badge, .risk-low.badge { background: #ecfdf5; border-color: #6ee7b7; color: #065f46; }
.risk-medium.badge { background: #fffbeb; border-color: #fcd34d; color: #92400e; }
.risk-high.badge { background: #fef2f2; border-color: #fca5a5; color: #991b1b; }
ul.cautions { list-style: none; padding: 0; }
ul.cautions li { border-left: 3px solid #b45309; background: #fffbeb; padding: 4px 10px; margin: 4px 0; }
.risk-line { margin: 8px 0 0; font-weight: 500; }
ul.neighbours { color: var(--muted); font-size: 14px; }
table.compare { width: 100%; margin: 0; font-size: 14px; background: #fff; }
table.compare th[scope="row"] { color: var(--muted); font-weight: 500; white-space: nowrap; }
tr.worse td:last-child { color: var(--no); }
.flag { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; border: 1px solid #fca5a5; border-radius: 4px; padding: 0 4px; }
.alert { border: 1px solid #fecaca; background: #fef2f2; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; font-size: 14px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); border-bottom: 2px solid var(--line); }
tbody tr:nth-child(even) { background: #fbfdff; }
table.kv { width: auto; min-width: 60%; }
table.kv th { font-weight: 500; color: var(--muted); padding-right: 24px; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.nowrap { white-space: nowrap; }
tr.is-pick td { background: #fefce8; font-weight: 600; }
.ok { color: var(--ok); font-weight: 600; } .no { color: var(--no); font-weight: 600; }
.note { color: var(--muted); font-size: 14px; }
td { overflow-wrap: break-word; }
.table-scroll, section#candidates { overflow-x: auto; }
table.events, table.minutes { font-size: 13px; }
table.events td:last-child { color: var(--muted); }
figure.chart, figure.chart-note { margin: 18px 0 26px; }
figcaption { margin-bottom: 6px; } figcaption span { color: var(--muted); font-size: 14px; }
.chart-live { width: 100%; }
.chart-fallback { overflow-x: auto; max-width: 100%; }
.chart-fallback svg { max-width: 100%; height: auto; }
.chart-error { color: var(--no); }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
@media print { pre { max-height: none; } figure.chart { break-inside: avoid; } details { display: block; } }
`;
