/**
 * k6 `--out csv` rows as the k6 `--out json` Point lines k6 would have written for the same
 * samples, so that a run saved as CSV reaches the one aggregator (analysis/k6-ingest.ts) and,
 * through it, every report, gate and history path (analysis/io/import/k6-run.ts converts).
 * Pure: cells in, text out.
 *
 *   header  metric_name,timestamp,metric_value,<one column per system tag>,extra_tags,metadata
 *           (k6 `internal/output/csv/output.go` MakeHeader; the tag columns sorted by name)
 *     ──k6CsvHeader──▶ which column is which
 *   row     http_req_duration,1562324644,12.345678,…,200,…,url=val2&my_tag=x,vu=1&iter=0
 *     ──k6CsvPoint──▶ {"metric":"http_req_duration","type":"Point",
 *                      "data":{"time":"2019-07-05T11:04:04Z","value":12.345678,"tags":{…}}}
 *
 * What a CSV row cannot carry, and what follows (README, "Gate your own k6 runs"):
 * - No Metric lines: k6's built-in metrics have known types (BUILTIN_METRIC_TYPES); a custom
 *   metric's type and every threshold come from `--summary-export` or `--thresholds`.
 * - Times at k6's `K6_CSV_TIME_FORMAT` (default `unix`: whole seconds). Numeric timestamps are
 *   read by their digits: up to 11 digits are seconds, up to 14 milliseconds, up to 17
 *   microseconds, more nanoseconds (k6's `unix`, `unix_milli`, `unix_micro`, `unix_nano`,
 *   which for times after 2001 have 10, 13, 16 and 19 digits); `rfc3339` and `rfc3339_nano`
 *   are read as they are.
 * - Values with six decimals (k6 formats them with Go's `%f`).
 * - `extra_tags` as `k=v&k2=v2`, unescaped by k6: a tag value holding `&` is cut there (the
 *   rest becomes a tag of its own). An empty tag column is a tag the sample did not have.
 * - `metadata` (`vu`, `iter`) is left out, as caplab reads no metadata from JSON either.
 */

/**
 * The tag columns of k6 `--out csv` output with k6's default system tags, in the order k6
 * writes them (sorted): k6 `metrics/system_tag.go` DefaultSystemTagSet, less
 * NonIndexableSystemTags (`vu`, `iter`, which go to `metadata`). A run with `--system-tags`
 * has others; caplab reads whatever the header names.
 */
export const K6_CSV_DEFAULT_TAG_COLUMNS = [
  "check",
  "error",
  "error_code",
  "expected_response",
  "group",
  "method",
  "name",
  "proto",
  "scenario",
  "service",
  "status",
  "subproto",
  "tls_version",
  "url",
] as const;

/** Which column of a k6 CSV holds what. */
export interface K6CsvHeader {
  /** The columns: metric, time, value, then the tag columns by index and name. */
  readonly tags: readonly { readonly index: number; readonly name: string }[];
  /** The `extra_tags` column's index. */
  readonly extraTags: number;
  /** The number of columns a row has. */
  readonly columns: number;
}

/** The three columns k6 writes first, in order (MakeHeader). */
const FIRST_COLUMNS = ["metric_name", "timestamp", "metric_value"] as const;

/**
 * The header row of k6 `--out csv` output, or why it is not one (the end of a sentence).
 *
 * @example k6CsvHeader(["metric_name", "timestamp", "metric_value", "status", "extra_tags", "metadata"])
 *   // { tags: [{ index: 3, name: "status" }], extraTags: 4, columns: 6 }
 */
export function k6CsvHeader(cells: readonly string[]): K6CsvHeader | { readonly error: string } {
  const names = cells.map((c) => c.trim());
  if (FIRST_COLUMNS.some((name, i) => names[i] !== name))
    return { error: `its header does not start with ${FIRST_COLUMNS.join(",")}` };
  const n = names.length;
  if (n < 5 || names[n - 2] !== "extra_tags" || names[n - 1] !== "metadata")
    return { error: "its header does not end with extra_tags,metadata" };
  const tags = names.slice(3, n - 2).map((name, i) => ({ index: i + 3, name }));
  const empty = tags.find((t) => t.name === "");
  if (empty !== undefined) return { error: `its header's column ${empty.index + 1} has no name` };
  return { tags, extraTags: n - 2, columns: n };
}

/** Seconds since 1970 past which a time is after 9999-12-31 (an ISO year of four digits). */
const LAST_SECOND = 253_402_300_799;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A k6 CSV timestamp as RFC 3339, as k6 `--out json` writes times; null when it is none of
 * k6's time formats.
 *
 * @example k6CsvTime("1562324644") // "2019-07-05T11:04:04Z"
 * @example k6CsvTime("1562324644000000025") // "2019-07-05T11:04:04.000000025Z"
 */
export function k6CsvTime(cell: string): string | null {
  const text = cell.trim();
  if (RFC3339.test(text)) return Number.isNaN(Date.parse(text)) ? null : text;
  if (!/^\d{1,20}$/.test(text)) return null;
  const fractionDigits = text.length <= 11 ? 0 : text.length <= 14 ? 3 : text.length <= 17 ? 6 : 9;
  const whole = text.slice(0, text.length - fractionDigits);
  const fraction = text.slice(text.length - fractionDigits);
  const seconds = Number(whole === "" ? "0" : whole);
  if (seconds > LAST_SECOND) return null;
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  return `${iso}${fraction === "" ? "" : `.${fraction}`}Z`;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Why a row is not one: the end of a sentence that names the row, and the cell at fault. */
export interface K6CsvRowError {
  readonly error: string;
  /** To be quoted by the caller, safely, as an excerpt; null when no one cell is at fault. */
  readonly cell: string | null;
}

/**
 * The rows of one k6 CSV, read one after the other. k6 writes a request's dozen samples in a
 * row with the same time and tags, so the last time and the last tags are kept and reused
 * (the same text as reading each row alone).
 */
export class K6CsvRows {
  readonly #header: K6CsvHeader;
  #timeCell = "";
  #time: string | null = null;
  #tagsKey = "";
  #tags = "{}";

  constructor(header: K6CsvHeader) {
    this.#header = header;
  }

  /** One data row as a k6 `--out json` Point line (without its newline), or why it is not one. */
  point(
    cells: readonly string[],
  ): { readonly metric: string; readonly line: string } | K6CsvRowError {
    const header = this.#header;
    if (cells.length !== header.columns)
      return {
        error: `has ${cells.length} fields where the header has ${header.columns}`,
        cell: null,
      };
    const metric = cells[0]!.trim();
    if (metric === "") return { error: "has no metric_name", cell: null };
    if (cells[1] !== this.#timeCell || this.#time === null) {
      this.#timeCell = cells[1]!;
      this.#time = k6CsvTime(cells[1]!);
    }
    const time = this.#time;
    if (time === null)
      return {
        error:
          "has a timestamp in none of k6's time formats (unix seconds, milli-, micro- or nanoseconds, or RFC 3339)",
        cell: cells[1]!,
      };
    const valueText = cells[2]!.trim();
    const value = NUMBER.test(valueText) ? Number(valueText) : NaN;
    if (!Number.isFinite(value))
      return { error: "has a metric_value that is not a finite number", cell: valueText };
    let key = cells[header.extraTags]!;
    for (const t of header.tags) key += `\u0000${cells[t.index]!}`;
    if (key !== this.#tagsKey) {
      this.#tagsKey = key;
      this.#tags = JSON.stringify(tagsOf(header, cells));
    }
    return {
      metric,
      line: `{"metric":${JSON.stringify(metric)},"type":"Point","data":{"time":"${time}","value":${String(value)},"tags":${this.#tags}}}`,
    };
  }
}

/**
 * The Metric line k6 `--out json` writes for a metric of this type, without thresholds (k6
 * `internal/output/json/json.go` handleMetric: name, type, contains, thresholds, submetrics).
 */
export function k6MetricLine(metric: string, type: string): string {
  const name = JSON.stringify(metric);
  return `{"type":"Metric","data":{"name":${name},"type":${JSON.stringify(type)},"contains":"default","thresholds":[],"submetrics":null},"metric":${name}}`;
}

/**
 * One data row of k6 `--out csv` output as a k6 `--out json` Point line (without its newline),
 * or why it is not a row ({@link K6CsvRows} for many).
 */
export function k6CsvPoint(
  header: K6CsvHeader,
  cells: readonly string[],
): { readonly metric: string; readonly line: string } | K6CsvRowError {
  return new K6CsvRows(header).point(cells);
}

/** A row's tags: the tag columns that are not empty, then `extra_tags`' pairs. */
function tagsOf(header: K6CsvHeader, cells: readonly string[]): Record<string, string> {
  // No prototype: a tag named __proto__ is a tag like any other.
  const tags = Object.create(null) as Record<string, string>;
  for (const t of header.tags) {
    const v = cells[t.index]!;
    if (v !== "") tags[t.name] = v;
  }
  const extra = cells[header.extraTags]!;
  if (extra !== "")
    for (const pair of extra.split("&")) {
      const eq = pair.indexOf("=");
      const key = eq < 0 ? pair : pair.slice(0, eq);
      if (key !== "" && !Object.hasOwn(tags, key)) tags[key] = eq < 0 ? "" : pair.slice(eq + 1);
    }
  return tags;
}
