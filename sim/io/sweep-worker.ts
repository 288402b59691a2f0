/**
 * Worker thread of the sweep: receives the trace, the context and the candidates once, then
 * simulates the batches of candidate indexes it is sent, each held to the batch's stop rule
 * (sim/prune.ts; none without pruning), and posts their Kpis back.
 */
import { parentPort, workerData } from "node:worker_threads";
import { traceWindow, type StopRule } from "../prune.js";
import { simulateClass, type IndexedResult } from "../shared-sweep.js";
import { classLookup, type SiblingClass } from "../siblings.js";
import { QueueStepMemo } from "../queue.js";
import { scheduleFirings } from "../schedule.js";
import type { PlanCandidate, SimulationContext, Trace } from "../vocab/index.js";

export interface SweepWorkerData {
  readonly trace: Trace;
  readonly context: SimulationContext;
  readonly candidates: readonly PlanCandidate[];
  /** Indexes of candidates never stopped early. */
  readonly keep: readonly number[];
  /** The steps of the sweep's ordering pass (sim/prune.ts, orderWindow), or null. */
  readonly window: { readonly from: number; readonly to: number } | null;
  /** Sibling classes (sim/siblings.ts): a batch names their representatives; null: no sharing. */
  readonly classes: readonly SiblingClass[] | null;
}

/**
 * Candidates to simulate (with sharing: representatives, each answered for its class), held to
 * `rule`; with `window`, on the ordering pass's steps only (no rule).
 */
export type SweepRequest = {
  readonly batch: readonly number[];
  readonly rule: StopRule | null;
  readonly window: boolean;
};

export type SweepResponse = readonly IndexedResult[];

const data = workerData as SweepWorkerData;
const keep = new Set(data.keep);
const windowTrace = data.window && traceWindow(data.trace, data.window);
const firingsCache = new Map<string, ReturnType<typeof scheduleFirings>>();
// Queueing results shared by this worker's candidates (the same Kpis, far fewer solves).
const queueMemo = new QueueStepMemo();
// The ordering pass's own: a memo's tables are sized for the trace that first made them.
const windowMemo = new QueueStepMemo(16 << 20);
const classOf = classLookup(data.classes);
const kept = (index: number) => keep.has(index);
const noKeep = () => false;
const endMs = data.trace.startMs + data.trace.requests.length * data.trace.stepSeconds * 1000;

parentPort!.on("message", (message: SweepRequest) => {
  if (message.window && windowTrace) {
    const estimates: IndexedResult[] = message.batch.flatMap((index) =>
      simulateClass(windowTrace, data.candidates, classOf(index), data.context, null, noKeep, {
        queueMemo: windowMemo,
      }),
    );
    parentPort!.postMessage(estimates satisfies SweepResponse);
    return;
  }
  const results: IndexedResult[] = message.batch.flatMap((index) => {
    const candidate = data.candidates[index]!;
    const key = JSON.stringify(candidate.scaling.scheduledActions);
    let firings = firingsCache.get(key);
    if (!firings) {
      firings = scheduleFirings(candidate.scaling.scheduledActions, data.trace.startMs, endMs);
      firingsCache.set(key, firings);
    }
    return simulateClass(
      data.trace,
      data.candidates,
      classOf(index),
      data.context,
      message.rule,
      kept,
      {
        firings,
        queueMemo,
      },
    );
  });
  parentPort!.postMessage(results satisfies SweepResponse);
});
