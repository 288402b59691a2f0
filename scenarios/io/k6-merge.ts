/**
 * Merging the `--out json` files of N execution segments into one (reference/k6.md §5.1):
 * raw Points are concatenated (file by file, in the order given; each Point gains a
 * `segment` tag), Metric lines are kept once, and the run's aggregates are recomputed from
 * the raw Points, never by averaging per-segment percentiles.
 *
 *   segment files (gathered from S3 or CloudWatch Logs by scenarios/io/segment-outputs.ts)
 *     ──mergeK6Outputs──▶ one k6.json.gz (written beside, then renamed into place)
 *     ──ingestK6File (the one aggregator, analysis/k6-ingest.ts)──▶ aggregates (with the
 *                         metrics, sub-metrics and percentiles asked for)
 */
import { createReadStream, createWriteStream } from "node:fs";
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { once } from "node:events";
import { createGunzip, createGzip } from "node:zlib";
import type { Writable } from "node:stream";
import { readLines } from "../../analysis/io/files/lines.js";
import {
  k6PointValueProblem,
  parseK6Line,
  type K6Line,
  type K6MetricSummary,
} from "../../analysis/k6-results.js";
import { ingestK6File } from "../../analysis/io/files/k6-stream.js";

/**
 * The longest line of a k6 JSON file read, in characters: a Point or Metric line is well under
 * a kilobyte, so a longer one is not k6 output (and a file without line breaks, or a gzip
 * bomb of one line, never fills memory). The same cap as the log readers'. @default 1 MiB
 */
export const MAX_K6_LINE_CHARS = 1 << 20;

/**
 * Reads a k6 NDJSON file (gzipped when the name ends in .gz) line by line; a line longer than
 * {@link MAX_K6_LINE_CHARS} is null.
 */
export async function* readK6Lines(path: string): AsyncGenerator<string | null> {
  const file = createReadStream(path);
  const input = path.endsWith(".gz") ? file.pipe(createGunzip()) : file;
  try {
    yield* readLines(input, MAX_K6_LINE_CHARS);
  } finally {
    file.destroy();
    input.destroy();
  }
}

/** A line of a k6 JSON file that is not k6 JSON: which line, and why. */
export class K6LineError extends Error {
  constructor(
    readonly lineNumber: number,
    readonly reason: string,
  ) {
    super(`line ${lineNumber} is not k6 JSON (${reason})`);
    this.name = "K6LineError";
  }
}

/**
 * Reads a k6 JSON file line by line, parsed; blank and unknown lines are null.
 * @throws K6LineError at the first line that is not k6 JSON, or whose Point holds a value k6
 *   cannot have measured (k6PointValueProblem).
 */
export async function* readK6Parsed(
  path: string,
): AsyncGenerator<{ readonly text: string; readonly line: K6Line | null }> {
  let n = 0;
  for await (const text of readK6Lines(path)) {
    n++;
    if (text === null)
      throw new K6LineError(n, `it is longer than ${MAX_K6_LINE_CHARS} characters`);
    let line: K6Line | null;
    try {
      line = parseK6Line(text);
    } catch (error) {
      throw new K6LineError(n, (error as Error).message);
    }
    const problem = line?.type === "Point" ? k6PointValueProblem(line.metric, line.value) : null;
    if (problem !== null) throw new K6LineError(n, problem);
    yield { text, line };
  }
}

export interface MergeResult {
  /** Points written, all inputs together. */
  readonly points: number;
  /** Points of each input, in the order given. */
  readonly pointsPerInput: readonly number[];
  readonly metrics: Readonly<Record<string, K6MetricSummary>>;
}

export interface MergeOptions {
  /**
   * Metrics and sub-metrics (`name{tag:value}`) whose aggregates are needed in full (trends
   * with percentiles, sub-metrics): thresholdNeeds. @default none
   */
  readonly metrics?: readonly string[];
  /** Percentiles of every trend, 0–100. @default [90, 95, 99] */
  readonly percentiles?: readonly number[];
  /** The `segment` tag of each input's Points. @default the input's position, "0", "1", … */
  readonly segmentTags?: readonly string[];
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, "drain");
}

/**
 * Merges k6 JSON outputs into `output` (gzipped when it ends in .gz) and returns the
 * aggregates of the merged raw Points (read back by the one aggregator). The file is written
 * under a temporary name beside `output` and renamed when complete, so a failed merge leaves
 * no partial file behind. `options` may be the list of metrics alone.
 *
 * @throws Error naming the file and line of the first line that is not k6 JSON.
 */
export async function mergeK6Outputs(
  inputs: readonly string[],
  output: string,
  options: MergeOptions | readonly string[] = {},
): Promise<MergeResult> {
  const opts: MergeOptions = isList(options) ? { metrics: options } : options;
  await mkdir(dirname(output), { recursive: true });
  const tmp = join(dirname(output), `.${basename(output)}.${randomBytes(4).toString("hex")}.tmp`);
  const file = createWriteStream(tmp);
  const out: Writable = output.endsWith(".gz") ? createGzip() : file;
  if (out !== file) out.pipe(file);
  const seenMetrics = new Set<string>();
  const pointsPerInput: number[] = [];
  try {
    for (const [index, path] of inputs.entries()) {
      const segment = opts.segmentTags?.[index] ?? String(index);
      let points = 0;
      try {
        for await (const { text, line } of readK6Parsed(path)) {
          if (line === null) continue;
          if (line.type === "Metric") {
            if (seenMetrics.has(line.metric)) continue;
            seenMetrics.add(line.metric);
            await write(out, `${text}\n`);
          } else {
            points++;
            const raw = JSON.parse(text) as { data: { tags?: Record<string, string> | null } };
            raw.data.tags = { ...raw.data.tags, segment };
            await write(out, `${JSON.stringify(raw)}\n`);
          }
        }
      } catch (error) {
        if (!(error instanceof K6LineError)) throw error;
        throw new Error(`${path} line ${error.lineNumber}: ${error.reason}`, { cause: error });
      }
      pointsPerInput.push(points);
    }
    out.end();
    await once(file, "close");
    await rename(tmp, output);
  } catch (error) {
    out.destroy();
    file.destroy();
    await rm(tmp, { force: true });
    throw error;
  }
  const ingested = await ingestK6File(output, {
    metrics: opts.metrics ?? [],
    percentiles: opts.percentiles ?? [],
  });
  return {
    points: pointsPerInput.reduce((a, b) => a + b, 0),
    pointsPerInput,
    metrics: ingested.metrics,
  };
}

function isList(options: MergeOptions | readonly string[]): options is readonly string[] {
  return Array.isArray(options);
}

/** Aggregates of one k6 JSON file (the single-segment baseline of a merge). */
export async function summarizeK6Output(
  path: string,
  metrics: readonly string[] = [],
): Promise<Readonly<Record<string, K6MetricSummary>>> {
  return (await ingestK6File(path, { metrics })).metrics;
}
