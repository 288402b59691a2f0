/**
 * Writes the report of a `caplab simulate` folder: report.html (self-contained), report.md,
 * report.json and, when Chromium is there, one PNG per chart. The I/O side of
 * reports/simulate-report.ts.
 *
 *   SimulateOutput → simulateCharts (specs) → static SVG per chart (vega in Node)
 *     → renderSimulateHtml / renderSimulateMarkdown / simulateReportJson → atomic writes.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../analysis/io/files/output.js";
import { extremeJson, findExtremes } from "../../analysis/extremes.js";
import type { SimulateOutput, Warning } from "../../sim/vocab/index.js";
import {
  renderSimulateHtml,
  renderSimulateMarkdown,
  simulateCharts,
  simulateVerdict,
} from "../simulate-report.js";
import { readVegaRuntime, withStaticSvg } from "./write-plan-report.js";
import { writeChartPngs, type RunReportFiles, type RunReportFormat } from "./write-run-report.js";

/** What report.json holds for a simulate folder: the verdict, the Kpis and the extremes. */
export function simulateReportJson(input: SimulateOutput) {
  const v = simulateVerdict(input);
  return {
    format: "caplab-simulate-report/1",
    meetsSlo: v.meetsSlo,
    verdict: v.headline,
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
export async function writeSimulateReport(
  input: SimulateOutput,
  outDir: string,
  formats: readonly RunReportFormat[] = ["html", "md", "json"],
  options: { readonly chromiumPath?: string } = {},
): Promise<RunReportFiles> {
  const warnings: Warning[] = [];
  const want = new Set(formats);
  const files: { html?: string; markdown?: string; json?: string } = {};
  let pngs: string[] = [];
  if (want.has("html") || want.has("png")) {
    const charts = await Promise.all(simulateCharts(input).map(withStaticSvg));
    if (want.has("png")) {
      const png = await writeChartPngs(charts, outDir, {
        prefix: "simulate",
        chromiumPath: options.chromiumPath,
      });
      pngs = png.written.map((p) => join(outDir, p.file));
      warnings.push(...png.warnings);
    }
    if (want.has("html")) {
      files.html = join(outDir, "report.html");
      await writeFileAtomic(files.html, renderSimulateHtml(input, charts, await readVegaRuntime()));
    }
  }
  if (want.has("md")) {
    files.markdown = join(outDir, "report.md");
    await writeFileAtomic(files.markdown, renderSimulateMarkdown(input));
  }
  if (want.has("json")) {
    files.json = join(outDir, "report.json");
    await writeFileAtomic(files.json, `${JSON.stringify(simulateReportJson(input), null, 2)}\n`);
  }
  return { ...files, pngs, warnings };
}
