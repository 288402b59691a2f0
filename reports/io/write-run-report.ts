/**
 * Writes the run report: report.html (self-contained), report.md (CI job summary), report.json
 * (machines) and, when Chromium is there, one PNG per chart beside the Markdown. The I/O side
 * of reports/run-*.ts.
 *
 *   RunData → runCharts (specs) → static SVG per chart (vega in Node, as the plan report)
 *           → renderRunHtml / renderRunMarkdown / runReportJson → atomic writes
 *           → PNG: each SVG screenshotted by headless Chromium (playwright-core); vega's
 *             toCanvas would need the native `canvas` package, which caplab does not ship.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../analysis/io/files/output.js";
import { warnings as warning, type Warning } from "../../sim/vocab/index.js";
import { safeSvg, type VegaRuntime } from "../html.js";
import { runCharts } from "../run-charts.js";
import type { RunData } from "../run-data.js";
import { renderRunHtml } from "../run-html.js";
import { renderRunMarkdown, runReportJson, type ChartImage } from "../run-markdown.js";
import { readVegaRuntime, withStaticSvg } from "./write-plan-report.js";

export const RUN_REPORT_FORMATS = ["html", "md", "png", "json"] as const;
export type RunReportFormat = (typeof RUN_REPORT_FORMATS)[number];

/** Where Debian puts Chromium; PNG charts need it. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** The flags Chromium runs with, headless and offline. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
] as const;

export interface RunReportFiles {
  readonly html?: string;
  readonly markdown?: string;
  readonly json?: string;
  readonly pngs: readonly string[];
  readonly warnings: readonly Warning[];
}

/** Builds the run report in the formats asked for and writes it into `outDir`. */
export const writeRunReport = reportWriter((run: RunData) => ({
  prefix: "run",
  charts: () => Promise.all(runCharts(run).map(withStaticSvg)),
  html: (charts, runtime) => renderRunHtml(run, charts, runtime),
  markdown: (pngs) =>
    renderRunMarkdown(
      run,
      pngs.map((p): ChartImage => ({ title: p.chart.title, file: p.file })),
    ),
  json: () => runReportJson(run),
}));

/**
 * A report writer for one kind of input (a run, a simulate folder): `writers(input)` says how
 * each format is built; the function returned writes the formats asked for (HTML, Markdown and
 * JSON unless told otherwise) into `outDir` with writeReportFormats.
 */
export function reportWriter<T, C extends PngChart>(
  writers: (input: T) => ReportWriters<C>,
): (
  input: T,
  outDir: string,
  formats?: readonly RunReportFormat[],
  options?: { readonly chromiumPath?: string },
) => Promise<RunReportFiles> {
  return (input, outDir, formats = ["html", "md", "json"], options = {}) =>
    writeReportFormats(outDir, formats, writers(input), options);
}

/** How one kind of report is written in each format (run, plan and simulate reports). */
export interface ReportWriters<C extends PngChart> {
  /** PNG files are named `PREFIX-<chart>.png`. */
  readonly prefix: string;
  /** The charts with their static SVG; built only when HTML or PNG is asked for. */
  readonly charts: () => Promise<readonly C[]>;
  readonly html: (charts: readonly C[], runtime: VegaRuntime) => string;
  /** The Markdown, given the PNGs written beside it (none unless PNG is asked for too). */
  readonly markdown: (pngs: readonly { readonly chart: C; readonly file: string }[]) => string;
  /** What report.json holds. */
  readonly json: () => unknown;
}

/**
 * Writes a report into `outDir` in `formats`: the PNGs first (Chromium; a warning without it),
 * then report.html, report.md and report.json, each atomically.
 */
export async function writeReportFormats<C extends PngChart>(
  outDir: string,
  formats: readonly RunReportFormat[],
  writers: ReportWriters<C>,
  options: { readonly chromiumPath?: string } = {},
): Promise<RunReportFiles> {
  const warnings: Warning[] = [];
  const want = new Set(formats);
  const files: { html?: string; markdown?: string; json?: string } = {};
  let pngs: { chart: C; file: string }[] = [];
  if (want.has("html") || want.has("png")) {
    const charts = await writers.charts();
    if (want.has("png")) {
      const png = await writeChartPngs(charts, outDir, {
        prefix: writers.prefix,
        chromiumPath: options.chromiumPath,
      });
      pngs = png.written;
      warnings.push(...png.warnings);
    }
    if (want.has("html")) {
      files.html = join(outDir, "report.html");
      await writeFileAtomic(files.html, writers.html(charts, await readVegaRuntime()));
    }
  }
  if (want.has("md")) {
    files.markdown = join(outDir, "report.md");
    await writeFileAtomic(files.markdown, writers.markdown(pngs));
  }
  if (want.has("json")) {
    files.json = join(outDir, "report.json");
    await writeFileAtomic(files.json, `${JSON.stringify(writers.json(), null, 2)}\n`);
  }
  return { ...files, pngs: pngs.map((p) => join(outDir, p.file)), warnings };
}

/** What the PNG writer needs of a chart (run and plan charts both fit). */
export interface PngChart {
  readonly id: string;
  readonly title: string;
  readonly fallbackSvg?: string;
  /** A chart with nothing to draw (the report shows a note): no PNG. */
  readonly note?: string;
}

/**
 * One PNG per chart with a static SVG: Chromium screenshots the SVG element. The file is the
 * chart id with its `chart-` prefix replaced by `prefix` (`chart-latency` → `run-latency.png`).
 * A missing Chromium is a warning, not an error.
 */
export async function writeChartPngs<C extends PngChart>(
  charts: readonly C[],
  outDir: string,
  options: { readonly prefix: string; readonly chromiumPath?: string },
): Promise<{ written: { chart: C; file: string }[]; warnings: Warning[] }> {
  const warnings: Warning[] = [];
  const chromium = options.chromiumPath ?? CHROMIUM_PATH;
  if (!existsSync(chromium)) {
    warnings.push(warning.pngSkipped(`${chromium} not found`));
    return { written: [], warnings };
  }
  const written = await writePngs(charts, outDir, chromium, warnings, options.prefix);
  return { written, warnings };
}

/** One PNG per chart with a static SVG: Chromium screenshots the SVG element. */
async function writePngs<C extends PngChart>(
  charts: readonly C[],
  outDir: string,
  executablePath: string,
  warnings: Warning[],
  prefix: string,
): Promise<{ chart: C; file: string }[]> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
  const written: { chart: C; file: string }[] = [];
  try {
    const page = await browser.newPage({ deviceScaleFactor: 2 });
    for (const chart of charts) {
      if (chart.note !== undefined) continue;
      const svg = chart.fallbackSvg === undefined ? null : safeSvg(chart.fallbackSvg);
      if (svg === null) {
        warnings.push(warning.pngSkipped(`chart ${chart.id} has no static SVG`));
        continue;
      }
      await page.setContent(
        `<!doctype html><html><body style="margin:0;background:#fff">${svg}</body></html>`,
      );
      const png = await page.locator("svg").first().screenshot({ type: "png" });
      const file = `${chart.id.replace(/^chart-/, `${prefix}-`)}.png`;
      await writeFileAtomic(join(outDir, file), png);
      written.push({ chart, file });
    }
  } finally {
    await browser.close();
  }
  return written;
}
