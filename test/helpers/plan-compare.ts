/**
 * Comparing a pruned (or shared) `caplab plan` with `--exhaustive` (test/cli/plan-prune.test.ts,
 * test/cli/plan-share.test.ts): what must be the same, with the counts of candidates within
 * the SLO left out (a pruned plan's counts leave out the candidates stopped as out of reach,
 * and say so).
 */
import type { PlanResult } from "../../sim/vocab/index.js";

/**
 * The sentences that count candidates within the SLO (they leave out those out of reach), or
 * past the Pareto front's limit (a pruned plan knows only those finished or stopped past it).
 */
export const COUNTS = /meet the SLO|within the SLO|have MinCapacity below|past it/;

/** What the plan decided, beside the candidates' own rows and the counts. */
export function decided(r: PlanResult): string {
  const { outcomes: _outcomes, trace: _trace, reasons, availability, paretoLimit, ...rest } = r;
  const { belowFloorMeetingSlo: _below, ...floor } = availability;
  const { beyond: _beyond, unknown: _unknown, ...limit } = paretoLimit;
  return JSON.stringify({
    ...rest,
    floor,
    limit,
    reasons: reasons.filter((x) => !COUNTS.test(x)),
  });
}

/** A JSON file without the counts of candidates within the SLO (reasons, availability). */
export function withoutCounts(json: string): string {
  return JSON.stringify(JSON.parse(json), (key, value: unknown) =>
    key === "belowFloorMeetingSlo"
      ? undefined
      : key === "reasons" && Array.isArray(value)
        ? value.filter((x) => !(typeof x === "string" && COUNTS.test(x)))
        : value,
  );
}
