/**
 * `caplab report BUNDLE|PLAN_DIR [--format html,md,png,json] [--out DIR]`.
 *
 *   run bundle (manifest.json format caplab-run-bundle/1)
 *     ──loadRunBundle (analysis/io/files/run-bundle.ts)──▶ RunData: k6.json.gz through the
 *                        one k6 aggregator, the thresholds with their observed values,
 *                        plan.json SLO, server/ (a trace bundle) when collected
 *     ──writeRunReport──▶ report.html, report.md, report.json, run-*.png
 *   plan folder (recommendation.json)
 *     ──readPlanResult──▶ PlanResult from plan-result.json (typed arrays restored; a folder
 *                         without it, written before it was kept, is a UsageError)
 *     ──writePlanReportFiles──▶ report.html, report.md (as caplab plan renders them),
 *                         report.json (the result without timelines), plan-*.png
 */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { preBlock, renderPlanHtml } from "../reports/html.js";
import { planCharts } from "../reports/plan-charts.js";
import { renderPlanMarkdown } from "../reports/plan-markdown.js";
import { readVegaRuntime, withStaticSvg } from "../reports/io/write-plan-report.js";
import {
  RUN_REPORT_FORMATS,
  writeChartPngs,
  writeRunReport,
  type RunReportFormat,
  type RunReportFiles,
} from "../reports/io/write-run-report.js";
import type { PlanResult, SimulatedRun, Warning } from "../sim/vocab/index.js";
import { loadRunBundle } from "../analysis/io/files/run-bundle.js";
import { UsageError } from "../sim/vocab/errors.js";
import { printWarnings, type Io } from "./main.js";
import { prepareOutputFiles, writeFileAtomic } from "../analysis/io/files/output.js";
import { readPlanResult } from "../analysis/io/files/plan-result-file.js";
import { readSimulateFolder, SIMULATE_FILES } from "../analysis/io/files/simulate-folder.js";
import { writeSimulateReport } from "../reports/io/write-simulate-report.js";

export interface ReportOptions {
  /** Comma-separated formats. @default "html,md,json" */
  readonly format?: string;
  /** Output folder. @default the bundle folder itself */
  readonly out?: string;
  /** Replace report files of the same names in --out even when caplab did not write them. */
  readonly force?: boolean;
}

/** What kind of folder `dir` is. */
export function bundleKind(dir: string): "run" | "plan" | "simulate" | "unknown" {
  if (existsSync(join(dir, "recommendation.json"))) return "plan";
  if (existsSync(join(dir, "manifest.json"))) return "run";
  if (Object.values(SIMULATE_FILES).every((f) => existsSync(join(dir, f)))) return "simulate";
  return "unknown";
}

/** "html,md" → the formats; a UsageError names an unknown one. */
export function parseFormats(text: string | undefined): RunReportFormat[] {
  if (text === undefined) return ["html", "md", "json"];
  const formats = text
    .split(",")
    .map((f) => f.trim().toLowerCase())
    .filter((f) => f !== "");
  for (const f of formats)
    if (!(RUN_REPORT_FORMATS as readonly string[]).includes(f))
      throw new UsageError(
        `--format ${f} is not one of ${RUN_REPORT_FORMATS.join(", ")}; write e.g. --format html,md.`,
        "bad-flag",
      );
  if (formats.length === 0)
    throw new UsageError(
      `--format needs at least one of ${RUN_REPORT_FORMATS.join(", ")}.`,
      "bad-flag",
    );
  return formats as RunReportFormat[];
}

/** Runs `caplab report`; returns the exit code. */
export async function runReportCommand(dir: string, opts: ReportOptions, io: Io): Promise<number> {
  const formats = parseFormats(opts.format);
  if (!existsSync(dir))
    throw new UsageError(
      `${dir} does not exist; pass a run bundle or a plan folder.`,
      "missing-file",
    );
  const kind = bundleKind(dir);
  if (kind === "unknown")
    throw new UsageError(
      `${dir} is not a run bundle (manifest.json), a plan folder (recommendation.json) or a simulate folder (timeline.csv, events.json, summary.json).`,
      "bad-bundle",
    );
  const output = await prepareOutputFiles(opts.out ?? dir, {
    command: "report",
    force: opts.force,
    notify: (message) => io.err(`caplab: ${message}\n`),
  });
  const out = output.path;
  // The files are written to a staging folder inside `out`, then moved in: the paths shown
  // are where they end up.
  const written = await output.write(async (staging): Promise<RunReportFiles> => {
    const moved = (p: string) => join(out, relative(staging, p));
    let files: RunReportFiles;
    if (kind === "plan") {
      const { result, awsCli } = await readPlanResult(dir);
      files = await writePlanReportFiles(result, awsCli, staging, formats);
      printWarnings(io, files.warnings);
    } else if (kind === "simulate") {
      files = await writeSimulateReport(await readSimulateFolder(dir), staging, formats);
      printWarnings(io, files.warnings);
    } else {
      const run = await loadRunBundle(dir);
      files = await writeRunReport(run, staging, formats);
      printWarnings(io, [...run.warnings, ...files.warnings]);
    }
    return {
      ...(files.html === undefined ? {} : { html: moved(files.html) }),
      ...(files.markdown === undefined ? {} : { markdown: moved(files.markdown) }),
      ...(files.json === undefined ? {} : { json: moved(files.json) }),
      pngs: files.pngs.map(moved),
      warnings: files.warnings,
    };
  });
  const lines = [
    written.html && `Report: ${written.html}`,
    written.markdown && `Markdown: ${written.markdown}`,
    written.json && `JSON: ${written.json}`,
    written.pngs.length > 0 && `PNG: ${written.pngs.length} charts in ${out}`,
  ].filter((l): l is string => typeof l === "string");
  io.out(`${lines.join("\n")}\n`);
  return 0;
}

/** The plan report's figures without the timelines and the trace: what report.json holds. */
export function planReportJson(result: PlanResult) {
  const run = (r: SimulatedRun | null) =>
    r === null ? null : { candidate: r.candidate, kpis: r.kpis, events: r.events.length };
  return {
    format: "caplab-plan-report/1",
    trace: {
      source: result.trace.source,
      startMs: result.trace.startMs,
      stepSeconds: result.trace.stepSeconds,
      steps: result.trace.requests.length,
    },
    slo: result.slo,
    reasons: result.reasons,
    recommended: run(result.recommended),
    current: run(result.current),
    pareto: result.pareto,
    robustness: result.robustness,
    outcomes: result.outcomes,
  };
}

/**
 * Re-renders a plan report in the formats asked for: report.html and report.md exactly as
 * writePlanReport renders them for caplab plan, report.json, and plan-*.png via Chromium.
 */
export async function writePlanReportFiles(
  result: PlanResult,
  awsCli: string | null,
  outDir: string,
  formats: readonly RunReportFormat[],
  options: { readonly chromiumPath?: string } = {},
): Promise<RunReportFiles> {
  const want = new Set(formats);
  const warnings: Warning[] = [];
  const files: { html?: string; markdown?: string; json?: string } = {};
  let pngs: string[] = [];
  const extra = awsCli !== null ? { awsCli } : undefined;
  if (want.has("html") || want.has("png")) {
    const charts = await Promise.all(planCharts(result).map(withStaticSvg));
    if (want.has("png")) {
      const png = await writeChartPngs(charts, outDir, {
        prefix: "plan",
        chromiumPath: options.chromiumPath,
      });
      pngs = png.written.map((p) => join(outDir, p.file));
      warnings.push(...png.warnings);
    }
    if (want.has("html")) {
      const snippet = extra ? preBlock(extra.awsCli, "Apply with the AWS CLI") : undefined;
      files.html = join(outDir, "report.html");
      const html = renderPlanHtml(result, charts, snippet, await readVegaRuntime());
      await writeFileAtomic(files.html, html);
    }
  }
  if (want.has("md")) {
    files.markdown = join(outDir, "report.md");
    await writeFileAtomic(files.markdown, renderPlanMarkdown(result, extra));
  }
  if (want.has("json")) {
    files.json = join(outDir, "report.json");
    await writeFileAtomic(files.json, `${JSON.stringify(planReportJson(result), null, 2)}\n`);
  }
  return { ...files, pngs, warnings };
}
