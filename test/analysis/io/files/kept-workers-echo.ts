/**
 * A worker for test/analysis/io/files/kept-workers.test.ts: answers each job with its thread's
 * id and the job's value, throws when told to, and exits without an answer when told to.
 */
import { parentPort, threadId, workerData } from "node:worker_threads";

interface Job {
  readonly value: number;
  readonly fail?: "throw" | "exit";
}

function answer(job: Job): void {
  if (job.fail === "throw") throw new RangeError(`job ${job.value} failed`);
  if (job.fail === "exit") process.exit(3);
  parentPort!.postMessage({ threadId, value: job.value * 2 });
}

answer(workerData as Job);
parentPort!.on("message", (job: Job) => answer(job));
