import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../sim/vocab/errors.js";
import { main } from "../../cli/main.js";
import { readPlanResult, renderPlanResultJson } from "../../analysis/io/files/plan-result-file.js";
import { HISTORY_ENV } from "../../analysis/io/history/history-db.js";
import { parseFormats, runReportCommand } from "../../cli/report-command.js";
import { writeRunBundle } from "../fixtures/runs/make-run-bundle.js";
import { captureIo, cliContext } from "../helpers/io.js";
import { tinyPlanYaml } from "./tiny-plan.js";

const io = captureIo;

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-report-cmd-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("caplab report", () => {
  it("writes html, md and json for a run bundle into --out", async () => {
    const bundle = await writeRunBundle(join(dir, "run"), { seed: 5, seconds: 15 });
    const out = io();
    expect(
      await runReportCommand(
        bundle,
        { out: join(dir, "out"), format: "html,md,json" },
        cliContext(out),
      ),
    ).toBe(0);
    for (const f of ["report.html", "report.md", "report.json"])
      expect(existsSync(join(dir, "out", f))).toBe(true);
    expect(out.text()).toContain("Report: ");
  });

  it("re-renders a plan folder from plan-result.json, byte for byte", async () => {
    const config = join(dir, "plan.yaml");
    await writeFile(
      config,
      tinyPlanYaml(
        "{ topK: 2 }",
        "current:",
        '  task: { cpu: "1024", memory: "2048" }',
        "  scaling:",
        "    MinCapacity: 2",
        "    MaxCapacity: 10",
        "    policies:",
        "      - PolicyName: cpu",
        "        PolicyType: TargetTrackingScaling",
        "        TargetTrackingScalingPolicyConfiguration:",
        "          TargetValue: 50",
        "          PredefinedMetricSpecification: { PredefinedMetricType: ECSServiceAverageCPUUtilization }",
      ),
    );
    const plan = join(dir, "plan");
    const previous = process.env[HISTORY_ENV];
    process.env[HISTORY_ENV] = join(dir, "history.sqlite");
    try {
      const planIo = io();
      expect([0, 3]).toContain(
        await main(
          ["plan", config, "--out", plan, "--workers", "0", "--allow-short-trace"],
          planIo,
        ),
      );
    } finally {
      if (previous === undefined) delete process.env[HISTORY_ENV];
      else process.env[HISTORY_ENV] = previous;
    }
    expect(existsSync(join(plan, "plan-result.json"))).toBe(true);
    const html = await readFile(join(plan, "report.html"), "utf8");
    const md = await readFile(join(plan, "report.md"), "utf8");
    await rm(join(plan, "report.html"));
    await rm(join(plan, "report.md"));

    const out = io();
    expect(await runReportCommand(plan, { format: "html,md,json" }, cliContext(out))).toBe(0);
    expect(out.text()).toContain("Report: ");
    // vega numbers its SVG gradients with a counter per process (gradient_0, gradient_1, …):
    // in a fresh process (the CLI) the re-rendered file is byte-equal; here, in the process
    // that already rendered the plan, only those ids differ.
    const gradients = (text: string) => text.replace(/gradient_\d+/g, "gradient_N");
    const again = await readFile(join(plan, "report.html"), "utf8");
    expect(gradients(again)).toBe(gradients(html));
    expect(await readFile(join(plan, "report.md"), "utf8")).toBe(md);
    const json = JSON.parse(await readFile(join(plan, "report.json"), "utf8"));
    expect(json.outcomes).toHaveLength(5); // four candidates and the current setting
    expect(json.slo.latencyP95Ms).toBe(250);
    expect(json.current.kpis.monthlyCostUsd).toBeGreaterThan(0);
    expect(JSON.stringify(json)).not.toMatch(/"timeline"/);

    // --out elsewhere, one format only.
    const elsewhere = join(dir, "plan-md");
    expect(await runReportCommand(plan, { format: "md", out: elsewhere }, cliContext(io()))).toBe(
      0,
    );
    expect((await readdir(elsewhere)).sort()).toEqual([".caplab-output.json", "report.md"]);
  });

  it("restores the typed arrays and the non-finite numbers of a plan result", async () => {
    const { result } = await readPlanResult(join(dir, "plan"));
    expect(result.trace.requests).toBeInstanceOf(Float64Array);
    expect(result.trace.gap).toBeInstanceOf(Uint8Array);
    expect(result.current?.timeline.latencyP95Ms).toBeInstanceOf(Float64Array);
    expect(result.current?.timeline.latencyP95Ms.length).toBe(result.current?.timeline.length);
    const text = renderPlanResultJson(
      { ...result, reasons: [], slo: { ...result.slo, latencyP95Ms: NaN } },
      null,
    );
    const odd = join(dir, "odd");
    await mkdir(odd, { recursive: true });
    await writeFile(join(odd, "plan-result.json"), text);
    expect((await readPlanResult(odd)).result.slo.latencyP95Ms).toBeNaN();
  });

  it("exits 2 with one sentence for a plan folder without plan-result.json", async () => {
    const old = join(dir, "old-plan");
    await mkdir(old, { recursive: true });
    await writeFile(join(old, "recommendation.json"), "{}");
    await writeFile(join(old, "report.html"), "<html></html>");
    await expect(runReportCommand(old, {}, cliContext(io()))).rejects.toThrow(
      /has no plan-result\.json; run caplab plan again/,
    );
    const err = io();
    expect(await main(["report", old], err)).toBe(2);
    expect(err.text().trim().split("\n")).toHaveLength(1);
    expect(err.text()).toMatch(/has no plan-result\.json; run caplab plan again/);

    await writeFile(join(old, "plan-result.json"), '{"format":"caplab-plan-result/1"}');
    await expect(runReportCommand(old, {}, cliContext(io()))).rejects.toThrow(
      /is not a caplab plan result \(no result\); run caplab plan again/,
    );
  });

  it("rejects unknown formats and folders that are not bundles as usage errors", async () => {
    expect(() => parseFormats("html,pdf")).toThrow(UsageError);
    expect(parseFormats(undefined)).toEqual(["html", "md", "json"]);
    const empty = join(dir, "empty");
    await mkdir(empty, { recursive: true });
    await expect(runReportCommand(empty, {}, cliContext(io()))).rejects.toThrow(
      /is not a run or trace bundle \(manifest\.json\), a plan folder \(recommendation\.json\) or a simulate folder/,
    );
  });
});

describe("caplab report on a simulate folder", () => {
  const SIMULATE_YAML = [
    "trace: { generate: default-week, seed: 2 }",
    "service: { cpuMsPerRequest: 8, latencyMs: 25, memoryMiB: { base: 350, perInflightRequest: 0.05 } }",
    'task: { cpu: "1024", memory: "2048" }',
    "scaling:",
    "  MinCapacity: 2",
    "  MaxCapacity: 60",
    "  policies:",
    "    - PolicyName: cpu60",
    "      TargetTrackingScalingPolicyConfiguration:",
    "        TargetValue: 60",
    "        PredefinedMetricSpecification: { PredefinedMetricType: ECSServiceAverageCPUUtilization }",
    "slo: { latencyP95Ms: 250, errorRatePercent: 0.1 }",
    "",
  ].join("\n");

  it("draws traffic, tasks with events, metric against target, p95 against the SLO and cost, with the events table", async () => {
    await writeFile(join(dir, "sim.yaml"), SIMULATE_YAML);
    const sim = join(dir, "sim");
    expect(await main(["simulate", join(dir, "sim.yaml"), "--out", sim], io())).toBe(0);
    const summary = JSON.parse(await readFile(join(sim, "summary.json"), "utf8"));
    expect(summary).toMatchObject({
      task: { cpu: "1024" },
      scaling: { MinCapacity: 2 },
      slo: { latencyP95Ms: 250 },
    });
    const out = io();
    expect(await main(["report", sim, "--format", "html,md,json"], out)).toBe(0);
    expect(out.text()).toContain(`Report: ${join(sim, "report.html")}`);
    const html = await readFile(join(sim, "report.html"), "utf8");
    for (const id of [
      "chart-traffic",
      "chart-tasks",
      "chart-metric",
      "chart-latency",
      "chart-cost",
    ])
      expect(html).toContain(`<figure class="chart" id="${id}"`);
    expect(html.indexOf('<section id="verdict"')).toBeLessThan(
      html.indexOf('<section id="charts"'),
    );
    expect(html).toContain('<section id="events">');
    expect(html).toContain("target 60 %");
    const json = JSON.parse(await readFile(join(sim, "report.json"), "utf8"));
    expect(json).toMatchObject({
      format: "caplab-simulate-report/1",
      meetsSlo:
        summary.sloViolationMinutes <= 0.005 * summary.minutes && summary.errorRatePercent <= 0.1,
    });
    expect(json.events).toBe(JSON.parse(await readFile(join(sim, "events.json"), "utf8")).length);
    const md = await readFile(join(sim, "report.md"), "utf8");
    expect(md).toMatch(/^## caplab simulation\n\n\*\*(Meets|Misses) the SLO/);
    expect(md).toContain("### Scaling events");
  });

  it("reads a folder written before summary.json kept the configuration, and says what it leaves out", async () => {
    const sim = join(dir, "sim");
    const summary = JSON.parse(await readFile(join(sim, "summary.json"), "utf8"));
    delete summary.task;
    delete summary.scaling;
    delete summary.slo;
    await writeFile(join(sim, "summary.json"), JSON.stringify(summary));
    expect(await main(["report", sim, "--format", "html"], io())).toBe(0);
    const html = await readFile(join(sim, "report.html"), "utf8");
    expect(html).toContain("written before it kept the task and scaling");
    expect(html).toContain("no target-tracking policy");
  });

  it("refuses a summary.json caplab simulate did not write, in one sentence", async () => {
    const sim = join(dir, "sim");
    await writeFile(join(sim, "summary.json"), '{"hello": 1}');
    const err = io();
    expect(await main(["report", sim], err)).toBe(2);
    expect(err.text().trim().split("\n")).toHaveLength(1);
    expect(err.text()).toMatch(/summary\.json: it holds no Kpis .*; run caplab simulate again\./);
  });
});
