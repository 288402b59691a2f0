/**
 * Merging the `--out json` files of N execution segments into one (reference/k6.md §5.1):
 * raw Points are concatenated (file by file, in the order given; each Point gains a
 * `segment` tag), Metric lines are kept once, and the run's aggregates are recomputed from
 * the raw Points, never by averaging per-segment percentiles.
 *
 * Gathering the files from S3 or CloudWatch Logs is not done here (TODO: the ECS path
 * records where each task's output would be; fetch them, then call mergeK6Outputs).
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { once } from "node:events";
import { createGunzip, createGzip } from "node:zlib";
import type { Writable } from "node:stream";
import { MetricAccumulator, parseK6Line, type K6MetricSummary } from "../analysis/k6-results.js";

/** Reads a k6 NDJSON file (gzipped when the name ends in .gz) line by line. */
export async function* readK6Lines(path: string): AsyncGenerator<string> {
  const file = createReadStream(path);
  const input = path.endsWith(".gz") ? file.pipe(createGunzip()) : file;
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) yield line;
}

export interface MergeResult {
  readonly points: number;
  readonly metrics: Record<string, K6MetricSummary>;
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, "drain");
}

/**
 * Merges k6 JSON outputs into `output` (gzipped when it ends in .gz) and returns the
 * aggregates of the merged raw Points, including the sub-metrics asked for.
 *
 * @throws Error naming the file and line of the first line that is not k6 JSON.
 */
export async function mergeK6Outputs(
  inputs: readonly string[],
  output: string,
  subMetrics: readonly string[] = [],
): Promise<MergeResult> {
  await mkdir(dirname(output), { recursive: true });
  const file = createWriteStream(output);
  const out: Writable = output.endsWith(".gz") ? createGzip() : file;
  if (out !== file) out.pipe(file);
  const acc = new MetricAccumulator(subMetrics);
  const seenMetrics = new Set<string>();
  let points = 0;
  for (const [segment, path] of inputs.entries()) {
    let n = 0;
    for await (const text of readK6Lines(path)) {
      n++;
      let line;
      try {
        line = parseK6Line(text);
      } catch (error) {
        throw new Error(`${path} line ${n}: ${(error as Error).message}`, { cause: error });
      }
      if (line === null) continue;
      acc.add(line);
      if (line.type === "Metric") {
        if (seenMetrics.has(line.metric)) continue;
        seenMetrics.add(line.metric);
        await write(out, `${text}\n`);
      } else {
        points++;
        const raw = JSON.parse(text) as { data: { tags?: Record<string, string> | null } };
        raw.data.tags = { ...raw.data.tags, segment: String(segment) };
        await write(out, `${JSON.stringify(raw)}\n`);
      }
    }
  }
  out.end();
  await once(file, "close");
  return { points, metrics: acc.summarize() };
}

/** Aggregates of one k6 JSON file (the single-segment baseline of a merge). */
export async function summarizeK6Output(
  path: string,
  subMetrics: readonly string[] = [],
): Promise<Record<string, K6MetricSummary>> {
  const acc = new MetricAccumulator(subMetrics);
  for await (const text of readK6Lines(path)) {
    const line = parseK6Line(text);
    if (line !== null) acc.add(line);
  }
  return acc.summarize();
}
