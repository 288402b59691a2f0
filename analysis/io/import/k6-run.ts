/**
 * `caplab import --format k6`: k6 results from someone's own pipeline into a RUN bundle
 * (sim/vocab/run-bundle.ts) that `report`, `gate` and `history` read like one from
 * `caplab run`.
 *
 *   k6 --out json NDJSON (plain or .gz; files, folders, s3://)
 *     ──copied (one local file as it is) or concatenated (gzipped)──▶ DIR/k6.json[.gz]
 *     ──ingestK6File (the one aggregator)──▶ every metric's aggregates, per second
 *   --summary-export FILE ──▶ DIR/summary.json: k6's own verdicts and numbers
 *   thresholds: --thresholds FILE ∪ the summary export's ∪ the NDJSON's Metric lines
 *     ──validateThresholds (k6's rules: exit 104 for what k6 refuses)──▶
 *     ──evaluateThresholds on the aggregates──▶ DIR/thresholds.json (k6's verdict where the
 *       summary export has one, each with its observed value)
 *   per-second series ──▶ DIR/trace/ (a trace bundle at --step: `simulate` and `plan` take
 *     the run bundle as a trace)
 *   ──writeRunManifest──▶ DIR/manifest.json (on: "import")
 */
import { isGzipFile } from "../files/k6-redact-files.js";
import { gzipDamaged, isGzipDamage, withoutByteOrderMark } from "../files/lines.js";
import { recognizeInput } from "../../input-kind.js";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { once } from "node:events";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  BUNDLE_FORMAT,
  BUNDLE_REQUESTS_SERIES,
  TraceBundleManifestSchema,
  type BundleSeries,
  type RunBundleManifest,
  warnings as warning,
  type WarningSink,
} from "../../../sim/vocab/index.js";
import { IMPORT_DEFAULTS } from "../../../sim/vocab/defaults.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import { targetOfEndpoints, type K6Ingested } from "../../k6-ingest.js";
import {
  parseK6Summary,
  summaryCounterSeconds,
  type K6SummaryFile,
  type K6SummaryKind,
} from "../../k6-summary.js";
import type { K6MetricType } from "../../k6-results.js";
import { LatencyHistogram } from "../../stats/index.js";
import { TraceError } from "../../trace.js";
import type { K6Threshold } from "../../../scenarios/plan/k6-plan.js";
import {
  aggregationKey,
  evaluateThresholds,
  K6_INVALID_CONFIG_EXIT_CODE,
  parseThresholdExpression,
  parseThresholdsOption,
  thresholdNeeds,
  thresholdText,
  validateThresholds,
  type ThresholdResult,
} from "../../../scenarios/plan/k6-thresholds.js";
import { plural } from "../../../sim/vocab/numbers.js";
import { thresholdVerdicts } from "../../../reports/run-data.js";
import { renderSeriesCsv, type FixedSeries } from "../files/bundle.js";
import { excerpt, jsonErrorReason } from "../files/excerpt.js";
import { ingestK6File, K6LineTooLongError, MAX_K6_LINE_BYTES } from "../files/k6-stream.js";
import { writeJsonAtomic } from "../files/output.js";
import { checkWholeFile } from "../files/small-file.js";
import { caplabVersion } from "../../../sim/io/package-root.js";
import { redactThreshold, writeRunManifest } from "../files/run-bundle.js";
import { listSources, MAX_REPORTED_BAD_LINES, openSource } from "./sources.js";
import { convertK6Csv, opensAsK6Csv, withHead, type K6CsvConverted } from "./k6-csv-source.js";
import { StepGrid } from "./steps.js";

/** k6 refuses these thresholds before a test: exit 104, as k6 does (reference/k6.md §3.6). */
export class InvalidThresholdsError extends UsageError {
  /**
   * @param todo where the refused thresholds were written and what to do, as the end of the
   *   sentence; by default, to fix them in the script or the --thresholds file
   */
  constructor(
    readonly problems: readonly string[],
    todo = "Fix the threshold in the script or in --thresholds.",
  ) {
    super(
      `k6 would refuse ${problems.length === 1 ? "this threshold" : `these ${problems.length} thresholds`} before the test (exit 104): ${problems.join("; ")}. ${todo}`,
      "invalid-threshold",
      { exitCode: K6_INVALID_CONFIG_EXIT_CODE },
    );
    this.name = "InvalidThresholdsError";
  }
}

export interface K6RunImportOptions {
  /** k6 `--out json` files (plain or gzipped), folders of them, or `s3://bucket/prefix`. */
  readonly sources: readonly string[];
  /** k6's `--summary-export` file (or a `handleSummary` data JSON) of the same run. */
  readonly summaryExport?: string;
  /**
   * A JSON file with the script's thresholds: `{"thresholds": {…}}` (k6's options, e.g. from
   * `k6 inspect`), `{"options": {"thresholds": {…}}}`, or the thresholds object itself.
   */
  readonly thresholdsFile?: string;
  /** Step of the trace series, seconds. @default IMPORT_DEFAULTS.stepSeconds (60, sim/vocab/defaults.ts) */
  readonly stepSeconds?: number;
  readonly fromMs?: number;
  readonly toMs?: number;
  /** The scenario name recorded (the history pools runs by it). @default the points' `scenario` tag, else IMPORT_DEFAULTS.k6Scenario ("k6") */
  readonly scenario?: string;
  /** The run's id. @default `import-` and 8 random hex digits */
  readonly runId?: string;
  readonly s3?: () => S3Client;
  /** When the bundle is written (its `createdAt`). */
  readonly now: Date;
}

/** A threshold of an imported run: caplab's verdict on the points, or k6's from its summary. */
export type K6RunThreshold = ThresholdResult & { readonly judgedBy: "k6" | "caplab" };

export interface K6RunImport {
  readonly manifest: RunBundleManifest;
  readonly ingested: K6Ingested;
  readonly thresholds: readonly K6RunThreshold[];
  /** Where the thresholds came from, in words. */
  readonly thresholdsFrom: readonly string[];
  /** The shape of the `--summary-export` file; null without one. */
  readonly summaryKind: K6SummaryKind | null;
  /** Inputs read. */
  readonly files: number;
  /** The trace's window and step; null when the output holds no `http_reqs`. */
  readonly trace: {
    readonly fromMs: number;
    readonly toMs: number;
    readonly stepSeconds: number;
  } | null;
}

const noS3 = (): S3Client => {
  throw new Error("importK6Run: an s3:// source needs the `s3` option");
};

/**
 * A user's JSON file (summary export, thresholds), read whole; a UsageError names what is wrong.
 *
 * @param givenAs how the user gave it, which the messages name: the flag (`--summary-export`,
 *   `--thresholds`), or `SOURCE` for a k6 summary given as the only SOURCE (named by its path
 *   alone: no flag was given)
 */
export async function readJsonInput(
  givenAs: "--summary-export" | "--thresholds" | "SOURCE",
  path: string,
): Promise<unknown> {
  const named = givenAs === "SOURCE" ? path : `${givenAs} ${path}`;
  await checkWholeFile(path, givenAs === "SOURCE" ? "the k6 summary" : givenAs);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === "ENOENT"
        ? `${named} does not exist; check the path.`
        : `${named} cannot be read (${code ?? "unknown error"}).`,
      "missing-file",
      { cause: error },
    );
  }
  // A byte order mark (Windows editors, PowerShell's Out-File) is no part of the JSON; the
  // sniff (analysis/input-kind.ts) drops it too.
  text = withoutByteOrderMark(text);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // k6's --out json output given where its summary belongs: say so, not where JSON broke.
    if (recognizeInput(text.slice(0, 64 * 1024), text.length <= 64 * 1024).includes("k6"))
      throw new UsageError(
        givenAs === "SOURCE"
          ? `${path} is k6 --out json output (a JSON object per line), not a k6 summary; import it with --format k6.`
          : `${named} is k6 --out json output (a JSON object per line), not ${givenAs === "--summary-export" ? "a summary" : "a thresholds file"}; give it as SOURCE, and ${givenAs === "--summary-export" ? "the file k6 --summary-export wrote (or handleSummary's data)" : 'a JSON file of {"thresholds": {…}}'} as ${givenAs}.`,
        "wrong-format",
        { cause: error },
      );
    throw new UsageError(
      `${named} is not JSON: ${jsonErrorReason(text, error)}${givenAs === "SOURCE" ? "; it opens as a k6 summary, so give the whole file k6 --summary-export or handleSummary wrote" : ""}.`,
      "bad-config",
      { cause: error },
    );
  }
}

/** The thresholds of a `--thresholds` file: k6's options, `{options: …}`, or the object itself. */
function thresholdsOfFile(path: string, json: unknown): Record<string, K6Threshold[]> {
  const o = json as { thresholds?: unknown; options?: { thresholds?: unknown } } | null;
  const candidate =
    o !== null && typeof o === "object" && "thresholds" in o
      ? o.thresholds
      : o !== null && typeof o === "object" && typeof o.options === "object" && o.options !== null
        ? o.options.thresholds
        : json;
  const parsed = parseThresholdsOption(candidate);
  if (!parsed.ok)
    throw new UsageError(
      `--thresholds ${path}: ${excerpt(parsed.error, 200)}; write {"thresholds": {"http_req_duration": ["p(95)<500"]}} as in k6's options.`,
      "bad-config",
    );
  return parsed.value;
}

/**
 * Copies or concatenates the sources into `dir`: one local file of k6 JSON as it is
 * (`k6.json.gz` when gzipped, else `k6.json`), several inputs, S3 objects or k6 `--out csv`
 * output (converted to Point lines: analysis/io/import/k6-csv-source.ts) gunzipped and gzipped
 * again into `k6.json.gz`. Returns the bundle's file name, how many inputs there were and the
 * CSV rows converted (null when no input was CSV).
 */
async function gatherK6Output(
  options: K6RunImportOptions,
  dir: string,
  types: ReadonlyMap<string, K6MetricType>,
  warn: WarningSink,
): Promise<{ name: string; files: number; csv: K6CsvConverted | null }> {
  const s3 = options.s3 ?? noS3;
  const sources = [];
  for await (const source of listSources(options.sources, "k6", s3)) sources.push(source);
  if (sources.length === 0)
    throw new UsageError(
      `${options.sources.join(", ")} holds no k6 output (*.json, *.ndjson, .gz); check the path or prefix.`,
      "missing-file",
    );
  const only = sources[0]!;
  if (sources.length === 1 && only.kind === "file" && !(await isK6CsvFile(only.path))) {
    const name = (await isGzipFile(only.path)) ? "k6.json.gz" : "k6.json";
    await copyFile(only.path, join(dir, name));
    await chmod(join(dir, name), 0o644); // the source may be read-only; the bundle's copy is caplab's
    return { name, files: 1, csv: null };
  }
  const name = "k6.json.gz";
  const gzip = createGzip({ level: 1 });
  const out = createWriteStream(join(dir, name));
  const done = pipeline(gzip, out);
  const write = async (text: string | Buffer) => {
    if (!gzip.write(text)) await once(gzip, "drain");
  };
  let csv = null as K6CsvConverted | null;
  for (const source of sources) {
    const chunks = (await openSource(source, s3))[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let first = await chunks.next();
    while (first.done !== true && first.value.length === 0) first = await chunks.next();
    if (first.done === true) continue;
    if (opensAsK6Csv(first.value)) {
      const read = await convertK6Csv(
        withHead(first.value, chunks),
        source.name,
        write,
        warn,
        types,
      );
      csv = {
        rows: (csv?.rows ?? 0) + read.rows,
        badRows: (csv?.badRows ?? 0) + read.badRows,
        untyped: [...new Set([...(csv?.untyped ?? []), ...read.untyped])].sort(),
      };
      continue;
    }
    let last = 10;
    for (
      let chunk: IteratorResult<Buffer> = first;
      chunk.done !== true;
      chunk = await chunks.next()
    ) {
      if (chunk.value.length === 0) continue;
      last = chunk.value[chunk.value.length - 1]!;
      await write(chunk.value);
    }
    // Files are concatenated line by line: a file without a final newline gets one.
    if (last !== 10) await write("\n");
  }
  gzip.end();
  await done;
  return { name, files: sources.length, csv };
}

/** Whether a local file (gzipped or not) opens with k6 `--out csv`'s header. */
async function isK6CsvFile(path: string): Promise<boolean> {
  const stream = await openSource({ kind: "file", path, name: path }, noS3);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>)
      if (chunk.length > 0) return opensAsK6Csv(chunk);
    return false;
  } finally {
    stream.destroy();
  }
}

/** The per-second series summed into the trace's steps: requests, failures, duration mean and p95 (s). */
function traceSeries(
  ingested: K6Ingested,
  grid: StepGrid,
): { series: { def: BundleSeries; data: FixedSeries }[]; fromMs: number; toMs: number } | null {
  const o = ingested.overall;
  const requests = new Map<number, number>();
  const failures = new Map<number, number>();
  const histograms = new Map<number, LatencyHistogram>();
  for (let i = 0; i < o.requests.length; i++) {
    const k = grid.index(o.startMs + i * 1000);
    if (k === null) continue;
    if (o.requests[i]! > 0) requests.set(k, (requests.get(k) ?? 0) + o.requests[i]!);
    if (o.failures[i]! > 0) failures.set(k, (failures.get(k) ?? 0) + o.failures[i]!);
    const h = o.histograms[i];
    if (h !== null && h !== undefined) {
      let into = histograms.get(k);
      if (into === undefined) histograms.set(k, (into = new LatencyHistogram()));
      into.merge(h);
    }
  }
  const steps = [...requests.keys()];
  if (steps.length === 0) return null;
  const extent = grid.extent(Math.min(...steps), Math.max(...steps));
  if (extent === null) return null;
  const column = (value: (k: number) => number): FixedSeries => {
    const values = new Float64Array(extent.length);
    for (let i = 0; i < extent.length; i++) values[i] = value(extent.first + i);
    return { startMs: extent.startMs, stepSeconds: grid.stepSeconds, values };
  };
  const def = (id: string, metricName: string, stat: string, unit: string): BundleSeries => ({
    id,
    file: `series/${id}.csv`,
    metricName,
    stat,
    unit,
    dimensions: [],
    periodSeconds: grid.stepSeconds,
  });
  const histogram = (k: number) => histograms.get(k);
  return {
    fromMs: extent.startMs,
    toMs: extent.endMs,
    series: [
      {
        def: def(BUNDLE_REQUESTS_SERIES, "http_reqs", "Sum", "Count"),
        data: column((k) => requests.get(k) ?? 0),
      },
      {
        def: def("http-req-duration-average", "http_req_duration", "Average", "Seconds"),
        data: column((k) => (histogram(k)?.count ? histogram(k)!.mean / 1000 : NaN)),
      },
      {
        def: def("http-req-duration-p95", "http_req_duration", "p95", "Seconds"),
        data: column((k) => (histogram(k)?.count ? histogram(k)!.percentile(0.95) / 1000 : NaN)),
      },
      {
        def: def("http-req-failed", "http_req_failed", "Sum", "Count"),
        data: column((k) => failures.get(k) ?? 0),
      },
    ],
  };
}

/**
 * Imports a k6 run into the run bundle folder `dir` (fresh and empty: an output folder's
 * staging folder). See the module comment.
 *
 * @throws UsageError for a missing or unreadable input, an output with no k6 line at all, a
 *   `--summary-export` or `--thresholds` file that is not what it should be;
 *   InvalidThresholdsError (exit 104) when k6 would refuse a threshold.
 */
export async function importK6Run(
  options: K6RunImportOptions,
  dir: string,
  warn: WarningSink,
): Promise<K6RunImport> {
  // The thresholds first: they say which aggregates the k6 output must give.
  let summary: K6SummaryFile | null = null;
  let summaryJson: unknown = null;
  if (options.summaryExport !== undefined) {
    summaryJson = await readJsonInput("--summary-export", options.summaryExport);
    try {
      summary = parseK6Summary(summaryJson);
    } catch (error) {
      throw new UsageError(
        `--summary-export ${options.summaryExport} is not a k6 summary (${excerpt((error as Error).message)}); give the file k6 --summary-export wrote, or handleSummary's data.`,
        "bad-config",
        { cause: error },
      );
    }
  }
  const fromFile =
    options.thresholdsFile === undefined
      ? {}
      : thresholdsOfFile(
          options.thresholdsFile,
          await readJsonInput("--thresholds", options.thresholdsFile),
        );
  const k6Verdicts = summaryJson === null ? [] : thresholdVerdicts(summaryJson);
  const fromSummary: Record<string, K6Threshold[]> = {};
  for (const v of k6Verdicts) (fromSummary[v.metric] ??= []).push(v.expression);
  const known = { ...fromSummary };
  for (const [m, list] of Object.entries(fromFile)) (known[m] ??= []).push(...list);
  const needs = thresholdNeeds(known);

  // The metric types the summary export records (a k6 CSV has none of its own).
  const types = new Map<string, K6MetricType>();
  for (const [name, m] of Object.entries(summary?.metrics ?? {})) {
    const t = (summaryJson as { metrics?: Record<string, { type?: unknown }> }).metrics?.[name]
      ?.type;
    if (t === "counter" || t === "gauge" || t === "rate" || t === "trend") types.set(name, t);
    else if ("passes" in m && "fails" in m) types.set(name, "rate");
  }

  await mkdir(dir, { recursive: true });
  const { name: k6Name, files, csv } = await gatherK6Output(options, dir, types, warn);
  const durationSeconds =
    summary?.durationMs !== null && summary?.durationMs !== undefined
      ? summary.durationMs / 1000
      : counterDuration(summary);
  let ingested: K6Ingested;
  try {
    ingested = await ingestK6File(join(dir, k6Name), {
      metrics: needs.metrics,
      percentiles: needs.percentiles,
      ...(durationSeconds === undefined ? {} : { durationSeconds }),
    });
  } catch (error) {
    const what = options.sources.join(", ");
    if (error instanceof K6LineTooLongError)
      throw new UsageError(
        `${what}: ${error.line === undefined ? "a line" : `line ${error.line}`} is longer than ${MAX_K6_LINE_BYTES} bytes, so this is not k6 JSON output; check --format.`,
        "bad-k6-line",
        { cause: error },
      );
    if (error instanceof TraceError)
      throw new UsageError(`${what}: ${error.message}`, error.code, { cause: error });
    if (isGzipDamage(error)) throw gzipDamaged(what, error);
    throw error;
  }
  const sourceName = files === 1 ? options.sources[0]! : options.sources.join(", ");
  for (const b of ingested.badLines.slice(0, MAX_REPORTED_BAD_LINES))
    warn(
      warning.badLine(
        sourceName,
        b.line,
        b.refused ? `is refused: ${b.reason}` : `is not k6 JSON (${b.reason})`,
      ),
    );
  if (ingested.badLineCount > MAX_REPORTED_BAD_LINES)
    warn(warning.moreBadLines(ingested.badLineCount - MAX_REPORTED_BAD_LINES));
  if (ingested.lines > 0 && ingested.badLineCount === ingested.lines)
    throw new UsageError(
      `Nothing to import from ${options.sources.join(", ")}: none of its ${plural(ingested.lines, "line")} read as k6 JSON output (k6 run --out json=FILE); check --format.`,
      "empty-trace",
    );
  if (ingested.lines === 0)
    throw new UsageError(
      `Nothing to import from ${options.sources.join(", ")}: it holds no lines; check the source.`,
      "empty-trace",
    );

  const summaryRequests = summary?.metrics.http_reqs?.count;
  const outputRequests = ingested.metrics.http_reqs?.values.count ?? 0;
  if (summaryRequests !== undefined && summaryRequests !== outputRequests)
    warn(warning.summaryOfAnotherRun(options.summaryExport!, summaryRequests, outputRequests));

  // Every threshold, once: --thresholds, then the summary export's, then the Metric lines'.
  const thresholds: Record<string, K6Threshold[]> = {};
  const from: string[] = [];
  const add = (source: Readonly<Record<string, readonly K6Threshold[]>>, label: string) => {
    let added = 0;
    for (const [metric, list] of Object.entries(source))
      for (const t of list) {
        const have = (thresholds[metric] ??= []);
        if (!have.some((x) => thresholdText(x) === thresholdText(t))) {
          have.push(t);
          added++;
        }
      }
    if (added > 0 || Object.keys(source).length > 0) from.push(label);
  };
  if (options.thresholdsFile !== undefined) add(fromFile, `--thresholds ${options.thresholdsFile}`);
  if (options.summaryExport !== undefined)
    add(fromSummary, `--summary-export ${options.summaryExport}`);
  add(ingested.declaredThresholds as Record<string, K6Threshold[]>, "the k6 output's Metric lines");

  // k6's registry: its built-ins, the metrics of the output and of the summary export.
  const typeOf = (name: string) => ingested.metrics[name]?.type ?? types.get(name);
  // The thresholds k6 judged (the summary export's) keep k6's verdict; the others caplab
  // judges on the points, after refusing what k6 would refuse.
  const k6Verdict = (metric: string, expression: string) =>
    k6Verdicts.find((v) => v.metric === metric && v.expression === expression);
  const ours: Record<string, K6Threshold[]> = {};
  for (const [metric, list] of Object.entries(thresholds)) {
    const left = list.filter((t) => k6Verdict(metric, thresholdText(t)) === undefined);
    if (left.length > 0 || (list.length === 0 && !Object.hasOwn(fromSummary, metric)))
      ours[metric] = left;
  }
  /** Where the refused thresholds were written (the file or the k6 output), and what to do. */
  const refusedTodo = (): string => {
    const refused = (source: Readonly<Record<string, readonly K6Threshold[]>>) => {
      const mine: Record<string, K6Threshold[]> = {};
      for (const [metric, list] of Object.entries(ours)) {
        const texts = new Set((source[metric] ?? []).map(thresholdText));
        const kept = list.filter((t) => texts.has(thresholdText(t)));
        if (kept.length > 0 || (list.length === 0 && Object.hasOwn(source, metric)))
          mine[metric] = kept;
      }
      return validateThresholds(mine, typeOf).length > 0;
    };
    const inFile = options.thresholdsFile !== undefined && refused(fromFile);
    const declared = refused(ingested.declaredThresholds as Record<string, K6Threshold[]>);
    const output = options.sources.join(", ");
    if (declared && inFile)
      return `Fix them in --thresholds ${options.thresholdsFile} and on the Metric lines of the k6 output ${output}.`;
    if (declared)
      return `They are declared on the Metric lines of the k6 output ${output}, where k6 writes only thresholds it ran with, so that file is not a k6 run's output as it stands: import the run's own --out json output, or fix the thresholds on its Metric lines.`;
    if (inFile) return `Fix the threshold in --thresholds ${options.thresholdsFile}.`;
    return "Fix the threshold in the script or in --thresholds.";
  };
  const untyped = new Set(csv?.untyped ?? []);
  for (const [key, list] of Object.entries(ours)) {
    const metric = key.split("{")[0]!;
    if (untyped.has(metric) && list.length > 0)
      throw new UsageError(
        `The threshold "${thresholdText(list[0]!)}" on ${key} cannot be judged: ${metric} is a custom metric of the k6 --out csv output, which records no metric types (k6 writes them in --out json and in the summary export); give the run's --summary-export FILE, which records its type, or import its --out json output.`,
        "bad-config",
      );
  }
  const problems = validateThresholds(ours, typeOf);
  if (problems.length > 0) throw new InvalidThresholdsError(problems, refusedTodo());
  const judged = evaluateThresholds(thresholds, ingested.metrics, typeOf);
  const summaryValues = summary?.metrics ?? {};
  const results = judged.map((r): K6RunThreshold => {
    const k6 = k6Verdict(r.metric, r.expression);
    if (k6 === undefined) return { ...r, judgedBy: "caplab" };
    // k6's verdict, with k6's own number where its summary has the aggregate.
    const parsed = parseThresholdExpression(r.expression);
    const key = parsed.ok ? aggregationKey(parsed.value.aggregation) : null;
    const fromK6 =
      key !== null && Object.hasOwn(summaryValues, r.metric)
        ? summaryValues[r.metric]![key]
        : undefined;
    if (fromK6 === undefined && r.verdict !== "invalid" && r.ok !== k6.ok)
      warn(
        warning.thresholdVerdictDiffers(r.metric, r.expression, k6.ok, r.ok, String(r.observed)),
      );
    return {
      verdict: k6.ok ? "passed" : "failed",
      metric: r.metric,
      expression: r.expression,
      ok: k6.ok,
      aggregation: key ?? "",
      observed: fromK6 ?? (r.verdict === "invalid" ? null : r.observed),
      contains:
        r.verdict === "invalid" ? (ingested.metrics[r.metric]?.contains ?? "default") : r.contains,
      // The samples of the k6 output, which k6 judged too: 0 shows an empty sink (whose
      // passing verdict the gate does not count as judged).
      samples: r.verdict === "invalid" ? (fromK6 !== undefined ? 1 : 0) : r.samples,
      judgedBy: "k6",
    };
  });

  // What the bundle and the terminal show: the credentials of URLs in sub-metric names
  // (k6's `url` and `name` tags) taken out.
  const shown = results.map(redactThreshold);

  // The trace, for simulate and plan.
  const grid = new StepGrid(
    options.stepSeconds ?? IMPORT_DEFAULTS.stepSeconds,
    options.fromMs,
    options.toMs,
  );
  let trace: ReturnType<typeof traceSeries>;
  try {
    trace = traceSeries(ingested, grid);
  } catch (error) {
    throw new UsageError(
      `${options.sources.join(", ")}: ${(error as Error).message}`,
      "trace-too-long",
      {
        cause: error,
      },
    );
  }
  const version = caplabVersion();
  const created = options.now.toISOString();
  if (trace !== null) {
    await mkdir(join(dir, "trace", "series"), { recursive: true });
    for (const s of trace.series)
      await writeFile(join(dir, "trace", s.def.file), renderSeriesCsv(s.data));
    const traceManifest = TraceBundleManifestSchema.parse({
      format: BUNDLE_FORMAT,
      caplabVersion: version,
      createdAt: created,
      source: { kind: "k6-json", detail: options.sources.join(" ") },
      window: {
        from: new Date(trace.fromMs).toISOString(),
        to: new Date(trace.toMs).toISOString(),
      },
      stepSeconds: grid.stepSeconds,
      series: trace.series.map((s) => s.def),
      notes: [
        "http_req_duration is converted from ms to seconds; the p95 comes from the per-second histograms (0.39 % relative accuracy)",
      ],
    });
    await writeFile(
      join(dir, "trace", "manifest.json"),
      `${JSON.stringify(traceManifest, null, 2)}\n`,
    );
  }
  if (summaryJson !== null) {
    await copyFile(options.summaryExport!, join(dir, "summary.json"));
    await chmod(join(dir, "summary.json"), 0o644);
  }
  await writeJsonAtomic(join(dir, "thresholds.json"), {
    format: "caplab-thresholds/1",
    evaluated: true,
    on: "the imported k6 output (k6's verdict where its summary export has one)",
    from,
    failed: shown.filter((r) => !r.ok).length,
    thresholds: shown,
  });
  const scenario =
    options.scenario ??
    (ingested.scenarios.length > 0 ? ingested.scenarios.join("+") : IMPORT_DEFAULTS.k6Scenario);
  const first = Number.isFinite(ingested.firstMs)
    ? new Date(ingested.firstMs).toISOString()
    : undefined;
  const last = Number.isFinite(ingested.lastMs)
    ? new Date(ingested.lastMs).toISOString()
    : undefined;
  const manifest = await writeRunManifest(join(dir, "manifest.json"), {
    format: "caplab-run-bundle/1",
    runId: options.runId ?? `import-${randomBytes(4).toString("hex")}`,
    on: "import",
    scenario: { name: scenario },
    // From the URLs k6 names its requests by; null when the script named them otherwise.
    target: targetOfEndpoints(ingested.endpoints),
    plan: null,
    gitCommit: null,
    caplabVersion: version,
    k6Version: summary?.k6Version ?? null,
    createdAt: created,
    ...(first === undefined ? {} : { startedAt: first }),
    ...(last === undefined ? {} : { endedAt: last }),
    k6ExitCode: null,
    k6Exit: "k6 ran elsewhere; caplab import --format k6 read its output",
    import: {
      sources: [...options.sources],
      summaryExport: options.summaryExport ?? null,
      thresholdsFrom: from,
      lines: ingested.lines + (csv?.badRows ?? 0),
      badLines: ingested.badLineCount + (csv?.badRows ?? 0),
    },
    files: {
      k6Json: k6Name,
      thresholds: "thresholds.json",
      ...(summaryJson === null ? {} : { summaryExport: "summary.json" }),
      ...(trace === null ? {} : { trace: "trace" }),
    },
    serverSide: {
      collected: false,
      reason:
        "imported k6 output: collect the service's window with caplab collect into DIR/server",
    },
    notes: [
      `read ${plural(ingested.lines, "line")} from ${plural(files, "input")} (${basename(options.sources[0]!)}${files > 1 ? ", …" : ""}): ${plural(ingested.badLineCount, "bad line")} skipped`,
      ...(csv === null
        ? []
        : [
            `k6 --out csv output converted to Point lines in ${k6Name}: ${plural(csv.rows, "row")} read, ${plural(csv.badRows, "bad row")} skipped (a CSV has no Metric lines: custom metrics' types and the thresholds come from --summary-export or --thresholds)${csv.untyped.length === 0 ? "" : `; custom metrics no summary export typed, their aggregates read as a Trend's: ${csv.untyped.join(", ")}`}`,
          ]),
      ...(trace === null ? ["no http_reqs in the k6 output: the bundle has no trace/"] : []),
      ...(durationSeconds === undefined
        ? [
            "counter rates divide by the span of the k6 output's points (no summary export gave the test's run time)",
          ]
        : [
            `counter rates divide by the test's run time from the summary export: ${durationSeconds} s`,
          ]),
    ],
  });
  return {
    manifest,
    // A CSV's bad rows are lines read and skipped too (the aggregator never saw them).
    ingested:
      csv === null
        ? ingested
        : {
            ...ingested,
            lines: ingested.lines + csv.badRows,
            badLineCount: ingested.badLineCount + csv.badRows,
          },
    thresholds: shown,
    thresholdsFrom: from,
    summaryKind: summary?.kind ?? null,
    files,
    trace:
      trace === null
        ? null
        : { fromMs: trace.fromMs, toMs: trace.toMs, stepSeconds: grid.stepSeconds },
  };
}

/** The test's run time from a summary export's `http_reqs`, when it has no `state.testRunDurationMs`. */
function counterDuration(summary: K6SummaryFile | null): number | undefined {
  return summary === null ? undefined : summaryCounterSeconds(summary.metrics);
}
