import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../sim/vocab/errors.js";
import {
  historyTrends,
  p95ChangePoints,
  renderHistory,
  runHistoryExportCommand,
  runHistoryListCommand,
} from "../../cli/history-command.js";
import type { Io } from "../../cli/main.js";
import { recordRun, type HistoryRun } from "../../analysis/io/history/history-db.js";
import { runDataOf } from "../fixtures/runs/run-data.js";

function io(): Io & { text: () => string } {
  let out = "";
  return { out: (t) => (out += t), err: (t) => (out += t), isTty: false, text: () => out };
}

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-history-cmd-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const historyRun = (i: number, p95Ms: number): HistoryRun => ({
  runId: `r${i}`,
  recordedAt: new Date(Date.UTC(2026, 2, 1 + i)).toISOString(),
  startedAt: new Date(Date.UTC(2026, 2, 1 + i)).toISOString(),
  scenario: "constant",
  target: "https://api.example.com",
  gitCommit: null,
  requests: 1000,
  errorRatePercent: 0.1,
  p50Ms: p95Ms / 2,
  p95Ms,
  p99Ms: p95Ms * 1.3,
  thresholdsFailed: 0,
  cpuSecondsPerRequest: 0.01,
  costUsd: 0.02,
  gate: "pass",
});

describe("caplab history", () => {
  it("flags a p95 step as a change point and shows trends", () => {
    const runs = Array.from({ length: 16 }, (_, i) =>
      historyRun(i, (i < 8 ? 180 : 240) + (i % 3) * 2),
    );
    const changes = p95ChangePoints(runs);
    expect(changes.map((c) => c.index)).toEqual([8]);
    const text = renderHistory(runs, changes);
    expect(text).toMatch(/r8 .*◆ change point/);
    expect(text).toContain("Change point in p95 at run r8");
    expect(historyTrends(runs)[0]?.slopePerRun).toBeGreaterThan(0);
    expect(p95ChangePoints(runs.map((r, i) => ({ ...r, p95Ms: 200 + (i % 3) })))).toEqual([]);
  });

  it("lists recorded runs from --history, CAPLAB_HISTORY or the default, and exports Parquet", async () => {
    const db = join(dir, "env.duckdb");
    await recordRun(db, runDataOf({ seed: 1, seconds: 10, runId: "only-run" }));
    const out = io();
    expect(await runHistoryListCommand({}, out, { CAPLAB_HISTORY: db })).toBe(0);
    expect(out.text()).toContain("only-run");
    expect(out.text()).toContain(`History: ${db}`);
    const flag = io();
    await runHistoryListCommand({ history: join(dir, "flag.duckdb") }, flag, {
      CAPLAB_HISTORY: db,
    });
    expect(flag.text()).toContain("No runs recorded yet");
    const exported = io();
    expect(
      await runHistoryExportCommand({ parquet: join(dir, "pq") }, exported, { CAPLAB_HISTORY: db }),
    ).toBe(0);
    expect(exported.text()).toContain("runs.parquet");
    await expect(runHistoryListCommand({ last: 0 }, io(), { CAPLAB_HISTORY: db })).rejects.toThrow(
      UsageError,
    );
    await expect(runHistoryExportCommand({}, io(), {})).rejects.toThrow(/--parquet DIR/);
  });
});
