/**
 * The worst minutes of a real run, as the simulate and plan reports show them: the fluid
 * model's task counts are means over a step (`Running (mean)`, `Healthy (mean)`), the desired
 * count is the whole number in force (read from the step's scaling events), and fractional OOM
 * kills are expected values (oomModel "poisson"). The run is examples/simulate-deploy-memory.yaml,
 * whose new revision runs out of memory at the week's peaks: its worst minutes have tasks killed,
 * a fraction of a task serving, and no healthy target. Its OOM kills, 94.1 in all, are an
 * expected value too, and the verdict, report.md and the terminal say so.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { readSimulateFolder } from "../../analysis/io/files/simulate-folder.js";
import { findExtremes } from "../../analysis/extremes.js";
import { extremesHtml } from "../../reports/html.js";
import { taskCount } from "../../reports/timeline-charts.js";
import { renderPlanMarkdown } from "../../reports/plan-markdown.js";
import type { SimulateOutput } from "../../sim/vocab/index.js";
import { captureIo } from "../helpers/io.js";
import { planResultFixture } from "./fixtures/plan-result.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const shared = fileURLToPath(new URL("../../../shared/data/traces", import.meta.url));

/** The cells of each row of the first table in an HTML fragment (a line break read as a space). */
function tableCells(html: string): string[][] {
  const table = html.slice(html.indexOf("<table"), html.indexOf("</table>"));
  return [...table.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((m) =>
    [...m[1]!.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((c) => c[1]!.replace("<br>", " ")),
  );
}

describe.skipIf(!existsSync(shared))("the worst minutes of simulate-deploy-memory.yaml", () => {
  let run: SimulateOutput;
  let dir: string;
  let stdout: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "caplab-counts-"));
    const io = captureIo();
    const code = await main(
      ["simulate", join(repo, "examples/simulate-deploy-memory.yaml"), "--out", dir],
      io,
    );
    expect(code, io.stderr()).toBe(0);
    stdout = io.stdout();
    run = await readSimulateFolder(dir);
  }, 120_000);

  it("heads Running and Healthy as means and prints Desired as the whole counts in force (HTML)", () => {
    const html = extremesHtml(
      findExtremes(run.timeline, run.events, run.slo!),
      "the run",
      run.slo!,
    );
    const [head, ...rows] = tableCells(html);
    expect(head).toEqual([
      "Time (UTC)",
      "Requests",
      "Failed",
      "Running (mean)",
      "Healthy (mean)",
      "Desired",
      "CPU %",
      "p95 (ms)",
    ]);
    // Two lines, so that the table fits an 800-px window.
    expect(html).toContain('<th class="num">Running<br>(mean)</th>');
    expect(rows.length).toBeGreaterThan(3);
    // Desired: a whole number, or the lowest–highest in force; never a mean such as 2.5.
    for (const r of rows) expect(r[5]).toMatch(/^\d+(–\d+)?$/);
    // The running means of these minutes are fractions (tasks killed partway through).
    expect(rows.some((r) => /\.\d/.test(r[3]!))).toBe(true);
    expect(html).toContain("Running and Healthy are means over the row&#39;s step");
    // The reasons: no "0.0 of 2.0 desired", kills as expected values.
    expect(html).not.toMatch(/\d\.\d of \d\.\d desired/);
    expect(html).toMatch(/of the 2 desired tasks (was|were) serving/);
    expect(html).toMatch(
      /about \d+(\.\d)? tasks were killed for running out of memory \(an expected value: oomModel poisson/,
    );
  });

  it("does the same in the plan report's Markdown table", () => {
    const base = planResultFixture();
    const result = {
      ...base,
      slo: { ...base.slo, latencyP95Ms: run.slo!.latencyP95Ms },
      recommended: { ...base.recommended!, timeline: run.timeline, events: run.events },
    };
    const md = renderPlanMarkdown(result);
    const at = md.indexOf("### Worst minutes");
    const section = md.slice(at, md.indexOf("### What to set"));
    expect(section).toContain(
      "| Time (UTC) | Requests | Failed | Running (mean) | Healthy (mean) | Desired | CPU % | p95 (ms) |",
    );
    const rows = section.split("\n").filter((l) => /^\| (\*\*)?\d{4}-/.test(l));
    expect(rows.length).toBeGreaterThan(3);
    for (const r of rows)
      expect(r.split("|")[6]!.trim().replaceAll("*", "")).toMatch(/^\d+(–\d+)?$/);
    expect(section).toContain("Running and Healthy are means over the row's step");
  });

  it("says its OOM kills are an expected value: the verdict, report.md, the terminal; the JSON keeps the number", async () => {
    expect(run.kpis.oomKills % 1).not.toBe(0);
    const words = `about ${Math.round(run.kpis.oomKills * 10) / 10} (expected value, oomModel poisson)`;
    const report = captureIo();
    expect(await main(["report", dir], report), report.stderr()).toBe(0);
    const html = await readFile(join(dir, "report.html"), "utf8");
    expect(html).toContain(`<tr><th scope="row">OOM kills</th><td>${words}</td></tr>`);
    const md = await readFile(join(dir, "report.md"), "utf8");
    expect(md).toContain(`| OOM kills | ${words} |`);
    // The events table: a kill of 0.0084 tasks printed as such (it said "0.008383061120933455
    // tasks killed").
    expect(md).toContain("| oom-kill | about 0.008 tasks killed |");
    expect(md).not.toMatch(/\d\.\d{4,} tasks? killed/);
    expect(stdout).toContain(`  OOM kills       ${words}\n`);
    const summary = JSON.parse(await readFile(join(dir, "summary.json"), "utf8"));
    expect(summary.oomKills).toBe(run.kpis.oomKills);
  });

  it("prints an event's fractional tasks as the expected value they are", () => {
    expect(taskCount(1)).toBe("1 task");
    expect(taskCount(8)).toBe("8 tasks");
    expect(taskCount(2.4137)).toBe("about 2.4 tasks");
    expect(taskCount(0.0525)).toBe("about 0.05 tasks");
    expect(taskCount(0.008383061120933455)).toBe("about 0.008 tasks");
    expect(taskCount(0.0002)).toBe("under 0.001 tasks");
  });
});
