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
 * for the two k6 files `import` does not take as a source: `--out csv` output, whose header
 * k6 writes as `metric_name,timestamp,metric_value,…` (k6 `internal/output/csv/output.go`,
 * `MakeHeader`), and the end-of-test summary: `--summary-export` or handleSummary's `data`, an
 * object with `metrics` and `root_group` (k6 docs, "End of test" › "Custom summary"), or the
 * versioned machine-readable summary, an object with a `version` beside `results.metrics`, an
 * array (grafana/k6-summary `schemas/summary/1.0.0/schema.json`; analysis/k6-summary.ts).
 */
import { parseAlbLogLine, parseCombinedLogLine } from "./access-log.js";
import { detectCloudWatchShape } from "./cloudwatch-json.js";
import { parseK6Line } from "./k6-results.js";
import { isMachineReadableSummary } from "./k6-summary.js";

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
    }
  }
  const lines = text.split(/\r?\n/);
  if (!complete && lines.length > 1) lines.pop(); // the last line may be cut short
  const sample = lines.filter((l) => l.trim() !== "").slice(0, SAMPLE_LINES);
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
      return `is k6 --out csv output, which caplab does not read (its rows carry no metric types or thresholds); run k6 with --out json=FILE instead and import that with --format k6`;
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
 * The `--format` that imports a file of `kind`, and what such a file is; null for k6's
 * `--out csv` output, which caplab does not read.
 *
 * @example formatFor("k6-summary") // { format: "k6", what: "a k6 end-of-test summary" }
 */
export function formatFor(
  kind: InputKind,
): { readonly format: string; readonly what: string } | null {
  switch (kind) {
    case "k6-csv":
      return null;
    case "k6-summary":
      return { format: "k6", what: "a k6 end-of-test summary" };
    case "k6":
      return { format: "k6", what: "k6 --out json output" };
    case "cloudwatch":
      return { format: "cloudwatch", what: "saved CloudWatch JSON" };
    case "alb":
      return { format: "alb", what: "an ALB access log" };
    case "nginx":
      return { format: "nginx", what: "an nginx or Apache access log (combined format)" };
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
