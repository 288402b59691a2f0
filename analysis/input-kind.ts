/**
 * What an import source holds, told from its first bytes, so that `caplab import` given the
 * wrong `--format` (or a file of another kind) says what the file is and what to do, instead
 * of reading every line as bad:
 *
 *   head of the file ──recognizeInput──▶ the kinds it reads as ──inputMismatch(format)──▶
 *   null (it reads as --format, or as nothing caplab knows) | one sentence's ending
 *
 * Each kind is recognized with the reader `import` itself uses (parseK6Line, parseAlbLogLine,
 * parseCombinedLogLine, detectCloudWatchShape), on the first lines, and by k6's own markers
 * for the two k6 files that are not `--out json` lines: `--out csv` output, whose header
 * k6 writes as `metric_name,timestamp,metric_value,…` (k6 `internal/output/csv/output.go`,
 * `MakeHeader`), and the end-of-test summary: `--summary-export` or handleSummary's `data`, an
 * object with `metrics` and `root_group` (k6 docs, "End of test" › "Custom summary"), or the
 * versioned machine-readable summary, an object with a `version` beside `results.metrics`, an
 * array (grafana/k6-summary `schemas/summary/1.0.0/schema.json`; analysis/k6-summary.ts).
 */
import { parseAlbLogLine, parseCombinedLogLine } from "./access-log.js";
import { detectCloudWatchShape, queriesFileKind } from "./cloudwatch-json.js";
import { parseK6Line } from "./k6-results.js";
import { isMachineReadableSummary } from "./k6-summary.js";
import {
  TIME_COLUMN_NAMES,
  VALUE_COLUMN_NAMES,
  parseNumberCell,
  parseTimeCell,
} from "./trace-cells.js";
import { plural } from "../sim/vocab/numbers.js";
import { readsAsConsoleCsv } from "./cloudwatch-console-csv.js";

/** The kinds of input caplab can tell apart. */
export const INPUT_KINDS = [
  "k6",
  "k6-csv",
  "k6-summary",
  "cloudwatch",
  "alb",
  "nginx",
  "csv",
] as const;
export type InputKind = (typeof INPUT_KINDS)[number];

/** The lines looked at: enough to outvote a stray header or a bad first line. */
const SAMPLE_LINES = 20;

/**
 * The kinds `head` (the first bytes of a file, decoded) reads as, most specific first; empty
 * when it is none of them. `complete` says `head` is the whole file (then a JSON document in
 * it is parsed whole; otherwise its keys are looked for in the text).
 *
 * @example recognizeInput('{"metric":"vus","type":"Point","data":{"time":"…","value":1}}\n', true)
 *   // ["k6"]
 */
export function recognizeInput(head: string, complete: boolean): InputKind[] {
  const text = head.replace(/^\uFEFF/, "");
  const kinds = new Set<InputKind>();
  const start = text.trimStart();
  if (start.startsWith("{") || start.startsWith("[")) {
    const whole = complete ? parseJson(start) : undefined;
    if (whole !== undefined) {
      if (detectCloudWatchShape(whole) !== null) kinds.add("cloudwatch");
      if (isK6Summary(whole)) kinds.add("k6-summary");
    } else if (!complete) {
      if (/^\{\s*"(MetricDataResults|Datapoints|events|Label)"\s*:/.test(start))
        kinds.add("cloudwatch");
      if (/"root_group"\s*:/.test(start) && /"metrics"\s*:/.test(start)) kinds.add("k6-summary");
      if (looksLikeMachineReadableSummary(start)) kinds.add("k6-summary");
      if (firstElementIsPerformanceEvent(start)) kinds.add("cloudwatch");
    }
  }
  const sample = sampleLines(text, complete);
  if (sample.length === 0) return [...kinds];
  if (/^"?metric_name"?,"?timestamp"?,"?metric_value"?(,|$)/.test(sample[0]!)) kinds.add("k6-csv");
  const most = (read: (line: string) => boolean): boolean =>
    sample.filter(read).length * 2 >= sample.length;
  if (most(readsAsK6)) kinds.add("k6");
  if (most(readsAsPerformanceEvent)) kinds.add("cloudwatch");
  if (most((l) => parseAlbLogLine(l).ok)) kinds.add("alb");
  if (most((l) => parseCombinedLogLine(l).ok)) kinds.add("nginx");
  if (!kinds.has("k6-csv") && looksLikeCsv(sample)) kinds.add("csv");
  return INPUT_KINDS.filter((k) => kinds.has(k));
}

/**
 * When a file that reads as `kinds` is given to `import --format format`: null when it reads
 * as that format (or as nothing caplab knows: the reader then says what is wrong line by
 * line), else the end of a sentence that begins with the file's name: what it is and what to
 * do.
 *
 * @example inputMismatch(["k6"], "cloudwatch")
 *   // "is k6 --out json output, not --format cloudwatch input; import it with --format k6"
 */
export function inputMismatch(kinds: readonly InputKind[], format: string): string | null {
  if (kinds.length === 0 || (kinds as readonly string[]).includes(format)) return null;
  const kind = kinds[0]!;
  const not = `not --format ${format} input`;
  switch (kind) {
    case "k6-csv":
      return format === "k6" ? null : `is k6 --out csv output, ${not}; import it with --format k6`;
    case "k6-summary":
      return format === "k6"
        ? `is a k6 end-of-test summary (--summary-export, handleSummary data or the machine-readable summary), which holds no per-request points; give it as --summary-export FILE beside the run's --out json output, or import it alone (as the only SOURCE)`
        : `is a k6 end-of-test summary (--summary-export, handleSummary data or the machine-readable summary), ${not}; give it to --format k6 as --summary-export FILE, with the run's --out json output as SOURCE, or alone as the only SOURCE`;
    case "k6":
      return `is k6 --out json output, ${not}; import it with --format k6`;
    case "cloudwatch":
      return `is saved CloudWatch JSON, ${not}; import it with --format cloudwatch`;
    case "alb":
      return `is an ALB access log, ${not}; import it with --format alb`;
    case "nginx":
      return `is an nginx or Apache access log (combined format), ${not}; import it with --format nginx`;
    case "csv":
      return `is a CSV file, ${not}; a series of request counts over time imports with --format csv`;
  }
}

/**
 * The `--format` that imports a file of `kind`, and what such a file is.
 *
 * @example formatFor("k6-summary") // { format: "k6", what: "a k6 end-of-test summary" }
 */
export function formatFor(kind: InputKind): { readonly format: string; readonly what: string } {
  switch (kind) {
    case "k6-csv":
      return { format: "k6", what: "k6 --out csv output" };
    case "k6-summary":
      return { format: "k6", what: "a k6 end-of-test summary" };
    case "k6":
      return { format: "k6", what: "k6 --out json output" };
    case "cloudwatch":
      return { format: "cloudwatch", what: "saved CloudWatch JSON" };
    case "alb":
      return { format: "alb", what: "an ALB access log" };
    case "nginx":
      return { format: "nginx", what: "an nginx or Apache access log in combined format" };
    case "csv":
      return { format: "csv", what: "a CSV file" };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * k6's summary: `metrics` (an object) beside `root_group` (`--summary-export` and handleSummary
 * data), or the machine-readable summary (a `version` string beside a `results.metrics` array).
 */
function isK6Summary(json: unknown): boolean {
  return (
    (isObject(json) && isObject(json.metrics) && isObject(json.root_group)) ||
    isMachineReadableSummary(json)
  );
}

/**
 * The head of a machine-readable summary too long to parse whole: a `version` semver string and
 * a `results` object whose `metrics` is an array, in any key order. (k6 writes the keys in
 * alphabetical order, so `version` comes last: the head must show `results` and `metrics`.)
 */
function looksLikeMachineReadableSummary(head: string): boolean {
  return (
    /"results"\s*:\s*\{/.test(head) &&
    /"metrics"\s*:\s*\[/.test(head) &&
    (/"version"\s*:\s*"\d+\.\d+\.\d+/.test(head) || /"k6_?[vV]ersion"\s*:/.test(head))
  );
}

/**
 * Whether a JSON array too long to parse whole opens with a Container Insights performance
 * event: its first element, cut out of the head by counting brackets outside strings, parses
 * and has the shape `--format cloudwatch` reads (an array of such events, pretty-printed as
 * the CloudWatch docs show them, passes 64 KiB after a few dozen events).
 */
function firstElementIsPerformanceEvent(head: string): boolean {
  const element = firstArrayElement(head);
  return element !== undefined && readsAsPerformanceEvent(element);
}

/**
 * The text of the first element of the JSON array `text` opens with, when it is an object and
 * ends inside `text`; else undefined.
 *
 * @example firstArrayElement('[ {"a": "}"}, {"b": 2') // '{"a": "}"}'
 */
export function firstArrayElement(text: string): string | undefined {
  const open = /^\[\s*\{/.exec(text);
  if (open === null) return undefined;
  const from = open[0].length - 1;
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return text.slice(from, i + 1);
    }
  }
  return undefined;
}

function readsAsK6(line: string): boolean {
  try {
    return parseK6Line(line) !== null;
  } catch {
    return false;
  }
}

function readsAsPerformanceEvent(line: string): boolean {
  const t = line.trim();
  if (!t.startsWith("{")) return false;
  const json = parseJson(t);
  return json !== undefined && detectCloudWatchShape(json) === "container-insights-events";
}

/** Lines of two or more comma-separated cells, as many on each, one of them a number. */
function looksLikeCsv(sample: readonly string[]): boolean {
  if (sample.length < 2 || sample[0]!.trimStart().startsWith("{")) return false;
  const cells = sample.map((l) => l.split(",").length);
  return (
    cells[0]! >= 2 &&
    cells.every((n) => n === cells[0]) &&
    sample.slice(1).some((l) => l.split(",").some((c) => c.trim() !== "" && !isNaN(Number(c))))
  );
}

/** The first {@link SAMPLE_LINES} lines that are not blank (the last one left out when cut short). */
function sampleLines(text: string, complete: boolean): string[] {
  const lines = text.split(/\r?\n/);
  if (!complete && lines.length > 1) lines.pop(); // the last line may be cut short
  return lines.filter((l) => l.trim() !== "").slice(0, SAMPLE_LINES);
}

// ---------------------------------------------------------------------------------------------
// The sniff of `caplab import` without --format

/**
 * What `caplab import` without `--format` makes of one source's head: a format it imports
 * with no other flag (`ok`), or why not, as the end of a sentence that begins with the
 * source's name and says what to do.
 */
export type Sniff =
  | {
      readonly ok: true;
      readonly kind: InputKind;
      /** The --format that imports it. */
      readonly format: string;
      /** What it is, for the line that says how it was read ("an ALB access log"). */
      readonly what: string;
      /** What the verdict rests on ("its first 20 lines", "its JSON"). */
      readonly basis: string;
    }
  | {
      readonly ok: false;
      readonly reason: string;
      /**
       * When it is the queries of get-metric-data (a --metric-data-queries file): what it is
       * (queriesFileKind in cloudwatch-json.ts). No --format imports it: it goes to --queries.
       */
      readonly queries?: string;
    };

/**
 * Tells, from its head, which format a source is written in, only when that is unambiguous:
 * exactly one of these holds, and the format needs no other flag to be read.
 *
 * - `alb`: every sampled line (the first {@link SAMPLE_LINES} that are not blank) reads with
 *   parseAlbLogLine, the reader of `--format alb` (its leading fields: type, ISO time, `app/…`
 *   load balancer, client ip:port, target, three processing times, status codes…).
 * - `nginx`: every sampled line reads with parseCombinedLogLine (combined, vhost_combined or
 *   common format; a FireLens `{"log": …}` record unwrapped).
 * - `k6` (--out json): every sampled line is a k6 `"type":"Point"` or `"type":"Metric"` line
 *   (parseK6Line).
 * - `k6` (end-of-test summary): the document is `--summary-export` / handleSummary data
 *   (`metrics` beside `root_group`) or the machine-readable summary; a head cut short shows
 *   their keys.
 * - `cloudwatch`: the whole document is get-metric-data output (`MetricDataResults`),
 *   get-metric-statistics output (`Datapoints`), filter-log-events output (`events`) or an array
 *   of Container Insights performance events; a head cut short opens with one of those keys;
 *   or every sampled line is a performance event (JSONL).
 * - `csv`: a header row names a time column ({@link TIME_COLUMN_NAMES}) and a count column
 *   ({@link VALUE_COLUMN_NAMES}), as the CSV reader picks them by name, and every sampled row
 *   has as many cells as the header, a time and a number in those columns.
 *
 * Anything else is not ok: an empty head, a head of two formats, one that reads as a format on
 * most lines but not all ("reads mostly as"), a CSV whose header does not name its columns, a
 * --metric-data-queries file, or nothing caplab knows. k6 `--out csv` output reads as `k6-csv`
 * by its header (format k6).
 *
 * @example sniffFormat('{"metric":"vus","type":"Point","data":{"time":"…","value":1}}\n', true)
 *   // { ok: true, kind: "k6", format: "k6", what: "k6 --out json output", basis: "its line" }
 */
export function sniffFormat(head: string, complete: boolean): Sniff {
  const text = head.replace(/^\uFEFF/, "");
  if (text.trim() === "")
    return { ok: false, reason: "is empty: there is nothing to sniff or import" };
  const sample = sampleLines(text, complete);
  const lines = linesBasis(text, sample.length, complete);
  const strict = new Map<InputKind, string>();
  const start = text.trimStart();
  const whole = complete && /^[[{]/.test(start) ? parseJson(start) : undefined;
  if (whole !== undefined) {
    const shape = detectCloudWatchShape(whole);
    if (shape !== null) strict.set("cloudwatch", `its ${shape} JSON`);
    if (isK6Summary(whole)) strict.set("k6-summary", "its JSON");
  } else if (!complete && start.startsWith("{")) {
    if (
      /^\{\s*"(MetricDataResults|Datapoints|events)"\s*:\s*\[/.test(start) ||
      /^\{\s*"Label"\s*:\s*"(?:[^"\\]|\\.)*"\s*,\s*"Datapoints"\s*:\s*\[/.test(start)
    )
      strict.set("cloudwatch", "the opening of its JSON");
    if (
      (/"root_group"\s*:/.test(start) && /"metrics"\s*:/.test(start)) ||
      looksLikeMachineReadableSummary(start)
    )
      strict.set("k6-summary", "the opening of its JSON");
  } else if (!complete && firstElementIsPerformanceEvent(start)) {
    strict.set("cloudwatch", "the first event of its JSON array");
  }
  const every = (read: (line: string) => boolean): boolean =>
    sample.length > 0 && sample.every(read);
  if (every(readsAsK6)) strict.set("k6", lines);
  if (whole === undefined && every(readsAsPerformanceEvent)) strict.set("cloudwatch", lines);
  if (every((l) => parseAlbLogLine(l).ok)) strict.set("alb", lines);
  if (every((l) => parseCombinedLogLine(l).ok)) strict.set("nginx", lines);
  if (sample.length > 0 && /^"?metric_name"?,"?timestamp"?,"?metric_value"?(,|$)/.test(sample[0]!))
    strict.set("k6-csv", lines);
  else if (readsAsConsoleCsv(sample))
    strict.set(
      "csv",
      "its CloudWatch console header rows: Id, StatusCode, Messages, Full label, Label",
    );
  else if (readsAsNamedCsv(sample))
    strict.set(
      "csv",
      `its header and ${sample.length === 2 ? "row" : `first ${sample.length - 1} rows`}`,
    );

  const kinds = INPUT_KINDS.filter((k) => strict.has(k));
  if (kinds.length === 1) {
    const kind = kinds[0]!;
    return { ok: true, kind, ...formatFor(kind), basis: strict.get(kind)! };
  }
  if (kinds.length > 1)
    return {
      ok: false,
      reason: `reads as ${kinds.map((k) => whatIs(k)).join(" and as ")} alike; add --format to say which`,
    };
  const queries = whole === undefined ? null : queriesFileKind(whole);
  if (queries !== null) return { ok: false, reason: `is ${queries}, not data to import`, queries };
  return { ok: false, reason: notSure(text, complete, sample) };
}

/** Why a head that no format reads strictly is not imported without --format. */
function notSure(text: string, complete: boolean, sample: readonly string[]): string {
  const loose = recognizeInput(text, complete);
  const kind = loose[0];
  if (kind === undefined) return `reads as none of the formats caplab imports (${KNOWN_FORMATS})`;
  const fits = formatFor(kind);
  if (kind === "csv")
    return `reads as a CSV file whose header does not name its time and count columns (${TIME_COLUMN_NAMES.slice(0, 3).join(", ")}… and ${VALUE_COLUMN_NAMES.slice(0, 3).join(", ")}…); add --format csv, and --time-column and --value-column to choose them`;
  const read = LINE_READERS[kind];
  if (read !== undefined) {
    const n = sample.filter(read).length;
    return `reads mostly as ${fits.what} (${n} of its first ${plural(sample.length, "line")}); add --format ${fits.format} to import it, the other lines counted as bad`;
  }
  return `reads as ${fits.what} from the opening of its JSON only; add --format ${fits.format}`;
}

/** The formats caplab imports, in words, for a file that is none of them. */
const KNOWN_FORMATS =
  "ALB or nginx access logs, k6 --out json or --out csv output or end-of-test summary, saved CloudWatch JSON, a CSV series";

const LINE_READERS: Partial<Record<InputKind, (line: string) => boolean>> = {
  k6: readsAsK6,
  cloudwatch: readsAsPerformanceEvent,
  alb: (l) => parseAlbLogLine(l).ok,
  nginx: (l) => parseCombinedLogLine(l).ok,
};

function whatIs(kind: InputKind): string {
  return formatFor(kind).what;
}

/** "its 3 lines" when the sample is the whole head, else "its first 20 lines". */
function linesBasis(text: string, sampled: number, complete: boolean): string {
  const all = text.split(/\r?\n/).filter((l) => l.trim() !== "").length;
  return complete && all === sampled
    ? `its ${sampled === 1 ? "line" : plural(sampled, "line")}`
    : `its first ${sampled === 1 ? "line" : plural(sampled, "line")}`;
}

/** A CSV whose header names a time and a count column and whose rows hold a time and a number there. */
function readsAsNamedCsv(sample: readonly string[]): boolean {
  if (sample.length < 2) return false;
  const cells = (line: string): string[] =>
    line.split(",").map((c) =>
      c
        .trim()
        .replace(/^"(.*)"$/, "$1")
        .trim(),
    );
  const header = cells(sample[0]!).map((c) => c.toLowerCase());
  const find = (names: readonly string[]): number => {
    for (const name of names) {
      const i = header.indexOf(name.toLowerCase());
      if (i >= 0) return i;
    }
    return -1;
  };
  const time = find(TIME_COLUMN_NAMES);
  const value = find(VALUE_COLUMN_NAMES);
  if (time < 0 || value < 0) return false;
  return sample.slice(1).every((line) => {
    const row = cells(line);
    return (
      row.length === header.length &&
      parseTimeCell(row[time]!) !== null &&
      parseNumberCell(row[value]!) !== null
    );
  });
}
