/**
 * Runs a sweep on worker threads. Candidates go out in small batches to whichever worker
 * is free, and results are put back in candidate order, so the outcome is the same for
 * any number of workers.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { simulate } from "../engine.js";
import { QueueStepMemo } from "../queue.js";
import type { Kpis, PlanCandidate, SimulationContext, Trace } from "../vocab/index.js";
import type { SweepRequest, SweepWorkerData } from "./sweep-worker.js";
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
  /** Candidates per message. @default 4 */
  readonly batchSize?: number;
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

/** Simulates every candidate and returns their Kpis in candidate order. */
export async function runSweep(
  trace: Trace,
  context: SimulationContext,
  candidates: readonly PlanCandidate[],
  options: SweepOptions = {},
): Promise<Kpis[]> {
  const total = candidates.length;
  const wanted = options.workers ?? defaultWorkers();
  if (!Number.isInteger(wanted) || wanted < 0)
    throw new RangeError(`runSweep: workers must be a whole number, got ${String(wanted)}`);
  const workers = Math.min(poolSize(wanted).workers, total);
  options.onStart?.(workers);
  const results: (Kpis | undefined)[] = new Array(total);
  if (workers === 0) {
    const queueMemo = new QueueStepMemo();
    for (let i = 0; i < total; i++) {
      options.signal?.throwIfAborted();
      results[i] = simulate(trace, candidates[i]!, context, { record: false, queueMemo }).kpis;
      options.onProgress?.(i + 1, total);
    }
    return results as Kpis[];
  }
  const batchSize = options.batchSize ?? 4;
  const data: SweepWorkerData = { trace, context, candidates };
  const pool = Array.from({ length: workers }, () => startWorker(data));
  let next = 0;
  let done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(options.signal?.reason ?? new Error("aborted"));
      options.signal?.addEventListener("abort", onAbort, { once: true });
      const feed = (worker: Worker) => {
        if (next >= total) {
          worker.postMessage({ stop: true } satisfies SweepRequest);
          return;
        }
        const batch: number[] = [];
        for (let k = 0; k < batchSize && next < total; k++) batch.push(next++);
        worker.postMessage({ batch } satisfies SweepRequest);
      };
      for (const worker of pool) {
        worker.on("message", (message: { index: number; kpis: Kpis }[]) => {
          for (const r of message) results[r.index] = r.kpis;
          done += message.length;
          options.onProgress?.(done, total);
          if (done === total) {
            options.signal?.removeEventListener("abort", onAbort);
            resolve();
          } else feed(worker);
        });
        worker.on("error", reject);
        feed(worker);
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results as Kpis[];
}
