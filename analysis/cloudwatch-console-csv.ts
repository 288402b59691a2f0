/**
 * The CSV file the CloudWatch console writes (Metrics › graphed metrics › Actions › Download as
 * .csv; a dashboard widget's Download as .csv): a block of header rows, one per field of a
 * GetMetricData result, then one row per time, one column per graphed metric:
 *
 * ```
 * Id,m2
 * StatusCode,Complete
 * Messages,
 * Full label,us-east-1:AWS/EC2 InstanceId:i-052bbcbccf7277a40 CPUUtilization Average 300
 * Label,CPUUtilization
 * 2026/02/14 15:00:00,2.0831292722730756
 * ```
 *
 * The layout is the one of a file saved from the console and published as
 * `data/cpu_real.csv` in `its-Adarsh2003/AegisCloud-ML` (commit 05b9c5368c482e460f073c692a80293910ba83d6;
 * its `scripts/train_model.py` describes the same rows as "CloudWatch CSV format"). That file has
 * one metric; a file of several graphed metrics is read as one column per metric, each header
 * row holding that metric's cell (the rows are GetMetricData's per-result fields), which no
 * public file caplab has seen shows. The times carry no zone: the console draws a graph in UTC
 * or in the browser's time zone (its time-zone setting), and which of them the file is written
 * in is not documented, so they are read as UTC with a warning.
 *
 * Pure: what the CSV reader (analysis/io/files/trace-file.ts) and the sniff
 * (analysis/input-kind.ts) share.
 */
import { UsageError } from "../sim/vocab/errors.js";

/** The first cell of each header row after `Id`, as the console writes them. */
export const CONSOLE_HEADER_ROWS = ["StatusCode", "Messages", "Full label", "Label"] as const;

/** Whether a CSV record opens the console's header block: `Id` and one cell per metric. */
export function opensConsoleHeader(record: readonly string[]): boolean {
  return record.length >= 2 && record[0] === "Id";
}

/** Whether a record is one of the header rows after `Id` (StatusCode, Messages, Full label, Label). */
export function isConsoleHeaderRow(record: readonly string[]): boolean {
  return (CONSOLE_HEADER_ROWS as readonly string[]).includes(record[0] ?? "");
}

const CONSOLE_TIME = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/**
 * Epoch ms of a console CSV time, `YYYY/MM/DD HH:MM:SS`, read as UTC; null for anything else.
 *
 * @example parseConsoleTime("2026/02/14 15:00:00") // 1771081200000
 */
export function parseConsoleTime(text: string): number | null {
  const m = CONSOLE_TIME.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, ...number[]];
  const ms = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  const back = new Date(ms);
  // 2026/02/30 rolls over into March in Date.UTC: not a time.
  return back.getUTCMonth() === mo! - 1 &&
    back.getUTCDate() === d! &&
    h! < 24 &&
    mi! < 60 &&
    s! < 60
    ? ms
    : null;
}

/** One graphed metric of a console CSV: its column and what its header rows say. */
export interface ConsoleColumn {
  /** The column index in the file (1 for the first metric). */
  readonly index: number;
  readonly id: string;
  readonly label: string;
  readonly fullLabel: string;
  readonly statusCode: string;
  /** The metric name, statistic and period at the end of the Full label; null when it has none. */
  readonly metric: {
    readonly name: string;
    readonly stat: string;
    readonly periodSeconds: number;
  } | null;
}

/**
 * The graphed metrics of a console CSV, from its header rows (`Id` first, then any of
 * {@link CONSOLE_HEADER_ROWS}).
 */
export function consoleColumns(rows: readonly (readonly string[])[]): ConsoleColumn[] {
  const ids = rows[0] ?? [];
  const row = (name: string): readonly string[] => rows.find((r) => r[0] === name) ?? [];
  return ids.slice(1).map((id, k) => {
    const index = k + 1;
    const fullLabel = (row("Full label")[index] ?? "").trim();
    return {
      index,
      id: id.trim(),
      label: (row("Label")[index] ?? "").trim(),
      fullLabel,
      statusCode: (row("StatusCode")[index] ?? "").trim(),
      metric: fullLabelMetric(fullLabel),
    };
  });
}

/**
 * The metric name, statistic and period that end a console Full label
 * (`REGION:NAMESPACE DIM:VALUE … METRIC STAT PERIOD`); null when it does not end so.
 *
 * @example fullLabelMetric("us-east-1:AWS/ApplicationELB LoadBalancer:app/web/1 RequestCount Sum 60")
 *   // { name: "RequestCount", stat: "Sum", periodSeconds: 60 }
 */
export function fullLabelMetric(
  fullLabel: string,
): { name: string; stat: string; periodSeconds: number } | null {
  const words = fullLabel.split(/\s+/).filter((w) => w !== "");
  if (words.length < 4) return null;
  const [name, stat, period] = words.slice(-3) as [string, string, string];
  const periodSeconds = Number(period);
  return /^\d+$/.test(period) && periodSeconds > 0 ? { name, stat, periodSeconds } : null;
}

/** Metric names that are a utilization, not a count (CPUUtilization, MemoryUtilization, CpuUtilized …). */
const UTILIZATION = /utiliz|reserved|percent|^cpu|^memory/i;

/** "m1 (RequestCount Sum)", or the Label when the Full label does not end in a metric. */
function described(column: ConsoleColumn): string {
  const what =
    column.metric === null
      ? column.label || "no Label"
      : `${column.metric.name} ${column.metric.stat}`;
  return `${column.id} (${what})`;
}

/**
 * Why a console column is not requests per period, as the end of a sentence that begins with
 * the file's name and the column; null when it is AWS/ApplicationELB-style `RequestCount` with
 * the Sum statistic (the count of requests in each period).
 */
export function notRequestCount(column: ConsoleColumn): string | null {
  const metric = column.metric;
  if (metric === null)
    return `has no Full label row ending in a metric, statistic and period, so nothing says it holds a request count`;
  if (metric.name === "RequestCount" && metric.stat === "Sum") return null;
  if (metric.name === "RequestCount")
    return `holds RequestCount ${metric.stat}, not Sum: for a load balancer's RequestCount, Minimum, Maximum and Average are 1 and only Sum counts the requests in a period`;
  if (metric.name === "RequestCountPerTarget")
    return `holds RequestCountPerTarget, requests per target, and the file does not say how many targets there were`;
  if (UTILIZATION.test(metric.name))
    return `holds ${metric.name} ${metric.stat}, a utilization, not a count of requests`;
  return `holds ${metric.name} ${metric.stat}, not a count of requests`;
}

/** The column a console CSV's requests are read from, and, when it was named, why it may not be requests. */
export interface ConsoleChoice {
  readonly column: ConsoleColumn;
  /** For a column named with --value-column that is not RequestCount Sum: why (a warning). */
  readonly doubt: string | null;
}

/**
 * Picks the requests column of a console CSV: the one `valueColumn` names (its Id or Label, case
 * ignored; the user's choice, so at most a doubt to warn of), else its only metric when that is
 * RequestCount Sum.
 *
 * @throws UsageError naming the file and column: a metric that is not RequestCount Sum (CPU,
 *   memory, another statistic), several metrics and no --value-column, or a --value-column that
 *   names none of them.
 */
export function chooseConsoleColumn(
  path: string,
  columns: readonly ConsoleColumn[],
  valueColumn: string | undefined,
): ConsoleChoice {
  const listed = columns.map(described).join(", ");
  const option = "--value-column (valueColumn in a config)";
  if (valueColumn !== undefined) {
    const wanted = valueColumn.toLowerCase();
    const column =
      columns.find((c) => c.id.toLowerCase() === wanted) ??
      columns.find((c) => c.label.toLowerCase() === wanted);
    if (column === undefined)
      throw new UsageError(
        `${path} is a CloudWatch console CSV whose metrics are ${listed}, none of them ${JSON.stringify(valueColumn)}; fix ${option} to one of their Ids or Labels.`,
        "missing-column",
      );
    return { column, doubt: notRequestCount(column) };
  }
  if (columns.length !== 1)
    throw new UsageError(
      `${path} is a CloudWatch console CSV of ${columns.length} metrics, ${listed}; name the one that holds RequestCount Sum with ${option}, e.g. --value-column ${columns.find((c) => notRequestCount(c) === null)?.id ?? columns[0]?.id ?? "m1"}.`,
      "ambiguous-column",
    );
  const column = columns[0]!;
  const why = notRequestCount(column);
  if (why !== null)
    throw new UsageError(
      `${path}: column ${column.id} of the CloudWatch console CSV ${why}; a CSV trace holds requests per step, so graph the load balancer's or target group's RequestCount with the Sum statistic and download that, or name the column with ${option} to read it as requests anyway.`,
      "not-requests",
    );
  return { column, doubt: null };
}

/**
 * Whether the first lines of a file are a CloudWatch console CSV: `Id` and one cell per metric,
 * one or more of the header rows after it, then rows of a console time and as many cells.
 * Cells are split at commas only: the sniff's look, not the reader's.
 */
export function readsAsConsoleCsv(lines: readonly string[]): boolean {
  const rows = lines.map((l) => l.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1")));
  if (rows.length < 3 || !opensConsoleHeader(rows[0]!)) return false;
  let k = 1;
  while (k < rows.length && isConsoleHeaderRow(rows[k]!)) k++;
  if (k === 1 || k === rows.length) return false;
  const width = rows[0]!.length;
  return rows.slice(k).every((r) => r.length === width && parseConsoleTime(r[0]!) !== null);
}
