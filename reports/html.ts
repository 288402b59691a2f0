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
import type { PlanResult, ScalingEvent } from "../sim/vocab/index.js";
import {
  formatCompact,
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

/**
 * Renders the report. `markdownSummaryHtml` is a trusted HTML fragment (for example the
 * Markdown summary rendered by the caller, or {@link preBlock}) inserted as is; pass
 * `undefined` to leave it out.
 */
export function renderPlanHtml(
  result: PlanResult,
  specs: readonly PlanChart[],
  markdownSummaryHtml: string | undefined,
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
<p class="sub">SLO: p95 ≤ ${e(formatNumber(result.slo.latencyP95Ms))} ms, errors ≤ ${e(formatPercent(result.slo.errorRatePercent, 3))}, at most ${e(formatCompact(result.slo.violationBudgetMinutes, 1))} violating minutes · ${result.outcomes.length} candidates, ${result.outcomes.filter((o) => o.meetsSlo).length} within the SLO</p>
</header>`);

  // Key figures and recommendation.
  if (pick) {
    const cards = keyFigureRows(pick.kpis, result).map(([k, v]) => {
      let delta = "";
      if (k === "Monthly cost" && result.current) {
        const d = pick.kpis.monthlyCostUsd - result.current.kpis.monthlyCostUsd;
        delta = `<div class="delta ${d <= 0 ? "good" : "bad"}">${e(formatUsdDelta(d))} vs current</div>`;
      }
      return `<div class="card"><div class="k">${e(k)}</div><div class="v">${e(v)}</div>${delta}</div>`;
    });
    body.push(`<section class="cards" aria-label="Key figures">${cards.join("")}</section>`);
    body.push(`<section id="recommendation">
<h2>Recommendation</h2>
<p class="pick">${e(pick.candidate.label)}</p>
${kvTable(settingsRows(pick.candidate))}
<h3>Settings as JSON</h3>
${preBlock(JSON.stringify(applyJson(pick.candidate), null, 2))}
</section>`);
  } else {
    const closest = closestOutcomes(result, 5);
    body.push(`<section id="recommendation" class="alert">
<h2>No candidate met the SLO</h2>
<p>None of the ${result.outcomes.length} candidates stayed within the SLO, so there is no recommendation. The closest:</p>
<ol>${closest
      .map(
        (o) =>
          `<li>${e(o.candidate.label)}: ${e(formatNumber(o.kpis.sloViolationMinutes))} violating minutes, error rate ${e(formatPercent(o.kpis.errorRatePercent, 3))}, ${e(formatUsd(o.kpis.monthlyCostUsd))} per month</li>`,
      )
      .join("")}</ol>
<p>Widen the candidate space (larger sizes, lower targets, higher MinCapacity) or revisit the SLO.</p>
</section>`);
  }

  if (markdownSummaryHtml !== undefined) {
    body.push(`<section id="summary">${markdownSummaryHtml}</section>`);
  }

  // Charts.
  body.push(`<section id="charts"><h2>Charts</h2>`);
  for (const chart of specs) body.push(chartFigure(chart));
  body.push(`</section>`);

  // Current vs recommended.
  if (pick && result.current) {
    const rows = comparisonRows(result.current, pick);
    body.push(`<section id="comparison"><h2>Current vs recommended</h2>
<table><thead><tr><th></th><th>Current</th><th>Recommended</th><th>Change</th></tr></thead><tbody>
${rows.map((r) => `<tr><th scope="row">${e(r[0])}</th><td>${e(r[1])}</td><td>${e(r[2])}</td><td>${e(r[3])}</td></tr>`).join("\n")}
</tbody></table></section>`);
  } else if (result.current) {
    body.push(`<section id="comparison"><h2>Current setting</h2>
<p class="pick">${e(result.current.candidate.label)}</p>${kvTable(keyFigureRows(result.current.kpis, result))}</section>`);
  }

  // Robustness.
  const robust = robustnessOfInterest(result);
  if (robust) {
    const who =
      pick && robust.candidateId === pick.candidate.id
        ? "The recommendation"
        : candidateLabel(result, robust.candidateId);
    body.push(`<section id="robustness"><h2>Robustness</h2>
<p>${e(who)} stays within the SLO under ${robust.passed} of ${robust.perturbations.length} perturbations.</p>
<table><thead><tr><th>Perturbation</th><th>Meets SLO</th><th class="num">Margin (min)</th><th class="num">SLO minutes</th><th class="num">Error rate</th><th class="num">Monthly cost</th></tr></thead><tbody>
${robust.perturbations
  .map(
    (p) =>
      `<tr><td>${e(p.name)}</td><td>${p.meetsSlo ? '<span class="ok">yes</span>' : '<span class="no">no</span>'}</td><td class="num">${e(formatNumber(p.marginMinutes, 1))}</td><td class="num">${e(formatNumber(p.kpis.sloViolationMinutes))}</td><td class="num">${e(formatPercent(p.kpis.errorRatePercent, 3))}</td><td class="num">${e(formatUsd(p.kpis.monthlyCostUsd))}</td></tr>`,
  )
  .join("\n")}
</tbody></table>${
      result.robustness.length > 1
        ? `<p class="note">Also checked: ${result.robustness
            .filter((r) => r !== robust)
            .map(
              (r) =>
                `${e(candidateLabel(result, r.candidateId))} (${r.passed} of ${r.perturbations.length})`,
            )
            .join("; ")}.</p>`
        : ""
    }</section>`);
  }

  // Candidates.
  const listed = pick
    ? rankedOutcomes(result).slice(0, HTML_TOP_CANDIDATES)
    : closestOutcomes(result, HTML_TOP_CANDIDATES);
  const pareto = new Set(result.pareto);
  body.push(`<section id="candidates"><h2>${pick ? "Top" : "Closest"} ${listed.length} of ${result.outcomes.length} candidates</h2>
<table><thead><tr><th class="num">#</th><th>Candidate</th><th>Metric</th><th class="num">Target</th><th class="num">Min–Max</th><th class="num">Monthly cost</th><th class="num">SLO min</th><th class="num">Error rate</th><th>Meets SLO</th><th>Notes</th></tr></thead><tbody>
${listed
  .map((o, i) => {
    const c = o.candidate;
    const notes = [c.id === pick?.candidate.id ? "pick" : "", pareto.has(c.id) ? "Pareto" : ""]
      .filter((s) => s !== "")
      .join(", ");
    return `<tr${c.id === pick?.candidate.id ? ' class="is-pick"' : ""}><td class="num">${i + 1}</td><td>${e(c.label)}</td><td>${e(metricShortName(c.metric))}</td><td class="num">${e(formatTarget(c.metric, c.targetValue))}</td><td class="num">${c.scaling.MinCapacity}–${c.scaling.MaxCapacity}</td><td class="num">${e(formatUsd(o.kpis.monthlyCostUsd))}</td><td class="num">${e(formatNumber(o.kpis.sloViolationMinutes))}</td><td class="num">${e(formatPercent(o.kpis.errorRatePercent, 3))}</td><td>${o.meetsSlo ? '<span class="ok">yes</span>' : '<span class="no">no</span>'}</td><td>${e(notes)}</td></tr>`;
  })
  .join("\n")}
</tbody></table></section>`);

  // Scaling events.
  if (pick) {
    const events = [...pick.events]
      .map((ev, i) => ({ ev, i }))
      .sort((a, b) => a.ev.timeMs - b.ev.timeMs || a.i - b.i)
      .slice(0, HTML_MAX_EVENTS)
      .map(({ ev }) => ev);
    const more = pick.events.length - events.length;
    body.push(`<section id="events"><h2>Scaling events of the recommended run</h2>
<p class="note">${events.length === 0 ? "No scaling events." : `${more > 0 ? `First ${events.length} of ${pick.events.length}` : `All ${events.length}`} events, in time order.`}</p>
${
  events.length === 0
    ? ""
    : `<details${events.length <= 20 ? " open" : ""}><summary>Show the events</summary><table class="events"><thead><tr><th>Time (UTC)</th><th>Event</th><th>Change</th><th>Policy / action</th><th>Reason</th></tr></thead><tbody>
${events.map((ev) => `<tr class="ev-${e(ev.kind)}"><td class="nowrap">${e(formatUtc(ev.timeMs))}</td><td class="nowrap">${e(ev.kind)}</td><td>${e(eventChange(ev))}</td><td>${e(eventSource(ev))}</td><td>${e(ev.reason)}</td></tr>`).join("\n")}
</tbody></table></details>`
}</section>`);
  }

  if (result.reasons.length > 0) {
    body.push(
      `<section id="reasons"><h2>Why</h2><ul>${result.reasons.map((r) => `<li>${e(r)}</li>`).join("")}</ul></section>`,
    );
  }

  body.push(`<footer>Generated by caplab. This file is self-contained and works offline.</footer>`);

  return htmlDocument(`caplab plan · ${t.source}`, body, specs, runtime);
}

/**
 * A chart as a `<figure>`: caption, an empty container the embed script fills, and the
 * static SVG (when given and safe) until then. Shared by the plan and run reports.
 */
export function chartFigure(chart: PlanChart): string {
  const e = escapeHtml;
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
  const chartData = specs.map((c) => ({ id: c.id, spec: c.spec }));
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
      return "—";
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
  --accent: #2563eb; --ok: #15803d; --no: #b91c1c;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; color: var(--muted); }
.sub { margin: 2px 0; color: var(--muted); }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
code { background: var(--panel); padding: 1px 4px; border-radius: 4px; overflow-wrap: anywhere; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px; overflow: auto; max-height: 420px; }
pre code { background: none; padding: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px; margin: 20px 0 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .k { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.card .v { font-size: 17px; font-weight: 600; margin-top: 2px; }
.delta { font-size: 12px; margin-top: 2px; }
.good { color: var(--ok); } .bad { color: var(--no); }
.pick { font-size: 17px; font-weight: 600; margin: 6px 0 10px; }
.alert { border: 1px solid #fecaca; background: #fef2f2; border-radius: 8px; padding: 4px 16px 10px; margin-top: 24px; }
.alert h2 { border: 0; color: var(--no); margin-top: 12px; }
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
table.events { font-size: 13px; }
table.events td:last-child { color: var(--muted); }
figure.chart { margin: 18px 0 26px; }
figcaption { margin-bottom: 6px; } figcaption span { color: var(--muted); font-size: 14px; }
.chart-live, .chart-fallback { overflow-x: auto; max-width: 100%; }
.chart-fallback svg { max-width: 100%; height: auto; }
.chart-error { color: var(--no); }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
#recommendation pre { max-height: none; }
@media print { pre { max-height: none; } figure.chart { break-inside: avoid; } }
`;
