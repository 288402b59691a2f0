/**
 * How a deployment ended, in words, from its Kpis (sim/deploy.ts): for `caplab simulate`'s
 * deployment lines and the gate's deployment check. A deployment whose circuit breaker tripped
 * says when, whatever its outcome: with a rollback that had not finished at the trace's end, its
 * outcome is `unfinished` (report.json readers know five outcomes, and a sixth is not added), and
 * only `circuitBreakerTrippedMinutes` tells that the breaker fired.
 */
import type { DeploymentKpis } from "../sim/vocab/index.js";
import { plural } from "../sim/vocab/numbers.js";

/**
 * One deployment as `caplab simulate` prints it and its report lists it: strategy, start, how
 * it ended, and what its window cost.
 *
 * @example deploymentSummary(d, trace.startMs)
 *   // "rolling at 1995-07-04T18:00Z: completed in 2 min; +14 task-minutes ($0.01); 0 SLO-violating minutes, 0 failed requests in its 7-minute window"
 */
export function deploymentSummary(d: DeploymentKpis, traceStartMs: number): string {
  const at = new Date(traceStartMs + d.startSeconds * 1000).toISOString().slice(0, 16);
  const revision = newRevisionText(d.newRevision);
  return `${d.strategy} at ${at}Z${revision === null ? "" : ` (${revision})`}: ${deploymentOutcomeText(d)}; +${d.extraTaskMinutes.toFixed(0)} task-minutes ($${d.extraCostUsd.toFixed(2)}); ${plural(Number(d.sloViolationMinutes.toFixed(0)), "SLO-violating minute")}, ${plural(Math.round(d.failedRequests), "failed request")} in its ${d.windowMinutes.toFixed(0)}-minute window`;
}

/**
 * What sets the deployed revision apart (`newRevision`), or null when nothing does.
 *
 * @example newRevisionText({ memoryMiB: { base: 600, perInflightRequest: 80 } })
 *   // "new revision: 600 MiB at rest, 80 MiB per request in flight"
 * @example newRevisionText({ memoryMiB: { perInflightRequest: 80 } })
 *   // "new revision: 80 MiB per request in flight, the rest as the one it replaces"
 */
export function newRevisionText(revision: DeploymentKpis["newRevision"]): string | null {
  const m = revision?.memoryMiB;
  if (m === undefined) return null;
  const parts = [
    m.base === undefined ? null : `${m.base} MiB at rest`,
    m.perInflightRequest === undefined ? null : `${m.perInflightRequest} MiB per request in flight`,
  ].filter((p): p is string => p !== null);
  if (parts.length === 0) return null;
  return `new revision: ${parts.join(", ")}${parts.length < 2 ? ", the rest as the one it replaces" : ""}`;
}

/**
 * The outcome and its duration ("completed in 4 min"); with a trip of the circuit breaker, when
 * it tripped and what became of the rollback.
 *
 * @example deploymentOutcomeText({ outcome: "unfinished", durationMinutes: 40, circuitBreakerTrippedMinutes: 32 })
 *   // "unfinished: the circuit breaker tripped at minute 32 and the rollback had not finished at the trace's end, 40 min after the start"
 */
export function deploymentOutcomeText(
  d: Pick<DeploymentKpis, "outcome" | "durationMinutes" | "circuitBreakerTrippedMinutes">,
): string {
  const duration = `${d.durationMinutes.toFixed(0)} min`;
  const tripped = d.circuitBreakerTrippedMinutes;
  if (tripped === undefined) return `${d.outcome} in ${duration}`;
  const trip = `the circuit breaker tripped at minute ${minute(tripped)}`;
  switch (d.outcome) {
    case "rolled-back":
      return `rolled-back in ${duration}: ${trip} and the rollback completed`;
    case "failed":
      return `failed in ${duration}: ${trip} and, without rollback, the old revision's tasks kept serving`;
    default:
      return `${d.outcome}: ${trip} and the rollback had not finished at the trace's end, ${duration} after the start`;
  }
}

/** Minutes from the deployment's start: whole ones as they are, others to one decimal. */
function minute(m: number): string {
  const r = Math.round(m * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}
