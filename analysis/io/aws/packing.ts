/**
 * Packing queries into GetMetricData calls (reference/aws-ecs-scaling.md §5): at most 500
 * MetricDataQuery structures and 100,800 datapoints per call. Queries are split into groups
 * of ≤ 500; each group's window is cut into equal chunks of whole periods so that
 * queries × points-per-query ≤ 100,800. One chunk = one call (plus NextToken pages) = one
 * checkpoint.
 */

/** GetMetricData's limits per call. */
export const GET_METRIC_DATA_LIMITS = {
  /** MetricDataQuery structures per call. @default 500 */
  maxQueries: 500,
  /** Datapoints returned per call (MaxDatapoints default). @default 100800 */
  maxDatapoints: 100_800,
} as const;

export interface PackingLimits {
  readonly maxQueries: number;
  readonly maxDatapoints: number;
}

/** One GetMetricData call's worth of work: these queries over [startMs, endMs). */
export interface Chunk {
  readonly index: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly queryIds: readonly string[];
}

/**
 * Cuts [fromMs, toMs) × queries into chunks. `fromMs` and `toMs` must lie on the period grid.
 * `weights[i]` is how many datapoints query i returns per period (3 for a 20-s series in a 60-s
 * collection; default 1), so queries of different periods can share a call.
 *
 * Example: 27 queries over 7 days at 60 s (10,080 points each) → 3,733 points per query per
 * call → 3 chunks of 3,360 minutes.
 */
export function planChunks(
  queryIds: readonly string[],
  fromMs: number,
  toMs: number,
  periodSeconds: number,
  limits: PackingLimits = GET_METRIC_DATA_LIMITS,
  weights: readonly number[] = [],
): Chunk[] {
  const stepMs = periodSeconds * 1000;
  const steps = Math.round((toMs - fromMs) / stepMs);
  const chunks: Chunk[] = [];
  for (let g = 0; g < queryIds.length; g += limits.maxQueries) {
    const group = queryIds.slice(g, g + limits.maxQueries);
    let perStep = 0;
    for (let i = g; i < g + group.length; i++) perStep += weights[i] ?? 1;
    const maxSteps = Math.max(1, Math.floor(limits.maxDatapoints / perStep));
    const count = Math.ceil(steps / maxSteps);
    const perChunk = Math.ceil(steps / count);
    for (let s = 0; s < steps; s += perChunk) {
      chunks.push({
        index: chunks.length,
        startMs: fromMs + s * stepMs,
        endMs: fromMs + Math.min(steps, s + perChunk) * stepMs,
        queryIds: group,
      });
    }
  }
  return chunks;
}

/** The fewest calls the limits allow: ⌈queries × points / maxDatapoints⌉ (and ⌈queries / maxQueries⌉). */
export function minimumCalls(
  queries: number,
  pointsPerQuery: number,
  limits: PackingLimits = GET_METRIC_DATA_LIMITS,
): number {
  return Math.max(
    Math.ceil(queries / limits.maxQueries),
    Math.ceil((queries * pointsPerQuery) / limits.maxDatapoints),
  );
}
