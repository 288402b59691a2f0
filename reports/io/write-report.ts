/**
 * `caplab report`'s work: the report of a run bundle, trace bundle, plan folder or simulate
 * folder, in the formats asked for, into `out` (default: the folder itself).
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
 *   simulate folder (timeline.csv, events.json, summary.json) ──writeSimulateReport──▶ the same
 */
import { existsSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { preBlock, renderPlanHtml } from "../html.js";
import { planCharts } from "../plan-charts.js";
import { renderPlanMarkdown } from "../plan-markdown.js";
import { planReportJson } from "../plan-outputs.js";
import { withStaticSvg } from "./write-plan-report.js";
import {
  writeReportFormats,
  writeRunReport,
  type RunReportFormat,
  type RunReportFiles,
} from "./write-run-report.js";
import { writeSimulateReport } from "./write-simulate-report.js";
import type { PlanResult, Warning } from "../../sim/vocab/index.js";
import { UsageError } from "../../sim/vocab/errors.js";
import { loadRunBundle } from "../../analysis/io/files/run-bundle.js";
import { trafficSloVerdict, type TrafficSlo } from "../traffic-slo.js";
import { prepareOutputFiles } from "../../analysis/io/files/output.js";
import { readPlanResult } from "../../analysis/io/files/plan-result-file.js";
import { readSimulateFolder, SIMULATE_FILES } from "../../analysis/io/files/simulate-folder.js";

/** What kind of folder `dir` is. */
export function bundleKind(dir: string): "run" | "plan" | "simulate" | "unknown" {
  if (existsSync(join(dir, "recommendation.json"))) return "plan";
  if (existsSync(join(dir, "manifest.json"))) return "run";
  if (Object.values(SIMULATE_FILES).every((f) => existsSync(join(dir, f)))) return "simulate";
  return "unknown";
}

/** Where {@link writeReport} writes and whom it tells. */
export interface WriteReportOptions {
  /** Output folder. @default the folder itself */
  readonly out?: string;
  /** Replace report files of the same names in `out` even when caplab did not write them. */
  readonly force?: boolean;
  /** One sentence for the user (a backup kept). */
  readonly notify: (message: string) => void;
  /** Judge a trace bundle's traffic against this SLO (the report's verdict). */
  readonly slo?: TrafficSlo;
}

/**
 * Writes the report of `dir` in `formats`; returns the files where they end up and every
 * warning (the bundle's, then the writer's: Chromium missing for PNG…).
 * @throws UsageError when `dir` is missing or is none of the four kinds
 */
export async function writeReport(
  dir: string,
  formats: readonly RunReportFormat[],
  options: WriteReportOptions,
): Promise<RunReportFiles & { readonly out: string; readonly allWarnings: readonly Warning[] }> {
  if (!existsSync(dir))
    throw new UsageError(
      `${dir} does not exist; pass the folder caplab run, import, collect, plan or simulate wrote (its --out).`,
      "missing-file",
    );
  const kind = bundleKind(dir);
  if (kind === "unknown")
    throw new UsageError(
      statSync(dir).isFile()
        ? `${dir} is a file; caplab report takes the folder caplab run, import, collect, plan or simulate wrote (a CSV of request counts: caplab import FILE --format csv --out DIR first).`
        : `${dir} is not a run or trace bundle (manifest.json), a plan folder (recommendation.json) or a simulate folder (timeline.csv, events.json, summary.json); pass the folder caplab run, import, collect, plan or simulate wrote (its --out).`,
      "bad-bundle",
    );
  if (options.slo !== undefined && kind !== "run")
    throw new UsageError(
      `--slo-p95, --slo-errors and --slo-budget judge a trace bundle's traffic, and ${dir} is a ${kind} folder, whose report judges its own SLO; leave them out.`,
      "bad-flag",
    );
  const output = await prepareOutputFiles(options.out ?? dir, {
    command: "report",
    force: options.force,
    notify: options.notify,
  });
  const allWarnings: Warning[] = [];
  const out = output.path;
  // The files are written to a staging folder inside `out`, then moved in: the paths shown
  // are where they end up.
  const written = await output.write(async (staging): Promise<RunReportFiles> => {
    const moved = (p: string) => join(out, relative(staging, p));
    let files: RunReportFiles;
    if (kind === "plan") {
      const { result, awsCli } = await readPlanResult(dir);
      files = await writePlanReportFiles(result, awsCli, staging, formats);
      allWarnings.push(...files.warnings);
    } else if (kind === "simulate") {
      files = await writeSimulateReport(await readSimulateFolder(dir), staging, formats);
      allWarnings.push(...files.warnings);
    } else {
      const loaded = await loadRunBundle(dir);
      const slo = options.slo;
      if (slo !== undefined && loaded.traffic === null)
        throw new UsageError(
          `--slo-p95, --slo-errors and --slo-budget judge a trace bundle's traffic, and ${dir} is a run bundle; judge a load test with caplab gate ${dir} --config gate.yaml (slo: latencyP95Ms, errorRatePercent).`,
          "bad-flag",
        );
      const run =
        slo === undefined || loaded.traffic === null
          ? loaded
          : { ...loaded, trafficVerdict: trafficSloVerdict(loaded.traffic, slo) };
      files = await writeRunReport(run, staging, formats);
      allWarnings.push(...run.warnings, ...files.warnings);
    }
    return {
      ...(files.html === undefined ? {} : { html: moved(files.html) }),
      ...(files.markdown === undefined ? {} : { markdown: moved(files.markdown) }),
      ...(files.json === undefined ? {} : { json: moved(files.json) }),
      pngs: files.pngs.map(moved),
      warnings: files.warnings,
    };
  });
  return { ...written, out, allWarnings };
}

/**
 * Re-renders a plan report in the formats asked for: report.html and report.md exactly as
 * writePlanReport renders them for caplab plan, report.json, and plan-*.png via Chromium.
 */
export function writePlanReportFiles(
  result: PlanResult,
  awsCli: string | null,
  outDir: string,
  formats: readonly RunReportFormat[],
  options: { readonly chromiumPath?: string } = {},
): Promise<RunReportFiles> {
  const extra = awsCli !== null ? { awsCli } : undefined;
  return writeReportFormats(
    outDir,
    formats,
    {
      prefix: "plan",
      charts: () => Promise.all(planCharts(result).map(withStaticSvg)),
      html: (charts, runtime) =>
        renderPlanHtml(
          result,
          charts,
          extra ? preBlock(extra.awsCli, "Apply with the AWS CLI") : undefined,
          runtime,
        ),
      markdown: () => renderPlanMarkdown(result, extra),
      json: () => planReportJson(result),
    },
    options,
  );
}
