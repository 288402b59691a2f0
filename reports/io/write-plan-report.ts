/**
 * Writes the plan report: outDir/report.html (self-contained, opens offline) and
 * outDir/report.md (CI job summary / PR comment). The I/O side of reports/.
 *
 *   PlanResult → planCharts (specs) → static SVG per chart (vega in Node)
 *              → renderPlanHtml + renderPlanMarkdown → atomic writes.
 */
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as vega from "vega";
import { compile } from "vega-lite";
import { writeFileAtomic } from "../../analysis/io/files/output.js";
import type { PlanResult } from "../../sim/vocab/index.js";
import { preBlock, renderPlanHtml, type VegaRuntime } from "../html.js";
import { planCharts, type PlanChart } from "../plan-charts.js";
import { staticSpec } from "../chart-style.js";
import { renderPlanMarkdown } from "../plan-markdown.js";

const require = createRequire(import.meta.url);

/** Builds the report and writes report.html and report.md into `outDir` (created if missing). */
export async function writePlanReport(
  result: PlanResult,
  outDir: string,
  extra?: { awsCli?: string },
): Promise<{ html: string; markdown: string }> {
  const markdown = renderPlanMarkdown(result, extra);
  const charts = await Promise.all(planCharts(result).map(withStaticSvg));
  const snippet =
    extra?.awsCli !== undefined ? preBlock(extra.awsCli, "Apply with the AWS CLI") : undefined;
  const html = renderPlanHtml(result, charts, snippet, await readVegaRuntime());

  await mkdir(outDir, { recursive: true });
  const htmlPath = join(outDir, "report.html");
  const markdownPath = join(outDir, "report.md");
  await writeFileAtomic(htmlPath, html);
  await writeFileAtomic(markdownPath, markdown);
  return { html: htmlPath, markdown: markdownPath };
}

/**
 * The UMD builds of vega, vega-lite and vega-embed, read from node_modules. Each package's
 * entry point lies in its build/ folder, next to the minified UMD bundle.
 */
export async function readVegaRuntime(): Promise<VegaRuntime> {
  const build = (pkg: string, file: string) => join(dirname(require.resolve(pkg)), file);
  const [v, vl, embed] = await Promise.all([
    readFile(build("vega", "vega.min.js"), "utf8"),
    readFile(build("vega-lite", "vega-lite.min.js"), "utf8"),
    readFile(build("vega-embed", "vega-embed.min.js"), "utf8"),
  ]);
  return { vega: v, vegaLite: vl, vegaEmbed: embed };
}

/** Adds a static SVG rendering to a chart; leaves it without one if vega cannot render it. */
export async function withStaticSvg(chart: PlanChart): Promise<PlanChart> {
  if (chart.note !== undefined) return chart;
  let view: vega.View | undefined;
  try {
    view = new vega.View(vega.parse(compile(staticSpec(chart.spec)).spec), { renderer: "none" });
    const svg = await view.toSVG();
    return { ...chart, fallbackSvg: svg };
  } catch {
    return chart;
  } finally {
    view?.finalize();
  }
}
