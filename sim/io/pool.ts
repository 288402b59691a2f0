/**
 * Runs a sweep on worker threads. Candidates go out in small batches to whichever worker is
 * free, and results are put back in candidate order, so the outcome is the same for any number
 * of workers.
 *
 * With `prune`, an ordering pass first simulates every candidate on a short window around the
 * trace's busiest step (sim/prune.ts, orderWindow; traces of two days or more), and the sweep
 * then goes in waves, the estimated front and the cheapest eligible-looking candidates first
 * (estimateOrder; sweepOrder's estimate on shorter traces): each wave's simulations stop a
 * candidate as soon as it can no longer matter to the plan, by a rule made from the candidates
 * finished in earlier waves (stopRule). The order and the waves, and so what is pruned and when,
 * are the same for any number of workers.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { QueueStepMemo } from "../queue.js";
import {
  estimateOrder,
  orderWindow,
  stopRule,
  sweepOrder,
  traceWindow,
  type Finished,
  type StopRule,
} from "../prune.js";
import {
  COST_TIE_FRACTION,
  frontLimitMinutes,
  meetsSlo,
  violationBudgetMinutes,
} from "../search.js";
import { simulateClass } from "../shared-sweep.js";
import { traceDataMinutes } from "../tally.js";
import { vcpusOf } from "../vocab/fargate.js";
import { classLookup, sharedOrder, siblingClasses } from "../siblings.js";
import {
  PARETO_DEFAULTS,
  SPACE_DEFAULTS,
  SWEEP_DEFAULTS,
  type Kpis,
  type PlanCandidate,
  type PrunedAt,
  type SimulationContext,
  type Trace,
} from "../vocab/index.js";
import type { SweepRequest, SweepResponse, SweepWorkerData } from "./sweep-worker.js";
import { startSiblingWorker } from "./worker.js";

export interface SweepOptions {
  /** Worker threads, at most one per core ({@link poolSize}); 0 runs in this thread. @default all cores */
  readonly workers?: number;
  /** Called once, before the first candidate, with the number of worker threads started. */
  readonly onStart?: (workers: number) => void;
  /** Called after each batch with the number of candidates done. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Aborting stops the workers and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Candidates per message. @default SWEEP_DEFAULTS.batchSize (4) */
  readonly batchSize?: number;
  /** Stop candidates early when they can no longer matter (sim/prune.ts); off by default. */
  readonly prune?: PruneOptions;
  /**
   * Simulate candidates that differ only in architecture and capacity provider once, priced for
   * each (sim/siblings.ts): the same results as one simulation each, stopped early or not.
   * @default false
   */
  readonly share?: boolean;
}

export interface PruneOptions {
  /**
   * Ranks kept exact: the most of robustness.maxChecked (and topK) and the longest list of
   * candidates the report shows.
   */
  readonly keepRanks: number;
  /** Indexes of candidates never stopped early (the current settings). */
  readonly keep?: readonly number[];
  /**
   * The availability floor on MinCapacity (space.minTasksForAvailability): only candidates
   * within the SLO at or above it put others out of reach (sim/prune.ts).
   * @default SPACE_DEFAULTS.minTasksForAvailability
   */
  readonly floor?: number;
  /**
   * The Pareto front's limit, in multiples of the violation budget (pareto.maxBudgetMultiple;
   * null: none): candidates past it stop as `far-from-slo`. It must be the one the plan draws
   * its front with (assemblePlan's frontBudgetMultiple), or the front may differ from the
   * exhaustive sweep's. @default PARETO_DEFAULTS.maxBudgetMultiple (2)
   */
  readonly frontBudgetMultiple?: number | null;
  /** Candidates in the first wave (the waves then double). @default SWEEP_DEFAULTS.firstWave (16) */
  readonly firstWave?: number;
}

/** One candidate's result: its Kpis, and when it was stopped early (null: simulated to the end). */
export interface SweptCandidate {
  readonly kpis: Kpis;
  readonly pruned: PrunedAt | null;
}

/** The default worker count: every core. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * The worker threads a sweep starts for `requested`: at most one per core (`cores`, by
 * default os.availableParallelism()). More threads than cores do not sweep faster (the work
 * is CPU-bound), and each holds its own copy of the trace and a V8 heap: 100 threads on
 * 2 cores took 3.5 GB.
 */
export function poolSize(
  requested: number,
  cores: number = availableParallelism(),
): { readonly workers: number; readonly capped: boolean } {
  const workers = Math.min(requested, Math.max(1, cores));
  return { workers, capped: workers < requested };
}

function startWorker(workerData: SweepWorkerData): Worker {
  return startSiblingWorker(import.meta.url, "sweep-worker", workerData);
}

/**
 * Each candidate's home worker, by task size: a worker is sent the candidates of its own sizes
 * first, and those of others only when it has none left in the wave. Candidates of one size
 * share their queueing results (a worker's QueueStepMemo keeps one table per size, about 5 MB
 * for 14 days of 1-minute steps), so each worker reads about 1/workers of the tables rather
 * than all of them, and the tables of two workers fit in the processor's cache together more
 * often. Which worker simulates a candidate changes nothing in its results.
 */
export function homeWorkers(candidates: readonly PlanCandidate[], workers: number): number[] {
  const sizes = [...new Set(candidates.map((c) => vcpusOf(c.task)))].sort((a, b) => a - b);
  const home = new Map(sizes.map((v, k) => [v, k % Math.max(1, workers)]));
  return candidates.map((c) => home.get(vcpusOf(c.task))!);
}

/**
 * The sweep's waves: candidate indexes in the order they are simulated, cut into waves of
 * `first`, 2·first, 4·first, … candidates; one wave of all of them without pruning.
 */
export function sweepWaves(order: readonly number[], first: number | null): number[][] {
  if (first === null) return [order.slice()];
  const waves: number[][] = [];
  for (let at = 0, size = Math.max(1, first); at < order.length; at += size, size *= 2) {
    waves.push(order.slice(at, at + size));
  }
  return waves;
}

/** Simulates every candidate and returns their results in candidate order. */
export async function runSweep(
  trace: Trace,
  context: SimulationContext,
  candidates: readonly PlanCandidate[],
  options: SweepOptions = {},
): Promise<SweptCandidate[]> {
  const total = candidates.length;
  const wanted = options.workers ?? defaultWorkers();
  if (!Number.isInteger(wanted) || wanted < 0)
    throw new RangeError(`runSweep: workers must be a whole number, got ${String(wanted)}`);
  const workers = Math.min(poolSize(wanted).workers, total);
  options.onStart?.(workers);
  const prune = options.prune;
  const keep = prune?.keep ?? [];
  const floor = prune?.floor ?? SPACE_DEFAULTS.minTasksForAvailability;
  const window = prune ? orderWindow(trace) : null;
  // The SLO budget's base: the minutes with data, not the span (Kpis.dataMinutes).
  const traceMinutes = traceDataMinutes(trace);
  const multiple =
    prune?.frontBudgetMultiple === undefined
      ? PARETO_DEFAULTS.maxBudgetMultiple
      : prune.frontBudgetMultiple;
  const frontMinutes = frontLimitMinutes(context.slo, traceMinutes, multiple);
  const results: (SweptCandidate | undefined)[] = new Array(total);
  // Sibling classes (sim/siblings.ts): the sweep simulates their representatives.
  const classes = options.share ? siblingClasses(candidates, context.prices) : null;
  const classOf = classLookup(classes);
  const reps = classes ? classes.map((c) => c.rep) : candidates.map((_, i) => i);
  // The first wave's candidates stay about firstWave with sharing: fewer representatives.
  const firstWave = prune
    ? Math.max(
        1,
        Math.round(
          ((prune.firstWave ?? SWEEP_DEFAULTS.firstWave) * reps.length) / Math.max(1, total),
        ),
      )
    : null;
  const estimates: (Kpis | undefined)[] = new Array(total);
  const finished: Finished[] = [];
  /** The rule for the next wave, from the candidates finished in the waves before it. */
  const nextRule = (): StopRule | null => {
    if (!prune) return null;
    const budget = violationBudgetMinutes(context.slo, traceMinutes);
    return stopRule(
      finished,
      trace,
      context.slo,
      budget,
      prune.keepRanks,
      COST_TIE_FRACTION,
      frontMinutes,
    );
  };
  const collect = (wave: readonly number[]) => {
    for (const index of wave.flatMap((i) => classOf(i).members)) {
      const r = results[index]!;
      if (r.pruned === null) {
        const candidate = candidates[index]!;
        const eligible = meetsSlo(r.kpis, context.slo) && candidate.scaling.MinCapacity >= floor;
        finished.push({ id: candidate.id, kpis: r.kpis, eligible });
      }
    }
  };
  /** The order of the sweep: by the ordering pass's estimates, else by sweepOrder's. */
  const order = (): number[] => (classes ? sharedOrder(byEstimate(), classes) : byEstimate());
  const byEstimate = (): number[] => {
    if (!prune) return candidates.map((_, i) => i);
    if (window === null) return sweepOrder(candidates, trace, context);
    return estimateOrder(
      estimates.map((k, i) => ({
        monthlyCostUsd: k!.monthlyCostUsd,
        sloViolationMinutes: k!.sloViolationMinutes,
        eligible: meetsSlo(k!, context.slo) && candidates[i]!.scaling.MinCapacity >= floor,
      })),
      prune.keepRanks,
      frontMinutes,
    );
  };
  let done = 0;
  // With pruning on a trace of two days or more, an ordering pass first simulates every
  // candidate on six hours to a day around the busiest step (sim/prune.ts, orderWindow); it
  // reports no progress.
  const windowTrace = window && traceWindow(trace, window);

  if (workers === 0) {
    const queueMemo = new QueueStepMemo();
    // The ordering pass's own: a memo's tables are sized for the trace that first made them.
    const windowMemo = new QueueStepMemo(16 << 20);
    if (windowTrace) {
      const noKeep = () => false;
      const opts = { queueMemo: windowMemo };
      for (const index of reps) {
        options.signal?.throwIfAborted();
        const cls = classOf(index);
        for (const r of simulateClass(windowTrace, candidates, cls, context, null, noKeep, opts))
          estimates[r.index] = r.kpis;
      }
    }
    const kept = (i: number) => keep.includes(i);
    for (const wave of sweepWaves(order(), firstWave)) {
      const rule = nextRule();
      for (const index of wave) {
        options.signal?.throwIfAborted();
        for (const r of simulateClass(trace, candidates, classOf(index), context, rule, kept, {
          queueMemo,
        })) {
          results[r.index] = { kpis: r.kpis, pruned: r.pruned };
          options.onProgress?.(++done, total);
        }
      }
      collect(wave);
    }
    return results as SweptCandidate[];
  }

  const batchSize = options.batchSize ?? SWEEP_DEFAULTS.batchSize;
  const data: SweepWorkerData = { trace, context, candidates, keep, window, classes };
  const pool = Array.from({ length: workers }, () => startWorker(data));
  const home = homeWorkers(candidates, workers);
  /** The wave under way: its candidates, how far it was sent and came back, its promise. */
  let wave: readonly number[] = [];
  /** The wave's candidates by home worker, and how many of each were sent. */
  let queues: number[][] = [];
  let taken: number[] = [];
  let rule: StopRule | null = null;
  let ordering = false;
  let sent = 0;
  let received = 0;
  /** Results the wave brings back: one per member of its classes. */
  let expected = 0;
  let settle: { resolve: () => void; reject: (error: unknown) => void } | null = null;
  const feed = (worker: Worker, k: number) => {
    if (sent >= wave.length) return;
    // Smaller batches as the wave ends, so that no worker waits long for the others.
    const size = Math.max(1, Math.min(batchSize, Math.ceil((wave.length - sent) / (2 * workers))));
    // Its own candidates first, else those of the worker with the most left.
    let from = k;
    if (taken[k]! >= queues[k]!.length) {
      for (let j = 0; j < workers; j++) {
        if (queues[j]!.length - taken[j]! > queues[from]!.length - taken[from]!) from = j;
      }
    }
    const batch = queues[from]!.slice(taken[from]!, taken[from]! + size);
    taken[from]! += batch.length;
    sent += batch.length;
    worker.postMessage({ batch, rule, window: ordering } satisfies SweepRequest);
  };
  pool.forEach((worker, k) => {
    worker.on("message", (message: SweepResponse) => {
      if (ordering) for (const r of message) estimates[r.index] = r.kpis;
      else {
        for (const r of message) results[r.index] = { kpis: r.kpis, pruned: r.pruned };
        done += message.length;
        options.onProgress?.(done, total);
      }
      received += message.length;
      if (received === expected) settle?.resolve();
      else feed(worker, k);
    });
    worker.on("error", (error) => settle?.reject(error));
  });
  const onAbort = () => settle?.reject(options.signal?.reason ?? new Error("aborted"));
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const run = (next: readonly number[], nextRule: StopRule | null, onWindow: boolean) => {
    options.signal?.throwIfAborted();
    wave = next;
    queues = pool.map(() => []);
    for (const i of next) queues[home[i]!]!.push(i);
    taken = pool.map(() => 0);
    rule = nextRule;
    ordering = onWindow;
    sent = received = 0;
    expected = 0;
    for (const i of next) expected += classOf(i).members.length;
    return new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
      pool.forEach((worker, k) => feed(worker, k));
    });
  };
  try {
    if (window) await run(reps, null, true);
    for (const next of sweepWaves(order(), firstWave)) {
      await run(next, nextRule(), false);
      collect(next);
    }
  } finally {
    settle = null;
    options.signal?.removeEventListener("abort", onAbort);
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results as SweptCandidate[];
}
