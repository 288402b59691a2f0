/**
 * ALB access logs read as bytes, on this thread or in pieces on worker threads:
 *
 *   small plain file (read into the scanner's memory), gzip or S3 (a stream, copied in)
 *     ──AlbScanLines (alb-scan.ts: fields found in WebAssembly)──▶ AlbReader
 *   large plain file ──cut at newlines──▶ pieces ──claimed via Atomics by this thread and the
 *     workers (alb-worker.ts), each into its own AlbReader──▶ states ──merged in file order──▶ AlbReader
 *
 * The pieces' states merge into exactly the state one pass gives (counts and whole
 * milliseconds add exactly: formats.ts, AlbReader.merge), and their bad lines are numbered
 * from the lines of the pieces before them, so the bundle and the errors do not depend on
 * the number of threads. This is the k6 reader's scheme (analysis/io/files/k6-stream.ts): a
 * thread that starts late or runs slower simply claims fewer pieces.
 */
import { open, type FileHandle } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import type { Readable } from "node:stream";
import { KeptWorkers, type WorkerFaults } from "../files/kept-workers.js";
import { IMPORT_DEFAULTS } from "../../../sim/vocab/defaults.js";
import { idleCoreWorkers, isGzip, lineAlignedSplits, pieceBytesFor } from "../files/pieces.js";
import { albReader, type AlbReader, type AlbReaderState } from "./alb-reader.js";
import { AlbScanLines, MAX_LINE_BYTES, SCAN_READ_BYTES } from "./alb-scan.js";
import { StepGrid } from "./steps.js";

/** Bad lines a piece keeps word for word (the importer reports the first 5 of the file). */
const KEPT_BAD_LINES = 5;

/**
 * Reads a stream of ALB log bytes into `reader`, calling `onBad(lineNumber, why)` for each bad
 * line and `onLines(count)` with the number of lines read so far after each chunk and at the
 * end (so a stream that fails half-way has its lines up to there counted).
 */
export async function readAlbStream(
  stream: Readable,
  reader: AlbReader,
  onBad: (lineNumber: number, why: string) => void,
  onLines: (count: number) => void,
): Promise<void> {
  const lines = new AlbScanLines(reader, onBad);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    lines.push(chunk);
    onLines(lines.count);
  }
  lines.end();
  onLines(lines.count);
}

/**
 * Reads a plain local ALB log on this thread into `reader` as {@link readAlbStream} does, but
 * straight into the WebAssembly scanner's memory (a read stream allocates a buffer per read:
 * garbage to collect, and a copy); false, with nothing read, when the file is gzipped (then
 * stream it through gunzip).
 */
export async function readAlbPlainFile(
  path: string,
  reader: AlbReader,
  onBad: (lineNumber: number, why: string) => void,
  onLines: (count: number) => void,
): Promise<boolean> {
  const handle = await open(path, "r");
  try {
    if (await isGzip(handle)) return false;
    const lines = new AlbScanLines(reader, onBad);
    await readRange(handle, 0, Infinity, lines, () => onLines(lines.count));
    lines.end();
    onLines(lines.count);
    return true;
  } finally {
    await handle.close();
  }
}

/**
 * Reads the bytes [from, end) of a file into `lines`, straight into its memory, calling
 * `onChunk` after each read; stops early at the end of the file (it may have shrunk). The next
 * read is under way (on libuv's threads) while a chunk is scanned.
 */
async function readRange(
  handle: FileHandle,
  from: number,
  end: number,
  lines: AlbScanLines,
  onChunk?: () => void,
): Promise<void> {
  const read = (into: Buffer, at: number) =>
    handle.read(into, 0, Math.min(SCAN_READ_BYTES, end - at), at);
  let at = from;
  let pending = at < end ? read(lines.space(), at) : null;
  try {
    while (pending !== null) {
      const { bytesRead } = await pending;
      pending = null;
      if (bytesRead === 0) break;
      at += bytesRead;
      if (at < end) pending = read(lines.nextSpace(), at);
      lines.commit(bytesRead);
      onChunk?.();
    }
  } finally {
    // A read still under way when scanning threw: let it end before the file is closed.
    await pending?.catch(() => {});
  }
}

/** The grid and filter of an import: what each thread needs to make its own AlbReader. */
export interface AlbReadSpec {
  readonly stepSeconds: number;
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly loadBalancer?: string;
}

/** What one piece of a file held. */
export interface AlbPiece {
  readonly index: number;
  readonly lines: number;
  readonly badLines: number;
  /** The first bad lines of the piece: line number within the piece, and why. */
  readonly firstBad: readonly (readonly [number, string])[];
  readonly state: AlbReaderState;
}

/**
 * Worker threads for a plain file of `size` bytes: none under IMPORT_DEFAULTS.albThreadMinBytes,
 * else one per idle core (cores minus the 1-minute load average, this thread included), at
 * most one per core but this one. On a busy machine a worker only adds its start and warm-up
 * to the same CPU time.
 */
export function defaultAlbWorkers(
  size: number,
  cores = availableParallelism(),
  load = loadavg()[0] ?? 0,
): number {
  return idleCoreWorkers(size, IMPORT_DEFAULTS.albThreadMinBytes, cores, load);
}

/** The size of the pieces threads claim: about 8 per thread, within 4–64 MiB. */
export function albPieceBytes(size: number, threads: number): number {
  return pieceBytesFor(size, threads);
}

/**
 * Reads a plain local ALB log in pieces on this thread and `workers` worker threads
 * ({@link defaultAlbWorkers} when undefined); returns the pieces in file order, or null when
 * the file is to be streamed on this thread instead: gzipped, no workers, a single piece, or
 * a cut with no line break within {@link MAX_LINE_BYTES} after it.
 */
export async function readAlbFileInPieces(
  path: string,
  spec: AlbReadSpec,
  workers?: number,
  pieceBytes?: number,
  faults?: WorkerFaults,
): Promise<AlbPiece[] | null> {
  let splits: number[] | null;
  const handle = await open(path, "r");
  try {
    const size = (await handle.stat()).size;
    const wanted = workers ?? defaultAlbWorkers(size);
    if (wanted <= 0 || (await isGzip(handle))) return null;
    const piece = pieceBytes ?? albPieceBytes(size, wanted + 1);
    splits = await lineAlignedSplits(
      handle,
      size,
      Math.max(1, Math.ceil(size / piece)),
      MAX_LINE_BYTES,
    );
    if (splits === null || splits.length <= 2) return null;
    workers = Math.min(wanted, splits.length - 2); // no more workers than pieces but one
  } finally {
    await handle.close();
  }
  const next = new Int32Array(new SharedArrayBuffer(4));
  const data: AlbWorkerData = {
    path,
    splits,
    next: next.buffer as SharedArrayBuffer,
    spec,
    ...(faults?.workerThrows === true ? { fault: true } : {}),
  };
  const pieceCount = splits.length - 1;
  const started = Promise.all(
    Array.from({ length: workers }, () =>
      albWorkers.run(data).catch((error: unknown) => {
        // Every thread stops claiming pieces: the import fails with this error, at once.
        Atomics.store(next, 0, pieceCount);
        throw error;
      }),
    ),
  );
  started.catch(() => {}); // awaited below; no unhandled rejection meanwhile
  const pieces = await readAlbPieces(path, splits, next, spec);
  for (const more of await started) pieces.push(...more);
  return pieces.sort((a, b) => a.index - b.index);
}

/** Faults to inject, for tests only. */
/**
 * Reads pieces [splits[k], splits[k + 1]) of a plain file, claiming the next k from the shared
 * counter until none is left, each into its own AlbReader, 1 MiB at a time into one scanner's
 * memory (memory does not grow with the pieces). Every piece but the last ends after a line
 * break.
 */
export async function readAlbPieces(
  path: string,
  splits: readonly number[],
  next: Int32Array,
  spec: AlbReadSpec,
  fault = false,
): Promise<AlbPiece[]> {
  const out: AlbPiece[] = [];
  const grid = new StepGrid(spec.stepSeconds, spec.fromMs, spec.toMs);
  const handle = await open(path, "r");
  try {
    let lines: AlbScanLines | null = null;
    for (;;) {
      const k = Atomics.add(next, 0, 1);
      if (fault) throw new Error(`ALB import: a fault injected when piece ${k} was claimed`);
      if (k >= splits.length - 1) return out;
      const reader = albReader(grid, spec.loadBalancer);
      const firstBad: [number, string][] = [];
      let badLines = 0;
      const onBad = (lineNumber: number, why: string): void => {
        if (badLines++ < KEPT_BAD_LINES) firstBad.push([lineNumber, why]);
      };
      // Only the piece at byte 0 of the file may open with a byte order mark.
      const fileStart = splits[k] === 0;
      if (lines === null) lines = new AlbScanLines(reader, onBad, fileStart);
      else lines.restart(reader, onBad, fileStart);
      await readRange(handle, splits[k]!, splits[k + 1]!, lines);
      lines.end();
      out.push({ index: k, lines: lines.count, badLines, firstBad, state: reader.state() });
    }
  } finally {
    await handle.close();
  }
}

/** What a worker (alb-worker.ts) is started with, and each job it is sent after. */
export interface AlbWorkerData {
  readonly path: string;
  /** The pieces: [splits[k], splits[k + 1]), each starting at a line start. */
  readonly splits: readonly number[];
  /** One Int32: the index of the next piece to claim (Atomics.add). */
  readonly next: SharedArrayBuffer;
  readonly spec: AlbReadSpec;
  /** Tests only: throw when claiming the first piece ({@link WorkerFaults}). */
  readonly fault?: boolean;
}

/**
 * Worker threads kept between files (kept-workers.ts), as the k6 reader keeps its own: a
 * process that imports several files pays a thread's start and cold scanner once, not once
 * per file; an idle one ends after a few seconds.
 */
const albWorkers = new KeptWorkers<AlbWorkerData, AlbPiece[]>(
  import.meta.url,
  "alb-worker",
  "ALB import worker",
);

/** Worker threads idle now, kept for the next file (tests follow their end). */
export const idleAlbWorkerCount = (): number => albWorkers.idleCount;
