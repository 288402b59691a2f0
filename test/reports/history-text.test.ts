import { describe, expect, it } from "vitest";
import { p95ChangePoints, type HistoryPlan } from "../../analysis/history.js";
import { renderHistory, renderHistoryPlans } from "../../reports/history-text.js";
import { historyRun } from "../fixtures/runs/history-run.js";

describe("the history as text", () => {
  it("marks the change point's run and says where p95 moved", () => {
    const runs = Array.from({ length: 16 }, (_, i) =>
      historyRun(i, (i < 8 ? 180 : 240) + (i % 3) * 2),
    );
    const text = renderHistory(runs, p95ChangePoints(runs));
    expect(text).toMatch(/r8 .*◆ change point/);
    expect(text).toContain("Change point in p95 at run r8");
    expect(renderHistory([], [])).toContain("No runs recorded yet");
  });

  it("lists plans with their pick and monthly cost, and says when none met the SLO", () => {
    const plan = (recommended: string | null, cost: number | null): HistoryPlan => ({
      recordedAt: "2026-03-01T10:00:00.000Z",
      traceSource: "generated default week (seed 1)",
      recommended,
      monthlyCostUsd: cost,
      sloViolationMinutes: cost === null ? null : 12,
      candidates: 120,
      meetsSlo: recommended !== null,
      out: "caplab-out/plan",
    });
    const text = renderHistoryPlans([plan("1 vCPU · CPU 60", 354.291), plan(null, null)]);
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe("Plans:");
    expect(lines[1]).toMatch(/^recorded \(UTC\)\s+trace\s+recommended\s+\$\/month/);
    expect(lines[2]).toMatch(
      /2026-03-01 10:00:00 .*1 vCPU · CPU 60 +354\.29 +12 +120 +caplab-out\/plan/,
    );
    expect(lines[3]).toMatch(/none meets the SLO +— +— +120/);
    expect(renderHistoryPlans([])).toContain("No plans recorded yet");
  });
});
