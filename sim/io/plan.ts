/**
 * `caplab plan` as a library call: a trace and a plan config in, the plan out.
 *
 *   PlanConfig.space ──expandSpace──▶ candidates (+ today's settings, so "keep what you have"
 *     can win) ──runSweep (worker threads)──▶ Kpis per candidate
 *     ──assemblePlan (sim/plan.ts: ranking, robustness, pick, explanation)──▶ PlanResult
 */
import { assemblePlan, currentCandidate } from "../plan.js";
import { expandSpace } from "../search.js";
import {
  simulationContext,
  type Candidate,
  type PlanCandidate,
  type PlanConfig,
  type PlanResult,
  type Trace,
} from "../vocab/index.js";
import { runSweep } from "./pool.js";

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
  /** After each robustness run: runs done, runs planned so far (sim/plan.ts). */
  readonly onRobustnessProgress?: (done: number, total: number) => void;
}

/**
 * Sweeps `config`'s candidate space over `trace` and picks the cheapest candidate that meets
 * the SLO and stays within it under the robustness checks.
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
  const space = expandSpace(config.space, trace, config.service);
  const candidates: PlanCandidate[] = current
    ? [...space, currentCandidate(current, space.length)]
    : space;
  const kpis = await runSweep(trace, context, candidates, {
    workers: options.workers,
    signal: options.signal,
    onStart: (workers) => options.onSweepStart?.(candidates.length, workers),
    onProgress: options.onSweepProgress,
  });
  return assemblePlan({
    trace,
    context,
    candidates,
    kpis,
    topK: config.robustness.topK,
    minPassed: config.robustness.minPassed,
    maxChecked: config.robustness.maxChecked,
    current,
    onRobustnessProgress: options.onRobustnessProgress,
  });
}
