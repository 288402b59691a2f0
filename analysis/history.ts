/**
 * What the run history says over time (pure): the runs and plans as `caplab history` lists
 * them, the trend of each figure, and the change points in p95.
 *
 *   HistoryRun[] (oldest first, analysis/io/history/history-db.ts)
 *     ──eDivisiveChangePoints(p95 series)──▶ change points (Apache Otava / Hunter style)
 *     ──linearFit per metric──▶ trends
 */
import { eDivisiveChangePoints, linearFit, type ChangePoint } from "./stats/index.js";
import { createRandom } from "../sim/math/random.js";
import { HISTORY_DEFAULTS } from "../sim/vocab/defaults.js";

/** A run as the history lists it. */
export interface HistoryRun {
  readonly runId: string;
  readonly recordedAt: string;
  readonly startedAt: string | null;
  readonly scenario: string;
  readonly target: string;
  readonly gitCommit: string | null;
  readonly requests: number;
  readonly errorRatePercent: number | null;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly thresholdsFailed: number;
  readonly cpuSecondsPerRequest: number | null;
  readonly costUsd: number | null;
  /** The latest gate verdict recorded for the run, if any. */
  readonly gate: string | null;
}

/** A plan as the history lists it (`caplab plan` records every one). */
export interface HistoryPlan {
  readonly recordedAt: string;
  /** The trace the plan was made on (a file, a bundle, the generated week). */
  readonly traceSource: string;
  /** The pick's label; null when no candidate met the SLO. */
  readonly recommended: string | null;
  readonly monthlyCostUsd: number | null;
  readonly sloViolationMinutes: number | null;
  /** Candidates swept. */
  readonly candidates: number;
  readonly meetsSlo: boolean;
  /** The plan's output folder. */
  readonly out: string | null;
}

/** Runs listed when --last is not given (HISTORY_DEFAULTS). @default 30 */
export const DEFAULT_HISTORY_LAST = HISTORY_DEFAULTS.last;
/** Fewest runs on each side of a change point (HISTORY_DEFAULTS). @default 4 */
export const CHANGE_POINT_MIN_SIZE = HISTORY_DEFAULTS.changePointMinSize;
/** Seed of the change-point permutation test (HISTORY_DEFAULTS). @default 1 */
export const CHANGE_POINT_SEED = HISTORY_DEFAULTS.changePointSeed;

/**
 * Change points of the runs' p95 series (none with fewer than 2 × min size runs with a p95);
 * a run without one (recorded from a k6 summary without p(95)) is left out of the series, and
 * each index is that of `runs`.
 */
export function p95ChangePoints(runs: readonly HistoryRun[]): ChangePoint[] {
  const at = runs.flatMap((r, i) => (r.p95Ms === null ? [] : [i]));
  const series = at.map((i) => runs[i]!.p95Ms!);
  if (series.length < 2 * CHANGE_POINT_MIN_SIZE) return [];
  return eDivisiveChangePoints(series, {
    minSize: CHANGE_POINT_MIN_SIZE,
    random: createRandom(CHANGE_POINT_SEED),
  }).map((c) => ({ ...c, index: at[c.index]! }));
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
