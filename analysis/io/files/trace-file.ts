/**
 * Reading request-rate traces: a CSV of (time, count) rows, a trace bundle folder, or the
 * embedded generated week.
 *
 *   CSV file ──readTraceCsv──▶ RawMetricSeries ──toTrace (analysis/trace.ts)──▶ Trace
 *   bundle/ ──readBundleRequests──▶ RawMetricSeries ──┤
 *   generate: default-week ──generateDefaultWeek──▶ RawMetricSeries ──┘
 *
 * Every mistake in a file is a {@link UsageError} whose message names the file and line.
 */
import { gzipDamaged, isGzipDamage } from "./lines.js";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { stat } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { CsvError, parse } from "csv-parse";
import { generateDefaultWeek } from "../../synthetic.js";
import { parseIsoTime, STEP_SECONDS_CHOICES, toTrace } from "../../trace.js";
import {
  TIME_COLUMN_NAMES,
  VALUE_COLUMN_NAMES,
  addToShape,
  emptyShape,
  looksLikePercentage,
  parseNumberCell as parseNumber,
  parseTimeCell,
  utilizationWord,
  type CountColumnShape,
} from "../../trace-cells.js";
import {
  chooseConsoleColumn,
  consoleColumns,
  isConsoleHeaderRow,
  opensConsoleHeader,
  parseConsoleTime,
  type ConsoleChoice,
} from "../../cloudwatch-console-csv.js";
import { warnings } from "../../../sim/vocab/warnings.js";
import { fixedGrouped } from "../../../sim/vocab/numbers.js";
import type {
  Candidate,
  DeploymentSettings,
  RawMetricSeries,
  TargetGroupPlatform,
  Trace,
  TraceSource,
  WarningSink,
} from "../../../sim/vocab/index.js";
import { isBundle, readBundleRequests } from "./bundle.js";
import { specialFileKind } from "./bundle-files.js";
import { csvErrorReason, MAX_CSV_RECORD_CHARS } from "./csv.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import { excerpt } from "./excerpt.js";

export {
  TIME_COLUMN_NAMES,
  UNIX_MILLISECONDS_FROM,
  VALUE_COLUMN_NAMES,
  parseTimeCell,
} from "../../trace-cells.js";

export interface ReadTraceCsvOptions {
  /** Header name of the time column. @default the first of {@link TIME_COLUMN_NAMES}, else the first column that reads as a time */
  readonly timeColumn?: string;
  /** Header name of the count column. @default the first of {@link VALUE_COLUMN_NAMES}, else the first other numeric column */
  readonly valueColumn?: string;
  /**
   * Called for each line whose time or count cannot be read; the line is skipped. Without
   * it, bad lines make the read fail (a config's trace file must be right).
   */
  readonly onBadLine?: (line: number, message: string) => void;
  /**
   * Where doubts about what the file holds go (a CloudWatch console CSV's times read as UTC, a
   * column named with --value-column that is not RequestCount Sum, a count column of fractional
   * percents, a file named for CPU). @default dropped
   */
  readonly warn?: WarningSink;
}

/**
 * The largest count a trace row may hold: 2^53 − 1, the largest whole number a double holds
 * exactly. A bigger one (1e300) is a broken file, not traffic. @default 9,007,199,254,740,991
 */
export const MAX_TRACE_COUNT = Number.MAX_SAFE_INTEGER;

interface Columns {
  readonly time: number;
  readonly value: number;
  readonly names: readonly string[];
}

/**
 * Reads a CSV of request counts, streaming. The first row is a header unless it already
 * holds a time and a number. Columns are chosen by name ({@link TIME_COLUMN_NAMES},
 * {@link VALUE_COLUMN_NAMES}) or by what the first data row holds. Empty lines are skipped.
 *
 * @throws UsageError when the file is missing, a column is not found, or any line has a
 *   time or count that cannot be read; the message names the first bad line and how many
 *   bad lines there are.
 */
export async function readTraceCsv(
  path: string,
  options: ReadTraceCsvOptions = {},
): Promise<RawMetricSeries> {
  await checkFile(path, "trace file");
  const file = createReadStream(path);
  return readTraceCsvStream(path.endsWith(".gz") ? file.pipe(createGunzip()) : file, path, options);
}

/**
 * {@link readTraceCsv} over a stream already open (an S3 object, a gunzipped file); `path` names
 * it in messages and in the series' source.
 */
export async function readTraceCsvStream(
  input: Readable,
  path: string,
  options: ReadTraceCsvOptions = {},
): Promise<RawMetricSeries> {
  const parser = input.pipe(
    parse({
      info: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      bom: true,
      max_record_size: MAX_CSV_RECORD_CHARS,
    }),
  );
  // pipe() does not pass on the input's errors (a gzip cut short): end the parser with them.
  input.on("error", (error) => parser.destroy(error));
  const times: number[] = [];
  const values: number[] = [];
  let header: string[] | null = null;
  let columns: Columns | null = null;
  // A CloudWatch console CSV (analysis/cloudwatch-console-csv.ts): its header rows, then its choice.
  let consoleRows: string[][] | null = null;
  let consoleChoice: ConsoleChoice | null = null;
  let readTime = parseTimeCell;
  const shape: CountColumnShape = emptyShape();
  const badLines: { count: number; first: string; option: "timeColumn" | "valueColumn" } = {
    count: 0,
    first: "",
    option: "valueColumn",
  };
  const bad = (
    line: number,
    what: string,
    option: "timeColumn" | "valueColumn" = "valueColumn",
  ): void => {
    if (options.onBadLine) {
      options.onBadLine(line, what);
      return;
    }
    if (badLines.count++ === 0) {
      badLines.first = `${path} line ${line}: ${what}`;
      badLines.option = option;
    }
  };

  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      const line = info.lines;
      if (columns === null) {
        if (header === null && !looksLikeData(record)) {
          header = record;
          if (opensConsoleHeader(record)) consoleRows = [record];
          continue;
        }
        if (consoleRows !== null && isConsoleHeaderRow(record)) {
          consoleRows.push(record);
          continue;
        }
        if (consoleRows !== null && consoleRows.length > 1) {
          consoleChoice = chooseConsoleColumn(
            path,
            consoleColumns(consoleRows),
            options.valueColumn,
          );
          const names = ["time", ...consoleRows[0]!.slice(1)];
          columns = { time: 0, value: consoleChoice.column.index, names };
          readTime = parseConsoleTime;
        } else columns = chooseColumns(path, header, record, options);
      }
      const timeText = record[columns.time];
      const valueText = record[columns.value];
      if (timeText === undefined || valueText === undefined) {
        bad(
          line,
          `has ${record.length} column${record.length === 1 ? "" : "s"}, too few to reach ${excerpt(columns.names[Math.max(columns.time, columns.value)] ?? "", 40)}`,
        );
        continue;
      }
      const time = readTime(timeText);
      if (time === null) {
        bad(
          line,
          `${excerpt(timeText, 40)} in column ${excerpt(columns.names[columns.time] ?? "", 40)} is not a time (${consoleChoice === null ? "ISO 8601 or unix seconds/milliseconds" : "YYYY/MM/DD HH:MM:SS, as the CloudWatch console writes it"})`,
          "timeColumn",
        );
        continue;
      }
      // A console CSV of several metrics has an empty cell where its metric has no datapoint: a gap.
      if (consoleChoice !== null && valueText === "") continue;
      const value = parseNumber(valueText);
      if (value === null) {
        bad(
          line,
          `${excerpt(valueText, 40)} in column ${excerpt(columns.names[columns.value] ?? "", 40)} is not a number`,
        );
        continue;
      }
      if (value < 0) {
        bad(
          line,
          `${excerpt(valueText, 40)} in column ${excerpt(columns.names[columns.value] ?? "", 40)} is negative, which a count cannot be`,
        );
        continue;
      }
      if (!(value <= MAX_TRACE_COUNT)) {
        bad(
          line,
          `${valueText} in column "${columns.names[columns.value]}" is above 2^53 − 1, more than a count of requests can be`,
        );
        continue;
      }
      times.push(time);
      values.push(value);
      addToShape(shape, value);
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (isGzipDamage(error))
      throw gzipDamaged(path, error, undefined, "or point trace.file at a whole one");
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new UsageError(
        `${path}${line === undefined ? "" : ` line ${line}`}: ${csvErrorReason(error)}; fix the file there.`,
        "bad-trace-line",
        { cause: error },
      );
    }
    throw error;
  } finally {
    // Stop reading (and un-gzipping) at the first error, not at the end of the input.
    input.destroy();
  }

  if (badLines.count > 0) {
    const others = badLines.count - 1;
    const more = others > 0 ? ` (and ${others} more bad line${others > 1 ? "s" : ""})` : "";
    throw new UsageError(
      `${badLines.first}${more}; fix the line or name the column with ${columnOption(badLines.option)}.`,
      "bad-trace-line",
    );
  }
  if (times.length === 0) {
    throw new UsageError(
      `${path} has no data rows; give a CSV with a time and a count on each line.`,
      "empty-trace",
    );
  }
  const source = displayPath(path);
  const column = excerpt(columns?.names[columns.value] ?? "", 40);
  if (consoleChoice !== null) doubtConsole(source, column, consoleChoice, options.warn);
  else doubtCounts(path, source, column, shape, options);
  return { source, times, values };
}

/** Warnings for a CloudWatch console CSV: its zone-less times, a named column that may not be requests. */
function doubtConsole(
  source: string,
  column: string,
  choice: ConsoleChoice,
  warn: WarningSink | undefined,
): void {
  if (warn === undefined) return;
  warn(warnings.consoleCsvTimeZone(source));
  if (choice.doubt !== null) warn(warnings.namedColumnNotRequests(source, column, choice.doubt));
  const status = choice.column.statusCode;
  if (status !== "" && status !== "Complete")
    warn(warnings.failedResult(source, choice.column.id, status));
}

/**
 * A count column of fractional percents in a file named for CPU, memory or utilization is
 * refused when caplab picked the column itself (the NAB `cpu_utilization` series read as 691,004
 * requests); either sign alone, or a column the user named, only warns: a per-second rate or an
 * average of requests is fractional too, and a name is only a name.
 *
 * @throws UsageError when caplab picked the column and both signs hold.
 */
function doubtCounts(
  path: string,
  source: string,
  column: string,
  shape: CountColumnShape,
  options: ReadTraceCsvOptions,
): void {
  const percent = looksLikePercentage(shape);
  const word = utilizationWord(path);
  if (percent && word !== null && options.valueColumn === undefined)
    throw new UsageError(
      `${path}: column ${column} holds fractional values, all between 0 and 100 (${fixedGrouped(shape.fractional)} of ${fixedGrouped(shape.rows)} rows not whole numbers), and the file's name says ${word}, as a CPU or memory utilization in percent does, not a count of requests; a CSV trace holds requests per step, so import utilization from CloudWatch JSON with --format cloudwatch, or, if the column does hold requests, name it with ${columnOption("valueColumn")}.`,
      "not-requests",
    );
  const warn = options.warn;
  if (warn === undefined) return;
  if (percent) warn(warnings.fractionalCounts(source, column, shape.fractional, shape.rows));
  if (word !== null) warn(warnings.utilizationFileName(source, word));
}

/**
 * A column option in both of its spellings, since a CSV trace comes from `caplab import`'s flags
 * or a config's `trace:`: "--value-column (valueColumn in a config)".
 */
function columnOption(option: "timeColumn" | "valueColumn"): string {
  return `${option === "timeColumn" ? "--time-column" : "--value-column"} (${option} in a config)`;
}

/** True when a row holds a time and a number, i.e. it is data rather than a header. */
function looksLikeData(record: readonly string[]): boolean {
  const timeAt = record.findIndex((cell) => parseTimeCell(cell) !== null);
  return timeAt >= 0 && record.some((cell, i) => i !== timeAt && parseNumber(cell) !== null);
}

/**
 * The earliest number a column of unnamed times is taken to hold, seconds from the epoch
 * (1973-03-03, 1e8 s): smaller numbers are counts or ids, not Unix times, so a CSV of two
 * columns of small numbers is refused rather than read as traffic in January 1970. A column
 * named as a time, or given as timeColumn, takes any number.
 */
const MIN_UNNAMED_UNIX_SECONDS = 1e8;

function isUnixTimeCell(cell: string): boolean {
  const time = parseTimeCell(cell);
  return time !== null && time >= MIN_UNNAMED_UNIX_SECONDS * 1000;
}

function chooseColumns(
  path: string,
  header: readonly string[] | null,
  firstRow: readonly string[],
  options: ReadTraceCsvOptions,
): Columns {
  const names = header ?? firstRow.map((_, i) => `column ${i + 1}`);
  const byName = (wanted: string): number =>
    names.findIndex((n) => n.toLowerCase() === wanted.toLowerCase());
  const given = (wanted: string, option: "timeColumn" | "valueColumn"): number => {
    const i = byName(wanted);
    if (i < 0) {
      throw new UsageError(
        `${path} has no column ${excerpt(wanted, 40)} (it has ${names
          .slice(0, 12)
          .map((n) => excerpt(n, 40))
          .join(
            ", ",
          )}${names.length > 12 ? ` and ${names.length - 12} more` : ""}); fix ${columnOption(option)}.`,
        "missing-column",
      );
    }
    return i;
  };
  const firstOf = (candidates: readonly string[]): number => {
    for (const c of candidates) {
      const i = byName(c);
      if (i >= 0) return i;
    }
    return -1;
  };

  let time = options.timeColumn !== undefined ? given(options.timeColumn, "timeColumn") : -1;
  if (time < 0 && header !== null) time = firstOf(TIME_COLUMN_NAMES);
  if (time < 0)
    time = firstRow.findIndex((cell) => parseTimeCell(cell) !== null && parseNumber(cell) === null);
  if (time < 0) time = firstRow.findIndex(isUnixTimeCell);
  if (time < 0) {
    throw new UsageError(
      `${path} has no column that reads as a time (named ${TIME_COLUMN_NAMES.slice(0, 3).join(", ")}…, or holding ISO 8601 times or Unix seconds since 1973); name it with ${columnOption("timeColumn")}.`,
      "missing-column",
    );
  }

  let value = options.valueColumn !== undefined ? given(options.valueColumn, "valueColumn") : -1;
  if (value < 0 && header !== null) value = firstOf(VALUE_COLUMN_NAMES);
  if (value < 0) value = firstRow.findIndex((cell, i) => i !== time && parseNumber(cell) !== null);
  if (value < 0) {
    throw new UsageError(
      `${path} has no numeric column besides ${excerpt(names[time] ?? "", 40)}; name the count column with ${columnOption("valueColumn")}.`,
      "missing-column",
    );
  }
  // A column chosen here, not named by the user, must not be a utilization read as requests.
  const notCount =
    options.valueColumn === undefined && header !== null
      ? notRequests(header, firstRow, value)
      : null;
  if (notCount !== null)
    throw new UsageError(
      `${path}: column ${excerpt(names[value] ?? "", 40)} ${notCount}, not a count of requests, and a CSV trace holds requests only; import CPU and memory from CloudWatch JSON with --format cloudwatch (aws cloudwatch get-metric-statistics or get-metric-data output), or name the requests column with ${columnOption("valueColumn")}.`,
      "not-requests",
    );
  return { time, value, names };
}

/**
 * Words in a column's name or metric name that say it holds a utilization, not requests:
 * CloudWatch's `CPUUtilization` and `MemoryUtilization` (unit Percent), Container Insights'
 * `CpuUtilized`, `CpuReserved`, `MemoryUtilized`, `MemoryReserved`, and any percentage.
 */
const UTILIZATION = /utiliz|reserved|percent|%|^cpu|^memory/i;

/** CloudWatch units a count of requests comes in (`RequestCount`: Count; `Sum` of a count). */
const COUNT_UNITS = new Set(["count", "none", ""]);

/**
 * Why the count column `value` of a CSV with `header` holds something other than requests, as
 * its first row shows: its name says a utilization, a `Unit` column names another unit than a
 * count (CloudWatch's Percent), or a metric-name column (`MetricName`, `Label`) names a
 * utilization. Null when nothing says so.
 */
function notRequests(
  header: readonly string[],
  firstRow: readonly string[],
  value: number,
): string | null {
  const name = header[value] ?? "";
  if (UTILIZATION.test(name)) return "holds a utilization (its name says so)";
  const column = (pattern: RegExp): string | null => {
    const i = header.findIndex((h, k) => k !== value && pattern.test(h.trim()));
    return i < 0 ? null : (firstRow[i] ?? "").trim();
  };
  const unit = column(/^units?$/i);
  if (unit !== null && !COUNT_UNITS.has(unit.toLowerCase()))
    return `is in ${excerpt(unit, 20)} (its unit column says so)`;
  const metric = column(/^(metric[ _]?name|metric|label)$/i);
  if (metric !== null && UTILIZATION.test(metric))
    return `holds ${excerpt(metric, 40)} (its metric-name column says so)`;
  return null;
}

async function checkFile(path: string, what: string): Promise<void> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) {
      throw new UsageError(
        `${what} ${path} is a directory; give the path of a CSV file.`,
        "missing-file",
      );
    }
    const special = specialFileKind(s);
    if (special !== null)
      throw new UsageError(
        `${what} ${path} is ${special}, not a regular file; caplab reads only regular files, so save the data to a file first.`,
        "not-a-file",
      );
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === "ENOENT"
        ? `${what} ${path} does not exist; check the path (in a config file it is relative to the config file).`
        : `${what} ${path} cannot be read (${code ?? String(error)}); check its permissions.`,
      code === "ENOENT" ? "missing-file" : "unreadable-file",
      { cause: error },
    );
  }
}

/** A path as people would type it from here: relative to the working directory when it is inside it. */
function displayPath(path: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return path; // s3://bucket/key
  const rel = relative(process.cwd(), resolve(path));
  return rel === "" || isAbsolute(rel) || rel.startsWith("..") ? path : rel;
}

/** A config time (`trace.from` / `trace.to`) as epoch ms. */
function configTime(field: "from" | "to", text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseIsoTime(text);
  if (ms === null) {
    throw new UsageError(
      `trace.${field} "${text}" is not an ISO 8601 time; write it like 1995-07-03T00:00:00-04:00.`,
      "bad-config",
    );
  }
  return ms;
}

/**
 * Loads the trace a config names: a CSV file or a trace bundle folder (relative to
 * `baseDir`) or the generated default week, cut to [from, to), scaled, and put on fixed
 * steps ({@link toTrace}). Warnings (gaps, repeated timestamps) go to `warn`. A bundle also
 * gives the service's configuration at the time, as `current`.
 *
 * @throws UsageError for anything wrong with the file or the window.
 */
export async function loadTraceSource(
  source: TraceSource,
  baseDir: string,
  warn: WarningSink,
): Promise<{
  trace: Trace;
  current: Candidate | null;
  /** The service's deployment settings a bundle recorded (`caplab collect`), or null. */
  deployment: DeploymentSettings | null;
  /**
   * The target group's platform settings a bundle recorded (`caplab collect`), or null: what
   * simulate and plan take where the config's platform: is silent (analysis/recorded-platform.ts).
   */
  platform: TargetGroupPlatform | null;
}> {
  let from = configTime("from", source.from);
  let to = configTime("to", source.to);
  if (from !== undefined && to !== undefined && from >= to) {
    throw new UsageError(
      `trace.from (${source.from}) is not before trace.to (${source.to}); swap them or widen the window.`,
      "bad-config",
    );
  }
  let raw: RawMetricSeries;
  let stepSeconds: number | undefined;
  let observationSeconds: number | undefined;
  let current: Candidate | null = null;
  let deployment: DeploymentSettings | null = null;
  let platform: TargetGroupPlatform | null = null;
  if (source.file !== undefined) {
    const path = resolve(baseDir, source.file);
    if (await isBundle(path)) {
      const bundle = await readBundleRequests(path);
      raw = bundle.raw;
      stepSeconds = bundle.manifest.stepSeconds;
      if (!(STEP_SECONDS_CHOICES as readonly number[]).includes(stepSeconds))
        throw new UsageError(
          `${displayPath(path)} holds ${stepSeconds}-s steps (its requests series' period); simulate and plan take ${STEP_SECONDS_CHOICES.join(", ")} s${stepSeconds > 300 ? ", since a coarser series hides the peaks scaling must follow" : ""}: fetch the series again at one of those periods, or give it as a CSV (trace.file), whose values are spread evenly over the steps they cover, with a warning.`,
          "bad-step",
        );
      observationSeconds = bundle.periodSeconds;
      // The bundle's window keeps leading and trailing gaps explicit.
      from ??= Date.parse(bundle.manifest.window.from);
      to ??= Date.parse(bundle.manifest.window.to);
      const recorded = bundle.manifest.current;
      current = recorded ? { task: recorded.task, scaling: recorded.scaling } : null;
      deployment = recorded?.deployment ?? null;
      platform = recorded?.platform ?? null;
    } else {
      raw = await readTraceCsv(displayPath(path), {
        timeColumn: source.timeColumn,
        valueColumn: source.valueColumn,
        warn,
      });
    }
  } else if (source.generate === "default-week") {
    raw = generateDefaultWeek(source.seed);
  } else {
    throw new UsageError('trace needs either "file" or "generate: default-week".', "bad-config");
  }
  const trace = toTrace(
    raw,
    { from, to, scale: source.scale, stepSeconds, observationSeconds },
    warn,
  );
  checkScaledCounts(trace, source.scale);
  return { trace, current, deployment, platform };
}

/** A scale that lifts a step's count past {@link MAX_TRACE_COUNT} (or to Infinity) is refused. */
function checkScaledCounts(trace: Trace, scale: number): void {
  for (let i = 0; i < trace.requests.length; i++) {
    const v = trace.requests[i]!;
    if (!(v <= MAX_TRACE_COUNT))
      throw new UsageError(
        `trace.scale ${scale} makes the step at ${new Date(trace.startMs + i * trace.stepSeconds * 1000).toISOString()} hold ${v} requests, above 2^53 − 1; use a smaller scale.`,
        "bad-config",
      );
  }
}

/** {@link loadTraceSource} without the bundle's current configuration. */
export async function loadTrace(
  source: TraceSource,
  baseDir: string,
  warn: WarningSink,
): Promise<Trace> {
  return (await loadTraceSource(source, baseDir, warn)).trace;
}
