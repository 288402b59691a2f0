/**
 * Worker thread of the sweep: receives the trace, the context and the candidates once,
 * then simulates the batches of candidate indexes it is sent and posts their Kpis back.
 */
import { parentPort, workerData } from "node:worker_threads";
import { simulate } from "../engine.js";
import { QueueStepMemo } from "../queue.js";
import { scheduleFirings } from "../schedule.js";
import type { PlanCandidate, SimulationContext, Trace } from "../vocab/index.js";

export interface SweepWorkerData {
  readonly trace: Trace;
  readonly context: SimulationContext;
  readonly candidates: readonly PlanCandidate[];
}

export type SweepRequest = { readonly batch: readonly number[] } | { readonly stop: true };

const data = workerData as SweepWorkerData;
const firingsCache = new Map<string, ReturnType<typeof scheduleFirings>>();
// Queueing results shared by this worker's candidates (the same Kpis, far fewer solves).
const queueMemo = new QueueStepMemo();
const endMs = data.trace.startMs + data.trace.requests.length * data.trace.stepSeconds * 1000;

parentPort!.on("message", (message: SweepRequest) => {
  if ("stop" in message) {
    parentPort!.close();
    return;
  }
  const results = message.batch.map((index) => {
    const candidate = data.candidates[index]!;
    const key = JSON.stringify(candidate.scaling.scheduledActions);
    let firings = firingsCache.get(key);
    if (!firings) {
      firings = scheduleFirings(candidate.scaling.scheduledActions, data.trace.startMs, endMs);
      firingsCache.set(key, firings);
    }
    const options = { record: false, firings, queueMemo };
    return { index, kpis: simulate(data.trace, candidate, data.context, options).kpis };
  });
  parentPort!.postMessage(results);
});
