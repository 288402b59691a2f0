/**
 * Reading one large plain file on several threads (k6's NDJSON, analysis/io/files/k6-stream.ts;
 * ALB logs, analysis/io/import/alb-file.ts): how many worker threads, how large the pieces they
 * claim, where the pieces start (at line starts), and whether the file is gzipped (then it is
 * read on one thread: a gzip stream cannot be entered in the middle).
 */
import type { FileHandle } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";

/**
 * Worker threads for a plain file of `size` bytes when the caller did not say: none under
 * `minBytes`; else one per core that is idle (cores minus the 1-minute load average, this
 * thread included), at most one per core but this one. On a machine whose cores are busy a
 * worker only adds its start and warm-up to the same CPU time.
 */
export function idleCoreWorkers(
  size: number,
  minBytes: number,
  cores = availableParallelism(),
  load = loadavg()[0] ?? 0,
): number {
  if (size < minBytes) return 0;
  const idle = Math.floor(cores - Math.max(load, 1) + 1e-9); // this thread is one of the load
  return Math.max(0, Math.min(cores - 1, idle));
}

/**
 * The size of the pieces threads claim one at a time: about 8 per thread, within 4–64 MiB, so
 * that a thread that starts late or runs slower simply reads fewer of them.
 */
export function pieceBytesFor(size: number, threads: number): number {
  return Math.min(64 << 20, Math.max(4 << 20, Math.ceil(size / (8 * threads))));
}

/** Whether the file starts with the gzip magic bytes (1f 8b). */
export async function isGzip(handle: FileHandle): Promise<boolean> {
  const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
  return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
}

/**
 * Cuts [0, size) into `n` ranges that start at line starts: [splits[k], splits[k + 1]). Each
 * cut moves forward from k·size/n to just after the next newline (cuts may coincide). Null
 * when no newline follows a cut within `maxLineBytes`: no piece is then longer than its share
 * plus one line.
 */
export async function lineAlignedSplits(
  handle: FileHandle,
  size: number,
  n: number,
  maxLineBytes: number,
): Promise<number[] | null> {
  const splits = [0];
  const probe = Buffer.alloc(64 << 10);
  for (let k = 1; k < n; k++) {
    // From the byte before the cut: when it is a newline, the cut is already a line start.
    const from = Math.max(splits[k - 1]!, Math.floor((size * k) / n)) - 1;
    let at = from;
    let cut = size;
    while (at >= 0 && at < size) {
      if (at - from > maxLineBytes) return null;
      const { bytesRead } = await handle.read(probe, 0, probe.length, at);
      if (bytesRead === 0) break;
      const nl = probe.subarray(0, bytesRead).indexOf(10);
      if (nl >= 0) {
        cut = at + nl + 1;
        break;
      }
      at += bytesRead;
    }
    if (at < 0) cut = 0;
    splits.push(cut);
  }
  splits.push(size);
  return splits;
}
