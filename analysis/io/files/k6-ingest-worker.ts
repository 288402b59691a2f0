/**
 * Worker thread of {@link ingestK6File}: claims pieces of a plain k6 `--out json` file from
 * the counter it shares with the other threads (ingestK6Pieces in k6-stream.ts), reads each
 * into its own K6Ingest and posts their states back, buffers transferred; the main thread
 * merges them in file order. Started by `runK6Worker` in k6-stream.ts with its first job;
 * kept afterwards for the next ones, which arrive as messages (a warm thread reads faster).
 */
import { parentPort, workerData } from "node:worker_threads";
import { transferables, type K6IngestOptions } from "../../k6-ingest.js";
import { ingestK6Pieces } from "./k6-stream.js";

/** What the worker is started with. */
export interface K6IngestWorkerData {
  readonly path: string;
  /** The pieces: [splits[k], splits[k + 1]), each starting at a line start. */
  readonly splits: readonly number[];
  /** One Int32: the index of the next piece to claim (Atomics.add). */
  readonly next: SharedArrayBuffer;
  /** The aggregator's options (each piece's `offset` is set to its start). */
  readonly options: K6IngestOptions;
  /** Tests only (K6FileOptions.faults): fail on the first piece claimed. */
  readonly fault?: boolean;
}

/** One job: its pieces' states posted back (an error ends the thread, as its 'error' event). */
async function run(job: K6IngestWorkerData): Promise<void> {
  const states = await ingestK6Pieces(
    job.path,
    job.splits,
    new Int32Array(job.next),
    job.options,
    job.fault,
  );
  parentPort!.postMessage(
    states,
    states.flatMap((s) => transferables(s.state)),
  );
}

parentPort!.on("message", (job: K6IngestWorkerData) => void run(job));
await run(workerData as K6IngestWorkerData);
