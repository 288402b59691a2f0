/**
 * Integration: `caplab simulate` and its report on too little data, as a user meets them on
 * ../shared/data. A one-minute ALB log (one request) and a sparse one (7 requests in 2 minutes
 * of a 151-day window) are simulated, not refused, but the CLI warns, its summary says how much
 * data there is, and the report's verdict is qualified (report.json: thinData) with the
 * trace's limits as cautions; a miss on one minute stays a miss. A week's report carries no
 * caution and no qualification.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { HISTORY_ENV } from "../../analysis/io/history/history-db.js";
import { captureIo } from "../helpers/io.js";
import { sharedData } from "../helpers/shared-data.js";

let dir = "";
const saved = process.env[HISTORY_ENV];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-simulate-thin-"));
  process.env[HISTORY_ENV] = join(dir, "history.duckdb");
  for (const [name, log] of [
    ["one", "alb/nawab312-real-alb.log"],
    ["sparse", "alb/aws-docs-alb-examples.log"],
  ] as const)
    expect(
      await main(
        ["import", sharedData(log), "--format", "alb", "--out", join(dir, name)],
        captureIo(),
      ),
    ).toBe(0);
});
afterAll(async () => {
  if (saved === undefined) delete process.env[HISTORY_ENV];
  else process.env[HISTORY_ENV] = saved;
  if (dir) await rm(dir, { recursive: true, force: true });
});

const REST = [
  "service: { cpuMsPerRequest: 10, latencyMs: 20, memoryMiB: { base: 300 } }",
  'task: { cpu: "1024", memory: "2048" }',
  "scaling: { MinCapacity: 2, MaxCapacity: 50, policies: [{ PolicyName: cpu50, TargetTrackingScalingPolicyConfiguration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: ECSServiceAverageCPUUtilization } } }] }",
];

/** Simulates `trace` with the SLO given, then reports; the outputs and what was printed. */
async function simulateAndReport(
  name: string,
  trace: string,
  slo: string,
  formats = "html,md,json",
  more: readonly string[] = [],
) {
  const config = join(dir, `${name}.yaml`);
  await writeFile(config, [`trace: ${trace}`, ...REST, `slo: ${slo}`, ...more, ""].join("\n"));
  const io = captureIo();
  const sim = join(dir, `sim-${name}`);
  expect(await main(["simulate", config, "--out", sim], io)).toBe(0);
  expect(await main(["report", sim, "--format", formats], captureIo())).toBe(0);
  return {
    sim,
    stdout: io.stdout(),
    stderr: io.stderr(),
    md: await readFile(join(sim, "report.md"), "utf8"),
    html: formats.includes("html") ? await readFile(join(sim, "report.html"), "utf8") : "",
    json: JSON.parse(await readFile(join(sim, "report.json"), "utf8")),
    summary: JSON.parse(await readFile(join(sim, "summary.json"), "utf8")),
  };
}

/** The reason, naming the simulate config's field (its path as given). */
const reason = (name: string) =>
  `too little to rest a decision on (a verdict needs 24 h: guardrails.minTraceHours in ${join(dir, `${name}.yaml`)})`;

describe("simulate on too little data", () => {
  it("qualifies a pass on a one-minute trace in the CLI, report.md, report.html and report.json", async () => {
    const r = await simulateAndReport("one", "{ file: one }", "{ latencyP95Ms: 300 }");
    expect(r.stdout).toContain(
      `  data            1 min of trace data (1 step of 60 s): ${reason("one")}\n`,
    );
    expect(r.stderr).toContain(
      `warning: The trace holds 1 min of data; a verdict needs at least 24 h (guardrails.minTraceHours in ${join(dir, "one.yaml")})`,
    );
    expect(r.summary.coverage).toMatchObject({ short: true, steps: 1, coveredHours: 1 / 60 });
    expect(r.md).toContain(
      `**Meets the SLO over 1 min of trace data only: ${reason("one")}. Its figures: 0 SLO-violating minutes`,
    );
    expect(r.md).not.toMatch(/\*\*Meets the SLO:/);
    // The small texts: one step, the minute simulated.
    expect(r.md).toContain("(\\$0.00 for the 1 min simulated)");
    expect(r.md).toContain("· 1 step of 60 s (1 min)");
    expect(r.md).toMatch(/Cautions about the data:\n\n- The trace holds 1 min of data;/);
    expect(r.json).toMatchObject({
      meetsSlo: true,
      thinData: true,
      coverage: { short: true, guardrails: { minTraceHours: 24 } },
    });
    expect(r.json.cautions).toHaveLength(1);
    // Amber, not green, and the heading says it.
    expect(r.html).toContain('<section id="verdict" class="verdict risk-medium">');
    expect(r.html).toContain('<h2 class="pick">Meets the SLO, on too little data</h2>');
    expect(r.html).toMatch(/<ul class="cautions"><li>The trace holds 1 min of data;/);
    // A line through one point draws nothing: each of the five charts dots its one step.
    expect(r.html.match(/"point":\{"filled":true,"size":40\}/g)).toHaveLength(5);
  });

  it("keeps a miss on one minute a miss, and says the same", async () => {
    const r = await simulateAndReport("one-miss", "{ file: one }", "{ latencyP95Ms: 10 }");
    expect(r.json).toMatchObject({ meetsSlo: false, thinData: true });
    expect(r.json.verdict).toMatch(
      /^Misses the SLO \(too many violating minutes\) over 1 min of trace data only: a real miss, but too little to rest a decision on \(a verdict needs 24 h: guardrails\.minTraceHours in .*one-miss\.yaml\)\. Its figures: 1 SLO-violating minute \(budget/,
    );
    expect(r.html).toContain('<section id="verdict" class="verdict risk-high">');
    expect(r.html).toContain('<h2 class="pick">Misses the SLO, on too little data</h2>');
  });

  it("qualifies a sparse trace (2 min of data in 151 days) and lists its low coverage and gap", async () => {
    // Its 217,441 steps make a report's charts slow to draw: the Markdown and JSON tell it.
    const r = await simulateAndReport(
      "sparse",
      "{ file: sparse }",
      "{ latencyP95Ms: 300 }",
      "md,json",
    );
    expect(r.stdout).toContain(
      `  data            2 min of trace data in a span of 151 days (under 0.1 % of its 217,441 steps of 60 s): ${reason("sparse")}\n`,
    );
    // The SLO budget is 0.5 % of the 2 minutes with data, not of the 151 days (1,087 minutes).
    expect(r.stdout).toContain(
      "  SLO             0 violating minutes (budget 0.01: 0.5 % of the 2 min with data, 151 days of gaps left out)\n",
    );
    expect(r.summary).toMatchObject({ minutes: 217_441, dataMinutes: 2, thinData: true });
    expect(r.summary.sloBudget).toMatchObject({ percent: 0.5, dataMinutes: 2 });
    expect(r.summary.sloBudget.minutes).toBeCloseTo(0.01, 12);
    expect(r.json.verdict).toContain(
      "0 SLO-violating minutes (budget 0.01: 0.5 % of the 2 min with data, 151 days of gaps left out)",
    );
    expect(r.json).toMatchObject({ meetsSlo: true, thinData: true });
    expect(r.json.verdict).toMatch(
      /^Meets the SLO over 2 min of trace data only \(in a span of 151 days, under 0\.1 % of the steps with data\): too little/,
    );
    expect(r.json.coverage.limits.map((l: { kind: string }) => l.kind)).toEqual(["low-coverage"]);
    expect(r.json.cautions).toEqual([
      `The trace holds 2 min of data; a verdict needs at least 24 h (guardrails.minTraceHours in ${join(dir, "sparse.yaml")}).`,
      expect.stringMatching(
        /^1 gap of 60 min or more \(over 99 % of the steps; the first from .*\): those steps are simulated with no traffic, billed, and left out of the SLO budget/,
      ),
      "Only under 0.1 % of the steps have data (guardrails.minCoveragePercent 90 %); the rest are gaps with no traffic.",
    ]);
    expect(r.md).toContain("(\\$357.84 for the 151 days simulated)");
    for (const c of r.json.cautions as string[]) expect(r.stderr).toContain(`warning: ${c}\n`);
    // 217,441 steps: 20 s quiet, up to 45 s with the machine shared.
  }, 180_000);

  it("says nothing of the data on a week: no caution, no qualification", async () => {
    const r = await simulateAndReport(
      "week",
      "{ generate: default-week, seed: 1 }",
      "{ latencyP95Ms: 300 }",
    );
    expect(r.stdout).toContain("  data            7 days of trace data (10,080 steps of 60 s)\n");
    expect(r.stdout).toMatch(
      / {2}SLO {13}\d+ violating minutes? \(budget 50\.4: 0\.5 % of its 7 days\)\n/,
    );
    expect(r.stderr).not.toMatch(/warning: The trace/);
    expect(r.json).toMatchObject({ thinData: false, cautions: [] });
    expect(r.json.verdict).toMatch(/^(Meets the SLO: |Misses the SLO \()/);
    expect(r.md).not.toContain("Cautions");
    expect(r.md).not.toContain("too little");
    expect(r.html).not.toContain('class="cautions"');
    expect(r.html).not.toContain("on too little data");
    expect(r.html).not.toContain('"point":{"filled":true,"size":40}');
    expect(r.md).toContain("for the 7 days simulated)");
  });

  it("takes the config's guardrails: a lower minimum judges one minute plainly", async () => {
    const r = await simulateAndReport(
      "one-guarded",
      "{ file: one }",
      "{ latencyP95Ms: 300 }",
      "md,json",
      ["guardrails: { minTraceHours: 0.01 }"],
    );
    expect(r.json).toMatchObject({ meetsSlo: true, thinData: false });
    expect(r.json.verdict).toMatch(/^Meets the SLO: /);
    expect(r.summary.coverage).toMatchObject({
      short: false,
      guardrails: { minTraceHours: 0.01 },
      guardrailsFrom: join(dir, "one-guarded.yaml"),
    });
    expect(r.stdout).toContain("  data            1 min of trace data (1 step of 60 s)\n");
  });

  it("prints thinData, the budget's basis and the coverage with --json", async () => {
    const io = captureIo();
    const config = join(dir, "one.yaml");
    expect(await main(["simulate", config, "--out", join(dir, "sim-json"), "--json"], io)).toBe(0);
    const printed = JSON.parse(io.stdout());
    expect(printed).toMatchObject({
      sloViolationMinutes: 0,
      minutes: 1,
      dataMinutes: 1,
      thinData: true,
      sloBudget: { percent: 0.5, dataMinutes: 1, basis: "0.5 % of its 1 min" },
      coverage: { short: true, steps: 1, guardrailsFrom: config },
    });
  });

  it("judges a folder written before summary.json kept the coverage by its timeline's span", async () => {
    for (const [name, thin] of [
      ["sim-one", true],
      // A week of steps: whether they held data is not known, so nothing is claimed.
      ["sim-week", false],
    ] as const) {
      const sim = join(dir, name);
      const summary = JSON.parse(await readFile(join(sim, "summary.json"), "utf8"));
      delete summary.coverage;
      await writeFile(join(sim, "summary.json"), JSON.stringify(summary));
      expect(await main(["report", sim, "--format", "json"], captureIo())).toBe(0);
      const json = JSON.parse(await readFile(join(sim, "report.json"), "utf8"));
      expect(json.thinData, name).toBe(thin);
      expect(json.coverage === null, name).toBe(!thin);
    }
  });

  it("refuses a summary.json whose coverage is not what simulate writes, naming the field", async () => {
    const sim = join(dir, "sim-one-miss");
    const summary = JSON.parse(await readFile(join(sim, "summary.json"), "utf8"));
    summary.coverage.short = "no";
    await writeFile(join(sim, "summary.json"), JSON.stringify(summary));
    const io = captureIo();
    expect(await main(["report", sim, "--format", "json"], io)).toBe(2);
    expect(io.stderr()).toMatch(
      /summary\.json: its coverage is not what caplab simulate writes \(coverage\.short: .*\); run caplab simulate again\.\n$/,
    );
  });
});
