/**
 * `caplab import`: per-request logs and other series into the series of a trace bundle.
 *
 *   SOURCE… ──listSources──▶ files / S3 objects ──openSource (gunzip)──▶ bytes
 *     ──forEachLine──▶ line ──LineReader.read──▶ per-step accumulators (StepGrid)
 *     (ALB: lines read as bytes, a large plain file in pieces on worker threads: alb-file.ts)
 *     ──finish──▶ ImportedSeries (fixed step) + notes   →  cli/import-command.ts writes the bundle
 *
 *   CSV ──readTraceCsv (analysis/io/files/trace-file.ts)──▶ RawMetricSeries ──toTrace──▶ requests series
 *
 *   CloudWatch JSON ──analysis/io/import/cloudwatch.ts──▶ series at their own period
 *
 * Streaming throughout: memory holds one chunk, one partial line and one accumulator cell per
 * step that has data, whatever the size of the input. A bad line is counted, the first
 * {@link MAX_REPORTED_BAD_LINES} are reported with file and line number, and the import
 * goes on.
 */
import { gzipDamaged, isGzipDamage } from "../files/lines.js";
import type { S3Client } from "@aws-sdk/client-s3";
import { toTrace } from "../../trace.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import { IMPORT_DEFAULTS } from "../../../sim/vocab/defaults.js";
import { plural } from "../../../sim/vocab/numbers.js";
import { readTraceCsvStream } from "../files/trace-file.js";
import {
  warnings,
  BUNDLE_REQUESTS_SERIES,
  type RawMetricSeries,
  type WarningSink,
} from "../../../sim/vocab/index.js";
import { importCloudWatch } from "./cloudwatch.js";
import { lineReader, type ImportedSeries, type LineFormat } from "./formats.js";
import type { AlbReader } from "./alb-reader.js";
import { readAlbFileInPieces, readAlbPlainFile, readAlbStream } from "./alb-file.js";
import {
  forEachLine,
  listSources,
  MAX_LINE_CHARS,
  MAX_REPORTED_BAD_LINES,
  openSource,
  type InputSource,
} from "./sources.js";
import { StepGrid, type StepExtent, type StepSum } from "./steps.js";

export { MAX_REPORTED_BAD_LINES } from "./sources.js";

/** The formats `caplab import --format` takes. */
export const IMPORT_FORMATS = ["alb", "nginx", "csv", "k6", "cloudwatch"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Step of the imported series when --step is not given (IMPORT_DEFAULTS, sim/vocab/defaults.ts). @default 60 seconds */
export const DEFAULT_IMPORT_STEP_SECONDS = IMPORT_DEFAULTS.stepSeconds;

/** A log silent longer than this, seconds, is missing there: gaps (IMPORT_DEFAULTS). @default 86400 */
export const SPARSE_QUIET_SECONDS = IMPORT_DEFAULTS.sparseQuietSeconds;

/** Files named in the notes with their bad-line counts; the rest are summed up. */
const MAX_FILE_NOTES = 20;

export interface ImportOptions {
  readonly format: ImportFormat;
  /** Local files, local folders (walked recursively) and `s3://bucket/prefix` URLs. */
  readonly sources: readonly string[];
  /**
   * Step of the series, seconds (one of STEP_SECONDS_CHOICES). CloudWatch: the period of the
   * series whose query states none (any CloudWatch period).
   * @default DEFAULT_IMPORT_STEP_SECONDS (60 s); CloudWatch: the query's Period, else the
   *   datapoints' spacing
   */
  readonly stepSeconds?: number;
  /** Window start, epoch ms, inclusive. @default the first step with data */
  readonly fromMs?: number;
  /** Window end, epoch ms, exclusive. @default the end of the last step with data */
  readonly toMs?: number;
  /**
   * ALB only: the load balancer whose lines are imported (`app/NAME/ID`, `NAME/ID` or `NAME`).
   * @default every load balancer, each into its own bundle
   */
  readonly loadBalancer?: string;
  /** CSV only: the time column's header. @default detected (analysis/io/files/trace-file.ts) */
  readonly timeColumn?: string;
  /** CSV only: the count column's header. @default detected (analysis/io/files/trace-file.ts) */
  readonly valueColumn?: string;
  /** CloudWatch only: the `--metric-data-queries` JSON that produced the get-metric-data output. */
  readonly queriesFile?: string;
  /**
   * CloudWatch only: the series (query Id, Label or series id) that counts requests.
   * @default the AWS/ApplicationELB RequestCount series
   */
  readonly requests?: string;
  /** CloudWatch only: the largest whole JSON document read, bytes. @default MAX_CLOUDWATCH_JSON_BYTES (64 MiB) */
  readonly maxJsonBytes?: number;
  /** The S3 client, made on first use (only `s3://` sources need one). */
  readonly s3?: () => S3Client;
  /**
   * ALB only: worker threads reading a large plain local log in pieces beside this thread; 0
   * reads every input on this thread. Gzipped and S3 inputs are always read on this thread.
   * @default one per idle core for files of IMPORT_DEFAULTS.albThreadMinBytes (64 MiB) or more
   *   (defaultAlbWorkers in alb-file.ts)
   */
  readonly workers?: number;
  /** ALB only: the size of the pieces threads claim (tests make it small). @default albPieceBytes in alb-file.ts */
  readonly pieceBytes?: number;
  /** Called after each input is read. */
  readonly onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  readonly source: string;
  readonly files: number;
  readonly lines: number;
}

export interface ImportStats {
  readonly files: number;
  readonly lines: number;
  /** Requests inside the window. */
  readonly requests: number;
  readonly badLines: number;
  /** Requests whose arrival fell outside --from/--to. */
  readonly outsideWindow: number;
  readonly unreadableFiles: number;
  /** ALB logs: requests in the window that reached no target (redirects, fixed responses, refusals). */
  readonly withoutTarget?: number;
}

export interface ImportResult {
  /** The manifest's `source.kind`: "alb-access-logs", "nginx", "csv", "k6-json", "cloudwatch". */
  readonly kind: string;
  readonly detail: string;
  readonly window: { readonly fromMs: number; readonly toMs: number };
  readonly stepSeconds: number;
  /** The requests series first. */
  readonly series: readonly ImportedSeries[];
  readonly notes: readonly string[];
  readonly stats: ImportStats;
  /** CloudWatch: what the requests series was before it became `requests` (its Id and Label). */
  readonly requestsFrom?: string;
  /** ALB: the load balancer (`app/NAME/ID`) whose lines this bundle holds. */
  readonly loadBalancer?: string;
  /**
   * ALB logs of several load balancers: the bundles of the others (this one has the most
   * lines), never mixed into one. Empty or absent otherwise.
   */
  readonly more?: readonly ImportResult[];
}

// ---------------------------------------------------------------------------------------------

const noS3 = (): S3Client => {
  throw new Error("importTrace: an s3:// source needs the `s3` option");
};

/**
 * Reads every source into fixed-step series (see the module comment).
 *
 * @throws UsageError when a source is missing, nothing at all is found, or (CSV only) a line
 *   is bad: the CSV reader is all-or-nothing (analysis/io/files/trace-file.ts).
 */
export async function importTrace(
  options: ImportOptions,
  warn: WarningSink,
): Promise<ImportResult> {
  if (options.format === "csv") return importCsv(options, warn);
  if (options.format === "cloudwatch") return importCloudWatch(options, warn);
  if (options.format === "k6")
    throw new Error("importTrace: k6 output is a run; import it with importK6Run (k6-run.ts)");
  return importLines(options.format, options, warn);
}

async function importLines(
  format: LineFormat,
  options: ImportOptions,
  warn: WarningSink,
): Promise<ImportResult> {
  const s3 = options.s3 ?? noS3;
  const stepSeconds = options.stepSeconds ?? DEFAULT_IMPORT_STEP_SECONDS;
  const grid = new StepGrid(stepSeconds, options.fromMs, options.toMs);
  const reader = lineReader(format, grid, options.loadBalancer);
  // ALB logs are read as bytes, large plain files in pieces on worker threads (alb-file.ts).
  const alb = format === "alb" ? (reader as AlbReader) : null;
  const spec = {
    stepSeconds,
    fromMs: options.fromMs,
    toMs: options.toMs,
    loadBalancer: options.loadBalancer,
  };
  let files = 0;
  let lines = 0;
  let bad = 0;
  let unreadable = 0;
  const badPerFile: string[] = [];
  let filesWithBadLines = 0;

  for await (const source of listSources(options.sources, format, s3)) {
    files++;
    let badHere = 0;
    let linesHere = 0;
    const onBad = (lineNumber: number, verdict: string): void => {
      bad++;
      badHere++;
      if (bad <= MAX_REPORTED_BAD_LINES) warn(warnings.badLine(source.name, lineNumber, verdict));
    };
    try {
      const pieces =
        alb !== null && source.kind === "file"
          ? await readAlbFileInPieces(source.path, spec, options.workers, options.pieceBytes)
          : null;
      if (pieces !== null && alb !== null) {
        // Pieces in file order: their lines numbered on from the pieces before them.
        for (const piece of pieces) {
          for (const [n, why] of piece.firstBad) onBad(linesHere + n, why);
          const more = piece.badLines - piece.firstBad.length;
          bad += more;
          badHere += more;
          linesHere += piece.lines;
          alb.merge(piece.state);
        }
      } else if (alb !== null) {
        const counted = (n: number): number => (linesHere = n);
        const plain =
          source.kind === "file" && (await readAlbPlainFile(source.path, alb, onBad, counted));
        if (!plain) await readAlbStream(await openSource(source, s3), alb, onBad, counted);
      } else {
        const stream = await openSource(source, s3);
        await forEachLine(stream, (text, lineNumber) => {
          linesHere = lineNumber;
          const verdict =
            text === null ? `is longer than ${MAX_LINE_CHARS} characters` : reader.read(text);
          if (verdict !== null) onBad(lineNumber, verdict);
        });
      }
    } catch (error) {
      if (error instanceof UsageError) throw error;
      if (isGzipDamage(error)) throw gzipDamaged(source.name, error, linesHere);
      unreadable++;
      warn(warnings.unreadableInput(source.name, describe(error, source)));
    }
    lines += linesHere;
    if (badHere > 0 && filesWithBadLines++ < MAX_FILE_NOTES)
      badPerFile.push(`${source.name}: ${badHere} bad line${badHere === 1 ? "" : "s"} skipped`);
    options.onProgress?.({ source: source.name, files, lines });
  }
  if (bad > MAX_REPORTED_BAD_LINES) warn(warnings.moreBadLines(bad - MAX_REPORTED_BAD_LINES));
  if (reader.outside > 0) warn(warnings.requestsOutsideWindow(reader.outside));
  const others = [...reader.others];
  if (others.length > 0)
    warn(
      warnings.otherLoadBalancers(
        others.reduce((n, [, c]) => n + c, 0),
        others.map(([name]) => name),
      ),
    );

  const what = options.sources.join(", ");
  if (files === 0) {
    throw new UsageError(`${what} holds no objects; check the bucket and prefix.`, "missing-file");
  }
  // The part with the most lines first: it is the bundle of --out.
  const parts = reader
    .parts()
    .map((part, order) => ({ part, order, seen: part.seen.total() }))
    .sort((a, b) => b.seen - a.seen || a.order - b.order)
    .map((p) => p.part);
  const extents = parts.map((part) => {
    const span = part.seen.span();
    try {
      return grid.extent(span?.first ?? null, span?.last ?? null);
    } catch (error) {
      const name = part.name === "" ? "" : ` (load balancer ${part.name})`;
      throw new UsageError(`${what}${name}: ${(error as Error).message}`, "trace-too-long", {
        cause: error,
      });
    }
  });
  if (parts.length === 0 || extents.every((e) => e === null)) {
    const hint =
      lines > 0 && bad === lines
        ? `none of its ${plural(lines, "line")} read as --format ${format}; check --format`
        : reader.outside > 0
          ? `all ${plural(reader.outside, "request")} fall${reader.outside === 1 ? "s" : ""} outside --from/--to; widen the window`
          : others.length > 0
            ? `none of its lines is of --load-balancer ${options.loadBalancer}; it holds ${others
                .slice(0, 5)
                .map(([name]) => name)
                .join(", ")}`
            : "it holds no requests; check the source";
    throw new UsageError(`Nothing to import from ${what}: ${hint}.`, "empty-trace");
  }

  const results: ImportResult[] = [];
  parts.forEach((part, i) => {
    const extent = extents[i];
    if (extent === null || extent === undefined) return;
    const series = part.finish(extent);
    const quiet = quietRuns(part.seen, extent, Math.ceil(SPARSE_QUIET_SECONDS / stepSeconds));
    if (quiet.length > 0) {
      let blank = 0;
      for (const [from, to] of quiet) {
        blank += to - from;
        for (const s of series) (s.data.values as Float64Array).fill(NaN, from, to);
      }
      warn(
        warnings.sparseData(
          part.name === "" ? "the log" : `load balancer ${part.name}`,
          quiet.length + 1,
          extent.length - blank,
          extent.length,
        ),
      );
    }
    const requests = part.requests.total();
    const seen = part.seen.total();
    const withoutTarget = format === "alb" ? seen - requests : 0;
    const stats: ImportStats = {
      files,
      lines,
      requests,
      badLines: bad,
      outsideWindow: reader.outside,
      unreadableFiles: unreadable,
      ...(format === "alb" ? { withoutTarget } : {}),
    };
    const notes = [
      `read ${plural(lines, "line")} from ${plural(files, "input")}: ${
        part.name === "" ? "" : `${seen} of load balancer ${part.name}, `
      }${plural(requests, "request")} in the window, ${plural(bad, "bad line")} skipped, ${plural(reader.outside, "request")} outside the window, ${plural(unreadable, "input")} not read to the end`,
      ...(withoutTarget !== 0
        ? [
            `${withoutTarget} of the ${plural(seen, "request")} reached no target (redirects, fixed responses, refusals): they are in requests-without-target, not in requests`,
          ]
        : []),
      ...(quiet.length > 0
        ? [
            `${quiet.length} stretch${quiet.length === 1 ? "" : "es"} of more than ${SPARSE_QUIET_SECONDS / 3600} h without a line ${quiet.length === 1 ? "is a gap" : "are gaps"} (no data), not zero traffic, and ${quiet.length === 1 ? "is" : "are"} not written`,
          ]
        : []),
      ...badPerFile,
      ...(filesWithBadLines > MAX_FILE_NOTES
        ? [`${filesWithBadLines - MAX_FILE_NOTES} more inputs had bad lines`]
        : []),
      ...FORMAT_NOTES[format],
    ];
    results.push({
      kind: reader.kind,
      detail: part.detail(),
      ...(part.name === "" ? {} : { loadBalancer: part.name }),
      window: { fromMs: extent.startMs, toMs: extent.endMs },
      stepSeconds,
      series,
      notes,
      stats,
    });
  });
  const [first, ...more] = results;
  return { ...first!, more };
}

/**
 * The runs of steps, inside `extent`, longer than `maxQuiet` steps without a line, as
 * [from, to) indices into the extent: a log that falls silent for longer than
 * {@link SPARSE_QUIET_SECONDS} is taken to be missing there, not to show an idle service.
 */
function quietRuns(seen: StepSum, extent: StepExtent, maxQuiet: number): [number, number][] {
  const steps = seen.steps().filter((k) => k >= extent.first && k < extent.first + extent.length);
  steps.sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (let i = 1; i < steps.length; i++) {
    const from = steps[i - 1]! + 1 - extent.first;
    const to = steps[i]! - extent.first;
    if (to - from > maxQuiet) runs.push([from, to]);
  }
  return runs;
}

const FORMAT_NOTES: Readonly<Record<LineFormat, readonly string[]>> = {
  alb: [
    "requests count in the step of their request_creation_time (or time minus the processing times where a line has none)",
    "ALB access logs are best effort, not a complete accounting; health checks are not logged",
    "target-response-time-p95 comes from a quantile sketch with 1% relative accuracy",
  ],
  nginx: ["requests count in the step of $time_local (the time the response was logged)"],
};

function describe(error: unknown, source: InputSource): string {
  const e = error as NodeJS.ErrnoException & { name?: string };
  if (e.code === "Z_BUF_ERROR" || e.code === "Z_DATA_ERROR")
    return `gzip data is corrupt or cut short`;
  if (source.kind === "s3" && e.name !== undefined && e.name !== "Error")
    return `${e.name}: ${e.message}`;
  return e.code ?? e.message;
}

async function importCsv(options: ImportOptions, warn: WarningSink): Promise<ImportResult> {
  const times: number[] = [];
  const values: number[] = [];
  const names: string[] = [];
  const badPerFile: string[] = [];
  let bad = 0;
  const s3 = options.s3 ?? noS3;
  // What the reader doubts about a file (what it holds, its times) is printed and kept in the notes.
  const doubts: string[] = [];
  const doubt: WarningSink = (w) => {
    doubts.push(w.message);
    warn(w);
  };
  for await (const source of listSources(options.sources, "csv", s3)) {
    let badHere = 0;
    const raw = await readTraceCsvStream(await openSource(source, s3), source.name, {
      timeColumn: options.timeColumn,
      valueColumn: options.valueColumn,
      warn: doubt,
      // Bad rows are counted and the first few reported; they never stop the import.
      onBadLine: (line, reason) => {
        badHere++;
        if (++bad <= MAX_REPORTED_BAD_LINES) warn(warnings.badLine(source.name, line, reason));
      },
    });
    if (badHere > 0)
      badPerFile.push(`${source.name}: ${badHere} bad line${badHere === 1 ? "" : "s"} skipped`);
    names.push(raw.source);
    for (let i = 0; i < raw.times.length; i++) {
      times.push(raw.times[i]!);
      values.push(raw.values[i]!);
    }
  }
  if (bad > MAX_REPORTED_BAD_LINES) warn(warnings.moreBadLines(bad - MAX_REPORTED_BAD_LINES));
  const raw: RawMetricSeries = { source: names.join(", "), times, values };
  const trace = toTrace(
    raw,
    {
      stepSeconds: options.stepSeconds ?? DEFAULT_IMPORT_STEP_SECONDS,
      from: options.fromMs,
      to: options.toMs,
    },
    warn,
  );
  const stepMs = trace.stepSeconds * 1000;
  const data = Float64Array.from(trace.requests, (v, i) => (trace.gap[i] ? NaN : v));
  let requests = 0;
  for (const v of trace.requests) requests += v;
  return {
    kind: "csv",
    detail: "",
    window: { fromMs: trace.startMs, toMs: trace.startMs + trace.requests.length * stepMs },
    stepSeconds: trace.stepSeconds,
    series: [
      {
        def: {
          id: BUNDLE_REQUESTS_SERIES,
          file: `series/${BUNDLE_REQUESTS_SERIES}.csv`,
          metricName: "RequestCount",
          stat: "Sum",
          unit: "Count",
          dimensions: [],
          periodSeconds: trace.stepSeconds,
        },
        data: { startMs: trace.startMs, stepSeconds: trace.stepSeconds, values: data },
      },
    ],
    notes: [
      `read ${plural(times.length, "row")} from ${plural(names.length, "CSV file")}: ${plural(Math.round(requests), "request")} in the window, ${plural(bad, "bad line")} skipped`,
      "steps with no row are gaps (empty values)",
      ...badPerFile,
      ...doubts,
    ],
    stats: {
      files: names.length,
      lines: times.length,
      requests,
      badLines: bad,
      outsideWindow: 0,
      unreadableFiles: 0,
    },
  };
}
