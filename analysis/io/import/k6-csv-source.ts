/**
 * k6 `--out csv` output as an input of `caplab import --format k6`: its rows become the k6
 * `--out json` Point lines of the run bundle's `k6.json.gz` (analysis/k6-csv.ts), one per CSV
 * line, so that the one aggregator reads them and numbers its lines as the CSV's.
 *
 *   CSV bytes ──readLines, split (csv-parse for quoted fields)──▶ records
 *     ──k6CsvHeader, K6CsvRows──▶ NDJSON lines ──write──▶
 */
import { Readable } from "node:stream";
import { CsvError, parse as parseCsv } from "csv-parse/sync";
import { k6CsvHeader, k6MetricLine, K6CsvRows } from "../../k6-csv.js";
import { BUILTIN_METRIC_TYPES, type K6MetricType } from "../../k6-results.js";
import { warnings as warning, type WarningSink } from "../../../sim/vocab/index.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import { plural } from "../../../sim/vocab/numbers.js";
import { csvErrorReason, MAX_CSV_RECORD_CHARS } from "../files/csv.js";
import { excerpt } from "../files/excerpt.js";
import { opensWithByteOrderMark, readLines, withoutByteOrderMark } from "../files/lines.js";
import { MAX_REPORTED_BAD_LINES } from "./sources.js";

/** The first line of k6 `--out csv` output (k6 `internal/output/csv/output.go`, MakeHeader). */
const K6_CSV_HEADER = /^"?metric_name"?,"?timestamp"?,"?metric_value"?(,|\r?\n|$)/;

/**
 * Whether the first bytes of an input are the header k6 `--out csv` writes (after a UTF-8 byte
 * order mark, which an editor on Windows may have added).
 */
export function opensAsK6Csv(head: Uint8Array): boolean {
  const from = opensWithByteOrderMark(head, 0, head.length) ? 3 : 0;
  return K6_CSV_HEADER.test(Buffer.from(head.subarray(from, from + 256)).toString("latin1"));
}

/** What a conversion read. */
export interface K6CsvConverted {
  /** Rows turned into Points. */
  readonly rows: number;
  /** Rows skipped (each said in a warning, up to MAX_REPORTED_BAD_LINES). */
  readonly badRows: number;
  /** Custom metrics with samples whose type nothing gave (neither k6's built-ins nor `types`), sorted. */
  readonly untyped: readonly string[];
}

/**
 * Writes the Points of the k6 CSV in `input` through `write` (NDJSON, each line ending in a
 * newline; a blank line for the header and for each skipped row, so that line N of the output
 * is line N of the CSV), warning of rows it skips.
 *
 * Lines without a quote are split at their commas (k6 writes with Go's encoding/csv, which
 * quotes only a field holding a comma, a quote, a line break or a leading space); a line with
 * quotes goes to csv-parse, with the lines after it while a quoted field is open. That is
 * RFC 4180 as csv-parse reads it, at half the cost of csv-parse for every line (bench/README.md,
 * "k6 --out csv import").
 *
 * @param name the input as messages name it
 * @throws UsageError when the header is not k6's or no row reads.
 */
export async function convertK6Csv(
  input: Readable,
  name: string,
  write: (text: string) => Promise<void>,
  warn: WarningSink,
  types: ReadonlyMap<string, K6MetricType> = new Map(),
): Promise<K6CsvConverted> {
  let rows: K6CsvRows | null = null;
  /** The metrics met, by name. */
  const metrics = new Set<string>();
  let written = 0;
  let converted = 0;
  let badRows = 0;
  let batch = "";
  let lineNumber = 0;
  /** A record whose quoted field is still open, and the line it started on. */
  let open: { text: string; line: number } | null = null;
  const bad = (line: number, why: string) => {
    if (badRows++ < MAX_REPORTED_BAD_LINES)
      warn(warning.badLine(name, line, `is not a k6 --out csv row: it ${why}`));
  };
  const record = async (text: string, line: number): Promise<void> => {
    let cells: string[];
    if (!text.includes('"')) cells = text.split(",");
    else
      try {
        cells = (parseCsv(text, { relax_column_count: true }) as string[][])[0] ?? [];
      } catch (error) {
        if (!(error instanceof CsvError)) throw error;
        bad(line, `is not CSV: ${csvErrorReason(error)}`);
        return;
      }
    if (rows === null) {
      const header = k6CsvHeader(cells);
      if ("error" in header)
        throw new UsageError(
          `${name} opens like k6 --out csv output, but ${header.error} (k6 writes metric_name,timestamp,metric_value, a column per system tag, extra_tags,metadata); give the file k6 --out csv=FILE wrote.`,
          "bad-k6-line",
        );
      rows = new K6CsvRows(header);
      return;
    }
    const point = rows.point(cells);
    if (!("error" in point)) metrics.add(point.metric);
    if ("error" in point) {
      bad(line, `${point.error}${point.cell === null ? "" : ` (${excerpt(point.cell, 40)})`}`);
      return;
    }
    // Blank lines up to this one, so that the Point is on the CSV's line number.
    if (line - 1 > written) {
      batch += "\n".repeat(line - 1 - written);
      written = line - 1;
    }
    batch += `${point.line}\n`;
    written++;
    converted++;
    if (batch.length >= 1 << 20) {
      await write(batch);
      batch = "";
    }
  };
  for await (const text of readLines(input, MAX_CSV_RECORD_CHARS)) {
    lineNumber++;
    if (text === null) {
      open = null;
      bad(lineNumber, `is longer than ${MAX_CSV_RECORD_CHARS} characters`);
      continue;
    }
    const line = lineNumber === 1 ? withoutByteOrderMark(text) : text;
    if (open !== null) {
      open.text += `\n${line}`;
      if (open.text.length > MAX_CSV_RECORD_CHARS) {
        bad(open.line, `is longer than ${MAX_CSV_RECORD_CHARS} characters (a quote not closed?)`);
        open = null;
      } else if (quotesClosed(open.text)) {
        await record(open.text, open.line);
        open = null;
      }
      continue;
    }
    if (line.trim() === "") continue;
    if (!quotesClosed(line)) open = { text: line, line: lineNumber };
    else await record(line, lineNumber);
  }
  if (open !== null) bad(open.line, "opens a quoted field that is never closed");
  if (badRows > MAX_REPORTED_BAD_LINES)
    warn(warning.moreBadLines(badRows - MAX_REPORTED_BAD_LINES));
  if (rows === null)
    throw new UsageError(`${name} is empty; give the file k6 --out csv=FILE wrote.`, "empty-trace");
  if (converted === 0)
    throw new UsageError(
      badRows === 0
        ? `Nothing to import from ${name}: it holds k6 --out csv's header and no samples; check that the run wrote its results.`
        : `Nothing to import from ${name}: none of its ${plural(badRows, "row")} reads as a k6 --out csv row (see the warnings); give the file k6 --out csv=FILE wrote.`,
      "empty-trace",
    );
  // A CSV has no Metric lines: the types the summary export gives are declared after the
  // Points (so that line N stays the CSV's line N), as the Metric lines k6 writes in JSON.
  const untyped: string[] = [];
  for (const metric of [...metrics].sort()) {
    if (BUILTIN_METRIC_TYPES[metric] !== undefined) continue;
    const type = types.get(metric);
    if (type === undefined) untyped.push(metric);
    else batch += `${k6MetricLine(metric, type)}\n`;
  }
  if (batch !== "") await write(batch);
  return { rows: converted, badRows, untyped };
}

/** Whether every quoted field of `text` is closed: an even number of quotes (`""` is one escaped). */
function quotesClosed(text: string): boolean {
  let quotes = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) quotes++;
  return quotes % 2 === 0;
}

/** An input whose first chunk was read to tell its kind, whole again. */
export function withHead(head: Buffer, rest: AsyncIterator<Buffer>): Readable {
  return Readable.from(
    (async function* () {
      yield head;
      for (let next = await rest.next(); next.done !== true; next = await rest.next())
        yield next.value;
    })(),
  );
}
