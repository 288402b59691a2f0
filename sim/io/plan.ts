/**
 * `caplab plan` as a library call: a trace and a plan config in, the plan out.
 *
 *   PlanConfig.space ──expandSpace──▶ candidates (+ today's settings, so "keep what you have"
 *     can win) ──runSweep (worker threads)──▶ Kpis per candidate
 *     ──assemblePlan (sim/plan.ts: ranking, robustness, pick, explanation)──▶ PlanResult
 */
import { assemblePlan, currentCandidate } from "../plan.js";
import { deploymentPercents } from "../deploy.js";
import { expandSpace, type CandidateLabeller } from "../search.js";
import {
  simulationContext,
  type Candidate,
  type DeploymentSettings,
  type PlanCandidate,
  type PlanConfig,
  type PlanResult,
  type Trace,
  type TraceCoverage,
} from "../vocab/index.js";
import { runSweep, type SweptCandidate } from "./pool.js";

export interface PlanOptions {
  /**
   * Today's settings, compared with the pick and swept with the candidates. @default the
   * config's `current`
   */
  readonly current?: Candidate | null;
  /** Worker threads for the sweep, at most one per core; 0 sweeps in this thread. @default all cores */
  readonly workers?: number;
  /** Aborting stops the sweep and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** The sweep starts: the candidates (today's included) and the worker threads started. */
  readonly onSweepStart?: (candidates: number, workers: number) => void;
  /** After each batch of the sweep: candidates done. */
  readonly onSweepProgress?: (done: number, total: number) => void;
  /** The sweep is over: each candidate's Kpis, and whether it was stopped early. */
  readonly onSweepEnd?: (swept: readonly SweptCandidate[]) => void;
  /**
   * Stop candidates once they can no longer meet the SLO nor change the plan (sim/prune.ts: the
   * pick, its neighbours, the robustness checks, the front and a report's list come out the
   * same): `keepRanks` is how many of the best stay exact, at least robustness.maxChecked and
   * the longest list of candidates a report shows. Today's settings always run in full.
   * @default no pruning: every candidate simulated to the end
   */
  readonly prune?: { readonly keepRanks: number } | null;
  /** After each robustness run: runs done, runs planned so far (sim/plan.ts). */
  readonly onRobustnessProgress?: (done: number, total: number) => void;
  /**
   * The trace's coverage against the config's guardrails (analysis/trace-coverage.ts's
   * assessTrace); a short trace keeps every risk rating at medium or higher. @default null
   */
  readonly coverage?: TraceCoverage | null;
  /** Names each candidate of the space (caplab's: reports/labels.ts candidateLabel). */
  readonly candidateLabel?: CandidateLabeller;
  /** Names today's settings (caplab's: reports/labels.ts currentLabel). */
  readonly currentLabel?: (current: Candidate) => string;
  /**
   * The deployment settings `caplab collect` recorded for the service (a trace bundle's
   * manifest.current.deployment): its rolling percents are the ones the plan deploys with when
   * the config's robustness.deployment does not say (see deploymentPercents). @default null
   */
  readonly recordedDeployment?: DeploymentSettings | null;
}

/**
 * Sweeps `config`'s candidate space over `trace` and picks the cheapest candidate that meets
 * the SLO at the availability floor and is rated `robustness.maxRisk` risk or lower under the
 * robustness checks (sim/plan.ts).
 *
 * @example
 *   const { trace } = await loadTraceSource(config.trace, ".", () => {});
 *   const result = await plan(trace, config, { workers: 2 });
 *   console.log(result.recommended?.candidate.label, result.reasons);
 */
export async function plan(
  trace: Trace,
  config: PlanConfig,
  options: PlanOptions = {},
): Promise<PlanResult> {
  const context = simulationContext(config);
  const current =
    options.current !== undefined
      ? options.current
      : config.current
        ? { task: config.current.task, scaling: config.current.scaling }
        : null;
  const space = expandSpace(config.space, trace, config.service, options.candidateLabel);
  const candidates: PlanCandidate[] = current
    ? [...space, currentCandidate(current, space.length, options.currentLabel)]
    : space;
  const swept = await runSweep(trace, context, candidates, {
    workers: options.workers,
    signal: options.signal,
    onStart: (workers) => options.onSweepStart?.(candidates.length, workers),
    onProgress: options.onSweepProgress,
    prune: options.prune
      ? {
          keepRanks: Math.max(
            options.prune.keepRanks,
            config.robustness.topK,
            config.robustness.maxChecked,
          ),
          keep: current ? [space.length] : [],
          floor: config.space.minTasksForAvailability,
          frontBudgetMultiple: config.pareto.maxBudgetMultiple,
        }
      : undefined,
    // Price siblings (ARM, Spot) from one simulation (sim/siblings.ts); the exhaustive sweep
    // (no pruning) simulates each on its own, the reference the sharing is tested against.
    share: Boolean(options.prune),
  });
  options.onSweepEnd?.(swept);
  return assemblePlan({
    trace,
    context,
    candidates,
    kpis: swept.map((r) => r.kpis),
    pruned: swept.map((r) => r.pruned),
    topK: config.robustness.topK,
    maxRisk: config.robustness.maxRisk,
    minPassed: config.robustness.minPassed,
    maxChecked: config.robustness.maxChecked,
    minTasksForAvailability: config.space.minTasksForAvailability,
    frontBudgetMultiple: config.pareto.maxBudgetMultiple,
    current,
    coverage: options.coverage ?? null,
    currentLabel: options.currentLabel,
    onRobustnessProgress: options.onRobustnessProgress,
    deployment: deploymentPercents(
      config.robustness.deployment,
      options.recordedDeployment ?? null,
    ),
  });
}
