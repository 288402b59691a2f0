/**
 * The run history as `caplab history` prints it: the runs with their figures and gate
 * verdicts, the trends, the change points in p95, and the plans.
 */
import {
  CHANGE_POINT_MIN_SIZE,
  historyTrends,
  type HistoryPlan,
  type HistoryRun,
} from "../analysis/history.js";
import type { ChangePoint } from "../analysis/stats/index.js";

const cell = (v: number | null, digits: number): string =>
  v === null || !Number.isFinite(v) ? "—" : v.toFixed(digits);

/** The history as a terminal table, trends and change points. */
export function renderHistory(
  runs: readonly HistoryRun[],
  changes: readonly ChangePoint[],
): string {
  if (runs.length === 0) return "No runs recorded yet (caplab gate and caplab run record them).\n";
  const at = new Set(changes.map((c) => c.index));
  const head = [
    "started (UTC)",
    "scenario",
    "run",
    "p95 ms",
    "errors %",
    "CPU-s/req",
    "cost $",
    "gate",
    "",
  ];
  const rows = runs.map((r, i) => [
    (r.startedAt ?? r.recordedAt).slice(0, 19).replace("T", " "),
    r.scenario,
    r.runId,
    cell(r.p95Ms, 1),
    cell(r.errorRatePercent, 3),
    cell(r.cpuSecondsPerRequest, 4),
    cell(r.costUsd, 3),
    r.gate ?? "—",
    at.has(i) ? "◆ change point" : "",
  ]);
  const out = [...table(head, rows), ""];
  out.push("Trends (first → last, least-squares slope per run):");
  for (const t of historyTrends(runs))
    out.push(
      `  ${t.metric.padEnd(18)} ${cell(t.first, 4)} → ${cell(t.last, 4)}${t.slopePerRun === null ? "" : `, slope ${t.slopePerRun >= 0 ? "+" : ""}${t.slopePerRun.toPrecision(3)} per run`}`,
    );
  if (runs.length < 2 * CHANGE_POINT_MIN_SIZE)
    out.push(
      `Change points: need at least ${2 * CHANGE_POINT_MIN_SIZE} runs (have ${runs.length}).`,
    );
  else if (changes.length === 0) out.push("Change points in p95: none.");
  else
    for (const c of changes) {
      const before = runs[c.index - 1];
      const after = runs[c.index];
      out.push(
        `Change point in p95 at run ${after?.runId ?? c.index} (${cell(before?.p95Ms ?? null, 1)} → ${cell(after?.p95Ms ?? null, 1)} ms; permutation p = ${c.pValue.toFixed(3)}).`,
      );
    }
  return `${out.join("\n")}\n`;
}

/** A table: the header, then the rows, each column as wide as its widest cell. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: readonly string[]): string =>
    r
      .map((v, c) => v.padEnd(widths[c] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(head), ...rows.map(line)];
}

/** The plans, oldest first: when, on what trace, the pick and what it costs. */
export function renderHistoryPlans(plans: readonly HistoryPlan[]): string {
  if (plans.length === 0) return "No plans recorded yet (caplab plan records them).\n";
  const rows = plans.map((p) => [
    p.recordedAt.slice(0, 19).replace("T", " "),
    p.traceSource,
    p.recommended ?? "none meets the SLO",
    cell(p.monthlyCostUsd, 2),
    cell(p.sloViolationMinutes, 0),
    String(p.candidates),
    p.out ?? "—",
  ]);
  const head = [
    "recorded (UTC)",
    "trace",
    "recommended",
    "$/month",
    "SLO-min",
    "candidates",
    "out",
  ];
  return `${["Plans:", ...table(head, rows)].join("\n")}\n`;
}
