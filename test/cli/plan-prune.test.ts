/**
 * Integration: exact pruning (issue #17 item 1, sim/prune.ts) as `caplab plan` runs it. On the
 * three example plans and `plan --default`, the pruned sweep and `--exhaustive` give the same
 * plan: recommendation.json (pick, its figures, risk, robustness, neighbours, comparison),
 * report.md and pareto.json byte for byte; in plan-result.json the Pareto front, the robustness
 * checks, the pick, the neighbours, the current run, the reasons and the availability counts;
 * every candidate simulated to the end with the same figures. Each stopped candidate, run to the
 * end by the exhaustive sweep, misses the SLO, is dominated by the candidate its row names, and
 * its stopped figures are lower bounds of its final ones.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { HISTORY_ENV } from "../../analysis/io/history/history-db.js";
import { readPlanResult } from "../../analysis/io/files/plan-result-file.js";
import type { CandidateOutcome, PlanResult } from "../../sim/vocab/index.js";
import { captureIo } from "../helpers/io.js";

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

/** What the plan decided, beside the candidates' own rows. */
function decided(r: PlanResult) {
  const { outcomes: _outcomes, trace: _trace, ...rest } = r;
  return JSON.stringify(rest);
}

let prunedInAll = 0;

describe("plan with exact pruning against --exhaustive", () => {
  for (const [name, args] of PLANS) {
    it(`gives the same plan for ${name}`, { timeout: 600_000 }, async () => {
      const full = await plan(name, args, true);
      const pruned = await plan(name, args, false);
      expect(pruned.recommendation).toBe(full.recommendation);
      expect(pruned.markdown).toBe(full.markdown);
      expect(pruned.pareto).toBe(full.pareto);
      expect(decided(pruned.result)).toBe(decided(full.result));
      expect(pruned.result.pareto.length).toBeGreaterThan(0);

      const byId = new Map<number, CandidateOutcome>(
        full.result.outcomes.map((o) => [o.candidate.id, o]),
      );
      const front = new Set(full.result.pareto);
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
        // Run to the end, it misses the SLO, is off the front and dominated by the one named.
        expect(exact.meetsSlo).toBe(false);
        expect(front.has(o.candidate.id)).toBe(false);
        const by = byId.get(o.pruned.dominatedBy)!;
        expect(by.kpis.monthlyCostUsd).toBeLessThanOrEqual(exact.kpis.monthlyCostUsd);
        expect(by.kpis.sloViolationMinutes).toBeLessThanOrEqual(exact.kpis.sloViolationMinutes);
        // What it had when stopped are lower bounds.
        expect(o.kpis.costUsd).toBeLessThanOrEqual(exact.kpis.costUsd);
        expect(o.kpis.sloViolationMinutes).toBeLessThanOrEqual(exact.kpis.sloViolationMinutes);
        expect(o.kpis.failedRequests).toBeLessThanOrEqual(exact.kpis.failedRequests);
        // Its row in candidates.csv says so, and when.
        const row = pruned.csv[i]!;
        expect(row.pruned).toBe("cannot-meet-slo");
        const { startMs, stepSeconds } = pruned.result.trace;
        const at = startMs + (o.pruned.step + 1) * stepSeconds * 1000;
        expect(row.prunedAt).toBe(new Date(at).toISOString());
        expect(Number(row.dominatedBy)).toBe(o.pruned.dominatedBy);
      });
      expect(full.csv.every((r) => r.pruned === "")).toBe(true);
      if (stopped > 0) expect(pruned.stderr).toContain(`(${stopped} stopped early`);
      prunedInAll += stopped;
    });
  }

  it("stops some candidates early in these plans", () => {
    expect(prunedInAll).toBeGreaterThan(0);
  });
});
