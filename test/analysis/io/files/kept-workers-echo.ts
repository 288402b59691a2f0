/**
 * A worker for test/analysis/io/files/kept-workers.test.ts: answers each job with its thread's
 * id and the job's value, throws when told to, and exits without an answer when told to.
 */
import { threadId } from "node:worker_threads";
import { serveKeptJobs } from "../../../../analysis/io/files/kept-workers.js";

interface Job {
  readonly value: number;
  readonly fail?: "throw" | "exit";
}

serveKeptJobs((job: Job) => {
  if (job.fail === "throw") throw new RangeError(`job ${job.value} failed`);
  if (job.fail === "exit") process.exit(3);
  return { threadId, value: job.value * 2 };
});
