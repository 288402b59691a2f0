/**
 * Integration: the guardrails of `caplab plan` (issue #14) as a user meets them. A one-minute
 * ALB log is refused with one sentence naming the override; with the override the plan is
 * made and every rating is medium or higher; `npm start`'s plan keeps two tasks, is rated low
 * or better, holds under every perturbation without a breakdown, and its reports lead with
 * the rating and the comparison with the current setting.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { HISTORY_ENV } from "../../analysis/io/history/history-db.js";
import { captureIo } from "../helpers/io.js";

const ALB_ONE_MINUTE = join("..", "shared", "data", "alb", "nawab312-real-alb.log");

let dir = "";
const saved = process.env[HISTORY_ENV];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-guardrails-"));
  process.env[HISTORY_ENV] = join(dir, "history.duckdb");
});
afterAll(async () => {
  if (saved === undefined) delete process.env[HISTORY_ENV];
  else process.env[HISTORY_ENV] = saved;
  if (dir) await rm(dir, { recursive: true, force: true });
});

const SERVICE = "service: { cpuMsPerRequest: 10, latencyMs: 20, memoryMiB: { base: 300 } }";
const SPACE =
  'space: { taskSizes: [{ cpu: "512", memory: "1024" }], metrics: [ECSServiceAverageCPUUtilization], utilizationTargets: [50], ScaleOutCooldown: [300] }';

describe("plan on too little data", () => {
  it("refuses a one-minute ALB log (three lines) with one sentence naming --allow-short-trace", async () => {
    const bundle = join(dir, "alb");
    expect(
      await main(["import", ALB_ONE_MINUTE, "--format", "alb", "--out", bundle], captureIo()),
    ).toBe(0);
    await writeFile(
      join(dir, "plan.yaml"),
      [`trace: { file: alb }`, SERVICE, SPACE, ""].join("\n"),
    );
    const io = captureIo();
    const out = join(dir, "plan-short");
    expect(await main(["plan", join(dir, "plan.yaml"), "--out", out, "--workers", "0"], io)).toBe(
      2,
    );
    const lines = io.stderr().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^caplab: .*alb\/series\/requests\.csv holds 1 min of traffic data \(1 step of 60 s\), less than the 24 h a plan needs \(guardrails\.minTraceHours\); give a trace of at least 24 h \(a week shows the weekly cycle: guardrails\.patternHours\), or add --allow-short-trace to plan on it anyway/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("plans on it with --allow-short-trace, rating everything medium or higher and saying why", async () => {
    const io = captureIo();
    const out = join(dir, "plan-allowed");
    const code = await main(
      ["plan", join(dir, "plan.yaml"), "--out", out, "--workers", "0", "--allow-short-trace"],
      io,
    );
    expect(code).toBe(0);
    expect(io.stderr()).toContain(
      "warning: The trace holds 1 min of data; a plan needs at least 24 h (guardrails.minTraceHours), and was made anyway with --allow-short-trace: every rating is medium or higher; in 1 min no scale-in can be seen",
    );
    // maxRisk low cannot be met on this trace: the plan says so, and asks for data.
    expect(io.stdout()).toMatch(
      /! No candidate can be rated low or lower on this trace: its data keeps every rating at medium or higher/,
    );
    expect(io.stdout()).toMatch(/Give a trace of at least 24 h, or accept robustness\.maxRisk/);
    expect(io.stdout()).not.toMatch(/Widen the space/);
    const rec = JSON.parse(await readFile(join(out, "recommendation.json"), "utf8"));
    expect(["medium", "high"]).toContain(rec.risk.rating);
    expect(rec.risk.reasons).toContain(
      "the trace holds 1 min of data, under the 24 h minimum (planned with --allow-short-trace)",
    );
    expect(rec.coverage).toMatchObject({ short: true, allowedShort: true });
    expect(rec.cautions.join(" ")).toMatch(/made anyway with --allow-short-trace/);
    const md = await readFile(join(out, "report.md"), "utf8");
    const warning = md.slice(
      md.indexOf("> [!WARNING]"),
      md.indexOf("\n\n", md.indexOf("> [!WARNING]")),
    );
    expect(warning).toContain("> The trace holds 1 min of data");
  });
});

describe("plan on real traffic that starts at its peak (NASA-HTTP, July 1995)", () => {
  // The busiest hour of the week of July 3 starts at 14:01 EDT on July 5: a two-day trace from
  // there never shows the ramp up to it (the fleet starts sized for its first ten minutes).
  const NASA = join("..", "shared", "data", "traces", "nasa-http-1995-requests-per-minute.csv");
  let out = "";
  let stdout = "";
  beforeAll(async () => {
    await writeFile(
      join(dir, "peak.yaml"),
      [
        `trace: { file: ${JSON.stringify(join(process.cwd(), NASA))}, scale: 40, from: "1995-07-05T14:01:00-04:00", to: "1995-07-07T14:01:00-04:00" }`,
        SERVICE,
        SPACE,
        "",
      ].join("\n"),
    );
    out = join(dir, "plan-peak");
    const io = captureIo();
    expect(await main(["plan", join(dir, "peak.yaml"), "--out", out, "--workers", "0"], io)).toBe(
      0,
    );
    stdout = io.stdout();
  }, 300_000);

  it("never rates the pick very low, and every output says what the trace leaves unseen", async () => {
    const rec = JSON.parse(await readFile(join(out, "recommendation.json"), "utf8"));
    expect(rec.risk.rating).not.toBe("very-low");
    expect(rec.coverage.busiestHour).toMatchObject({
      fromMs: Date.parse("1995-07-05T18:01:00Z"),
      leadHours: 0,
    });
    expect(rec.coverage.limits.map((l: { kind: string }) => l.kind)).toEqual([
      "below-pattern",
      "peak-at-start",
    ]);
    expect(rec.risk.factors).toContainEqual({
      kind: "thin-data",
      points: 0,
      atLeast: "low",
      reason:
        "the trace starts 0 min before its busiest hour, so the scale-out up to that peak is not simulated",
    });
    const note =
      "starts 0 min after the trace does: the simulation starts with tasks already sized";
    expect(rec.cautions.join(" ")).toContain(note);
    expect(stdout).toContain(note);
    expect(await readFile(join(out, "report.md"), "utf8")).toContain(note);
    expect(await readFile(join(out, "report.html"), "utf8")).toContain(note);
    // And the rating's reasons name it next to the pick.
    expect(stdout).toMatch(
      /Rated \w+ \(\d+ points?\): .*the trace starts 0 min before its busiest hour/,
    );
  });
});

describe("npm start's plan (the embedded week)", () => {
  let out = "";
  let stdout = "";
  beforeAll(async () => {
    out = join(dir, "default");
    const io = captureIo();
    expect(await main(["plan", "--default", "--out", out, "--quiet"], io)).toBe(0);
    stdout = io.stdout();
  }, 300_000);

  it("keeps two tasks, is rated low or better and breaks down under no perturbation", async () => {
    const rec = JSON.parse(await readFile(join(out, "recommendation.json"), "utf8"));
    expect(rec.recommendation.scalableTarget.MinCapacity).toBeGreaterThanOrEqual(2);
    expect(rec.availability).toMatchObject({ floor: 2, pickBelowFloor: false });
    expect(["very-low", "low"]).toContain(rec.risk.rating);
    expect(rec.risk.reasons.length).toBe(rec.risk.factors.length);
    for (const p of rec.recommendation.robustness) expect(p.severity).not.toBe("breaks-down");
    // The neighbours carry their rating and the cost difference.
    const n = rec.neighbours.riskier;
    expect(n).toMatchObject({ rating: expect.stringMatching(/medium|high/) });
    expect(n.costDifferenceUsd).toBeCloseTo(
      n.monthlyCostUsd - rec.recommendation.kpis.monthlyCostUsd,
      6,
    );
    // Honest about the figures on which it is worse than the current setting.
    for (const w of rec.worseThanCurrent) expect(w.recommended).not.toBe(w.current);
    expect(rec.extremes.map((x: { kind: string }) => x.kind)).toEqual(["worst-p95", "most-errors"]);
    expect(rec.extremes[0].causes[0]).toMatch(/^a traffic spike/);
  });

  it("leads with the recommendation, its rating and the comparison with the current setting", async () => {
    expect(stdout).toMatch(/^\nRecommendation: .*\n {2}risk {13}low .*; current setting: \w+/);
    const rec = JSON.parse(await readFile(join(out, "recommendation.json"), "utf8"));
    if (rec.worseThanCurrent.length > 0)
      expect(stdout.split("\n").slice(0, 6).join("\n")).toMatch(
        / {2}! Worse than the current setting on/,
      );
    const md = await readFile(join(out, "report.md"), "utf8");
    const head = md.split("\n").slice(0, 12).join("\n");
    expect(head).toMatch(/\*\*Recommendation: .*\*\*/);
    expect(head).toMatch(/\*\*Risk: (very low|low)\*\* · \\\$[\d,.]+ a month; saves/);
    expect(md.indexOf("### Current vs recommended")).toBeLessThan(md.indexOf("### Why"));
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html.indexOf('<section id="verdict"')).toBeLessThan(
      html.indexOf('<section id="charts"'),
    );
  });
});
