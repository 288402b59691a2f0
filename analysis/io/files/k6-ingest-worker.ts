/**
 * Worker thread of {@link ingestK6File}: claims pieces of a plain k6 `--out json` file from
 * the counter it shares with the other threads (ingestK6Pieces in k6-stream.ts), reads each
 * into its own K6Ingest and posts their states back, buffers transferred; the main thread
 * merges them in file order. Started by `runK6Worker` in k6-stream.ts with its first job;
 * kept afterwards for the next ones, which arrive as messages (a warm thread reads faster).
 */
import { transferables, type K6IngestOptions } from "../../k6-ingest.js";
import { ingestK6Pieces } from "./k6-stream.js";
import { serveKeptJobs } from "./kept-workers.js";

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

serveKeptJobs(
  (job: K6IngestWorkerData) =>
    ingestK6Pieces(job.path, job.splits, new Int32Array(job.next), job.options, job.fault),
  (states) => states.flatMap((s) => transferables(s.state)),
);
