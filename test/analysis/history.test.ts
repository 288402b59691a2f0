import { describe, expect, it } from "vitest";
import { historyTrends, p95ChangePoints } from "../../analysis/history.js";
import { historyRun } from "../fixtures/runs/history-run.js";

describe("history trends and change points", () => {
  it("flags a p95 step as a change point, and none in noise", () => {
    const runs = Array.from({ length: 16 }, (_, i) =>
      historyRun(i, (i < 8 ? 180 : 240) + (i % 3) * 2),
    );
    expect(p95ChangePoints(runs).map((c) => c.index)).toEqual([8]);
    expect(historyTrends(runs)[0]?.slopePerRun).toBeGreaterThan(0);
    expect(p95ChangePoints(runs.map((r, i) => ({ ...r, p95Ms: 200 + (i % 3) })))).toEqual([]);
  });

  it("needs twice the minimum segment to look for change points, three runs for a slope", () => {
    const runs = Array.from({ length: 7 }, (_, i) => historyRun(i, i < 4 ? 100 : 300));
    expect(p95ChangePoints(runs)).toEqual([]);
    const two = historyTrends(runs.slice(0, 2));
    expect(two.map((t) => t.slopePerRun)).toEqual([null, null, null, null]);
    expect(two[0]).toMatchObject({ metric: "p95 ms", first: 100, last: 100 });
  });
});
