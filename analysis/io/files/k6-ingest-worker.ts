/**
 * Worker thread of {@link ingestK6File}: reads one byte range of a k6 `--out json` file (the
 * range starts and ends at line starts) into its own K6Ingest and posts the ingest's state
 * back, its buffers transferred; the main thread merges it. Started by `startK6Worker` in
 * k6-stream.ts.
 */
import { createReadStream } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { K6Ingest, transferables, type K6IngestOptions } from "../../k6-ingest.js";
import { feedK6Chunks, K6_CHUNK_BYTES, type K6ChunkSink } from "./k6-stream.js";

/** What the worker is started with. */
export interface K6IngestWorkerData {
  readonly path: string;
  /** The byte range [start, end) of the file; `end` is the file's size for the last range. */
  readonly start: number;
  readonly end: number;
  /** Whether `end` is the end of the file (its last line may lack a newline). */
  readonly last: boolean;
  /** The aggregator's options, with `offset` = `start`. */
  readonly options: K6IngestOptions;
}

const data = workerData as K6IngestWorkerData;
const ingest = new K6Ingest(data.options);
// Only a range that ends the file may end in a line without newline (a cut file).
const sink: K6ChunkSink = {
  addChunk: (bytes, start, end) => ingest.addChunk(bytes, start, end),
  addLastLine: (bytes) =>
    data.last ? ingest.addLastLine(bytes) : ingest.addChunk(Buffer.concat([bytes, NEWLINE])),
};
const NEWLINE = Buffer.from("\n");
if (data.end > data.start) {
  const stream = createReadStream(data.path, {
    start: data.start,
    end: data.end - 1, // inclusive
    highWaterMark: K6_CHUNK_BYTES,
  });
  await feedK6Chunks(stream, sink);
}
const state = ingest.state();
parentPort!.postMessage(state, transferables(state));
