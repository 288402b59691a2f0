/**
 * Integration: exact pruning (issue #17 item 1, sim/prune.ts) as `caplab plan` runs it. On the
 * three example plans and `plan --default`, the pruned sweep and `--exhaustive` give the same
 * plan: recommendation.json (pick, its figures, risk, robustness, neighbours, comparison) and
 * pareto.json byte for byte; report.md the same but for the count of candidates within the SLO,
 * which says how many more were stopped as out of reach; in plan-result.json the Pareto front,
 * the robustness checks, the pick, the neighbours, the current run and the other reasons; every
 * candidate simulated to the end with the same figures. Each stopped candidate, run to the end
 * by the exhaustive sweep, is dominated by the candidate its row names and its stopped figures
 * are lower bounds of its final ones; one stopped because it could not meet the SLO misses it,
 * one stopped as out of reach ranks after the first keepRanks, one stopped as far from the SLO
 * ends past the front's limit (twice the budget), names no dominating candidate and ranks after
 * the first keepRanks. The count of candidates past the limit brackets the exhaustive one.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { HISTORY_ENV } from "../../analysis/io/history/history-db.js";
import { readPlanResult } from "../../analysis/io/files/plan-result-file.js";
import { rankOutcomes } from "../../sim/search.js";
import { riskRank, worstMinuteFar } from "../../sim/risk.js";
import type { CandidateOutcome } from "../../sim/vocab/index.js";
import { captureIo } from "../helpers/io.js";
import { COUNTS, decided, withoutCounts } from "../helpers/plan-compare.js";

let dir = "";
const saved = process.env[HISTORY_ENV];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-prune-"));
  process.env[HISTORY_ENV] = join(dir, "history.duckdb");
});
afterAll(async () => {
  if (saved === undefined) delete process.env[HISTORY_ENV];
  else process.env[HISTORY_ENV] = saved;
  if (dir) await rm(dir, { recursive: true, force: true });
});

const PLANS: readonly (readonly [string, readonly string[]])[] = [
  ["default", ["--default"]],
  ["nasa", [join("examples", "plan-nasa.yaml")]],
  ["elb", [join("examples", "plan-elb.yaml")]],
  ["worldcup", [join("examples", "plan-worldcup.yaml")]],
];

async function plan(name: string, args: readonly string[], exhaustive: boolean) {
  const out = join(dir, `${name}-${exhaustive ? "exhaustive" : "pruned"}`);
  const io = captureIo();
  const flags = ["--out", out, "--workers", "2", "--quiet"];
  const code = await main(["plan", ...args, ...flags, ...(exhaustive ? ["--exhaustive"] : [])], io);
  expect(code, io.stderr()).toBe(0);
  const file = (f: string) => readFile(join(out, f), "utf8");
  return {
    stderr: io.stderr(),
    recommendation: await file("recommendation.json"),
    markdown: await file("report.md"),
    pareto: await file("pareto.json"),
    csv: parse(await file("candidates.csv"), { columns: true }) as Record<string, string>[],
    result: (await readPlanResult(out)).result,
  };
}

/** "166 within the SLO" or "166 of 301 candidates meet": the count, and "53 more" out of reach. */
function counted(text: string): { meeting: number; more: number } {
  const meeting = /(\d+) within the SLO|(\d+) of \d+ candidates meet the SLO/.exec(text);
  const more = /; (\d+) more stopped early/.exec(text);
  return {
    meeting: Number(meeting?.[1] ?? meeting?.[2] ?? NaN),
    more: Number(more?.[1] ?? 0),
  };
}

/** What `plan` keeps exact: robustness.maxChecked (40) and the reports' lists (20, 10). */
const KEEP_RANKS = 40;

let prunedInAll = 0;
let outOfReachInAll = 0;
let farInAll = 0;

describe("plan with exact pruning against --exhaustive", () => {
  for (const [name, args] of PLANS) {
    it(`gives the same plan for ${name}`, { timeout: 600_000 }, async () => {
      const full = await plan(name, args, true);
      const pruned = await plan(name, args, false);
      // recommendation.json: byte for byte when none was stopped as out of reach; else the same
      // but for the counts.
      expect(withoutCounts(pruned.recommendation)).toBe(withoutCounts(full.recommendation));
      expect(pruned.pareto).toBe(full.pareto);
      expect(decided(pruned.result)).toBe(decided(full.result));
      expect(pruned.result.pareto.length).toBeGreaterThan(0);
      // The pick's tasks turned unhealthy under load are said, when there are any (plan --default
      // has them: its spike overloads the queue past the health check's timeout).
      const turned = full.result.recommended!.events.some((e) => e.kind === "target-unhealthy");
      if (name === "default") expect(turned).toBe(true);
      expect(full.result.reasons.some((r) => /turned unhealthy/.test(r))).toBe(turned);
      // Each candidate rated is weighed against today's worst minute on the same traffic: one
      // far outside the SLO where today's is within bounds is never rated below medium.
      const now = full.result.currentRisk?.worstMinute;
      if (now && !worstMinuteFar(now, full.result.slo))
        for (const r of full.result.robustness)
          if (worstMinuteFar(r.risk.worstMinute, full.result.slo))
            expect(riskRank(r.risk.rating), `candidate ${r.candidateId}`).toBeGreaterThanOrEqual(
              riskRank("medium"),
            );
      // report.md: the same lines but those that count candidates within the SLO, which say
      // how many more were stopped early as out of reach.
      const outOfReach = pruned.result.outcomes.filter(
        (o) => o.pruned?.reason === "out-of-reach",
      ).length;
      const fullLines = full.markdown.split("\n");
      const prunedLines = pruned.markdown.split("\n");
      expect(prunedLines.length).toBe(fullLines.length);
      prunedLines.forEach((line, i) => {
        if (line === fullLines[i]) return;
        expect(line, fullLines[i]).toMatch(COUNTS);
        if (/have MinCapacity below/.test(line)) return;
        if (/past it/.test(line)) {
          expect(line.replace(/(at least )?\d+ candidates? lies?/, "")).toBe(
            fullLines[i]!.replace(/\d+ candidates? lies?/, ""),
          );
          return;
        }
        const a = counted(fullLines[i]!);
        const b = counted(line);
        expect(b.more).toBe(outOfReach);
        expect(b.meeting).toBeLessThanOrEqual(a.meeting);
        expect(b.meeting + b.more).toBeGreaterThanOrEqual(a.meeting);
      });
      if (outOfReach === 0) {
        expect(pruned.markdown).toBe(full.markdown);
        expect(pruned.recommendation).toBe(full.recommendation);
      }
      // The first KEEP_RANKS of the exhaustive ranking, within the SLO, all finished.
      const ranked = rankOutcomes(full.result.outcomes);
      const firstRanks = new Set(ranked.slice(0, KEEP_RANKS).map((o) => o.candidate.id));

      const byId = new Map<number, CandidateOutcome>(
        full.result.outcomes.map((o) => [o.candidate.id, o]),
      );
      const front = new Set(full.result.pareto);
      // The front's limit: twice the budget (pareto.maxBudgetMultiple's default); what lies past
      // it, known to the pruned plan, brackets what lies past it in the exhaustive one.
      const limit = pruned.result.paretoLimit;
      expect(limit.budgetMultiple).toBe(2);
      expect(limit.maxMinutes).toBeCloseTo(2 * full.result.slo.violationBudgetMinutes, 9);
      expect(full.result.paretoLimit.unknown).toBe(0);
      expect(limit.beyond).toBeLessThanOrEqual(full.result.paretoLimit.beyond);
      expect(limit.beyond + limit.unknown).toBeGreaterThanOrEqual(full.result.paretoLimit.beyond);
      expect(JSON.parse(pruned.pareto)).toMatchObject({
        drawnUpTo: { budgetMultiple: 2, sloViolationMinutes: limit.maxMinutes },
      });
      let stopped = 0;
      pruned.result.outcomes.forEach((o, i) => {
        const exact = full.result.outcomes[i]!;
        expect(exact.candidate.id).toBe(o.candidate.id);
        expect(exact.pruned).toBeUndefined();
        if (!o.pruned) {
          expect(o).toEqual(exact);
          return;
        }
        stopped++;
        // Run to the end, it is off the front and dominated by the one named; it misses the
        // SLO, or ranks after the first KEEP_RANKS (which hold as many within the SLO).
        if (o.pruned.reason === "cannot-meet-slo") expect(exact.meetsSlo).toBe(false);
        else if (o.pruned.reason === "far-from-slo") {
          expect(exact.meetsSlo).toBe(false);
          expect(o.kpis.sloViolationMinutes).toBeGreaterThan(limit.maxMinutes!);
          expect(firstRanks.has(o.candidate.id)).toBe(false);
          expect(o.pruned.dominatedBy).toBeUndefined();
          farInAll++;
        } else {
          expect(o.pruned.cheaperWithinSlo).toBeGreaterThanOrEqual(KEEP_RANKS);
          expect(firstRanks.has(o.candidate.id)).toBe(false);
          expect(ranked.slice(0, KEEP_RANKS).every((r) => r.meetsSlo)).toBe(true);
          expect(o.meetsSlo).toBe(false);
        }
        expect(front.has(o.candidate.id)).toBe(false);
        if (o.pruned.dominatedBy !== undefined) {
          const by = byId.get(o.pruned.dominatedBy)!;
          expect(by.kpis.monthlyCostUsd).toBeLessThanOrEqual(exact.kpis.monthlyCostUsd);
          expect(by.kpis.sloViolationMinutes).toBeLessThanOrEqual(exact.kpis.sloViolationMinutes);
        }
        // What it had when stopped are lower bounds.
        expect(o.kpis.costUsd).toBeLessThanOrEqual(exact.kpis.costUsd);
        expect(o.kpis.sloViolationMinutes).toBeLessThanOrEqual(exact.kpis.sloViolationMinutes);
        expect(o.kpis.failedRequests).toBeLessThanOrEqual(exact.kpis.failedRequests);
        // Its row in candidates.csv says so, and when.
        const row = pruned.csv[i]!;
        expect(row.pruned).toBe(o.pruned.reason);
        const { startMs, stepSeconds } = pruned.result.trace;
        const at = startMs + (o.pruned.step + 1) * stepSeconds * 1000;
        expect(row.prunedAt).toBe(new Date(at).toISOString());
        expect(Number(row.prunedStep)).toBe(o.pruned.step);
        expect(row.dominatedBy).toBe(String(o.pruned.dominatedBy ?? ""));
      });
      expect(full.csv.every((r) => r.pruned === "")).toBe(true);
      if (stopped > 0) expect(pruned.stderr).toContain(`(${stopped} stopped early`);
      prunedInAll += stopped;
      outOfReachInAll += outOfReach;
    });
  }

  it("stops some candidates early in these plans, some as out of reach, some far from the SLO", () => {
    expect(prunedInAll).toBeGreaterThan(0);
    expect(outOfReachInAll).toBeGreaterThan(0);
    expect(farInAll).toBeGreaterThan(0);
  });
});
