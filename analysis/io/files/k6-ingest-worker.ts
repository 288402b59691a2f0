/**
 * Worker thread of {@link ingestK6File}: reads one byte range of a k6 `--out json` file (the
 * range starts and ends at line starts) with a K6RangeScanner and posts its K6ScannedRange
 * back, typed arrays transferred. Started by `startK6Worker` in k6-stream.ts.
 */
import { createReadStream } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { K6RangeScanner } from "../../k6-ingest.js";
import { feedK6Chunks, K6_CHUNK_BYTES, type K6ChunkSink } from "./k6-stream.js";

/** What the worker is started with. */
export interface K6IngestWorkerData {
  readonly path: string;
  /** The byte range [start, end) of the file; `end` is the file's size for the last range. */
  readonly start: number;
  readonly end: number;
  /** Whether `end` is the end of the file (its last line may lack a newline). */
  readonly last: boolean;
  readonly fastPath: boolean;
}

const data = workerData as K6IngestWorkerData;
const scanner = new K6RangeScanner({ fastPath: data.fastPath });
// Only a range that ends the file may end in a line without newline (a cut file).
const sink: K6ChunkSink = {
  addChunk: (bytes, start, end) => scanner.addChunk(bytes, start ?? 0, end ?? bytes.length),
  addLastLine: (bytes) => scanner.addLine(bytes, 0, bytes.length, !data.last),
};
if (data.end > data.start) {
  const stream = createReadStream(data.path, {
    start: data.start,
    end: data.end - 1, // inclusive
    highWaterMark: K6_CHUNK_BYTES,
  });
  await feedK6Chunks(stream, sink);
}
const range = scanner.finish();
parentPort!.postMessage(range, [
  range.metrics.buffer,
  range.times.buffer,
  range.values.buffer,
  range.endpointIndexes.buffer,
] as ArrayBuffer[]);
