/**
 * Worker threads kept between jobs, for the readers that cut a file into pieces
 * (k6-stream.ts, import/alb-file.ts). A fresh thread pays its start and runs its code cold, so
 * a process that reads several files pays that once per thread, not once per file. An idle
 * thread is unref'd (it never keeps the process alive) and ends after `idleMs`.
 *
 * A job's result is the worker's next message; an error it throws rejects the job, and so does
 * its thread ending without a result.
 */
import { availableParallelism } from "node:os";
import { parentPort, workerData, type TransferListItem, type Worker } from "node:worker_threads";
import { startSiblingWorker } from "../../../sim/io/worker.js";

/** How long a worker thread stays idle for the next file by default, ms. */
export const WORKER_IDLE_MS = 5_000;

/**
 * Faults a piecewise reader's workers can be told to make, for the tests that prove a failing
 * worker fails the read with its error (no hang, no half result) and leaves the pool sound.
 */
export interface WorkerFaults {
  /** Each worker throws when it claims its first piece (as a bug inside a job would). */
  readonly workerThrows?: boolean;
}

export class KeptWorkers<Job, Result> {
  readonly #idle: Worker[] = [];
  readonly #timers = new Map<Worker, ReturnType<typeof setTimeout>>();

  /**
   * @param siblingOf `import.meta.url` of the module beside the worker's.
   * @param name the worker module's name (sim/io/worker.ts, startSiblingWorker).
   * @param what the worker, as an error names it ("k6 ingestion worker").
   * @param errorOf the error to reject with for one the thread threw (a thread's errors arrive
   *   as plain Errors: this gives one its class back).
   */
  constructor(
    private readonly siblingOf: string,
    private readonly name: string,
    private readonly what: string,
    private readonly errorOf: (error: Error) => Error = (error) => error,
  ) {}

  /** Threads idle now, kept for the next job (tests follow their end). */
  get idleCount(): number {
    return this.#idle.length;
  }

  /** Runs `job` on an idle thread, else a new one; afterwards the thread stays idle `idleMs`. */
  run(job: Job, idleMs: number = WORKER_IDLE_MS): Promise<Result> {
    return new Promise((resolve, reject) => {
      let worker = this.#idle.pop();
      if (worker === undefined) {
        // A new thread takes its first job with it (no message before its listener is set).
        worker = startSiblingWorker(this.siblingOf, this.name, job);
        const started = worker;
        started.on("error", () => {}); // a job's listener reports it; idle, the thread just ends
        started.once("exit", () => this.#forget(started));
      } else {
        clearTimeout(this.#timers.get(worker));
        this.#timers.delete(worker);
        worker.ref();
        worker.postMessage(job);
      }
      const w = worker;
      const done = (): void => {
        w.off("message", onMessage);
        w.off("error", onError);
        w.off("exit", onExit);
      };
      const onMessage = (result: Result): void => {
        done();
        this.#keep(w, idleMs);
        resolve(result);
      };
      const onError = (error: Error): void => {
        done();
        reject(this.errorOf(error));
      };
      const onExit = (code: number): void => {
        done();
        reject(new Error(`${this.what} exited with code ${code} without a result`));
      };
      w.on("message", onMessage);
      w.once("error", onError);
      w.once("exit", onExit);
    });
  }

  /** Keeps a thread idle for `idleMs` (at most one per core but this one's), else ends it. */
  #keep(w: Worker, idleMs: number): void {
    if (this.#idle.length >= Math.max(1, availableParallelism() - 1)) {
      void w.terminate();
      return;
    }
    w.unref();
    this.#idle.push(w);
    // Out of the idle list at once: terminate() ends the thread only later, and a job given
    // to it meanwhile would end without a result.
    const timer = setTimeout(() => {
      this.#forget(w);
      void w.terminate();
    }, idleMs);
    timer.unref();
    this.#timers.set(w, timer);
  }

  #forget(w: Worker): void {
    const k = this.#idle.indexOf(w);
    if (k >= 0) this.#idle.splice(k, 1);
    clearTimeout(this.#timers.get(w));
    this.#timers.delete(w);
  }
}

/**
 * The worker side of {@link KeptWorkers}, called once in a worker module: runs the first job (in
 * `workerData`: a new thread takes it with it) and each later one (a message, once the thread
 * was kept), posting each result back with the buffers `transfer` names. An error a job throws
 * ends the thread, as its 'error' event, which rejects that job.
 */
export function serveKeptJobs<Job, Result>(
  run: (job: Job) => Promise<Result> | Result,
  transfer: (result: Result) => readonly TransferListItem[] = () => [],
): void {
  const port = parentPort!;
  const serve = async (job: Job): Promise<void> => {
    const result = await run(job);
    port.postMessage(result, transfer(result));
  };
  port.on("message", (job: Job) => void serve(job));
  void serve(workerData as Job);
}
