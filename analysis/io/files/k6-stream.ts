/**
 * Streaming reader of k6 `--out json` files (plain or gzipped) into the one aggregator,
 * {@link K6Ingest}, and of k6 end-of-test summaries.
 *
 * A large plain file is cut into pieces at newlines (a few dozen, 4–64 MiB each) that this
 * thread and the worker threads (k6-ingest-worker.ts) claim one at a time from a shared
 * counter (Atomics) until none is left: a thread that starts late or runs slower (a fresh
 * thread's code is not optimized yet, its core is busy) simply reads fewer pieces, so the
 * threads finish together and the parallel path never waits for the slowest one. Each piece
 * is read into its own K6Ingest; the pieces' states merge here in file order into the same
 * aggregates as one pass, bit for bit. A thread reads its pieces itself, in 4 MiB chunks, the
 * next one read while this one is scanned; worker threads are kept (idle, unref'd) for the
 * next file, which then runs on warm code. A gzipped file (gunzip is serial) or a small one is
 * read on this thread in 4 MiB chunks. Either way lines are cut from the bytes (no decoding
 * of whole chunks to strings): see the fast path of analysis/k6-ingest.ts.
 */
import { createReadStream } from "node:fs";
import { open, readFile, type FileHandle } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { createGunzip } from "node:zlib";
import {
  K6Ingest,
  type K6IngestOptions,
  type K6Ingested,
  type K6IngestState,
} from "../../k6-ingest.js";
import { parseK6Summary, type K6SummaryFile } from "../../k6-summary.js";
import { borrowScanBuffer, returnScanBuffer, SCAN_BUFFER_BYTES } from "../../k6-bytes.js";
import type { K6IngestWorkerData } from "./k6-ingest-worker.js";
import { KeptWorkers, WORKER_IDLE_MS, type WorkerFaults } from "./kept-workers.js";
import { IMPORT_DEFAULTS } from "../../../sim/vocab/defaults.js";
import { idleCoreWorkers, isGzip, lineAlignedSplits, pieceBytesFor } from "./pieces.js";

/**
 * Read size: large chunks make the per-chunk overhead (stream, carried line) negligible.
 * Plain files are read into buffers of the scanner's WebAssembly memory (analysis/k6-bytes.ts,
 * borrowScanBuffer), where the line template compares 16 bytes a step.
 */
export const K6_CHUNK_BYTES = SCAN_BUFFER_BYTES;

/**
 * Two read buffers of K6_CHUNK_BYTES, each in the scanner's memory while it has one to lend
 * (else plain memory, compared in JavaScript, with the same result); `release` gives them back.
 */
function readBuffers(): { readonly buffers: readonly Buffer[]; release(): void } {
  const borrowed: Uint8Array[] = [];
  const buffers = [0, 1].map(() => {
    const b = borrowScanBuffer();
    if (b === null) return Buffer.allocUnsafe(K6_CHUNK_BYTES);
    borrowed.push(b);
    return Buffer.from(b.buffer, b.byteOffset, b.length);
  });
  return { buffers, release: () => borrowed.forEach(returnScanBuffer) };
}

/** The size of the pieces threads claim (pieces.ts, pieceBytesFor). */
export function k6PieceBytes(size: number, threads: number): number {
  return pieceBytesFor(size, threads);
}

/**
 * Worker threads for a plain file of `size` bytes when the caller did not say: none under
 * IMPORT_DEFAULTS.k6ThreadMinBytes (1 GiB: its comment says why); else one per core that is
 * idle (cores minus the 1-minute load average, this thread included), at most one per core but
 * this one. On a machine whose cores are busy a worker only adds its start and warm-up to the
 * same CPU time.
 */
export function defaultK6Workers(
  size: number,
  cores = availableParallelism(),
  load = loadavg()[0] ?? 0,
): number {
  return idleCoreWorkers(size, IMPORT_DEFAULTS.k6ThreadMinBytes, cores, load);
}

export interface K6FileOptions extends Omit<K6IngestOptions, "offset"> {
  /**
   * Worker threads reading pieces of a plain file beside this thread (each thread claims the
   * next piece until none is left); 0 reads it all on this thread. Gzipped files are always
   * read on this thread.
   * @default {@link defaultK6Workers}: one per idle core for files of 1 GiB or more, else 0
   */
  readonly workers?: number;
  /** A counter's `rate` divides by this (k6's test run time) instead of the Points' span. */
  readonly durationSeconds?: number;
  /** The size of the pieces the threads claim (tests make it small). @default {@link k6PieceBytes} */
  readonly pieceBytes?: number;
  /**
   * Milliseconds a worker thread stays after this file, idle, for the next one (which then
   * runs on warm code); then it exits and gives its memory back.
   * @default {@link K6_WORKER_IDLE_MS}
   */
  readonly idleWorkerMs?: number;
  /**
   * Tests only: each worker thread fails when it first claims a piece (whether one is left or
   * not: a cold thread may start after this one read them all); the read must fail with that
   * error and give no result from the pieces that were read.
   */
  readonly faults?: WorkerFaults;
}

/**
 * How long an idle worker thread is kept, in ms: a process reading several files (a report
 * over many runs, the bench) reads the next one on warm code; a long-running one does not hold
 * an idle thread's memory (~10–20 MB: its V8 heap, code and read buffers) for good.
 * @default 5000
 */
export const K6_WORKER_IDLE_MS = WORKER_IDLE_MS;

/**
 * Reads a k6 `--out json` file (gzipped when it starts with the gzip magic bytes, whatever
 * its name) and returns its per-second series and summary.
 *
 * @example const { summary } = await ingestK6File("run/k6.json.gz");
 */
export async function ingestK6File(
  path: string,
  options: K6FileOptions = {},
): Promise<K6Ingested & { readonly bytes: number }> {
  const { ingest, bytes } = await ingestK6Bytes(path, options);
  // A trend whose thresholds a Metric line declared after a worker had read some of its
  // Points lacks raw values there, and a sub-metric a Metric line gave thresholds was not
  // filtered out of its parent's Points: read again, asking for them from the start.
  const incomplete = ingest.incompleteTrends();
  if (incomplete.length > 0)
    return ingestK6File(path, {
      ...options,
      metrics: [...(options.metrics ?? []), ...incomplete],
    });
  const finish =
    options.durationSeconds === undefined ? {} : { durationSeconds: options.durationSeconds };
  return { ...ingest.finish(finish), bytes };
}

async function ingestK6Bytes(
  path: string,
  options: K6FileOptions,
): Promise<{ ingest: K6Ingest; bytes: number }> {
  const ingestOptions: K6IngestOptions = {
    maxRawValues: options.maxRawValues,
    significantDigits: options.significantDigits,
    fastPath: options.fastPath,
    metrics: options.metrics,
    percentiles: options.percentiles,
  };
  const ingest = new K6Ingest(ingestOptions);
  const handle = await open(path, "r");
  let gzip: boolean;
  let size: number;
  let splits: number[] = [];
  let workerCount = 0;
  try {
    gzip = await isGzip(handle);
    size = (await handle.stat()).size;
    const wanted = options.workers ?? defaultK6Workers(size);
    if (!Number.isInteger(wanted) || wanted < 0)
      throw new RangeError(`ingestK6File: workers must be a whole number, got ${String(wanted)}`);
    if (!gzip && wanted > 0) {
      const pieceBytes = options.pieceBytes ?? k6PieceBytes(size, wanted + 1);
      if (!Number.isInteger(pieceBytes) || pieceBytes < 1)
        throw new RangeError(`ingestK6File: pieceBytes must be a positive whole number`);
      const cut = await lineAlignedSplits(
        handle,
        size,
        Math.max(1, Math.ceil(size / pieceBytes)),
        MAX_K6_LINE_BYTES,
      );
      if (cut === null) throw new K6LineTooLongError(MAX_K6_LINE_BYTES);
      splits = cut;
      workerCount = Math.min(wanted, splits.length - 2); // no more workers than pieces but one
    }
  } finally {
    await handle.close();
  }
  if (workerCount > 0) {
    // Pieces claimed one at a time by this thread and the workers (`next`: the next piece's
    // index), each read into its own K6Ingest; then merged here in file order (only the
    // numbers of bad lines care about the order).
    const next = new Int32Array(new SharedArrayBuffer(4));
    const workers = Promise.all(
      Array.from({ length: workerCount }, () =>
        k6Workers.run(
          {
            path,
            splits,
            next: next.buffer as SharedArrayBuffer,
            options: ingestOptions,
            ...(options.faults?.workerThrows === true ? { fault: true } : {}),
          },
          options.idleWorkerMs ?? K6_WORKER_IDLE_MS,
        ),
      ),
    );
    workers.catch(() => {}); // awaited below; no unhandled rejection meanwhile
    const pieces = await ingestK6Pieces(path, splits, next, ingestOptions);
    for (const more of await workers) pieces.push(...more);
    pieces.sort((a, b) => a.index - b.index);
    for (const piece of pieces) ingest.mergeState(piece.state);
    return { ingest, bytes: size };
  }
  try {
    const bytes = await ingestStream(path, gzip, ingest);
    return { ingest, bytes };
  } catch (error) {
    // Read on this thread: the line is the one after the last line met.
    if (error instanceof K6LineTooLongError && error.line === undefined)
      throw new K6LineTooLongError(error.maxBytes, ingest.linesMet + 1);
    throw error;
  }
}

/** Reads the (decompressed) bytes of a file on this thread; returns how many there were. */
async function ingestStream(path: string, gzip: boolean, ingest: K6Ingest): Promise<number> {
  if (!gzip) {
    const handle = await open(path, "r");
    const { buffers, release } = readBuffers();
    try {
      return await feedK6Chunks(readAhead(handle, 0, Infinity, buffers), ingest);
    } finally {
      release();
      await handle.close();
    }
  }
  const file = createReadStream(path, { highWaterMark: K6_CHUNK_BYTES });
  const input = gzip ? file.pipe(createGunzip({ chunkSize: K6_CHUNK_BYTES })) : file;
  try {
    return await feedK6Chunks(input as AsyncIterable<Buffer>, ingest);
  } finally {
    file.destroy();
    input.destroy();
  }
}

/**
 * The longest line {@link feedK6Chunks} puts together across chunks, in bytes: a k6 Point or
 * Metric line is well under a kilobyte, so a longer one is not k6 output, and a file without
 * line breaks (or a gzip bomb of one line) never fills memory. @default 1 MiB
 */
export const MAX_K6_LINE_BYTES = 1 << 20;

/** A line longer than {@link MAX_K6_LINE_BYTES}: the file is not k6 JSON output. */
export class K6LineTooLongError extends Error {
  constructor(
    readonly maxBytes: number,
    /** The line's number, when the file was read on one thread. */
    readonly line?: number,
  ) {
    super(
      `${line === undefined ? "a line" : `line ${line}`} is longer than ${maxBytes} bytes, so this is not k6 JSON output`,
    );
    this.name = "K6LineTooLongError";
  }
}

/** What {@link feedK6Chunks} feeds: a K6Ingest. */
export interface K6ChunkSink {
  addChunk(bytes: Uint8Array, start?: number, end?: number): number;
  addLastLine(bytes: Uint8Array): void;
}

/**
 * Feeds chunks of NDJSON (a read stream: it reads the next chunk while this one is scanned)
 * to a sink, the line across each chunk boundary put together; returns the bytes fed. A
 * chunk's memory may be reused once the next one is asked for (the unfinished line is copied).
 *
 * @throws K6LineTooLongError when a line carried across chunks grows past `maxLineBytes`.
 */
export async function feedK6Chunks(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  sink: K6ChunkSink,
  maxLineBytes = MAX_K6_LINE_BYTES,
): Promise<number> {
  let bytes = 0;
  let carry: Buffer[] = []; // the unfinished line of the previous chunks
  let carried = 0;
  for await (const chunk of chunks) {
    bytes += chunk.length;
    let from = 0;
    if (carry.length > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        carry.push(Buffer.from(chunk)); // a copy: the reader may reuse the chunk's memory
        carried += chunk.length;
        if (carried > maxLineBytes) throw new K6LineTooLongError(maxLineBytes);
        continue;
      }
      const line = Buffer.concat([...carry, chunk.subarray(0, nl + 1)]);
      sink.addChunk(line, 0, line.length);
      from = nl + 1;
      carry = [];
      carried = 0;
    }
    const rest = sink.addChunk(chunk, from, chunk.length);
    if (rest < chunk.length) {
      carry.push(Buffer.from(chunk.subarray(rest))); // a copy (one line): as above
      carried = chunk.length - rest;
      if (carried > maxLineBytes) throw new K6LineTooLongError(maxLineBytes);
    }
  }
  if (carry.length > 0) sink.addLastLine(Buffer.concat(carry));
  return bytes;
}

/** The state of one piece's K6Ingest, with the piece's index. */
export interface K6PieceState {
  readonly index: number;
  readonly state: K6IngestState;
}

/**
 * Reads pieces [splits[k], splits[k + 1]) of a plain file, claiming the next k from the
 * shared counter until none is left, each into its own K6Ingest (offset = its start), and
 * returns their states. The last piece may end in a line without newline; the others end
 * after one. Each piece is read in 4 MiB chunks into two buffers in turn, the next chunk
 * read while this one is scanned (readAhead), and fed as on one thread (so a line over
 * MAX_K6_LINE_BYTES stops the read the same way).
 */
export async function ingestK6Pieces(
  path: string,
  splits: readonly number[],
  next: Int32Array,
  options: K6IngestOptions,
  fault = false,
): Promise<K6PieceState[]> {
  const out: K6PieceState[] = [];
  const handle = await open(path, "r");
  const { buffers, release } = readBuffers();
  try {
    for (;;) {
      const k = Atomics.add(next, 0, 1);
      if (fault) throw new Error(`k6 ingestion worker: test fault on claiming piece ${k}`);
      if (k >= splits.length - 1) return out;
      const start = splits[k]!;
      const ingest = new K6Ingest({ ...options, offset: start });
      await feedK6Chunks(readAhead(handle, start, splits[k + 1]! - start, buffers), ingest);
      out.push({ index: k, state: ingest.state() });
    }
  } finally {
    release();
    await handle.close();
  }
}

/**
 * The bytes [start, start + length) of a file in chunks of the buffers' size, read into the
 * buffers in turn (length Infinity: to the file's end): the next chunk is read (on libuv's threads) while the caller scans this
 * one, which it must be done with when it asks for the next. Ends early when the file shrank.
 */
async function* readAhead(
  handle: FileHandle,
  start: number,
  length: number,
  buffers: readonly Buffer[],
): AsyncGenerator<Buffer> {
  const readChunk = async (k: number, at: number): Promise<Buffer> => {
    const buffer = buffers[k % buffers.length]!;
    const n = Math.min(buffer.length, length - at);
    let read = 0;
    while (read < n) {
      const { bytesRead } = await handle.read(buffer, read, n - read, start + at + read);
      if (bytesRead === 0) break; // the file shrank: read what is there
      read += bytesRead;
    }
    return buffer.subarray(0, read);
  };
  let at = 0;
  let pending = readChunk(0, 0);
  let inFlight = true;
  try {
    for (let k = 0; ; k++) {
      const chunk = await pending;
      inFlight = false;
      const whole = chunk.length === Math.min(buffers[k % buffers.length]!.length, length - at);
      at += chunk.length;
      const more = whole && at < length;
      if (more) {
        pending = readChunk(k + 1, at);
        inFlight = true;
        pending.catch(() => {}); // awaited next; no unhandled rejection if the caller stops first
      }
      if (chunk.length > 0) yield chunk;
      if (!more) return;
    }
  } finally {
    // The caller stopped early (an error): let the read in flight end before the buffers go
    // back to the scan memory's pool (borrowScanBuffer) and the file is closed.
    if (inFlight) await pending.catch(() => {});
  }
}

/** Worker threads kept between files (kept-workers.ts). */
const k6Workers = new KeptWorkers<K6IngestWorkerData, K6PieceState[]>(
  import.meta.url,
  "k6-ingest-worker",
  "k6 ingestion worker",
  (error) =>
    error.name === "K6LineTooLongError" ? new K6LineTooLongError(MAX_K6_LINE_BYTES) : error,
);

/** Worker threads idle now, kept for the next file (tests follow their end). */
export const idleK6WorkerCount = (): number => k6Workers.idleCount;

/** Reads a `--summary-export` file or a JSON `handleSummary` data object. */
export async function readK6SummaryFile(path: string): Promise<K6SummaryFile> {
  return parseK6Summary(JSON.parse(await readFile(path, "utf8")) as unknown);
}
