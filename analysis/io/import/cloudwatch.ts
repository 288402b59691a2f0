/**
 * `caplab import --format cloudwatch`: saved CloudWatch JSON into the series of a trace bundle.
 *
 *   SOURCE… ──listSources──▶ files / S3 objects ──openSource (gunzip)──▶ bytes
 *     first non-blank line is a JSON object on its own?
 *       yes: JSONL ──forEachLine──▶ one record per line (streamed; bad lines counted): a
 *            performance event, a log event with its message, or a whole document
 *       no:  one JSON document (read whole, at most {@link MAX_CLOUDWATCH_JSON_BYTES})
 *     ──analysis/cloudwatch-json.ts──▶ CloudWatchSeriesBuilder ──finish──▶ CloudWatchSeries[]
 *     ──pickRequestsSeries, onPeriodGrid──▶ ImportedSeries (each at its own period) + notes
 *
 * Each series keeps the period CloudWatch gave it (the query's Period, else `--step`, else the
 * datapoints' spacing): CloudWatch statistics are not re-binned. The bundle's step is the
 * requests series' period.
 */
import { gzipDamaged, isGzipDamage, withoutByteOrderMark } from "../files/lines.js";
import { readFile, stat } from "node:fs/promises";
import { plural } from "../../../sim/vocab/numbers.js";
import { resolve } from "node:path";
import { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  addCloudWatchDocument,
  asLogEvent,
  CloudWatchSeriesBuilder,
  CLOUDWATCH_SHAPES_IN_WORDS,
  detectCloudWatchShape,
  queriesFileGivenAsData,
  queriesFileKind,
  parseMetricDataQueries,
  parsePerformanceEvent,
  parsePerformanceMessage,
  periodForSpacing,
  pickRequestsSeries,
  type CloudWatchSeries,
  type CloudWatchShape,
  type MetricDataQuery,
} from "../../cloudwatch-json.js";
import { MAX_TRACE_STEPS, STEP_SECONDS_CHOICES, tooManySteps } from "../../trace.js";
import type { FixedSeries } from "../files/bundle.js";
import { specialFileKind } from "../files/bundle-files.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import { jsonErrorReason } from "../files/excerpt.js";
import {
  warnings,
  BUNDLE_REQUESTS_SERIES,
  type BundleSeries,
  type WarningSink,
} from "../../../sim/vocab/index.js";
import { STANDARD_PERIOD } from "../aws/period.js";
import type { ImportedSeries } from "./formats.js";
import type { ImportOptions, ImportResult } from "./import.js";
import {
  forEachLine,
  listSources,
  MAX_LINE_CHARS,
  openSource,
  type InputSource,
  MAX_REPORTED_BAD_LINES,
} from "./sources.js";

/**
 * The largest JSON document `--format cloudwatch` reads whole, bytes (after gunzip). CLI output
 * is far smaller: a full GetMetricData page (100,800 datapoints) is about 5 MB pretty-printed.
 * JSONL events stream and have no such cap. @default 64 MiB
 */
export const MAX_CLOUDWATCH_JSON_BYTES = 64 * 1024 * 1024;

/** Files named in the notes with their bad-record counts; the rest are summed up. */
const MAX_FILE_NOTES = 20;

// ---------------------------------------------------------------------------------------------

const noS3 = (): S3Client => {
  throw new Error("importCloudWatch: an s3:// source needs the `s3` option");
};

const MiB = 1024 * 1024;
const size = (bytes: number): string =>
  bytes < MiB ? `${bytes} bytes` : `${Math.round((bytes / MiB) * 10) / 10} MiB`;

function tooBig(name: string, maxBytes: number): UsageError {
  return new UsageError(
    `${name} is larger than ${size(maxBytes)}, the most --format cloudwatch reads as one JSON document; split it (one file per page of output) or save the events one per line (JSONL, e.g. jq -r '.events[].message'), which is read as a stream.`,
    "file-too-large",
  );
}

const SHAPE_NAMES: Readonly<Record<CloudWatchShape, string>> = {
  "get-metric-data": "get-metric-data",
  "get-metric-statistics": "get-metric-statistics",
  "container-insights-events": "Container Insights events",
  "filter-log-events": "filter-log-events",
};

/**
 * Reads the `--queries` file: the JSON given to `aws cloudwatch get-metric-data
 * --metric-data-queries` (a `file://` prefix is dropped).
 *
 * @throws UsageError when the file is missing, too large, not JSON or not a list of queries.
 */
export async function readQueriesFile(
  path: string,
  maxBytes = MAX_CLOUDWATCH_JSON_BYTES,
): Promise<MetricDataQuery[]> {
  const file = path.replace(/^file:\/\//, "");
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    throw new UsageError(
      `--queries ${file} does not exist; give the JSON file passed to aws cloudwatch get-metric-data --metric-data-queries.`,
      "missing-file",
      { cause: error },
    );
  }
  const special = specialFileKind(info);
  if (special !== null)
    throw new UsageError(
      `--queries ${file} is ${special}, not a regular file; give the JSON file passed to aws cloudwatch get-metric-data --metric-data-queries.`,
      "not-a-file",
    );
  if (info.size > maxBytes) throw tooBig(file, maxBytes);
  let json: unknown;
  const text = withoutByteOrderMark(await readFile(file, "utf8"));
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `--queries ${file} is ${jsonErrorReason(text, error)}; give the JSON file passed to aws cloudwatch get-metric-data --metric-data-queries.`,
      "bad-queries",
      { cause: error },
    );
  }
  const queries = parseMetricDataQueries(json);
  if (!queries.ok)
    throw new UsageError(
      `--queries ${file} ${queries.error}; give the JSON file passed to aws cloudwatch get-metric-data --metric-data-queries.`,
      "bad-queries",
    );
  return queries.value;
}

/** What one input held. */
interface SourceRead {
  readonly shapes: readonly CloudWatchShape[];
  readonly records: number;
  readonly bad: number;
  readonly lines: boolean;
}

/** Counts bad records over every input and reports the first few. */
class BadRecords {
  total = 0;
  constructor(private readonly warn: WarningSink) {}
  line(source: string, lineNumber: number, reason: string): void {
    if (++this.total <= MAX_REPORTED_BAD_LINES)
      this.warn(warnings.badLine(source, lineNumber, reason));
  }
  event(source: string, index: number, reason: string): void {
    if (++this.total <= MAX_REPORTED_BAD_LINES) this.warn(warnings.badEvent(source, index, reason));
  }
}

/**
 * Reads every source into series (see the module comment).
 *
 * @throws UsageError when a source is missing, too large, not JSON or none of the CloudWatch
 *   shapes, when nothing at all was read, or when no series (or more than one) can be the
 *   requests series.
 */
export async function importCloudWatch(
  options: ImportOptions,
  warn: WarningSink,
): Promise<ImportResult> {
  const s3 = options.s3 ?? noS3;
  const maxBytes = options.maxJsonBytes ?? MAX_CLOUDWATCH_JSON_BYTES;
  const queries =
    options.queriesFile === undefined ? [] : await readQueriesFile(options.queriesFile, maxBytes);
  const queriesPath =
    options.queriesFile === undefined
      ? undefined
      : resolve(options.queriesFile.replace(/^file:\/\//, ""));
  const builder = new CloudWatchSeriesBuilder(queries, warn);
  const bad = new BadRecords(warn);
  const shapeFiles = new Map<CloudWatchShape, number>();
  const badPerFile: string[] = [];
  let filesWithBad = 0;
  let files = 0;
  let records = 0;
  let unreadable = 0;

  for await (const source of listSources(options.sources, "cloudwatch", s3)) {
    // A folder that holds the --queries file too: that file is not a source.
    if (source.kind === "file" && resolve(source.path) === queriesPath) continue;
    files++;
    let read: SourceRead;
    try {
      read = await readSource(source, s3, maxBytes, builder, bad);
    } catch (error) {
      if (isGzipDamage(error)) throw gzipDamaged(source.name, error);
      if (!(error instanceof PartlyRead)) throw error;
      unreadable++;
      warn(warnings.unreadableInput(source.name, error.message));
      read = error.read;
    }
    records += read.records;
    for (const shape of new Set(read.shapes))
      shapeFiles.set(shape, (shapeFiles.get(shape) ?? 0) + 1);
    if (read.bad > 0 && filesWithBad++ < MAX_FILE_NOTES)
      badPerFile.push(
        `${source.name}: ${read.bad} bad ${read.lines ? "line" : "event"}${read.bad === 1 ? "" : "s"} skipped`,
      );
    options.onProgress?.({ source: source.name, files, lines: records });
  }
  if (bad.total > MAX_REPORTED_BAD_LINES)
    warn(warnings.moreBadLines(bad.total - MAX_REPORTED_BAD_LINES));

  const what = options.sources.join(", ");
  if (files === 0) {
    throw new UsageError(`${what} holds no objects; check the bucket and prefix.`, "missing-file");
  }
  const all = builder.finish();
  if (all.every((s) => s.times.length === 0)) {
    const hint =
      bad.total > 0
        ? `none of its ${bad.total} records could be read; check that it is CloudWatch JSON`
        : "it holds no datapoints or performance events";
    throw new UsageError(`Nothing to import from ${what}: ${hint}.`, "empty-trace");
  }
  const picked = pickRequestsSeries(all, options.requests);
  if (!picked.ok) throw new UsageError(picked.error, "no-requests-series");
  const requestsSource = picked.value;
  if (requestsSource === null) warn(warnings.noRequestsSeries());

  const placed = placeAll(all, requestsSource, options, warn);
  const requests = placed.requests;
  const kept = requests === null ? placed.others : [requests];
  if (!kept.some((s) => Array.from(s.data.values).some(Number.isFinite))) {
    const which =
      requestsSource === null ? "no series" : `the requests series (${requestsSource.id})`;
    throw new UsageError(
      `Nothing to import from ${what}: ${which} has datapoints between --from and --to; widen the window.`,
      "empty-trace",
    );
  }
  // The window: the requests series' (without one, every series' from first to last period).
  const window = {
    fromMs: Math.min(...kept.map((s) => s.data.startMs)),
    toMs: Math.max(...kept.map((s) => s.endMs)),
  };
  const requestsTotal = requests === null ? 0 : sumFinite(requests.data.values);
  const period = requests?.data.stepSeconds ?? mostCommon(kept.map((s) => s.data.stepSeconds));
  if (requestsSource !== null && !(STEP_SECONDS_CHOICES as readonly number[]).includes(period))
    warn(warnings.requestsPeriodNotATraceStep(requestsSource.id, period, STEP_SECONDS_CHOICES));
  if (placed.outside > 0) warn(warnings.datapointsOutsideWindow(placed.outside));

  const label = requestsSource?.aliases.find((a) => a !== requestsSource.id);
  const requestsFrom =
    requestsSource === null
      ? undefined
      : label === undefined
        ? requestsSource.id
        : `${requestsSource.id} (${label})`;
  const shapes = [...shapeFiles.entries()].map(
    ([shape, n]) => `${SHAPE_NAMES[shape]} (${n} input${n === 1 ? "" : "s"})`,
  );
  const notes = [
    `read ${plural(records, "datapoint or event", "datapoints and events")} from ${plural(files, "input")} (${shapes.join(", ")}): ${plural(bad.total, "bad record")} skipped, ${plural(placed.outside, "datapoint")} outside the window, ${plural(unreadable, "input")} not read to the end`,
    requestsSource === null
      ? "no series counts requests (no RequestCount, no --requests): the bundle holds the other series only"
      : `requests is ${requestsFrom}${requestsSource.id === requestsSource.metricName || requestsSource.aliases.includes(requestsSource.metricName) ? "" : `, ${requestsSource.namespace ?? "metric"} ${requestsSource.metricName}`}`,
    "each series keeps its CloudWatch period (the query's Period, else --step, else the datapoints' spacing); an empty value is a period with no datapoint",
    ...builder.notes,
    ...badPerFile,
    ...(filesWithBad > MAX_FILE_NOTES
      ? [`${filesWithBad - MAX_FILE_NOTES} more inputs had bad records`]
      : []),
  ];
  return {
    kind: "cloudwatch",
    detail: `saved CloudWatch JSON: ${shapes.join(", ")}; ${requestsFrom === undefined ? "no requests series" : `requests from ${requestsFrom}`}`,
    window,
    stepSeconds: period,
    series: [...(requests === null ? [] : [requests]), ...placed.others].map(({ def, data }) => ({
      def,
      data,
    })),
    notes,
    stats: {
      files,
      lines: records,
      requests: requestsTotal,
      badLines: bad.total,
      outsideWindow: placed.outside,
      unreadableFiles: unreadable,
    },
    requestsFrom,
  };
}

/** An input that failed part way (JSONL only): what was read of it counts. */
class PartlyRead extends Error {
  constructor(
    message: string,
    readonly read: SourceRead,
  ) {
    super(message);
    this.name = "PartlyRead";
  }
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === "Z_BUF_ERROR" || e.code === "Z_DATA_ERROR")
    return "gzip data is corrupt or cut short";
  return e.code ?? e.message;
}

/**
 * Reads one input: JSONL when its first non-blank line is a JSON object on its own, else one
 * JSON document.
 */
async function readSource(
  source: InputSource,
  s3: () => S3Client,
  maxBytes: number,
  builder: CloudWatchSeriesBuilder,
  bad: BadRecords,
): Promise<SourceRead> {
  let stream: Readable;
  try {
    stream = await openSource(source, s3);
  } catch (error) {
    if (isGzipDamage(error)) throw gzipDamaged(source.name, error);
    throw new UsageError(
      `${source.name} could not be read (${describe(error)}).`,
      "unreadable-file",
      {
        cause: error,
      },
    );
  }
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let bytes = 0;
  const decoder = new StringDecoder("utf8");
  let scan = "";
  let mode: "lines" | "whole" | null = null;
  let ended = false;
  try {
    while (mode === null) {
      const next = await chunks.next();
      if (next.done === true) {
        ended = true;
        break;
      }
      const chunk = typeof next.value === "string" ? Buffer.from(next.value) : next.value;
      head.push(chunk);
      bytes += chunk.length;
      scan += decoder.write(chunk);
      for (;;) {
        const nl = scan.indexOf("\n");
        if (nl < 0) break;
        const line = scan.slice(0, nl).trim();
        scan = scan.slice(nl + 1);
        if (line === "") continue;
        mode = isJsonObjectLine(line) ? "lines" : "whole";
        break;
      }
      if (mode === null && scan.length > MAX_LINE_CHARS) mode = "whole";
    }
  } catch (error) {
    if (isGzipDamage(error)) throw gzipDamaged(source.name, error);
    throw new UsageError(
      `${source.name} could not be read (${describe(error)}).`,
      "unreadable-file",
      {
        cause: error,
      },
    );
  }

  if (mode === "lines") {
    const rest = Readable.from(
      (async function* () {
        yield* head;
        for (;;) {
          const next = await chunks.next();
          if (next.done === true) return;
          yield next.value;
        }
      })(),
      { objectMode: false },
    );
    return readLines(source.name, rest, builder, bad);
  }

  try {
    while (!ended) {
      if (bytes > maxBytes) break;
      const next = await chunks.next();
      if (next.done === true) break;
      const chunk = typeof next.value === "string" ? Buffer.from(next.value) : next.value;
      head.push(chunk);
      bytes += chunk.length;
    }
  } catch (error) {
    if (isGzipDamage(error)) throw gzipDamaged(source.name, error);
    throw new UsageError(
      `${source.name} could not be read (${describe(error)}).`,
      "unreadable-file",
      {
        cause: error,
      },
    );
  }
  if (bytes > maxBytes) {
    stream.destroy();
    throw tooBig(source.name, maxBytes);
  }
  const text = withoutByteOrderMark(Buffer.concat(head).toString("utf8"));
  if (text.trim() === "")
    throw new UsageError(
      `${source.name} is empty; --format cloudwatch reads ${CLOUDWATCH_SHAPES_IN_WORDS}.`,
      "bad-cloudwatch-json",
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // JSONL whose first line is broken: read line by line if any line is a CloudWatch record.
    if (text.split("\n").some(isRecordLine))
      return readLines(source.name, Readable.from([text]), builder, bad);
    throw new UsageError(
      `${source.name} is ${jsonErrorReason(text, error)}; --format cloudwatch reads ${CLOUDWATCH_SHAPES_IN_WORDS}.`,
      "bad-cloudwatch-json",
      { cause: error },
    );
  }
  const queries = queriesFileKind(json);
  if (queries !== null)
    throw new UsageError(`${queriesFileGivenAsData(source.name, queries)}.`, "wrong-format");
  let badHere = 0;
  const read = addCloudWatchDocument(builder, source.name, json, (index, reason) => {
    badHere++;
    bad.event(source.name, index, reason);
  });
  if (!read.ok) throw new UsageError(`${source.name} ${read.error}.`, "bad-cloudwatch-json");
  return { shapes: [read.value.shape], records: read.value.records, bad: badHere, lines: false };
}

function isJsonObjectLine(line: string): boolean {
  if (!line.startsWith("{") || !line.endsWith("}")) return false;
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === "object" && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** Whether a line is, on its own, a CloudWatch record (an event or a whole document). */
function isRecordLine(line: string): boolean {
  const trimmed = line.trim();
  return isJsonObjectLine(trimmed) && detectCloudWatchShape(JSON.parse(trimmed)) !== null;
}

/**
 * JSONL: one record per line, streamed: a performance event, a filter-log-events event
 * (`{"timestamp", "message"}`) or a whole CloudWatch document (e.g. each page through `jq -c`).
 */
async function readLines(
  name: string,
  stream: Readable,
  builder: CloudWatchSeriesBuilder,
  bad: BadRecords,
): Promise<SourceRead> {
  const shapes = new Set<CloudWatchShape>();
  let records = 0;
  let badHere = 0;
  const fail = (lineNumber: number, reason: string): void => {
    badHere++;
    bad.line(name, lineNumber, reason);
  };
  try {
    await forEachLine(stream, (text, lineNumber) => {
      if (text === null) return fail(lineNumber, `is longer than ${MAX_LINE_CHARS} characters`);
      if (text.trim() === "") return;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return fail(lineNumber, "is not JSON");
      }
      const shape = detectCloudWatchShape(json);
      const logEvent = shape === null ? asLogEvent(json) : null;
      if (shape === null && logEvent === null)
        return fail(
          lineNumber,
          "is not a Container Insights performance event (it needs Type and Timestamp)",
        );
      if (logEvent !== null || (shape === "container-insights-events" && !Array.isArray(json))) {
        const event =
          logEvent !== null ? parsePerformanceMessage(logEvent) : parsePerformanceEvent(json);
        if (!event.ok) return fail(lineNumber, event.error);
        builder.addEvent(event.value);
        shapes.add(shape ?? "filter-log-events");
        records++;
        return;
      }
      // A whole document on one line (e.g. each page of output through `jq -c`).
      const read = addCloudWatchDocument(builder, `${name} line ${lineNumber}`, json, (i, reason) =>
        fail(lineNumber, `event ${i} ${reason}`),
      );
      if (!read.ok) return fail(lineNumber, read.error);
      shapes.add(read.value.shape);
      records += read.value.records;
    });
  } catch (error) {
    if (isGzipDamage(error)) throw gzipDamaged(name, error);
    throw new PartlyRead(describe(error), {
      shapes: [...shapes],
      records,
      bad: badHere,
      lines: true,
    });
  }
  return { shapes: [...shapes], records, bad: badHere, lines: true };
}

// ---------------------------------------------------------------------------------------------
// Series on their period grid

interface Placed extends ImportedSeries {
  /** End of the series' last step, epoch ms. */
  readonly endMs: number;
}

/**
 * Puts every series on its own period grid: from `--from` (else its first datapoint) to
 * `--to` (else the end of its last period), the requests series first and renamed `requests`.
 */
function placeAll(
  all: readonly CloudWatchSeries[],
  requestsSource: CloudWatchSeries | null,
  options: ImportOptions,
  warn: WarningSink,
): { requests: Placed | null; others: Placed[]; outside: number } {
  let outside = 0;
  const used = new Set<string>([BUNDLE_REQUESTS_SERIES]);
  const place = (s: CloudWatchSeries, id: string): Placed => {
    let period = s.periodSeconds;
    if (period !== undefined && options.stepSeconds !== undefined && options.stepSeconds !== period)
      warn(warnings.periodStatedByQuery(s.id, period, options.stepSeconds));
    period ??=
      options.stepSeconds ??
      (s.spacingSeconds === null ? STANDARD_PERIOD : periodForSpacing(s.spacingSeconds));
    const r = onPeriodGrid(s, period, options.fromMs, options.toMs);
    outside += r.outside;
    if (r.collisions > 0) warn(warnings.datapointsShareStep(s.id, r.collisions, period));
    const def: BundleSeries = {
      id,
      file: `series/${id}.csv`,
      ...(s.namespace !== undefined ? { namespace: s.namespace } : {}),
      metricName: s.metricName,
      ...(s.stat !== undefined ? { stat: s.stat } : {}),
      dimensions: s.dimensions.map((d) => ({ Name: d.Name, Value: d.Value })),
      ...(s.unit !== undefined ? { unit: s.unit } : {}),
      periodSeconds: period,
    };
    return { def, data: r.data, endMs: r.endMs };
  };
  const requests = requestsSource === null ? null : place(requestsSource, BUNDLE_REQUESTS_SERIES);
  const others: Placed[] = [];
  for (const s of all) {
    if (s === requestsSource) continue;
    let id = s.id;
    for (let n = 2; used.has(id); n++) id = `${s.id}_${n}`;
    used.add(id);
    others.push(place(s, id));
  }
  return { requests, others, outside };
}

/**
 * One series on a grid of `periodSeconds` from `fromMs` (else its first datapoint) to `toMs`
 * (else the end of its last period): slot ⌊(t − start) / period⌋, NaN where no datapoint fell.
 */
export function onPeriodGrid(
  s: Pick<CloudWatchSeries, "id" | "times" | "values">,
  periodSeconds: number,
  fromMs?: number,
  toMs?: number,
): { data: FixedSeries; endMs: number; outside: number; collisions: number } {
  const stepMs = periodSeconds * 1000;
  let outside = 0;
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < s.times.length; i++) {
    const t = s.times[i]!;
    if ((fromMs !== undefined && t < fromMs) || (toMs !== undefined && t >= toMs)) outside++;
    else {
      times.push(t);
      values.push(s.values[i]!);
    }
  }
  const startMs = fromMs ?? times[0] ?? toMs ?? 0;
  const endMs =
    toMs ??
    (times.length === 0
      ? startMs + stepMs
      : startMs + (Math.floor((times[times.length - 1]! - startMs) / stepMs) + 1) * stepMs);
  const length = Math.ceil((endMs - startMs) / stepMs);
  if (length > MAX_TRACE_STEPS)
    throw new UsageError(
      tooManySteps(
        `Series ${s.id}`,
        length,
        periodSeconds,
        startMs,
        endMs,
        "give --from/--to around the data you want",
      ),
      "trace-too-long",
    );
  const out = new Float64Array(length).fill(NaN);
  let collisions = 0;
  for (let i = 0; i < times.length; i++) {
    const slot = Math.floor((times[i]! - startMs) / stepMs);
    if (!Number.isNaN(out[slot]!)) collisions++;
    out[slot] = values[i]!;
  }
  return { data: { startMs, stepSeconds: periodSeconds, values: out }, endMs, outside, collisions };
}

/** The value most of `values` have (the first of the most common, in order). */
function mostCommon(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}

function sumFinite(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) sum += values[i]!;
  return sum;
}
