/**
 * `caplab report BUNDLE|PLAN_DIR [--format html,md,png,json] [--out DIR]`.
 *
 *   run bundle (manifest.json format caplab-run-bundle/1)
 *     ──loadRunBundle──▶ RunData: k6.json.gz streamed line by line (per second + every
 *                        latency), summary.json thresholds (`true` = FAILED), plan.json SLO,
 *                        server/ (a trace bundle: series/*.csv) when collected
 *     ──writeRunReport──▶ report.html, report.md, report.json, run-*.png
 *   plan folder (recommendation.json)
 *     ──readPlanResult──▶ PlanResult from plan-result.json (typed arrays restored; a folder
 *                         without it, written before it was kept, is a UsageError)
 *     ──writePlanReportFiles──▶ report.html, report.md (as caplab plan renders them),
 *                         report.json (the result without timelines), plan-*.png
 */
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { k6PointValueProblem, parseK6Line } from "../analysis/k6-results.js";
import type { SloTargets } from "../scenarios/plan/k6-plan.js";
import { BUNDLE_FORMAT } from "../sim/vocab/index.js";
import { TraceError } from "../analysis/trace.js";
import { MAX_K6_LINE_CHARS, readK6Lines } from "../scenarios/io/k6-merge.js";
import {
  MAX_NAMED_BAD_K6_LINES,
  RunAccumulator,
  scalingEventsOf,
  serverSideFromSeries,
  thresholdVerdicts,
  type NamedSeries,
  type RunData,
  type ScalingEventRow,
  type ServerSide,
  type ThresholdVerdict,
} from "../reports/run-data.js";
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
import {
  warnings as warning,
  type PlanResult,
  type SimulatedRun,
  type Warning,
} from "../sim/vocab/index.js";
import { readBundleManifest, readBundleSeries } from "../analysis/io/files/bundle.js";
import {
  BundleContentError,
  bundleFile,
  openBundle,
  readBundleJson,
  type BundleRoot,
} from "../analysis/io/files/bundle-files.js";
import { UsageError } from "../sim/vocab/errors.js";
import { excerpt } from "../analysis/io/files/excerpt.js";
import { printWarnings, type Io } from "./main.js";
import { prepareOutputFiles, writeFileAtomic } from "../analysis/io/files/output.js";
import { readPlanResult } from "../analysis/io/files/plan-result-file.js";
import { RUN_BUNDLE_FORMAT } from "./run-command.js";
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

/**
 * An optional JSON file of a bundle (analysis/io/files/bundle-files.ts: confined, bounded); a file that is
 * not JSON becomes a warning that quotes at most a short excerpt, a file outside the bundle
 * stays an error.
 */
async function optionalJson(
  root: BundleRoot,
  name: unknown,
  field: string | null,
  warnings: Warning[],
): Promise<unknown> {
  try {
    return (await readBundleJson(root, name, field, { optional: true }))?.json ?? null;
  } catch (error) {
    if (error instanceof BundleContentError) {
      warnings.push(warning.unreadableFile(error.path, error.reason));
      return null;
    }
    throw error;
  }
}

/**
 * Reads a run bundle into RunData. The k6 NDJSON is streamed (gunzipped on the fly), so a
 * long run costs one number per request plus a small histogram per second. Every file is read
 * through analysis/io/files/bundle-files.ts: a manifest field or symbolic link that leads out of the bundle
 * is a UsageError.
 *
 * Lines of the k6 output that are not k6 JSON (or hold a value k6 cannot have measured) are
 * skipped and counted in the warnings.
 *
 * @throws UsageError when `dir` is not a run bundle.
 */
export async function loadRunBundle(dir: string): Promise<RunData> {
  const root = await openBundle(dir);
  const read = await readBundleJson(root, "manifest.json", null, { optional: true });
  if (read === null)
    throw new UsageError(
      `${dir} is not a run bundle (no manifest.json); pass the --out folder of caplab run.`,
      "missing-file",
    );
  const manifestPath = read.path;
  const manifest = (read.json !== null && typeof read.json === "object" ? read.json : {}) as Record<
    string,
    unknown
  >;
  if (manifest.format === BUNDLE_FORMAT) return loadTraceBundle(dir, root);
  if (manifest.format !== RUN_BUNDLE_FORMAT)
    throw new UsageError(
      `${manifestPath} is not a ${RUN_BUNDLE_FORMAT} or ${BUNDLE_FORMAT} manifest (format ${excerpt(String(manifest.format), 40)}).`,
      "bad-bundle",
    );
  const warnings: Warning[] = [];
  const files = (
    manifest.files !== null && typeof manifest.files === "object" ? manifest.files : {}
  ) as Record<string, unknown>;
  /** The name a role's file has (the manifest's, else the default) and the field that named it. */
  const named = (role: string, fallback: string): [unknown, string | null] =>
    files[role] !== undefined ? [files[role], `files.${role}`] : [fallback, null];
  const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
  const scenario = manifest.scenario as { name?: unknown } | undefined;

  const acc = new RunAccumulator();
  const [k6Name, k6Field] = named("k6Json", "k6.json.gz");
  const k6Real = await bundleFile(root, k6Name, k6Field, { optional: true });
  if (k6Real !== null) {
    const k6Path = join(dir, k6Name as string);
    // A line that is not k6 JSON, or a Point k6 cannot have written, is skipped and counted;
    // the first few are named with their line number.
    let n = 0;
    let bad = 0;
    for await (const text of readK6Lines(k6Real)) {
      n++;
      if (text === null)
        throw new UsageError(
          `${k6Path} line ${n} is longer than ${MAX_K6_LINE_CHARS} characters, so it is not k6 JSON output; re-create the bundle.`,
          "bad-k6-line",
        );
      let line;
      try {
        line = parseK6Line(text);
      } catch (error) {
        if (++bad <= MAX_NAMED_BAD_K6_LINES)
          warnings.push(
            warning.badK6Line(k6Path, n, `is not k6 JSON (${excerpt((error as Error).message)})`),
          );
        continue;
      }
      const problem = line?.type === "Point" ? k6PointValueProblem(line.metric, line.value) : null;
      if (problem !== null) {
        if (++bad <= MAX_NAMED_BAD_K6_LINES)
          warnings.push(warning.badK6Line(k6Path, n, `is refused: ${problem}`));
        continue;
      }
      if (line !== null) acc.add(line);
    }
    if (bad > MAX_NAMED_BAD_K6_LINES)
      warnings.push(warning.moreBadK6Lines(k6Path, bad - MAX_NAMED_BAD_K6_LINES, bad));
  } else warnings.push(warning.noK6Output(dir));

  let thresholds: ThresholdVerdict[] = [];
  const [summaryName, summaryField] = named("summaryExport", "summary.json");
  const [caplabName, caplabField] = named("caplabSummary", "caplab-summary.json");
  if ((await bundleFile(root, summaryName, summaryField, { optional: true })) !== null) {
    const summary = await optionalJson(root, summaryName, summaryField, warnings);
    if (summary !== null) {
      try {
        thresholds = thresholdVerdicts(summary);
      } catch (error) {
        warnings.push(
          warning.unreadableFile(
            join(dir, summaryName as string),
            excerpt((error as Error).message),
          ),
        );
      }
    }
  } else {
    const s = (await optionalJson(root, caplabName, caplabField, warnings)) as {
      thresholds?: unknown;
    } | null;
    if (Array.isArray(s?.thresholds)) thresholds = [...(s.thresholds as ThresholdVerdict[])];
  }

  const plan = (await optionalJson(root, "plan.json", null, warnings)) as {
    slo?: SloTargets;
  } | null;
  const slo: SloTargets | null = plan?.slo ?? null;

  const serverReal = await bundleFile(root, "server", null, { optional: true, folder: true });
  const server =
    serverReal === null
      ? null
      : await loadServerSide({ dir: join(dir, "server"), real: serverReal }, warnings);
  const meta = {
    runId: str(manifest.runId) ?? resolve(dir).replace(/^.*[\\/]/, ""),
    scenario: str(scenario?.name) ?? "unknown",
    target: str(manifest.target) ?? "unknown",
    startedAt: str(manifest.startedAt),
    endedAt: str(manifest.endedAt),
    k6ExitCode: typeof manifest.k6ExitCode === "number" ? manifest.k6ExitCode : null,
    gitCommit: str(manifest.gitCommit),
  };
  try {
    return acc.finish(meta, { thresholds, slo, server, warnings });
  } catch (error) {
    if (error instanceof TraceError)
      throw new UsageError(`${dir}: ${error.message}`, error.code, { cause: error });
    throw error;
  }
}

/**
 * A trace bundle (`caplab collect` or `import`) as a run without k6 output: its series are
 * the server side, so the report shows the service's side alone (requests, tasks, CPU, memory,
 * per task and container, RequestCountPerTarget) over the bundle's window.
 */
async function loadTraceBundle(dir: string, root: BundleRoot): Promise<RunData> {
  const warnings: Warning[] = [];
  const server = await loadServerSide(root, warnings);
  const manifest = await readBundleManifest(root);
  const source = `${manifest.source.kind}${manifest.source.detail === "" ? "" : `: ${manifest.source.detail}`}`;
  const meta = {
    runId: resolve(dir).replace(/^.*[\\/]/, ""),
    scenario: `trace bundle (${manifest.source.kind})`,
    target: source.length > 200 ? `${source.slice(0, 200)}…` : source,
    startedAt: manifest.window.from,
    endedAt: manifest.window.to,
    k6ExitCode: null,
    gitCommit: null,
  };
  return new RunAccumulator().finish(meta, { thresholds: [], slo: null, server, warnings });
}

/**
 * The trace bundle in a run bundle's server/ (what the collector writes there); null when it
 * has no manifest. A series or manifest that cannot be read is a warning; a file named
 * outside the bundle is an error.
 */
async function loadServerSide(root: BundleRoot, warnings: Warning[]): Promise<ServerSide | null> {
  if ((await bundleFile(root, "manifest.json", null, { optional: true })) === null) return null;
  let manifest;
  try {
    manifest = await readBundleManifest(root);
  } catch (error) {
    if (error instanceof UsageError && error.code === "bad-bundle") {
      warnings.push(
        warning.unreadableFile(
          join(root.dir, "manifest.json"),
          "not a caplab trace bundle manifest",
        ),
      );
      return null;
    }
    throw error;
  }
  const series: NamedSeries[] = [];
  for (const [i, s] of manifest.series.entries()) {
    const path = join(root.dir, s.file);
    if ((await bundleFile(root, s.file, `series[${i}].file`, { optional: true })) === null) {
      warnings.push(warning.unreadableFile(path, "missing"));
      continue;
    }
    let badRows = 0;
    let raw;
    try {
      raw = await readBundleSeries(root, s, { manifest, onBadRow: () => badRows++ });
    } catch (error) {
      if (error instanceof BundleContentError) {
        const at = error.line === undefined ? "" : `line ${error.line}: `;
        warnings.push(warning.unreadableFile(error.path, `${at}${error.reason}`));
        continue;
      }
      throw error;
    }
    if (badRows > 0)
      warnings.push(
        warning.unreadableFile(
          path,
          `${badRows} row${badRows === 1 ? " is" : "s are"} not a time and a number and were left out`,
        ),
      );
    series.push({
      id: s.id,
      metricName: s.metricName,
      dimensions: s.dimensions,
      ...(s.stat !== undefined ? { stat: s.stat } : {}),
      periodSeconds: s.periodSeconds,
      points: raw.times.map((timeMs, i) => ({ timeMs, value: raw.values[i]! })),
    });
  }
  // scaling.json (caplab collect): DescribeScalingActivities items, kept when they fall in
  // the window of the series (AWS returns up to six weeks of them).
  let scalingEvents: ScalingEventRow[] = [];
  const [scalingName, scalingField] =
    manifest.files.scaling !== undefined
      ? [manifest.files.scaling, "files.scaling"]
      : ["scaling.json", null];
  const scaling = await optionalJson(root, scalingName, scalingField, warnings);
  if (scaling !== null) {
    try {
      const from = Date.parse(manifest.window.from);
      const to = Date.parse(manifest.window.to);
      scalingEvents = scalingEventsOf(
        scaling,
        Number.isFinite(from) ? from : -Infinity,
        Number.isFinite(to) ? to : Infinity,
      );
    } catch (error) {
      warnings.push(
        warning.unreadableFile(join(root.dir, scalingName), excerpt((error as Error).message)),
      );
    }
  }
  return serverSideFromSeries(series, {
    maxCapacity: manifest.current?.scaling.MaxCapacity ?? null,
    task: manifest.current?.task ?? null,
    scalingEvents,
  });
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
