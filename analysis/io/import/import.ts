/**
 * `caplab import`: per-request logs and other series into the series of a trace bundle.
 *
 *   SOURCE… ──listSources──▶ files / S3 objects ──openSource (gunzip)──▶ bytes
 *     ──forEachLine──▶ line ──LineReader.read──▶ per-step accumulators (StepGrid)
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
import type { S3Client } from "@aws-sdk/client-s3";
import { toTrace, TraceError } from "../../trace.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import { IMPORT_DEFAULTS } from "../../../sim/vocab/defaults.js";
import { readTraceCsvStream } from "../files/trace-file.js";
import {
  BUNDLE_REQUESTS_SERIES,
  type RawMetricSeries,
  type WarningSink,
} from "../../../sim/vocab/index.js";
import { importCloudWatch } from "./cloudwatch.js";
import { lineReader, type ImportedSeries, type LineFormat } from "./formats.js";
import {
  forEachLine,
  listSources,
  MAX_LINE_CHARS,
  openSource,
  type InputSource,
} from "./sources.js";
import { StepGrid } from "./steps.js";
import {
  badLine,
  MAX_REPORTED_BAD_LINES,
  moreBadLines,
  requestsOutsideWindow,
  unreadableInput,
} from "./warnings.js";

export {
  badLine,
  MAX_REPORTED_BAD_LINES,
  moreBadLines,
  requestsOutsideWindow,
  unreadableInput,
} from "./warnings.js";

/** The formats `caplab import --format` takes. */
export const IMPORT_FORMATS = ["alb", "nginx", "csv", "k6", "cloudwatch"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Step of the imported series when --step is not given (IMPORT_DEFAULTS, sim/vocab/defaults.ts). @default 60 seconds */
export const DEFAULT_IMPORT_STEP_SECONDS = IMPORT_DEFAULTS.stepSeconds;

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
  const reader = lineReader(format, grid);
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
    try {
      const stream = await openSource(source, s3);
      await forEachLine(stream, (text, lineNumber) => {
        linesHere = lineNumber;
        const verdict =
          text === null ? `is longer than ${MAX_LINE_CHARS} characters` : reader.read(text);
        if (verdict === null) return;
        bad++;
        badHere++;
        if (bad <= MAX_REPORTED_BAD_LINES) warn(badLine(source.name, lineNumber, verdict));
      });
    } catch (error) {
      if (error instanceof UsageError) throw error;
      unreadable++;
      warn(unreadableInput(source.name, describe(error, source)));
    }
    lines += linesHere;
    if (badHere > 0 && filesWithBadLines++ < MAX_FILE_NOTES)
      badPerFile.push(`${source.name}: ${badHere} bad line${badHere === 1 ? "" : "s"} skipped`);
    options.onProgress?.({ source: source.name, files, lines });
  }
  if (bad > MAX_REPORTED_BAD_LINES) warn(moreBadLines(bad - MAX_REPORTED_BAD_LINES));
  if (reader.outside > 0) warn(requestsOutsideWindow(reader.outside));

  const what = options.sources.join(", ");
  if (files === 0) {
    throw new UsageError(`${what} holds no objects; check the bucket and prefix.`, "missing-file");
  }
  const span = reader.requests.span();
  let extent;
  try {
    extent = grid.extent(span?.first ?? null, span?.last ?? null);
  } catch (error) {
    throw new UsageError(`${what}: ${(error as Error).message}`, "trace-too-long", {
      cause: error,
    });
  }
  if (extent === null) {
    const hint =
      lines > 0 && bad === lines
        ? `none of its ${lines} lines read as --format ${format}; check --format`
        : reader.outside > 0
          ? `all ${reader.outside} requests fall outside --from/--to; widen the window`
          : "it holds no requests; check the source";
    throw new UsageError(`Nothing to import from ${what}: ${hint}.`, "empty-trace");
  }

  const requests = reader.requests.total();
  const stats: ImportStats = {
    files,
    lines,
    requests,
    badLines: bad,
    outsideWindow: reader.outside,
    unreadableFiles: unreadable,
  };
  const notes = [
    `read ${lines} line${lines === 1 ? "" : "s"} from ${files} input${files === 1 ? "" : "s"}: ${requests} requests in the window, ${bad} bad line${bad === 1 ? "" : "s"} skipped, ${reader.outside} requests outside the window, ${unreadable} input${unreadable === 1 ? "" : "s"} not read to the end`,
    ...badPerFile,
    ...(filesWithBadLines > MAX_FILE_NOTES
      ? [`${filesWithBadLines - MAX_FILE_NOTES} more inputs had bad lines`]
      : []),
    ...FORMAT_NOTES[format],
  ];
  return {
    kind: reader.kind,
    detail: reader.detail(),
    window: { fromMs: extent.startMs, toMs: extent.endMs },
    stepSeconds,
    series: reader.finish(extent),
    notes,
    stats,
  };
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
  for await (const source of listSources(options.sources, "csv", s3)) {
    let badHere = 0;
    const raw = await readTraceCsvStream(await openSource(source, s3), source.name, {
      timeColumn: options.timeColumn,
      valueColumn: options.valueColumn,
      // Bad rows are counted and the first few reported; they never stop the import.
      onBadLine: (line, reason) => {
        badHere++;
        if (++bad <= MAX_REPORTED_BAD_LINES) warn(badLine(source.name, line, reason));
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
  if (bad > MAX_REPORTED_BAD_LINES) warn(moreBadLines(bad - MAX_REPORTED_BAD_LINES));
  const raw: RawMetricSeries = { source: names.join(", "), times, values };
  let trace;
  try {
    trace = toTrace(
      raw,
      {
        stepSeconds: options.stepSeconds ?? DEFAULT_IMPORT_STEP_SECONDS,
        from: options.fromMs,
        to: options.toMs,
      },
      warn,
    );
  } catch (error) {
    if (error instanceof TraceError)
      throw new UsageError(error.message, error.code, { cause: error });
    throw error;
  }
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
      `read ${times.length} rows from ${names.length} CSV file${names.length === 1 ? "" : "s"}: ${requests} requests in the window, ${bad} bad line${bad === 1 ? "" : "s"} skipped`,
      "steps with no row are gaps (empty values)",
      ...badPerFile,
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
