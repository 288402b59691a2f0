/**
 * Writes the report of a `caplab simulate` folder: report.html (self-contained), report.md,
 * report.json and, when Chromium is there, one PNG per chart. The I/O side of
 * reports/simulate-report.ts.
 *
 *   SimulateOutput → simulateCharts (specs) → static SVG per chart (vega in Node)
 *     → renderSimulateHtml / renderSimulateMarkdown / simulateReportJson → atomic writes.
 */
import { extremeJson, findExtremes } from "../../analysis/extremes.js";
import type { SimulateOutput } from "../../sim/vocab/index.js";
import {
  renderSimulateHtml,
  renderSimulateMarkdown,
  simulateCharts,
  simulateVerdict,
} from "../simulate-report.js";
import { withStaticSvg } from "./write-plan-report.js";
import { reportWriter } from "./write-run-report.js";

/**
 * What report.json holds for a simulate folder: the verdict (with `thinData`, the cautions and
 * the coverage it rests on), the Kpis and the extremes.
 */
export function simulateReportJson(input: SimulateOutput) {
  const v = simulateVerdict(input);
  return {
    format: "caplab-simulate-report/1",
    meetsSlo: v.meetsSlo,
    verdict: v.headline,
    // True when the trace holds less data than a plan needs (guardrails.minTraceHours): a
    // pass is then no pass to rest a decision on; `coverage` and `cautions` say why.
    thinData: v.thinData,
    cautions: v.cautions,
    coverage: v.coverage,
    kpis: input.kpis,
    task: input.task,
    scaling: input.scaling,
    slo: input.slo,
    events: input.events.length,
    extremes: input.slo
      ? findExtremes(input.timeline, input.events, input.slo).map(extremeJson)
      : [],
  };
}

/** Builds the simulate report in the formats asked for and writes it into `outDir`. */
export const writeSimulateReport = reportWriter((input: SimulateOutput) => ({
  prefix: "simulate",
  charts: () => Promise.all(simulateCharts(input).map(withStaticSvg)),
  html: (charts, runtime) => renderSimulateHtml(input, charts, runtime),
  markdown: () => renderSimulateMarkdown(input),
  json: () => simulateReportJson(input),
}));
