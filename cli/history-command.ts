/**
 * `caplab history [list] [--last N] [--scenario NAME] [--history PATH]` and
 * `caplab history export --parquet DIR [--history PATH]`.
 *
 *   history.duckdb ──listRuns──▶ HistoryRun[] (oldest first)
 *     ──eDivisiveChangePoints(p95 series)──▶ change points (Apache Otava / Hunter style)
 *     ──linearFit per metric──▶ trends
 *     ──renderHistory──▶ a table for the terminal
 */
import { basename, join } from "node:path";
import { eDivisiveChangePoints, linearFit, type ChangePoint } from "../analysis/stats/index.js";
import { createRandom } from "../sim/math/random.js";
import {
  exportHistoryParquet,
  historyLockTimeoutMs,
  listRuns,
  resolveHistoryPath,
  type HistoryRun,
} from "../analysis/io/history/history-db.js";
import { UsageError } from "../sim/vocab/errors.js";
import { HISTORY_DEFAULTS } from "../sim/vocab/defaults.js";
import { prepareOutputFolder } from "../analysis/io/files/output.js";
import type { Io } from "./main.js";

/** Runs listed when --last is not given (HISTORY_DEFAULTS). @default 30 */
export const DEFAULT_HISTORY_LAST = HISTORY_DEFAULTS.last;
/** Fewest runs on each side of a change point. @default 4 */
export const CHANGE_POINT_MIN_SIZE = 4;
/** Seed of the change-point permutation test (the same history gives the same points). @default 1 */
export const CHANGE_POINT_SEED = 1;

export interface HistoryListOptions {
  readonly last?: number;
  readonly scenario?: string;
  readonly history?: string;
  readonly json?: boolean;
}

/** Change points of the runs' p95 series (none with fewer than 2 × min size runs). */
export function p95ChangePoints(runs: readonly HistoryRun[]): ChangePoint[] {
  const series = runs.map((r) => r.p95Ms);
  if (series.length < 2 * CHANGE_POINT_MIN_SIZE) return [];
  return eDivisiveChangePoints(series, {
    minSize: CHANGE_POINT_MIN_SIZE,
    random: createRandom(CHANGE_POINT_SEED),
  });
}

/** A metric's trend over the runs: first, last, and slope per run (null with < 3 points). */
export interface Trend {
  readonly metric: string;
  readonly first: number | null;
  readonly last: number | null;
  readonly slopePerRun: number | null;
}

/** Trends of p95, error rate, CPU-seconds per request and cost over the listed runs. */
export function historyTrends(runs: readonly HistoryRun[]): Trend[] {
  const metrics: [string, (r: HistoryRun) => number | null][] = [
    ["p95 ms", (r) => r.p95Ms],
    ["errors %", (r) => r.errorRatePercent],
    ["CPU-s per request", (r) => r.cpuSecondsPerRequest],
    ["cost USD", (r) => r.costUsd],
  ];
  return metrics.map(([metric, pick]) => {
    const points = runs
      .map((r, i) => [i, pick(r)] as const)
      .filter((p): p is readonly [number, number] => p[1] !== null && Number.isFinite(p[1]));
    let slopePerRun: number | null = null;
    if (points.length >= 3) {
      try {
        slopePerRun = linearFit(
          points.map((p) => p[0]),
          points.map((p) => p[1]),
        ).slope;
      } catch {
        slopePerRun = null;
      }
    }
    return {
      metric,
      first: points[0]?.[1] ?? null,
      last: points[points.length - 1]?.[1] ?? null,
      slopePerRun,
    };
  });
}

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
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: readonly string[]): string =>
    r
      .map((v, c) => v.padEnd(widths[c] ?? 0))
      .join("  ")
      .trimEnd();
  const out = [line(head), ...rows.map(line), ""];
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

/** `caplab history [list]`. */
export async function runHistoryListCommand(
  opts: HistoryListOptions,
  io: Io,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const last = opts.last ?? DEFAULT_HISTORY_LAST;
  if (!Number.isInteger(last) || last < 1)
    throw new UsageError("--last takes a whole number of runs, 1 or more.", "bad-flag");
  const path = resolveHistoryPath(opts.history, env, process.cwd());
  const runs = await listRuns(path, {
    last,
    lockTimeoutMs: historyLockTimeoutMs(env),
    ...(opts.scenario !== undefined ? { scenario: opts.scenario } : {}),
  });
  const changes = p95ChangePoints(runs);
  if (opts.json)
    io.out(`${JSON.stringify({ history: path, runs, changePoints: changes }, null, 2)}\n`);
  else io.out(`History: ${path}\n${renderHistory(runs, changes)}`);
  return 0;
}

/** `caplab history export --parquet DIR`. */
export async function runHistoryExportCommand(
  opts: { readonly parquet?: string; readonly history?: string; readonly force?: boolean },
  io: Io,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  if (opts.parquet === undefined || opts.parquet === "")
    throw new UsageError(
      "history export needs --parquet DIR (the folder for the .parquet files).",
      "bad-flag",
    );
  const path = resolveHistoryPath(opts.history, env, process.cwd());
  const output = await prepareOutputFolder(opts.parquet, {
    command: "history export",
    flag: "--parquet",
    force: opts.force,
    inputs: [path],
    notify: (message) => io.err(`caplab: ${message}\n`),
  });
  const files = await output.write((dir) =>
    exportHistoryParquet(path, dir, { lockTimeoutMs: historyLockTimeoutMs(env) }),
  );
  io.out(
    `Exported ${files.length} tables from ${path}:\n${files.map((f) => `  ${join(output.path, basename(f))}\n`).join("")}`,
  );
  return 0;
}
