/**
 * Saved CloudWatch JSON, read into series for a trace bundle (STYLE.md point 2):
 *
 *   JSON value ──detectCloudWatchShape──▶ one of CLOUDWATCH_SHAPES
 *     get-metric-data output ──parseGetMetricData──▶ MetricDataResult[] ─────────────┐
 *       (--metric-data-queries file ──parseMetricDataQueries──▶ MetricDataQuery[])   │
 *     get-metric-statistics output ──parseGetMetricStatistics──▶ one series per stat ├▶ CloudWatchSeriesBuilder
 *     Container Insights events (array, or one per JSONL line) ──parsePerformanceEvent┤   ──finish──▶
 *     filter-log-events output ──parseLogEvents──▶ messages ──parsePerformanceEvent──┘   CloudWatchSeries[]
 *
 * Each shape is a zod schema in AWS's own words, after the references: GetMetricData's
 * `MetricDataQuery` and `MetricDataResult`
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html),
 * GetMetricStatistics' `Datapoint` (…/APIReference/API_GetMetricStatistics.html), CloudWatch
 * Logs' `FilteredLogEvent`
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html)
 * and the Container Insights performance log events for ECS
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-reference-performance-logs-ECS.html).
 * Fields caplab does not use pass through; a field caplab uses that has the wrong kind of value
 * is an error sentence naming where it is (`query m1.Period is "60", not a whole number of
 * seconds`); an optional name or unit of the wrong kind is ignored.
 *
 * A CloudWatchSeries has AWS's names (namespace, metric name, dimensions, statistic, unit,
 * period) and its datapoints sorted by time, one per timestamp; placing them on a fixed step
 * is the importer's job (analysis/io/import/cloudwatch.ts). Container Insights events become the
 * series ids the collector writes (analysis/io/aws/metrics.ts, analysis/io/aws/task-metrics.ts):
 * `task.<TaskId>.CpuUtilized.Average`, `container.<TaskId>.<ContainerName>.MemoryUtilized.Average`,
 * `ci.RunningTaskCount.Average`, so `report`, `calibrate` and `rightsize` read them alike.
 *
 * Pure: JSON values in, typed values or `{ok: false, error}` out; no I/O, no clock. No input,
 * whatever its shape, makes these functions throw; warnings go to the sink passed in.
 */
import { z } from "zod";
import {
  warnings,
  seriesIdPart,
  SUB_MINUTE_PERIODS,
  type Result,
  type WarningSink,
} from "../sim/vocab/index.js";
import { parseIsoTime, typicalSpacingSeconds } from "./trace.js";

/** The JSON shapes `caplab import --format cloudwatch` reads. */
export const CLOUDWATCH_SHAPES = [
  "get-metric-data",
  "get-metric-statistics",
  "container-insights-events",
  "filter-log-events",
] as const;
export type CloudWatchShape = (typeof CLOUDWATCH_SHAPES)[number];

/** The accepted shapes, in words, for the message about a file that is none of them. */
export const CLOUDWATCH_SHAPES_IN_WORDS =
  '`aws cloudwatch get-metric-data` output ({"MetricDataResults": [...]}), ' +
  '`aws cloudwatch get-metric-statistics` output ({"Label": ..., "Datapoints": [...]}), ' +
  "Container Insights performance log events (a JSON array, or one object per line, with Type and Timestamp) " +
  'or `aws logs filter-log-events` output ({"events": [{"message": ...}]})';

/** The Container Insights namespace. */
export const CONTAINER_INSIGHTS_NAMESPACE = "ECS/ContainerInsights";

/** The Container Insights event Types that carry ECS metrics. */
export const PERFORMANCE_EVENT_TYPES = ["Container", "Task", "Service", "Cluster"] as const;
export type PerformanceEventType = (typeof PERFORMANCE_EVENT_TYPES)[number];

/** The statistics GetMetricStatistics returns, in AWS's order. */
export const STANDARD_STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"] as const;

// ---------------------------------------------------------------------------------------------
// Values, times and messages

type JsonObject = { readonly [key: string]: unknown };

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An own property (never one inherited from Object.prototype). */
function field(o: JsonObject, name: string): unknown {
  return Object.hasOwn(o, name) ? o[name] : undefined;
}

/** A JSON value in a few words, for messages. */
function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return String(v);
}

/** Epoch ms the JS Date can hold (±8.64e15). */
const MAX_EPOCH_MS = 8.64e15;

/**
 * Epoch ms of a CloudWatch time: an ISO 8601 string (with any offset; UTC without one), or a
 * number of epoch seconds (below 1e11) or milliseconds. Null when it is neither.
 *
 * @example cloudWatchTime("2024-09-29T22:10:00+00:00") // 1727647800000
 * @example cloudWatchTime(1623963900000) // 1623963900000
 */
export function cloudWatchTime(v: unknown): number | null {
  if (typeof v === "string") return parseIsoTime(v);
  if (typeof v !== "number" || !Number.isFinite(v)) return null;
  const ms = Math.abs(v) < 1e11 ? v * 1000 : v;
  return Math.abs(ms) <= MAX_EPOCH_MS ? ms : null;
}

const KINDS: Readonly<Record<string, string>> = {
  object: "an object",
  array: "a list",
  string: "a string",
  number: "a number",
  boolean: "true or false",
};

/**
 * Every message of the schemas is a predicate that follows the place it is about: "is
 * missing", `is "60", not a whole number of seconds`, "has no Id or Label". This map words
 * zod's type checks so; schemas with words of their own give them as `error`.
 */
const predicates: z.core.$ZodErrorMap = (issue) =>
  issue.code === "invalid_type"
    ? issue.input === undefined
      ? "is missing"
      : `is ${describeValue(issue.input)}, not ${KINDS[issue.expected] ?? issue.expected}`
    : undefined;

/** `Dimensions[0].Name`: the part of a zod path inside the place a message names. */
function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((k, i) => (typeof k === "number" ? `[${k}]` : `${i === 0 ? "" : "."}${String(k)}`))
    .join("");
}

/**
 * Parses `json` with `schema`. On failure: one phrase (no full stop: it follows a file name),
 * `place(path)` naming where the first issue is and the issue's predicate saying what is wrong.
 */
function parseWith<S extends z.ZodType>(
  schema: S,
  json: unknown,
  place: (path: readonly PropertyKey[]) => string,
): Result<z.output<S>> {
  const parsed = schema.safeParse(json, { error: predicates, reportInput: true });
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { ok: false, error: `${place(issue.path)} ${issue.message}` };
}

/** A name or unit caplab takes when it is a string and leaves out otherwise. */
const lenientString = z.string().optional().catch(undefined);

/** A CloudWatch time ({@link cloudWatchTime}) as epoch ms; `what` says what it must be. */
const cloudWatchTimeSchema = (what: string) =>
  z.unknown().transform((v, ctx) => {
    const ms = cloudWatchTime(v);
    if (ms === null)
      ctx.addIssue({
        code: "custom",
        message: v === undefined ? "is missing" : `is ${describeValue(v)}, ${what}`,
      });
    return ms ?? NaN;
  });

const finiteNumber = z.number({ error: (i) => `is ${describeValue(i.input)}, not a number` });

const notWholeSeconds = (issue: { input?: unknown }) =>
  `is ${describeValue(issue.input)}, not a whole number of seconds`;
/** A Period: whole seconds above 0. */
const periodSchema = z
  .number({ error: notWholeSeconds })
  .int({ error: notWholeSeconds })
  .positive({ error: notWholeSeconds })
  .optional();

/** CloudWatch's `Messages` ({Code, Value}), as "Code: Value"; anything else is left out. */
const messagesSchema = z
  .array(z.unknown())
  .catch([])
  .transform((list) =>
    list.filter(isObject).map((m) => {
      const code = field(m, "Code");
      const value = field(m, "Value");
      return `${typeof code === "string" ? code : "?"}: ${typeof value === "string" ? value : ""}`;
    }),
  )
  .optional()
  .transform((m) => m ?? []);

// ---------------------------------------------------------------------------------------------
// Shape detection

function isPerformanceEventLike(v: unknown): boolean {
  return isObject(v) && typeof field(v, "Type") === "string" && field(v, "Timestamp") !== undefined;
}

function isMetricDataQueryLike(v: unknown): boolean {
  return (
    isObject(v) &&
    typeof field(v, "Id") === "string" &&
    (field(v, "MetricStat") !== undefined || field(v, "Expression") !== undefined)
  );
}

/**
 * Which CloudWatch shape a JSON value has, by its keys: `MetricDataResults` (get-metric-data),
 * `Datapoints` (get-metric-statistics), `events` (filter-log-events or get-log-events), an
 * object with `Type` and `Timestamp`, or an array holding at least one (Container Insights
 * events; the other elements are read as bad events). Null when it is none of them.
 */
export function detectCloudWatchShape(json: unknown): CloudWatchShape | null {
  if (Array.isArray(json)) {
    return json.some(isPerformanceEventLike) ? "container-insights-events" : null;
  }
  if (!isObject(json)) return null;
  if (Array.isArray(field(json, "MetricDataResults"))) return "get-metric-data";
  if (Array.isArray(field(json, "Datapoints"))) return "get-metric-statistics";
  if (Array.isArray(field(json, "events"))) return "filter-log-events";
  if (isPerformanceEventLike(json)) return "container-insights-events";
  return null;
}

/**
 * What the queries of `aws cloudwatch get-metric-data` are, when `json` is them: a
 * `--metric-data-queries` file (an array of MetricDataQuery) or a get-metric-data input
 * (`{"MetricDataQueries": […]}`, `--cli-input-json`); null when it is neither.
 */
export function queriesFileKind(json: unknown): string | null {
  if (Array.isArray(json) && json.length > 0 && json.every(isMetricDataQueryLike))
    return "a --metric-data-queries file (the queries aws cloudwatch get-metric-data ran)";
  if (isObject(json) && Array.isArray(field(json, "MetricDataQueries")))
    return "a get-metric-data input (the MetricDataQueries aws cloudwatch get-metric-data ran)";
  return null;
}

/**
 * The one sentence (without its period) for such a file given where data belongs: what it is
 * and where it goes.
 *
 * @example queriesFileGivenAsData("q.json", queriesFileKind(json)!)
 *   // "q.json is a --metric-data-queries file (…), not data to import: give it as --queries q.json, …"
 */
export function queriesFileGivenAsData(name: string, kind: string): string {
  return `${name} is ${kind}, not data to import: give it as --queries ${name}, and the get-metric-data output it produced as SOURCE`;
}

/** Why a JSON value is none of the shapes, in a few words that end a sentence about the file. */
export function describeUnknownShape(json: unknown): string {
  const queries = queriesFileKind(json);
  if (queries !== null)
    return `it is ${queries}: give it as --queries FILE, and the get-metric-data output as SOURCE`;
  if (Array.isArray(json) && json.length === 0) return "it is an empty JSON array";
  const keys = isObject(json) ? Object.keys(json).slice(0, 5) : [];
  const what = isObject(json)
    ? keys.length === 0
      ? "an empty object"
      : `an object with ${keys.map((k) => JSON.stringify(k)).join(", ")}`
    : describeValue(json);
  return `it holds ${what}; --format cloudwatch reads ${CLOUDWATCH_SHAPES_IN_WORDS}`;
}

// ---------------------------------------------------------------------------------------------
// --metric-data-queries

const DimensionSchema = z.object({ Name: z.string(), Value: z.string() });
/** A CloudWatch dimension, in AWS's words. */
export type Dimension = z.output<typeof DimensionSchema>;

const MetricDataQuerySchema = z
  .object({
    Id: z.string().optional(),
    Label: lenientString,
    /** Metric math or a SEARCH expression. */
    Expression: z.string().optional(),
    MetricStat: z
      .object({
        Metric: z.object({
          Namespace: lenientString,
          MetricName: lenientString,
          Dimensions: z.array(DimensionSchema).default([]),
        }),
        /** Seconds. */
        Period: periodSchema,
        Stat: lenientString,
        Unit: lenientString,
      })
      .optional(),
    /** Seconds; an Expression query's own period. */
    Period: periodSchema,
    /** @default true */
    ReturnData: z.boolean().optional().catch(undefined),
  })
  .refine((q) => q.Id !== undefined && q.Id !== "", { error: "has no Id" })
  .refine((q) => q.MetricStat !== undefined || q.Expression !== undefined, {
    error: "has neither MetricStat nor Expression",
  })
  .transform((q) => ({ ...q, Id: q.Id! }));

/** One MetricDataQuery of `aws cloudwatch get-metric-data --metric-data-queries`, in AWS's words. */
export type MetricDataQuery = z.output<typeof MetricDataQuerySchema>;

/**
 * The queries of a `--metric-data-queries` file: a JSON array of MetricDataQuery, or an object
 * with `MetricDataQueries` (the `--cli-input-json` form).
 *
 * @example parseMetricDataQueries([{ Id: "m1", MetricStat: { Metric: { Namespace: "AWS/EC2",
 *   MetricName: "CPUUtilization" }, Period: 300, Stat: "Average" } }]).ok // true
 */
export function parseMetricDataQueries(json: unknown): Result<MetricDataQuery[]> {
  const list = isObject(json) ? field(json, "MetricDataQueries") : json;
  if (!Array.isArray(list))
    return {
      ok: false,
      error: `holds ${describeValue(json)}, not a list of MetricDataQuery objects ([{"Id": ..., "MetricStat": ...}])`,
    };
  return parseWith(z.array(MetricDataQuerySchema), list, ([i = 0, ...rest]) => {
    const id: unknown = isObject(list[i as number]) ? field(list[i as number], "Id") : undefined;
    const query = typeof id === "string" && id !== "" ? id : `${(i as number) + 1}`;
    return `query ${query}${rest.length > 0 ? `.${pathText(rest)}` : ""}`;
  });
}

// ---------------------------------------------------------------------------------------------
// get-metric-data output

const MetricDataResultSchema = z
  .object({
    // Every result has an Id; a hand-made file may have only the Label.
    Id: lenientString,
    Label: lenientString,
    /** Epoch ms, in CloudWatch's order (newest first unless ScanBy was TimestampAscending). */
    Timestamps: z.array(cloudWatchTimeSchema("not an ISO 8601 time")).default([]),
    Values: z.array(finiteNumber).default([]),
    /** Complete, PartialData, InternalError or Forbidden. */
    StatusCode: lenientString,
    /** The result's Messages, as "Code: Value". */
    Messages: messagesSchema,
  })
  .refine((r) => (r.Id ?? "") !== "" || (r.Label ?? "") !== "", { error: "has no Id or Label" })
  .refine((r) => r.Timestamps.length === r.Values.length, {
    error: (issue) => {
      const r = issue.input as { Timestamps: unknown[]; Values: unknown[] };
      return `has ${r.Timestamps.length} Timestamps but ${r.Values.length} Values`;
    },
  })
  .transform((r) => ({ ...r, Id: r.Id || r.Label! }));

/** One entry of `MetricDataResults`, its times read as epoch ms (in the order given). */
export type MetricDataResult = z.output<typeof MetricDataResultSchema>;

const GetMetricDataOutputSchema = z.object({
  MetricDataResults: z.array(MetricDataResultSchema),
  /** The output's own Messages, as "Code: Value". */
  Messages: messagesSchema,
  /** Present when CloudWatch had more pages. */
  NextToken: lenientString.transform((t) => t || undefined),
});
export type GetMetricDataOutput = z.output<typeof GetMetricDataOutputSchema>;

/**
 * `aws cloudwatch get-metric-data` output: every result's Id, Label, Timestamps (ISO 8601
 * with offsets, to epoch ms), Values, StatusCode and Messages.
 */
export function parseGetMetricData(json: unknown): Result<GetMetricDataOutput> {
  if (!isObject(json) || !Array.isArray(field(json, "MetricDataResults")))
    return { ok: false, error: "has no MetricDataResults list" };
  const results = field(json, "MetricDataResults") as unknown[];
  return parseWith(GetMetricDataOutputSchema, json, ([, i, ...rest]) => {
    if (typeof i !== "number") return "MetricDataResults";
    const r = results[i];
    const named = isObject(r) ? [field(r, "Id"), field(r, "Label")] : [];
    const id = named.find((n): n is string => typeof n === "string" && n !== "");
    return `MetricDataResults[${i}]${id === undefined ? "" : ` (${id})`}${rest.length > 0 ? ` ${pathText(rest)}` : ""}`;
  });
}

// ---------------------------------------------------------------------------------------------
// get-metric-statistics output

const DatapointSchema = z.object({
  Timestamp: cloudWatchTimeSchema("not an ISO 8601 time"),
  Unit: lenientString,
  SampleCount: finiteNumber.optional(),
  Average: finiteNumber.optional(),
  Sum: finiteNumber.optional(),
  Minimum: finiteNumber.optional(),
  Maximum: finiteNumber.optional(),
  /** `p99`, `tm90`, …: the statistics asked for with --extended-statistics. */
  ExtendedStatistics: z.record(z.string(), finiteNumber).optional(),
});

const GetMetricStatisticsSchema = z.object({
  /** The metric name (GetMetricStatistics labels its output with it). */
  Label: lenientString,
  Datapoints: z.array(DatapointSchema),
});

/** One statistic's datapoints, sorted by time. */
export interface StatisticSeries {
  /** `Average`, `Maximum`, …, or an extended statistic such as `p99`. */
  readonly stat: string;
  readonly unit?: string;
  /** Epoch ms, ascending. */
  readonly times: readonly number[];
  readonly values: readonly number[];
}

export interface GetMetricStatisticsOutput {
  readonly Label: string;
  readonly datapoints: number;
  /** Standard statistics first, in {@link STANDARD_STATISTICS} order, then extended ones. */
  readonly statistics: readonly StatisticSeries[];
}

/**
 * `aws cloudwatch get-metric-statistics` output: the Datapoints (which CloudWatch returns in
 * no particular order) sorted by Timestamp, one series per statistic present (standard and
 * `ExtendedStatistics`). Cost: O(n log n).
 */
export function parseGetMetricStatistics(json: unknown): Result<GetMetricStatisticsOutput> {
  if (!isObject(json) || !Array.isArray(field(json, "Datapoints")))
    return { ok: false, error: "has no Datapoints list" };
  const parsed = parseWith(GetMetricStatisticsSchema, json, ([, i, ...rest]) =>
    typeof i === "number" ? `Datapoints[${i}] ${pathText(rest)}`.trimEnd() : "Datapoints",
  );
  if (!parsed.ok) return parsed;
  const byStat = new Map<string, { unit?: string; points: [number, number][] }>();
  for (const p of parsed.value.Datapoints) {
    const stats: [string, number | undefined][] = [
      ...STANDARD_STATISTICS.map((s): [string, number | undefined] => [s, p[s]]),
      ...Object.entries(p.ExtendedStatistics ?? {}),
    ];
    for (const [stat, v] of stats) {
      if (v === undefined) continue;
      let s = byStat.get(stat);
      if (s === undefined) byStat.set(stat, (s = { unit: p.Unit, points: [] }));
      s.points.push([p.Timestamp, v]);
    }
  }
  // Map order is insertion order: standard statistics first, as listed, then extended ones.
  const order = (stat: string): number => {
    const k = (STANDARD_STATISTICS as readonly string[]).indexOf(stat);
    return k < 0 ? STANDARD_STATISTICS.length : k;
  };
  const statistics = [...byStat.entries()]
    .sort(([a], [b]) => order(a) - order(b))
    .map(([stat, s]) => {
      s.points.sort((a, b) => a[0] - b[0]);
      return {
        stat,
        unit: s.unit,
        times: s.points.map((p) => p[0]),
        values: s.points.map((p) => p[1]),
      };
    });
  return {
    ok: true,
    value: {
      Label: parsed.value.Label ?? "",
      datapoints: parsed.value.Datapoints.length,
      statistics,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Container Insights performance log events

/** A name an event of its Type must have. */
const needs = (name: string) =>
  z.string({ error: `has no ${name}` }).min(1, { error: `has no ${name}` });
/** An optional name; an empty one is none. */
const optionalName = lenientString.transform((s) => s || undefined);

const eventBase = { Timestamp: z.unknown().optional(), ClusterName: optionalName };
const PerformanceEventSchema = z.discriminatedUnion("Type", [
  z.object({
    ...eventBase,
    Type: z.literal("Container"),
    TaskId: needs("TaskId"),
    ContainerName: needs("ContainerName"),
    TaskDefinitionFamily: optionalName,
  }),
  z.object({
    ...eventBase,
    Type: z.literal("Task"),
    TaskId: needs("TaskId"),
    TaskDefinitionFamily: optionalName,
    /** Present on tasks of a service (not in every agent version's events). */
    ServiceName: optionalName,
  }),
  z.object({ ...eventBase, Type: z.literal("Service"), ServiceName: needs("ServiceName") }),
  z.object({ ...eventBase, Type: z.literal("Cluster"), ClusterName: needs("ClusterName") }),
]);

/**
 * One Container Insights performance log event for ECS
 * (`/aws/ecs/containerinsights/<cluster>/performance`), in AWS's words, with `Timestamp` as
 * epoch ms and `metrics`: every numeric field but Timestamp and the `…At` times (CpuUtilized,
 * MemoryUtilized, RunningTaskCount, NetworkRxPackets, …), by name.
 */
export type PerformanceEvent = WithTime<z.output<typeof PerformanceEventSchema>>;
type WithTime<E> = E extends unknown
  ? Omit<E, "Timestamp"> & {
      readonly Timestamp: number;
      readonly metrics: Readonly<Record<string, number>>;
    }
  : never;

/** An event of a Type that carries no ECS service metrics (e.g. `ContainerInstance`): skipped. */
export interface OtherEvent {
  readonly Type: "other";
  readonly name: string;
}

/**
 * One Container Insights performance event. `fallbackTimestampMs` (the log event's own
 * timestamp) is used when the event has no Timestamp.
 */
export function parsePerformanceEvent(
  json: unknown,
  fallbackTimestampMs?: number,
): Result<PerformanceEvent | OtherEvent> {
  if (!isObject(json))
    return { ok: false, error: `is ${describeValue(json)}, not a performance event object` };
  const type = field(json, "Type");
  if (typeof type !== "string")
    return { ok: false, error: "is not a Container Insights performance event (it has no Type)" };
  if (!(PERFORMANCE_EVENT_TYPES as readonly string[]).includes(type))
    return { ok: true, value: { Type: "other", name: type.slice(0, 40) } };
  const parsed = parseWith(PerformanceEventSchema, json, () => `a ${type} event`);
  if (!parsed.ok) return parsed;
  const raw = field(json, "Timestamp");
  const time = raw === undefined ? (fallbackTimestampMs ?? null) : cloudWatchTime(raw);
  if (time === null)
    return {
      ok: false,
      error: `a ${type} event's Timestamp ${describeValue(raw)} is not epoch milliseconds`,
    };
  const metrics: Record<string, number> = {};
  for (const [name, v] of Object.entries(json))
    if (typeof v === "number" && Number.isFinite(v) && name !== "Timestamp" && !name.endsWith("At"))
      Object.defineProperty(metrics, name, { value: v, enumerable: true });
  return { ok: true, value: { ...parsed.value, Timestamp: time, metrics } };
}

/** One log event of `aws logs filter-log-events` (or `get-log-events`) output. */
export interface LogEvent {
  /** Epoch ms; null when the event has none. */
  readonly timestamp: number | null;
  readonly message: unknown;
}

const logEvent = (e: unknown): LogEvent => ({
  timestamp: isObject(e) ? cloudWatchTime(field(e, "timestamp")) : null,
  message: isObject(e) ? field(e, "message") : undefined,
});

/**
 * One log event on its own (`jq -c '.events[]'` of filter-log-events output): an object with
 * a `message` string. Null when `json` is not one.
 */
export function asLogEvent(json: unknown): LogEvent | null {
  return isObject(json) && typeof field(json, "message") === "string" ? logEvent(json) : null;
}

/** The `events` of `aws logs filter-log-events` or `get-log-events` output. */
export function parseLogEvents(json: unknown): Result<LogEvent[]> {
  const events = isObject(json) ? field(json, "events") : undefined;
  if (!Array.isArray(events)) return { ok: false, error: "has no events list" };
  return { ok: true, value: events.map(logEvent) };
}

/**
 * The performance event in one log message (a JSON string, as CloudWatch Logs keeps it).
 * Cost: one JSON.parse of the message.
 */
export function parsePerformanceMessage(event: LogEvent): Result<PerformanceEvent | OtherEvent> {
  if (typeof event.message !== "string") return { ok: false, error: "has no message string" };
  let json: unknown;
  try {
    json = JSON.parse(event.message);
  } catch {
    return { ok: false, error: "has a message that is not JSON" };
  }
  return parsePerformanceEvent(json, event.timestamp ?? undefined);
}

// ---------------------------------------------------------------------------------------------
// Series

/** One CloudWatch series, read and merged from every input: AWS's names and its datapoints. */
export interface CloudWatchSeries {
  /** Bundle series id (`[A-Za-z0-9_.-]+`), unique in the set. */
  readonly id: string;
  /** Other names `--requests` may use: the query Id and the Label. */
  readonly aliases: readonly string[];
  readonly namespace?: string;
  readonly metricName: string;
  /** Statistic or extended statistic (`Sum`, `Average`, `p95`). */
  readonly stat?: string;
  readonly dimensions: readonly Dimension[];
  readonly unit?: string;
  /** Seconds, as the data states it (the query's Period); absent when it does not. */
  readonly periodSeconds?: number;
  /** The typical spacing of the datapoints, seconds; null with fewer than two. */
  readonly spacingSeconds: number | null;
  /** Metric math or SEARCH expression, for Expression queries. */
  readonly expression?: string;
  /** Epoch ms, ascending, distinct. */
  readonly times: readonly number[];
  readonly values: readonly number[];
}

/**
 * The CloudWatch period nearest a measured spacing: the shortest of 1, 5, 10, 20, 30 s that is
 * at least 95 % of it, or else the nearest multiple of 60 s.
 *
 * @example periodForSpacing(3600) // 3600
 * @example periodForSpacing(58) // 60
 * @example periodForSpacing(9.8) // 10
 */
export function periodForSpacing(spacingSeconds: number): number {
  for (const p of SUB_MINUTE_PERIODS) if (p >= spacingSeconds * 0.95) return p;
  return Math.max(60, Math.round(spacingSeconds / 60) * 60);
}

/** Whether `seconds` is a period CloudWatch takes: 1, 5, 10, 20, 30 or a multiple of 60. */
export function isCloudWatchPeriod(seconds: number): boolean {
  return (
    (SUB_MINUTE_PERIODS as readonly number[]).includes(seconds) ||
    (Number.isInteger(seconds) && seconds > 0 && seconds % 60 === 0)
  );
}

/** What a series says of itself before its datapoints are in (aliases still grow). */
type SeriesMeta = Omit<
  CloudWatchSeries,
  "id" | "aliases" | "spacingSeconds" | "times" | "values"
> & {
  readonly aliases: string[];
};

/** Datapoints by time: replaced (CloudWatch data read twice) or averaged (events). */
class Points {
  private readonly byTime = new Map<number, { sum: number; n: number }>();
  conflicts = 0;

  constructor(private readonly mode: "replace" | "mean") {}

  add(time: number, value: number): void {
    const cell = this.byTime.get(time);
    if (cell === undefined) this.byTime.set(time, { sum: value, n: 1 });
    else if (this.mode === "mean") {
      cell.sum += value;
      cell.n++;
    } else {
      if (cell.sum !== value) this.conflicts++;
      cell.sum = value;
    }
  }

  sorted(): { times: number[]; values: number[] } {
    const times = [...this.byTime.keys()].sort((a, b) => a - b);
    return {
      times,
      values: times.map((t) => {
        const c = this.byTime.get(t)!;
        return c.sum / c.n;
      }),
    };
  }
}

/** Units Container Insights documents for the metrics turned into series. */
const CI_UNITS: Readonly<Record<string, string>> = {
  CpuUtilized: "None",
  CpuReserved: "None",
  MemoryUtilized: "Megabytes",
  MemoryReserved: "Megabytes",
  NetworkRxBytes: "Bytes/Second",
  NetworkTxBytes: "Bytes/Second",
  StorageReadBytes: "Bytes/Second",
  StorageWriteBytes: "Bytes/Second",
  RunningTaskCount: "Count",
  DesiredTaskCount: "Count",
  PendingTaskCount: "Count",
  DeploymentCount: "Count",
  TaskSetCount: "Count",
  TaskCount: "Count",
  ContainerInstanceCount: "Count",
  ServiceCount: "Count",
};

/** Per task and per container, as the collector's per-task queries (analysis/io/aws/task-metrics.ts). */
const TASK_METRICS = ["CpuUtilized", "MemoryUtilized"] as const;
/** Service level from Task events with a ServiceName: the collector's `ci.*` usage series. */
const SERVICE_USAGE_METRICS = [
  "CpuUtilized",
  "CpuReserved",
  "MemoryUtilized",
  "MemoryReserved",
  "NetworkRxBytes",
  "NetworkTxBytes",
] as const;
/** Service level from Service events. */
const SERVICE_COUNT_METRICS = [
  "RunningTaskCount",
  "DesiredTaskCount",
  "PendingTaskCount",
  "DeploymentCount",
  "TaskSetCount",
] as const;
/** Cluster level from Cluster events. */
const CLUSTER_METRICS = ["TaskCount", "ContainerInstanceCount", "ServiceCount"] as const;
/** The order of service-level series: the collector's catalog order, then the rest. */
const SERVICE_ORDER = [
  "CpuUtilized",
  "CpuReserved",
  "MemoryUtilized",
  "MemoryReserved",
  "RunningTaskCount",
  "DesiredTaskCount",
  "PendingTaskCount",
  "NetworkRxBytes",
  "NetworkTxBytes",
  "DeploymentCount",
  "TaskSetCount",
];

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface TaskEntry {
  family?: string;
  cluster?: string;
  readonly metrics: Map<string, Points>;
  readonly containers: Map<string, { readonly metrics: Map<string, Points> }>;
}

/**
 * Gathers series from any number of documents and events, merging by series: GetMetricData
 * results by Id (pages, NextToken runs), GetMetricStatistics by Label and statistic,
 * Container Insights events by task, container, service and cluster. `finish` gives the
 * series with their ids.
 */
export class CloudWatchSeriesBuilder {
  /** For the manifest: PartialData, CloudWatch messages, metric math, skipped event Types. */
  readonly notes: string[] = [];
  private readonly queries = new Map<string, MetricDataQuery>();
  /** The Period every MetricStat query shares, for Expression queries without their own. */
  private readonly sharedPeriod: number | undefined;
  private readonly metric = new Map<string, { meta: SeriesMeta; points: Points }>();
  private readonly tasks = new Map<string, TaskEntry>();
  /** By ServiceName, then metric. */
  private readonly services = new Map<string, { cluster?: string; metrics: Map<string, Points> }>();
  private readonly clusters = new Map<string, Map<string, Points>>();
  private readonly otherTypes = new Map<string, number>();
  private readonly expressionsNoted = new Set<string>();
  /** The Label each GetMetricData Id had first (from --queries or the first result). */
  private readonly labels = new Map<string, string>();
  private readonly mismatched = new Set<string>();

  constructor(
    queries: readonly MetricDataQuery[],
    private readonly warn: WarningSink,
  ) {
    for (const q of queries) {
      this.queries.set(q.Id, q);
      // GetMetricData labels a result with the query's Label, else with the metric name.
      const label = q.Label ?? q.MetricStat?.Metric.MetricName;
      // A dynamic label (`${PROP('Dim.InstanceId')}`) is filled in per result: not compared.
      if (label !== undefined && !label.includes("${")) this.labels.set(q.Id, label);
    }
    const periods = new Set(
      queries.map((q) => q.MetricStat?.Period).filter((p): p is number => p !== undefined),
    );
    this.sharedPeriod = periods.size === 1 ? [...periods][0] : undefined;
  }

  /** Whether a --queries file was given. */
  private get hasQueries(): boolean {
    return this.queries.size > 0;
  }

  private metricSeries(key: string, meta: () => SeriesMeta): Points {
    let entry = this.metric.get(key);
    if (entry === undefined)
      this.metric.set(key, (entry = { meta: meta(), points: new Points("replace") }));
    return entry.points;
  }

  /** One get-metric-data output (one page). */
  addMetricData(source: string, output: GetMetricDataOutput): void {
    for (const m of output.Messages) this.notes.push(`CloudWatch (${source}): ${m}`);
    for (const r of output.MetricDataResults) {
      const q = this.queries.get(r.Id);
      if (this.hasQueries && q === undefined && !this.metric.has(`data:${r.Id}`))
        this.warn(warnings.resultWithoutQuery(source, r.Id));
      if (r.Label !== undefined) {
        const known = this.labels.get(r.Id);
        if (known === undefined) this.labels.set(r.Id, r.Label);
        else if (known !== r.Label && !this.mismatched.has(r.Id)) {
          this.mismatched.add(r.Id);
          this.warn(warnings.labelMismatch(source, r.Id, r.Label, known));
        }
      }
      const points = this.metricSeries(`data:${r.Id}`, () => this.metaFor(r, q));
      for (let i = 0; i < r.Timestamps.length; i++) points.add(r.Timestamps[i]!, r.Values[i]!);
      if (r.StatusCode === "PartialData") {
        this.notes.push(
          `GetMetricData returned PartialData for ${r.Id} in ${source}; the datapoints of the pages imported were kept.`,
        );
        this.warn(warnings.partialData(source, r.Id));
      } else if (r.StatusCode === "Forbidden" || r.StatusCode === "InternalError") {
        this.notes.push(
          `GetMetricData returned StatusCode ${r.StatusCode} for ${r.Id} in ${source}.`,
        );
        this.warn(warnings.failedResult(source, r.Id, r.StatusCode));
      }
      for (const m of r.Messages) this.notes.push(`CloudWatch (${r.Id}, ${source}): ${m}`);
      if (q?.Expression !== undefined && !this.expressionsNoted.has(r.Id)) {
        this.expressionsNoted.add(r.Id);
        this.notes.push(`${r.Id} is metric math: ${q.Expression}`);
      }
    }
  }

  private metaFor(r: MetricDataResult, q: MetricDataQuery | undefined): SeriesMeta {
    const label = r.Label ?? q?.Label;
    const aliases = [r.Id, ...(label !== undefined && label !== r.Id ? [label] : [])];
    const stat = q?.MetricStat;
    return {
      aliases,
      namespace: stat?.Metric.Namespace,
      metricName: stat?.Metric.MetricName ?? label ?? r.Id,
      stat: stat?.Stat,
      dimensions: stat?.Metric.Dimensions ?? [],
      unit: stat?.Unit,
      periodSeconds:
        stat?.Period ?? q?.Period ?? (q?.Expression !== undefined ? this.sharedPeriod : undefined),
      expression: q?.Expression,
    };
  }

  /** One get-metric-statistics output. */
  addStatistics(output: GetMetricStatisticsOutput): void {
    const name = output.Label === "" ? "metric" : output.Label;
    for (const s of output.statistics) {
      const points = this.metricSeries(`stats:${name}\u0000${s.stat}`, () => ({
        aliases: [`${name}.${s.stat}`, name],
        metricName: name,
        stat: s.stat,
        dimensions: [],
        unit: s.unit,
      }));
      for (let i = 0; i < s.times.length; i++) points.add(s.times[i]!, s.values[i]!);
    }
  }

  /** One Container Insights performance event. */
  addEvent(event: PerformanceEvent | OtherEvent): void {
    const t = event.Type === "other" ? 0 : event.Timestamp;
    const put = (
      into: Map<string, Points>,
      names: readonly string[],
      metrics: Record<string, number>,
    ) => {
      for (const name of names) {
        const v = metrics[name];
        if (v === undefined || !Object.hasOwn(metrics, name)) continue;
        let p = into.get(name);
        if (p === undefined) into.set(name, (p = new Points("mean")));
        p.add(t, v);
      }
    };
    switch (event.Type) {
      case "other":
        this.otherTypes.set(event.name, (this.otherTypes.get(event.name) ?? 0) + 1);
        return;
      case "Container":
      case "Task": {
        let task = this.tasks.get(event.TaskId);
        if (task === undefined)
          this.tasks.set(event.TaskId, (task = { metrics: new Map(), containers: new Map() }));
        task.family ??= event.TaskDefinitionFamily;
        task.cluster ??= event.ClusterName;
        if (event.Type === "Task") {
          put(task.metrics, TASK_METRICS, event.metrics);
          if (event.ServiceName !== undefined)
            put(
              this.service(event.ServiceName, event.ClusterName),
              SERVICE_USAGE_METRICS,
              event.metrics,
            );
        } else {
          let c = task.containers.get(event.ContainerName);
          if (c === undefined)
            task.containers.set(event.ContainerName, (c = { metrics: new Map() }));
          put(c.metrics, TASK_METRICS, event.metrics);
        }
        return;
      }
      case "Service":
        put(
          this.service(event.ServiceName, event.ClusterName),
          SERVICE_COUNT_METRICS,
          event.metrics,
        );
        return;
      case "Cluster": {
        let c = this.clusters.get(event.ClusterName);
        if (c === undefined) this.clusters.set(event.ClusterName, (c = new Map()));
        put(c, CLUSTER_METRICS, event.metrics);
        return;
      }
    }
  }

  private service(name: string, cluster: string | undefined): Map<string, Points> {
    let s = this.services.get(name);
    if (s === undefined) this.services.set(name, (s = { cluster, metrics: new Map() }));
    s.cluster ??= cluster;
    return s.metrics;
  }

  /**
   * Every series: GetMetricData results in the order first seen, then GetMetricStatistics
   * series, then Container Insights: service level (`ci.*`), per task and container (by
   * TaskId, then name), per cluster. Ids are unique: a clash gets `_2`, `_3`, … on its base.
   */
  finish(): CloudWatchSeries[] {
    const out: CloudWatchSeries[] = [];
    const used = new Set<string>();
    const unique = (base: string, rest: string): string => {
      let id = `${base}${rest}`;
      for (let n = 2; used.has(id); n++) id = `${base}_${n}${rest}`;
      used.add(id);
      return id;
    };
    const emit = (id: string, meta: SeriesMeta, points: Points): void => {
      const { times, values } = points.sorted();
      if (points.conflicts > 0) this.warn(warnings.conflictingDatapoints(id, points.conflicts));
      out.push({ id, ...meta, spacingSeconds: typicalSpacingSeconds(times), times, values });
    };
    for (const [key, { meta, points }] of this.metric) {
      const id = key.startsWith("data:")
        ? unique(seriesIdPart(key.slice(5)), "")
        : unique(seriesIdPart(meta.metricName), `.${seriesIdPart(meta.stat ?? "")}`);
      emit(id, meta, points);
    }

    const ci = (
      metricName: string,
      dimensions: Dimension[],
      aliases: string[] = [],
    ): SeriesMeta => ({
      aliases,
      namespace: CONTAINER_INSIGHTS_NAMESPACE,
      metricName,
      stat: "Average",
      dimensions,
      unit: CI_UNITS[metricName],
    });
    const dims = (pairs: [string, string | undefined][]): Dimension[] =>
      pairs
        .filter((p): p is [string, string] => p[1] !== undefined)
        .map(([Name, Value]) => ({ Name, Value }));

    const services = [...this.services.entries()].sort(([a], [b]) => byText(a, b));
    if (services.length > 1) this.warn(warnings.severalServices(services.map(([name]) => name)));
    for (const [name, s] of services) {
      const metrics = [...s.metrics.keys()].sort(
        (a, b) => SERVICE_ORDER.indexOf(a) - SERVICE_ORDER.indexOf(b),
      );
      const base = services.length === 1 ? "ci" : `service.${seriesIdPart(name)}`;
      for (const m of metrics)
        emit(
          unique(base, `.${m}.Average`),
          ci(
            m,
            dims([
              ["ClusterName", s.cluster],
              ["ServiceName", name],
            ]),
          ),
          s.metrics.get(m)!,
        );
    }

    const tasks = [...this.tasks.entries()].sort(([a], [b]) => byText(a, b));
    for (const [taskId, task] of tasks) {
      const taskDims = dims([
        ["ClusterName", task.cluster],
        ["TaskDefinitionFamily", task.family],
        ["TaskId", taskId],
      ]);
      const taskBase = `task.${seriesIdPart(taskId)}`;
      for (const m of TASK_METRICS) {
        const p = task.metrics.get(m);
        if (p !== undefined) emit(unique(taskBase, `.${m}.Average`), ci(m, taskDims), p);
      }
      const containers = [...task.containers.entries()].sort(([a], [b]) => byText(a, b));
      for (const [name, c] of containers) {
        const base = `container.${seriesIdPart(taskId)}.${seriesIdPart(name)}`;
        for (const m of TASK_METRICS) {
          const p = c.metrics.get(m);
          if (p !== undefined)
            emit(
              unique(base, `.${m}.Average`),
              ci(m, [...taskDims, { Name: "ContainerName", Value: name }]),
              p,
            );
        }
      }
    }

    const clusters = [...this.clusters.entries()].sort(([a], [b]) => byText(a, b));
    for (const [name, metrics] of clusters) {
      for (const m of CLUSTER_METRICS) {
        const p = metrics.get(m);
        if (p !== undefined)
          emit(
            unique(`cluster.${seriesIdPart(name)}`, `.${m}.Average`),
            ci(m, [{ Name: "ClusterName", Value: name }]),
            p,
          );
      }
    }
    if (this.otherTypes.size > 0)
      this.notes.push(
        `performance events of other Types were skipped: ${[...this.otherTypes.entries()]
          .map(([type, n]) => `${n} ${type}`)
          .join(", ")}`,
      );
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// One document

/** What one JSON document held. */
export interface DocumentRead {
  readonly shape: CloudWatchShape;
  /** Results' datapoints, statistics datapoints or events read. */
  readonly records: number;
  /** Events that could not be read (each reported to `onBadEvent`). */
  readonly badEvents: number;
}

/**
 * Adds one whole JSON document to `builder`, by its shape ({@link detectCloudWatchShape}).
 * Events that cannot be read are skipped and passed to `onBadEvent` (1-based index, reason);
 * anything else wrong with the document is an error, and nothing of it is added.
 *
 * @returns an error (a phrase that follows the file's name) when the document is none of the
 *   shapes or is broken.
 */
export function addCloudWatchDocument(
  builder: CloudWatchSeriesBuilder,
  source: string,
  json: unknown,
  onBadEvent: (index: number, reason: string) => void,
): Result<DocumentRead> {
  const shape = detectCloudWatchShape(json);
  switch (shape) {
    case null:
      return {
        ok: false,
        error: `is none of the CloudWatch shapes: ${describeUnknownShape(json)}`,
      };
    case "get-metric-data": {
      const parsed = parseGetMetricData(json);
      if (!parsed.ok) return parsed;
      builder.addMetricData(source, parsed.value);
      const records = parsed.value.MetricDataResults.reduce((n, r) => n + r.Values.length, 0);
      return { ok: true, value: { shape, records, badEvents: 0 } };
    }
    case "get-metric-statistics": {
      const parsed = parseGetMetricStatistics(json);
      if (!parsed.ok) return parsed;
      builder.addStatistics(parsed.value);
      return { ok: true, value: { shape, records: parsed.value.datapoints, badEvents: 0 } };
    }
    case "container-insights-events": {
      const events: readonly unknown[] = Array.isArray(json) ? json : [json];
      let bad = 0;
      events.forEach((e, i) => {
        const parsed = parsePerformanceEvent(e);
        if (parsed.ok) builder.addEvent(parsed.value);
        else {
          bad++;
          onBadEvent(i + 1, parsed.error);
        }
      });
      return { ok: true, value: { shape, records: events.length - bad, badEvents: bad } };
    }
    case "filter-log-events": {
      const parsed = parseLogEvents(json);
      if (!parsed.ok) return parsed;
      let bad = 0;
      parsed.value.forEach((e, i) => {
        const event = parsePerformanceMessage(e);
        if (event.ok) builder.addEvent(event.value);
        else {
          bad++;
          onBadEvent(i + 1, event.error);
        }
      });
      return { ok: true, value: { shape, records: parsed.value.length - bad, badEvents: bad } };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The requests series

/**
 * The series that becomes the bundle's `requests`: the one `name` names (series id, query Id
 * or Label) when given; else the one whose metric name is RequestCount (when several, the one
 * with a TargetGroup dimension: the service's own traffic, as the collector takes it); null
 * when nothing is named and no series is a RequestCount (the bundle then has no requests).
 *
 * @returns an error sentence that names the series found when `name` names none or several,
 *   or when several RequestCount series could each be the service's.
 */
export function pickRequestsSeries(
  series: readonly CloudWatchSeries[],
  name: string | undefined,
): Result<CloudWatchSeries | null> {
  if (name !== undefined) {
    const byId = series.filter((s) => s.id === name);
    const matches = byId.length > 0 ? byId : series.filter((s) => s.aliases.includes(name));
    if (matches.length === 1) return { ok: true, value: matches[0]! };
    if (matches.length > 1)
      return {
        ok: false,
        error: `--requests ${name} names ${matches.length} series (${listed(matches)}); give one of their ids.`,
      };
    return {
      ok: false,
      error: `--requests ${name} names no series; the series found are ${listed(series)}.`,
    };
  }
  let candidates = series.filter((s) => s.metricName === "RequestCount");
  if (candidates.length > 1) {
    const perTargetGroup = candidates.filter((s) =>
      s.dimensions.some((d) => d.Name === "TargetGroup"),
    );
    if (perTargetGroup.length === 1) candidates = perTargetGroup;
  }
  if (candidates.length === 1) return { ok: true, value: candidates[0]! };
  if (candidates.length > 1)
    return {
      ok: false,
      error: `several RequestCount series were found (${listed(candidates)}); pass --requests with the one that counts the service's requests.`,
    };
  return { ok: true, value: null };
}

/** Series named for a message: the first 12 ids (with their Label), then how many more. */
export function listed(list: readonly CloudWatchSeries[]): string {
  if (list.length === 0) return "none";
  const names = list.slice(0, 12).map((s) => {
    const label = s.aliases.find((a) => a !== s.id);
    return label === undefined ? s.id : `${s.id} (${label})`;
  });
  return `${names.join(", ")}${list.length > 12 ? `, and ${list.length - 12} more` : ""}`;
}
