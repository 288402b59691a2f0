/**
 * The one aggregator of k6 results: every k6 `--out json` file caplab reads (the run report,
 * the gate and the history through loadRunBundle, calibrate, `import --format k6`, the
 * thresholds of a distributed run) goes through {@link K6Ingest}. Pure: bytes in, numbers out;
 * the file reading and the worker threads live in analysis/io/files/k6-stream.ts.
 *
 *   NDJSON bytes ──K6LineReader──▶ Points (metric, time, value, the tags asked for)
 *     ──K6Ingest──▶ per metric (and sub-metric asked for): k6's sink (count, exact sum, min,
 *                   max, non-zero count, last value by time, raw values of the trends that
 *                   need percentiles)
 *                   per second × endpoint: requests, failures, 5xx, dropped iterations and a
 *                   LatencyHistogram of http_req_duration
 *   ──K6Ingest.finish──▶ K6Ingested: K6SecondSeries (overall and per endpoint) and every
 *                        metric's aggregates keyed like k6's summary (K6MetricSummary)
 *
 *   parallel: each worker thread reads a byte range of the file into its own K6Ingest and sends
 *     its state (K6IngestState); the states merge ({@link K6Ingest.mergeState}) into the same
 *     aggregates as one pass, bit for bit: sums are exact (ExactSum), raw values are sorted at
 *     the end, a gauge's last value is the latest by (time, byte offset), histograms add
 *     bucket counts. So the order and the cut points of the ranges never change a result.
 *
 * Fast path (bytes, no string per line): a line in either of k6's two frames,
 *   {"metric":"NAME","type":"Point","data":{…}}   or   {"type":"Point","data":{…},"metric":"NAME"}
 * is recognized from its frame bytes; its `data` object is walked by a small JSON scanner
 * (time, value and, for the metrics that need them, the tags asked for). A line that repeats
 * the last such line's bytes but for its metric (the one that came next last time) and its
 * value, as k6 writes a request's dozen Points, is read by the line template in three
 * comparisons and a number (K6LineReader's #template). Anything else
 * (Metric lines, escapes in the fields read, whitespace, numbers the scanner does not convert
 * exactly, a last line without newline) goes through {@link parseK6Line}. Both paths give
 * identical results for every line JSON.parse accepts whose keys are unique, as Go's
 * encoding/json writes them (test/analysis/k6-ingest.test.ts).
 */
import {
  builtinContains,
  BUILTIN_METRIC_TYPES,
  K6_COUNT_METRICS,
  K6_DURATION_METRICS,
  MAX_K6_COUNT,
  MAX_K6_DURATION_MS,
  parseK6Line,
  percentileKey,
  submetricFilter,
  type K6MetricSummary,
  type K6MetricType,
  type K6ThresholdEntry,
} from "./k6-results.js";
import {
  ascii,
  BACKSLASH,
  BytePattern,
  bytesAt,
  type CachedString,
  CLOSE_BRACE,
  COLON,
  COMMA,
  hashBytes,
  METRIC_FIRST_HEAD,
  METRIC_FIRST_MIDDLE,
  METRIC_LAST_HEAD,
  METRIC_LAST_TAIL,
  NULL,
  OPEN_BRACE,
  plainStringEnd,
  QUOTE,
  RecentValues,
  Rfc3339Parser,
  scanEq2,
  scanNumber,
  scanOffset,
  skipString,
  skipValue,
  StringCache,
  utf8,
  utf8Encoder,
} from "./k6-bytes.js";
// The modules themselves, not the stats barrel: it loads simple-statistics, ~50 ms more for
// every worker thread to start (bench/README.md, "k6 ingestion").
import { ExactSum } from "./stats/exact-sum.js";
import { k6Percentile } from "./stats/k6-percentile.js";
import { LatencyHistogram, type LatencyHistogramSnapshot } from "./stats/latency-histogram.js";
import { MAX_TRACE_STEPS, tooManySteps, TraceError } from "./trace.js";

export { Rfc3339Parser };

/** The tags that name an endpoint, in order of preference. */
export const ENDPOINT_TAGS = ["name", "endpoint"] as const;

/**
 * The metrics the per-second series are built from, and what each adds to its second:
 * `http_reqs` its value to the requests; `http_req_duration` its value to the second's
 * histogram (and a 5xx when its `status` tag is 5xx); `http_req_failed` one failure when its
 * value is not 0; `dropped_iterations` its value.
 */
export const PER_SECOND_METRICS = [
  "http_reqs",
  "http_req_duration",
  "http_req_failed",
  "dropped_iterations",
] as const;
const NOT_PER_SECOND = -1;
const REQS = 0;
const DURATION = 1;
const FAILED = 2;
const DROPPED = 3;

/** The percentiles of every trend's summary besides `med`, as k6 writes their keys (`p(90)` …). */
export const DEFAULT_PERCENTILES: readonly number[] = [90, 95, 99];

/**
 * Raw values kept per trend for exact whole-run percentiles; past it, `http_req_duration`'s
 * come from its histograms (within 0.39 %) and another trend's are not computed.
 * @default 20,000,000 (160 MB)
 */
export const DEFAULT_MAX_RAW_VALUES = 20_000_000;

/** Bad lines kept with their reason (all are counted). */
const MAX_BAD_LINES = 20;

/** The tags read from every Point of a per-second metric: the endpoint's, the status, the scenario. */
const BASE_TAG_KEYS = ["name", "endpoint", "status", "scenario"] as const;
const NAME_TAG = 0;
const ENDPOINT_TAG = 1;
const STATUS_TAG = 2;
const SCENARIO_TAG = 3;

/** Distinct `scenario` tag values kept. */
const MAX_SCENARIOS = 10;

export interface K6IngestOptions {
  /** Raw values kept per trend for exact percentiles. @default {@link DEFAULT_MAX_RAW_VALUES} */
  readonly maxRawValues?: number;
  /** Digits of the per-second histograms. @default 2 (0.39 % relative error) */
  readonly significantDigits?: number;
  /** Use the fast path (true) or JSON.parse every line (false, for tests). @default true */
  readonly fastPath?: boolean;
  /**
   * Metrics and sub-metrics (`http_req_duration{endpoint:home}`, k6's syntax) whose whole-run
   * aggregates are needed beyond what every metric gets (count, sum, min, max, rate, last):
   * a trend named here keeps its raw values (percentiles), a sub-metric gets its own sink.
   * @default none (http_req_duration always keeps its raw values)
   */
  readonly metrics?: readonly string[];
  /** Percentiles of every trend with raw values, besides `med`, 0–100. @default {@link DEFAULT_PERCENTILES} */
  readonly percentiles?: readonly number[];
  /** The byte offset of the first byte fed, in the whole input (a worker's range start). @default 0 */
  readonly offset?: number;
}

/** Per-second series of one endpoint (or all), second i = [startMs + i s, startMs + (i+1) s). */
export interface K6SecondSeries {
  readonly startMs: number;
  /** `http_reqs` per second. */
  readonly requests: Float64Array;
  /** Requests with `http_req_failed` ≠ 0, per second. */
  readonly failures: Float64Array;
  /** `http_req_duration` Points tagged with a 5xx `status`, per second. */
  readonly status5xx: Float64Array;
  /** `dropped_iterations` per second. */
  readonly dropped: Float64Array;
  /** Durations recorded per second (`http_req_duration` points). */
  readonly durations: Float64Array;
  /** Mean (exact), p50, p95, p99 (histogram, within 0.39 %) of `http_req_duration` per second, ms; NaN without points. */
  readonly meanMs: Float64Array;
  readonly p50Ms: Float64Array;
  readonly p95Ms: Float64Array;
  readonly p99Ms: Float64Array;
  /** The per-second histograms (null where no duration was recorded), for merging into coarser steps. */
  readonly histograms: readonly (LatencyHistogram | null)[];
}

/** Whole-run aggregates keyed like k6's summary. */
export type K6TrendValues = Readonly<Record<string, number>>;

/** A line that was skipped: its number in the input (1-based) and why. */
export interface K6BadLine {
  readonly line: number;
  readonly reason: string;
  /** true: k6 JSON holding a value k6 cannot have measured; false: not k6 JSON at all. */
  readonly refused: boolean;
}

export interface K6Ingested {
  /** Lines read, blank lines excluded. */
  readonly lines: number;
  /** Point lines per metric (bad values included). */
  readonly pointsByMetric: Readonly<Record<string, number>>;
  readonly overall: K6SecondSeries;
  /** Per endpoint tag value (`name`, else `endpoint`); requests without either are under "". */
  readonly endpoints: Readonly<Record<string, K6SecondSeries>>;
  /**
   * Every metric that got a Point or a Metric line, and every sub-metric asked for, with k6's
   * aggregates (k6 `metrics/sink.go`): counter `count`, `rate` (÷ the run's seconds); gauge
   * `value` (the latest), `min`, `max`; rate `rate` (absent without samples, as k6), `passes`,
   * `fails`; trend `count`, `avg`, `min`, `max` and, with raw values, `med` and `p(N)`.
   */
  readonly metrics: Readonly<Record<string, K6MetricSummary>>;
  /** `http_req_duration`, `http_reqs` and `http_req_failed` of {@link metrics} (zeros without points). */
  readonly summary: Readonly<Record<string, K6TrendValues>>;
  /** Whether the duration percentiles come from raw values (k6's exact numbers) or histograms. */
  readonly exactPercentiles: boolean;
  /** Every `http_req_duration` value, sorted ascending; null past the raw-value budget. */
  readonly durations: Float64Array | null;
  /** The k6 scenarios the per-second metrics' Points name (`scenario` tag), sorted; at most 10. */
  readonly scenarios: readonly string[];
  /** The thresholds the Metric lines declare (k6 writes the script's), per metric. */
  readonly declaredThresholds: Readonly<Record<string, readonly K6ThresholdEntry[]>>;
  /** Epoch ms of the first and the last Point (NaN without Points). */
  readonly firstMs: number;
  readonly lastMs: number;
  /** Lines that were not k6 JSON: line number and reason (at most 20 kept). */
  readonly badLines: readonly K6BadLine[];
  readonly badLineCount: number;
}

// ---------------------------------------------------------------------------------------------
// Sinks: k6's aggregates of one metric, mergeable in any order

/** A growable Float64Array of raw values. */
class RawValues {
  values = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = v;
  }
  append(more: Float64Array): void {
    if (this.length + more.length > this.values.length) {
      const grown = new Float64Array(Math.max(2 * this.values.length, this.length + more.length));
      grown.set(this.values.subarray(0, this.length));
      this.values = grown;
    }
    this.values.set(more, this.length);
    this.length += more.length;
  }
}

/** A {@link Sink} as plain data (see {@link K6IngestState}). */
export interface K6SinkState {
  readonly count: number;
  readonly sum: readonly number[];
  readonly min: number;
  readonly max: number;
  readonly nonZero: number;
  readonly lastMs: number;
  readonly lastAt: number;
  readonly last: number;
  /** "kept" with `raw`, "dropped" past the budget, "none" when not asked for. */
  readonly rawState: "kept" | "dropped" | "none";
  readonly raw: Float64Array | null;
}

/**
 * What k6 keeps of one metric or sub-metric (k6 `metrics/sink.go`), in a form that merges
 * exactly: count, exact sum, min, max, non-zero count (a Rate's passes), the latest value by
 * time and then by byte offset (a Gauge's value), and the raw values when percentiles are
 * needed.
 */
class Sink {
  count = 0;
  readonly sum = new ExactSum();
  min = Infinity;
  max = -Infinity;
  nonZero = 0;
  lastMs = -Infinity;
  lastAt = -Infinity;
  last = 0;
  raw: RawValues | null;
  rawState: K6SinkState["rawState"];

  constructor(keepRaw: boolean) {
    this.raw = keepRaw ? new RawValues() : null;
    this.rawState = keepRaw ? "kept" : "none";
  }

  /** Keeps raw values from now on (a Metric line declared thresholds before any Point). */
  keepRaw(): void {
    if (this.rawState === "none" && this.count === 0) {
      this.raw = new RawValues();
      this.rawState = "kept";
    }
  }

  add(value: number, ms: number, at: number, maxRaw: number): void {
    this.count++;
    this.sum.add(value);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value !== 0) this.nonZero++;
    if (ms > this.lastMs || (ms === this.lastMs && at > this.lastAt)) {
      this.lastMs = ms;
      this.lastAt = at;
      this.last = value;
    }
    const raw = this.raw;
    if (raw !== null) {
      if (raw.length < maxRaw) raw.push(value);
      else {
        this.raw = null;
        this.rawState = "dropped";
      }
    }
  }

  state(): K6SinkState {
    return {
      count: this.count,
      sum: this.sum.toArray(),
      min: this.min,
      max: this.max,
      nonZero: this.nonZero,
      lastMs: this.lastMs,
      lastAt: this.lastAt,
      last: this.last,
      rawState: this.rawState,
      raw: this.raw === null ? null : this.raw.values.subarray(0, this.raw.length),
    };
  }

  merge(o: K6SinkState, maxRaw: number): void {
    if (o.count === 0 && o.rawState !== "dropped") return;
    // Raw values stay complete only when both sides kept theirs.
    if (this.rawState === "dropped" || o.rawState === "dropped") {
      this.raw = null;
      this.rawState = "dropped";
    } else if (this.rawState === "kept" && o.rawState === "kept") {
      if (this.raw!.length + o.raw!.length > maxRaw) {
        this.raw = null;
        this.rawState = "dropped";
      } else this.raw!.append(o.raw!);
    } else if (o.count > 0 || this.count > 0) {
      // One side did not keep them: the percentiles cannot be exact.
      const known = this.rawState === "kept" && o.count === 0;
      if (!known) {
        this.raw = null;
        this.rawState = "none";
      }
    }
    this.count += o.count;
    for (const p of o.sum) this.sum.add(p);
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
    this.nonZero += o.nonZero;
    if (o.lastMs > this.lastMs || (o.lastMs === this.lastMs && o.lastAt > this.lastAt)) {
      this.lastMs = o.lastMs;
      this.lastAt = o.lastAt;
      this.last = o.last;
    }
  }
}

/** Which values a Point of a metric may hold (k6PointValueProblem, inlined per metric). */
const ANY_VALUE = 0;
const DURATION_VALUE = 1;
const COUNT_VALUE = 2;
/**
 * A name with `{`: a sub-metric's, which k6 never writes a Point under (its engine adds a
 * parent's sample to the sinks of the sub-metrics whose tags the sample carries, k6
 * `internal/metrics/engine/ingester.go` `flushMetrics`; its JSON output writes the sample under
 * the parent, `internal/output/json/json.go`), so such a Point is refused.
 */
const SUBMETRIC_NAME = 3;

/** A sub-metric's sink and its filter: tag index (into the reader's tag keys) → value. */
interface SubSink {
  readonly name: string;
  readonly filter: readonly (readonly [number, string])[];
  readonly sink: Sink;
}

/** Everything the aggregator holds about one metric. */
interface MetricEntry {
  readonly name: string;
  readonly sink: Sink;
  /** Index in PER_SECOND_METRICS, or NOT_PER_SECOND. */
  readonly perSecond: number;
  readonly check: number;
  readonly subs: readonly SubSink[];
  /** Whether the reader must read this metric's tags (per-second metrics and sub-metrics). */
  readonly needsTags: boolean;
  /** Point lines (bad values included). */
  lines: number;
  /** From the metric's Metric line. */
  type: K6MetricType | null;
  contains: string | null;
  /**
   * The reader's: the bytes a Point line of this metric starts with in k6's layout,
   * `{"metric":"NAME","type":"Point","data":{"time":` (see K6LineReader's line template).
   */
  linePrefix: BytePattern | null;
}

/** The keys of `data` the fast path reads, with their quotes and colon. */
const TIME_KEY = new BytePattern(ascii('"time":'));
const VALUE_KEY = new BytePattern(ascii('"value":'));
const TAGS_KEY = new BytePattern(ascii('"tags":'));
const OTHER_KEY = 0;
const TIME = 1;
const VALUE = 2;
const TAGS = 3;
/** `data`'s members in k6's order, time, value, tags: two bits each, the first highest. */
const K6_LAYOUT = (TIME << 4) | (VALUE << 2) | TAGS;

/** Tag values of one Point, by the index of their key in the reader's tag keys. */
type TagValues = readonly (string | undefined)[];

// ---------------------------------------------------------------------------------------------
// Reading lines

/** What a {@link K6LineReader} feeds. */
interface PointTarget {
  /** The entry of a metric name (made on first sight). */
  entry(name: string): MetricEntry;
  /**
   * A Point whose time and value are valid, its value in `numbers[0]` and its epoch ms in
   * `numbers[1]` (numbers passed as arguments are boxed, a garbage object each, when V8 does
   * not inline the call); `at` is its line's byte offset in the input.
   */
  point(entry: MetricEntry, numbers: Float64Array, tags: TagValues, at: number): void;
  /** A Metric line. */
  declare(name: string, type: K6MetricType, contains: string, t: readonly K6ThresholdEntry[]): void;
}

/**
 * Reads k6 NDJSON lines from bytes into Points for a {@link PointTarget}, counting lines and
 * bad lines. Cost: O(bytes) with a small constant; a metric whose tags nobody needs costs a
 * frame comparison, its time and its value.
 */
class K6LineReader {
  /** Lines read, blank lines excluded. */
  lines = 0;
  /** Lines met, blank ones too: the number of the current line. */
  physicalLines = 0;
  badLineCount = 0;
  readonly badLines: K6BadLine[] = [];
  readonly #target: PointTarget;
  readonly #fast: boolean;
  readonly #times = new Rfc3339Parser();
  readonly #metrics: StringCache<MetricEntry>;
  /** The metric of the last line the fast path read (to guess the next one's). */
  #lastMetric: CachedString<MetricEntry> | null = null;
  /** Tag keys read (their index is their place in TagValues); -1 for the others. */
  readonly #tagKeys: readonly string[];
  readonly #keys: StringCache<number>;
  readonly #tagValues = new StringCache<null>(() => null);
  /** Scratch tag values (JSON.parse's path, #scanTags). */
  readonly #tags: (string | undefined)[];
  /** The tag values of a Point without tags (or whose tags nobody reads): all undefined. */
  readonly #noTags: TagValues;
  /** The byte offset of the next line in the whole input. */
  #position: number;
  /** A DataView of the bytes being read, for BytePattern. */
  #viewed: Uint8Array | null = null;
  #view: DataView = new DataView(new ArrayBuffer(0));
  /** Scratch for scanNumber and #scanTime ([0]), and a Point's value ([0]) and time ([1]). */
  readonly #number = new Float64Array(2);
  /** The last few `time` strings (quotes included) read by the fast path, with their epoch ms. */
  readonly #recentTimes = new RecentValues<number>(2);
  /** The last few `tags` values read by the fast path, with the values of the tag keys asked for. */
  readonly #recentTags = new RecentValues<TagValues>(8);
  /**
   * The line template (#template): after a metric's prefix (MetricEntry.linePrefix), the
   * last `"TIME","value":` read in k6's layout (with its epoch ms) before the value, and the
   * last few `,"tags":TAGS}}` with the newline, read in lines of that layout, after it (with
   * the values of the tag keys asked for).
   */
  #templateTime: BytePattern | null = null;
  #templateMs = NaN;
  readonly #tails = new RecentValues<TagValues>(8);
  /** Where the chunk being read starts in the scan memory (scanOffset), or -1. */
  #scanBase = -1;

  constructor(
    target: PointTarget,
    tagKeys: readonly string[],
    options: { readonly fastPath?: boolean; readonly offset?: number },
  ) {
    this.#target = target;
    this.#fast = options.fastPath ?? true;
    this.#position = options.offset ?? 0;
    this.#tagKeys = tagKeys;
    this.#tags = new Array<string | undefined>(tagKeys.length).fill(undefined);
    this.#noTags = this.#tags.slice();
    this.#metrics = new StringCache((name) => target.entry(name));
    this.#keys = new StringCache((key) => tagKeys.indexOf(key));
  }

  /** Reads every complete line of bytes[start, end); returns where the unfinished rest starts. */
  addChunk(bytes: Uint8Array, start: number, end: number): number {
    let s = start;
    const fast = this.#fast;
    // In the scan memory, the template compares 16 bytes a step (analysis/k6-match.wat).
    this.#scanBase = fast ? scanOffset(bytes) : -1;
    for (;;) {
      if (fast) {
        // Most lines are the previous line with another metric and value: read in one go.
        const next = this.#template(bytes, s, end);
        if (next >= 0) {
          s = next;
          continue;
        }
      }
      const nl = bytes.indexOf(10, s); // memchr when bytes is a Node Buffer
      if (nl < 0 || nl >= end) return s;
      this.#line(bytes, s, nl, true);
      this.#position += nl + 1 - s;
      s = nl + 1;
    }
  }

  /** Reads the last line of an input, bytes[start, end) without newline (always parsed fully). */
  addLastLine(bytes: Uint8Array, start: number, end: number): void {
    this.#line(bytes, start, end, false);
    this.#position += end - start;
  }

  /** Reads one line given as text (its newline, if any, excluded). */
  addText(text: string): void {
    const bytes = utf8Encoder.encode(text);
    this.#line(bytes, 0, bytes.length, true);
    this.#position += bytes.length + 1;
  }

  /** Adds a bad line at the current line number. */
  badLine(reason: string, refused = false): void {
    this.badLineCount++;
    if (this.badLines.length < MAX_BAD_LINES)
      this.badLines.push({ line: this.physicalLines, reason, refused });
  }

  /** Counts and bad lines of lines read elsewhere, after this reader's. */
  addCounts(
    lines: number,
    physicalLines: number,
    badLines: readonly K6BadLine[],
    badLineCount: number,
  ): void {
    for (const b of badLines)
      if (this.badLines.length < MAX_BAD_LINES)
        this.badLines.push({ ...b, line: this.physicalLines + b.line });
    this.badLineCount += badLineCount;
    this.lines += lines;
    this.physicalLines += physicalLines;
  }

  /** One line, bytes[start, end) without its newline. */
  #line(bytes: Uint8Array, start: number, end: number, complete: boolean): void {
    this.physicalLines++;
    // Trim a trailing \r (and other whitespace) and skip blank lines.
    while (end > start && bytes[end - 1]! <= 32) end--;
    if (end <= start) return;
    this.lines++;
    if (this.#fast && complete && this.#scanLine(bytes, start, end)) return;
    this.#parseLine(utf8.decode(bytes.subarray(start, end)));
  }

  /** The full path: JSON.parse (through parseK6Line). */
  #parseLine(line: string): void {
    let parsed;
    try {
      parsed = parseK6Line(line);
    } catch (error) {
      this.badLine((error as Error).message);
      return;
    }
    if (parsed === null) return;
    if (parsed.type === "Metric") {
      this.#target.declare(parsed.metric, parsed.metricType, parsed.contains, parsed.thresholds);
      return;
    }
    const entry = this.#target.entry(parsed.metric);
    entry.lines++;
    const tags = this.#tags;
    for (let k = 0; k < tags.length; k++) tags[k] = parsed.tags[this.#tagKeys[k]!];
    const ms = this.#times.parse(parsed.time);
    if (!Number.isFinite(ms))
      return this.badLine(
        `the time ${JSON.stringify(parsed.time.slice(0, 40))} is not RFC 3339`,
        true,
      );
    this.#number[0] = parsed.value;
    this.#number[1] = ms;
    this.#point(entry, tags);
  }

  /**
   * Hands on the Point of value #number[0] at epoch ms #number[1], or counts its line as bad
   * (a value k6 cannot have measured).
   */
  #point(entry: MetricEntry, tags: TagValues): void {
    const value = this.#number[0]!;
    if (!Number.isFinite(value))
      return this.badLine(`${entry.name} value ${value} is not a finite number`, true);
    if (entry.check === DURATION_VALUE) {
      if (value < 0)
        return this.badLine(
          `${entry.name} ${value} ms is negative, which a duration cannot be`,
          true,
        );
      if (value > MAX_K6_DURATION_MS)
        return this.badLine(
          `${entry.name} ${value} ms is longer than a day, which caplab takes for a broken clock`,
          true,
        );
    } else if (entry.check === COUNT_VALUE) {
      if (value < 0)
        return this.badLine(
          `${entry.name} count ${value} is negative, which a count cannot be`,
          true,
        );
      if (value > MAX_K6_COUNT)
        return this.badLine(
          `${entry.name} count ${value} is above 2^53 − 1, beyond what caplab counts exactly`,
          true,
        );
    } else if (entry.check === SUBMETRIC_NAME)
      return this.badLine(
        `k6 writes a sub-metric's samples as Points of its parent with their tags, never a Point named ${JSON.stringify(entry.name.slice(0, 80))}`,
        true,
      );
    this.#target.point(entry, this.#number, tags, this.#position);
  }

  /** A DataView of `bytes` (made when the bytes change). */
  #viewOf(bytes: Uint8Array): DataView {
    if (bytes !== this.#viewed) {
      this.#viewed = bytes;
      this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    return this.#view;
  }

  /**
   * The line template: k6 writes a request's dozen Points one after another, each
   * `{"metric":"NAME","type":"Point","data":{"time":"TIME","value":VALUE,"tags":TAGS}}`,
   * in the same metric order, with the same TIME and TAGS, and the next request's with a new
   * TIME and often TAGS met shortly before. When the line at bytes[s] is the prefix of the
   * metric that followed the previous line's last time, then the template's `"TIME","value":`
   * (or another time, read and checked as #scanTime reads it, and `,"value":`), a JSON number,
   * and one of the template's `,"tags":TAGS}}` with a newline, all before `end`, it is read
   * here in a few comparisons and a number (no search for the newline, no walk over `data`'s
   * members); returns the index after its newline, or -1 when it is not such a line (nothing
   * handed on or counted; only what is remembered about times may have grown).
   *
   * Exact: every part but the number and a new time is bytes the full scanner (#scanLine)
   * read and checked in a line it accepted in this layout (TIME and TAGS complete JSON values,
   * the name a plain string), and a new time is checked as there, so the line is that same
   * JSON object with another name, time and value: JSON.parse reads it as the metric, the
   * time, the number and TAGS, which is what is handed on.
   */
  #template(bytes: Uint8Array, s: number, end: number): number {
    const metric = this.#lastMetric?.follower ?? null;
    if (metric === null) return -1;
    const entry = metric.value;
    const prefix = entry.linePrefix;
    if (prefix === null) return -1;
    const view = this.#viewOf(bytes);
    let i = s + prefix.length;
    if (i > end) return -1;
    let ms = this.#templateMs;
    const time = this.#templateTime;
    const base = this.#scanBase;
    // 2: the prefix and the template's time; 1: the prefix only; 0: neither.
    let match: number;
    const p = base < 0 ? -1 : prefix.arenaAt();
    const t = p < 0 || time === null || i + time.length > end ? -1 : time.arenaAt();
    if (t >= 0) match = scanEq2(base + s, p, prefix.length, t, time!.length);
    else if (!prefix.matches(view, bytes, s)) match = 0;
    else match = time !== null && i + time.length <= end && time.matches(view, bytes, i) ? 2 : 1;
    if (match === 0) return -1;
    if (match === 2) i += time!.length;
    else {
      // Another time (the next request's): read as the full scanner reads it.
      const t = this.#scanTime(bytes, i, end);
      if (t < 0 || bytes[t] !== COMMA) return -1;
      const v = t + 1 + VALUE_KEY.length;
      if (v > end || !VALUE_KEY.matches(view, bytes, t + 1)) return -1;
      ms = this.#number[0]!;
      this.#learnTime(bytes, i, v, ms);
      i = v;
    }
    const j = scanNumber(bytes, i, this.#number);
    if (j < 0) return -1;
    const tail =
      base < 0
        ? this.#tails.find(view, bytes, j, end)
        : this.#tails.findScan(base, view, bytes, j, end);
    if (tail === null) return -1;
    this.physicalLines++;
    this.lines++;
    this.#lastMetric = metric;
    entry.lines++;
    this.#number[1] = ms; // the value is in #number[0] (scanNumber)
    this.#point(entry, entry.needsTags ? tail.value : this.#noTags);
    const next = j + tail.bytes.length;
    this.#position += next - s;
    return next;
  }

  /** The fast path of one trimmed line; false when the line must be parsed fully. */
  #scanLine(bytes: Uint8Array, start: number, end: number): boolean {
    if (bytes[end - 1] !== CLOSE_BRACE) return false;
    const view = this.#viewOf(bytes);
    let nameStart: number;
    let nameEnd: number;
    let hash = 0;
    let dataStart: number;
    let dataEnd: number; // the index of data's closing brace
    let metric: CachedString<MetricEntry> | null = null;
    let lineStart = -1; // in k6's newer frame (metric first): a line template may be learnt
    if (METRIC_FIRST_HEAD.matches(view, bytes, start)) {
      // {"metric":"NAME","type":"Point","data":{…}}: the name, hashed on the way (no escapes)
      nameStart = start + METRIC_FIRST_HEAD.length;
      nameEnd = nameStart;
      // The metric that followed the previous line's last time, when its name (a plain
      // string: no quote, backslash or control byte) is here before a quote.
      const guess = this.#lastMetric?.follower ?? null;
      if (
        guess !== null &&
        nameStart + guess.bytes.length < end &&
        bytes[nameStart + guess.bytes.length] === QUOTE &&
        guess.bytes.matches(view, bytes, nameStart)
      ) {
        metric = guess;
        nameEnd = nameStart + guess.bytes.length;
      } else
        for (;;) {
          if (nameEnd >= end) return false;
          const c = bytes[nameEnd]!;
          if (c === QUOTE) break;
          if (c === BACKSLASH || c < 32) return false;
          hash = (Math.imul(hash, 31) + c) | 0;
          nameEnd++;
        }
      if (!METRIC_FIRST_MIDDLE.matches(view, bytes, nameEnd)) return false;
      dataStart = nameEnd + METRIC_FIRST_MIDDLE.length - 1;
      dataEnd = end - 2;
      lineStart = start;
    } else if (METRIC_LAST_HEAD.matches(view, bytes, start)) {
      // {"type":"Point","data":{…},"metric":"NAME"}: the name is the string before the final
      // `"}`; preceded by `,"metric":"` it is a member of the top-level object (the last one,
      // so it is also the one JSON.parse keeps).
      nameEnd = end - 2;
      if (bytes[nameEnd] !== QUOTE) return false;
      nameStart = nameEnd;
      while (nameStart > start && bytes[nameStart - 1] !== QUOTE) nameStart--;
      if (!METRIC_LAST_TAIL.matches(view, bytes, nameStart - METRIC_LAST_TAIL.length)) return false;
      if (plainStringEnd(bytes, nameStart - 1, end) !== nameEnd) return false;
      hash = hashBytes(bytes, nameStart, nameEnd);
      dataStart = start + METRIC_LAST_HEAD.length - 1;
      dataEnd = nameStart - METRIC_LAST_TAIL.length - 1;
    } else return false;
    if (bytes[dataEnd] !== CLOSE_BRACE || dataEnd <= dataStart) return false;
    metric ??= this.#metrics.get(view, bytes, nameStart, nameEnd, hash);
    const last = this.#lastMetric;
    if (last !== null && last.follower !== metric) last.follower = metric;
    this.#lastMetric = metric;
    const entry = metric.value;
    if (!this.#scanData(bytes, dataStart, dataEnd, entry, lineStart)) return false;
    entry.lines++;
    return true;
  }

  /**
   * Walks the `data` object {…} at bytes[start … end] of a Point (keys in any order, the last
   * of a repeated key wins as in JSON.parse) and hands the Point on; false when something is
   * not what the scanner reads exactly (then nothing was handed on). When the line starts
   * at `lineStart` (not -1) in the newer frame, its members are k6's time, value and tags and
   * its `}}` is followed by a newline, it becomes the line template (#template).
   */
  #scanData(
    bytes: Uint8Array,
    start: number,
    end: number,
    entry: MetricEntry,
    lineStart: number,
  ): boolean {
    let ms = NaN;
    let value = 0;
    let hasValue = false;
    const noTags = this.#noTags;
    let tags = noTags;
    let readTags = noTags;
    const wantTags = entry.needsTags;
    const view = this.#view;
    let i = start + 1;
    // The keys met, two bits each (K6_LAYOUT), and where the time and the value start and end.
    let layout = 0;
    let members = 0;
    let timeAt = -1;
    let valueAt = -1;
    let valueEnd = -1;
    for (;;) {
      // The three members read, each recognized with its quotes and colon; any other key
      // (escapes included) is checked and its value skipped.
      let key = OTHER_KEY;
      if (TIME_KEY.matches(view, bytes, i)) {
        key = TIME;
        i += TIME_KEY.length;
      } else if (VALUE_KEY.matches(view, bytes, i)) {
        key = VALUE;
        i += VALUE_KEY.length;
      } else if (TAGS_KEY.matches(view, bytes, i)) {
        key = TAGS;
        i += TAGS_KEY.length;
      } else {
        if (bytes[i] !== QUOTE) return false;
        const keyEnd = plainStringEnd(bytes, i, end);
        if (keyEnd < 0 || bytes[keyEnd + 1] !== COLON) return false;
        i = keyEnd + 2;
      }
      layout = members++ < 3 ? (layout << 2) | key : -1;
      if (key === TIME) {
        timeAt = i;
        // The dozen metrics of a request share its time: most are one comparison away.
        const recent = this.#recentTimes.find(view, bytes, i, end);
        if (recent !== null) {
          ms = recent.value;
          i += recent.bytes.length;
        } else {
          i = this.#scanTime(bytes, i, end);
          if (i < 0) return false;
          ms = this.#number[0]!;
        }
      } else if (key === VALUE) {
        valueAt = i;
        i = scanNumber(bytes, i, this.#number);
        if (i < 0) return false;
        value = this.#number[0]!;
        valueEnd = i;
        hasValue = true;
      } else if (key === TAGS) {
        // Every Point of a request carries the same tags: most are one comparison away.
        const recent = this.#recentTags.find(view, bytes, i, end);
        if (recent !== null) {
          readTags = recent.value;
          tags = wantTags ? readTags : noTags;
          i += recent.bytes.length;
        } else {
          // null or an object of strings, as parseK6Line requires of every metric's tags;
          // else (or with escapes in a value read) the full path decides.
          const from = i;
          i = this.#scanTags(bytes, i, end);
          if (i < 0) return false;
          const read = this.#tags.slice();
          this.#recentTags.add(bytes, from, i, read);
          readTags = read;
          tags = wantTags ? read : noTags;
        }
      } else {
        i = skipValue(bytes, i, end);
        if (i < 0) return false;
      }
      if (bytes[i] === COMMA) {
        i++;
        continue;
      }
      if (i === end) break;
      return false;
    }
    if (Number.isNaN(ms) || !hasValue) return false;
    if (lineStart >= 0 && layout === K6_LAYOUT && bytes[end + 2] === 10)
      this.#learn(bytes, lineStart, timeAt, valueAt, valueEnd, end + 3, ms, readTags, entry);
    this.#number[0] = value;
    this.#number[1] = ms;
    this.#point(entry, tags);
    return true;
  }

  /**
   * Makes the line [lineStart, lineEnd) (its newline included), read by #scanData in k6's
   * layout, the line template: its metric's prefix up to the time (once per metric), its
   * `"TIME","value":` [timeAt, valueAt) and its `,"tags":TAGS}}\n` [valueEnd, lineEnd).
   */
  #learn(
    bytes: Uint8Array,
    lineStart: number,
    timeAt: number,
    valueAt: number,
    valueEnd: number,
    lineEnd: number,
    ms: number,
    tags: TagValues,
    entry: MetricEntry,
  ): void {
    entry.linePrefix ??= new BytePattern(bytes, lineStart, timeAt);
    this.#learnTime(bytes, timeAt, valueAt, ms);
    if (this.#tails.find(this.#view, bytes, valueEnd, lineEnd) === null)
      this.#tails.add(bytes, valueEnd, lineEnd, tags);
  }

  /** Makes bytes[start, end), a checked `"TIME","value":` of epoch ms `ms`, the template's. */
  #learnTime(bytes: Uint8Array, start: number, end: number, ms: number): void {
    if (this.#templateTime === null) this.#templateTime = new BytePattern(bytes, start, end);
    else this.#templateTime.set(bytes, start, end);
    this.#templateMs = ms;
  }

  /**
   * Reads a `time` value at bytes[i] (an ASCII string without escapes, else the full path
   * decides), its epoch ms into #number[0]; the index after it, or -1.
   */
  #scanTime(bytes: Uint8Array, i: number, end: number): number {
    if (bytes[i] !== QUOTE) return -1;
    let j = i + 1;
    while (
      j < end &&
      bytes[j]! > 32 &&
      bytes[j]! < 127 &&
      bytes[j] !== QUOTE &&
      bytes[j] !== BACKSLASH
    )
      j++;
    if (bytes[j] !== QUOTE) return -1;
    const ms = this.#times.parseBytes(bytes, i + 1, j);
    if (!Number.isFinite(ms)) return -1; // the full path says what the time is
    this.#recentTimes.add(bytes, i, j + 1, ms);
    this.#number[0] = ms;
    return j + 1;
  }

  /**
   * Reads a `tags` value at bytes[i] (null or a flat object of strings), keeping the values
   * of the tag keys asked for; the index after it, or -1 when the full path must decide.
   */
  #scanTags(bytes: Uint8Array, i: number, end: number): number {
    const tags = this.#tags;
    tags.fill(undefined);
    if (bytesAt(bytes, i, NULL)) return i + 4;
    if (bytes[i] !== OPEN_BRACE) return -1;
    i++;
    if (bytes[i] === CLOSE_BRACE) return i + 1;
    const view = this.#view;
    for (;;) {
      if (bytes[i] !== QUOTE) return -1;
      const keyEnd = plainStringEnd(bytes, i, end);
      if (keyEnd < 0 || bytes[keyEnd + 1] !== COLON || bytes[keyEnd + 2] !== QUOTE) return -1;
      const valueStart = keyEnd + 2;
      const index = this.#keys.get(view, bytes, i + 1, keyEnd).value;
      if (index >= 0) {
        const valueEnd = plainStringEnd(bytes, valueStart, end);
        if (valueEnd < 0) return -1; // escapes: the full path decodes them
        tags[index] = this.#tagValues.get(view, bytes, valueStart + 1, valueEnd).text;
        i = valueEnd + 1;
      } else {
        i = skipString(bytes, valueStart, end);
        if (i < 0) return -1;
      }
      if (bytes[i] === CLOSE_BRACE) return i + 1;
      if (bytes[i] !== COMMA) return -1;
      i++;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The aggregator

/** One second of one endpoint. */
interface SecondBucket {
  requests: number;
  failures: number;
  failedSamples: number;
  status5xx: number;
  dropped: number;
  histogram: LatencyHistogram | null;
}

const emptyBucket = (): SecondBucket => ({
  requests: 0,
  failures: 0,
  failedSamples: 0,
  status5xx: 0,
  dropped: 0,
  histogram: null,
});

/** The seconds of one endpoint as plain data (see {@link K6IngestState}). */
export interface K6BucketsState {
  readonly endpoint: string;
  /** Epoch seconds. */
  readonly seconds: Float64Array;
  readonly requests: Float64Array;
  readonly failures: Float64Array;
  readonly failedSamples: Float64Array;
  readonly status5xx: Float64Array;
  readonly dropped: Float64Array;
  readonly histograms: readonly (LatencyHistogramSnapshot | null)[];
}

/**
 * Everything a {@link K6Ingest} holds, as plain structured-cloneable data: what a worker
 * thread sends back ({@link K6Ingest.state}) and the main thread merges
 * ({@link K6Ingest.mergeState}). {@link transferables} lists its buffers.
 */
export interface K6IngestState {
  readonly lines: number;
  readonly physicalLines: number;
  readonly badLines: readonly K6BadLine[];
  readonly badLineCount: number;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly metrics: readonly {
    readonly name: string;
    readonly lines: number;
    readonly type: K6MetricType | null;
    readonly contains: string | null;
    readonly sink: K6SinkState;
    readonly subs: readonly { readonly name: string; readonly sink: K6SinkState }[];
  }[];
  readonly declared: readonly (readonly [string, readonly K6ThresholdEntry[]])[];
  readonly scenarios: readonly string[];
  readonly buckets: readonly K6BucketsState[];
}

/** The ArrayBuffers of a state, to transfer instead of copy between threads. */
export function transferables(state: K6IngestState): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const m of state.metrics)
    for (const s of [m.sink, ...m.subs.map((x) => x.sink)])
      if (s.raw !== null) out.add(s.raw.buffer as ArrayBuffer);
  for (const b of state.buckets) {
    for (const a of [b.seconds, b.requests, b.failures, b.failedSamples, b.status5xx, b.dropped])
      out.add(a.buffer as ArrayBuffer);
    for (const h of b.histograms) if (h !== null) out.add(h.counts.buffer as ArrayBuffer);
  }
  return [...out];
}

/** Whether a status tag is 5xx: three digits starting with 5. */
function is5xx(status: string | undefined): boolean {
  if (status === undefined || status.length !== 3 || status.charCodeAt(0) !== 53) return false;
  const b = status.charCodeAt(1);
  const c = status.charCodeAt(2);
  return b >= 48 && b <= 57 && c >= 48 && c <= 57;
}

/**
 * The one k6 aggregator (see the module comment): feed it NDJSON bytes or lines, merge other
 * ingests' states into it, and {@link finish} it.
 *
 * Method: each Point goes into its metric's sink (and the sinks of the sub-metrics asked for
 * whose tags it carries, as k6's engine does); Points of the four per-second metrics also go
 * into the bucket of their second and endpoint (epoch seconds of the Point's time). Trends
 * asked for keep their raw values, so their percentiles are k6's exactly ({@link k6Percentile}).
 *
 * Cost: O(1) per line; memory one histogram per second and endpoint (≈ 1 KiB per doubling of
 * the second's latency range) plus 8 bytes per raw value kept.
 *
 * @example
 * const ingest = new K6Ingest({ metrics: ["http_req_duration{endpoint:home}"] });
 * for (const line of lines) ingest.addLine(line);
 * ingest.finish().metrics["http_req_duration{endpoint:home}"]?.values["p(95)"];
 */
export class K6Ingest {
  readonly #maxRaw: number;
  readonly #digits: number;
  readonly #percentiles: readonly number[];
  readonly #reader: K6LineReader;
  readonly #entries = new Map<string, MetricEntry>();
  /** Sub-metrics asked for, by parent: name and filter by tag key. */
  readonly #wantedSubs = new Map<string, { name: string; tags: ReadonlyMap<string, string> }[]>();
  readonly #wantedRaw = new Set<string>(["http_req_duration"]);
  /** Metrics named in options.metrics (sub-metrics by their parent): reported even without Points. */
  readonly #asked = new Set<string>();
  readonly #tagKeys: readonly string[];
  readonly #buckets = new Map<string, Map<number, SecondBucket>>();
  #lastBucket: SecondBucket | null = null;
  #lastEndpoint = "";
  #lastSecond = NaN;
  readonly #declared = new Map<string, readonly K6ThresholdEntry[]>();
  readonly #scenarios = new Set<string>();
  #lastScenario: string | undefined = undefined;
  #firstMs = Infinity;
  #lastMs = -Infinity;

  /**
   * @throws Error with k6's message when a sub-metric in `options.metrics` is malformed
   *   (validate threshold keys first: scenarios/plan/k6-thresholds.ts).
   */
  constructor(options: K6IngestOptions = {}) {
    this.#maxRaw = options.maxRawValues ?? DEFAULT_MAX_RAW_VALUES;
    this.#digits = options.significantDigits ?? 2;
    this.#percentiles = [...new Set([...DEFAULT_PERCENTILES, ...(options.percentiles ?? [])])];
    const keys: string[] = [...BASE_TAG_KEYS];
    for (const name of options.metrics ?? []) {
      const filter = submetricFilter(name);
      this.#asked.add(filter?.metric ?? name);
      if (filter === null) {
        this.#wantedRaw.add(name);
        continue;
      }
      for (const k of filter.tags.keys()) if (!keys.includes(k)) keys.push(k);
      const list = this.#wantedSubs.get(filter.metric) ?? [];
      if (!list.some((s) => s.name === name)) list.push({ name, tags: filter.tags });
      this.#wantedSubs.set(filter.metric, list);
      this.#wantedRaw.add(name);
    }
    this.#tagKeys = keys;
    const target: PointTarget = {
      entry: (name) => this.#entry(name),
      point: (entry, numbers, tags, at) => this.#point(entry, numbers, tags, at),
      declare: (name, type, contains, thresholds) =>
        this.#declare(name, type, contains, thresholds),
    };
    this.#reader = new K6LineReader(target, keys, options);
  }

  /** Lines met so far, blank ones too: the number of the line being read. */
  get linesMet(): number {
    return this.#reader.physicalLines;
  }

  /** Adds one NDJSON line (without its newline). */
  addLine(text: string): void {
    this.#reader.addText(text);
  }

  /**
   * Adds every complete line of UTF-8 bytes[start, end) and returns where the unfinished
   * rest starts (to be added again with the next bytes, or by {@link addLastLine}).
   */
  addChunk(bytes: Uint8Array, start = 0, end = bytes.length): number {
    return this.#reader.addChunk(bytes, start, end);
  }

  /** Adds the last line of an input when it has no newline (it is parsed fully). */
  addLastLine(bytes: Uint8Array, start = 0, end = bytes.length): void {
    this.#reader.addLastLine(bytes, start, end);
  }

  #entry(name: string): MetricEntry {
    let entry = this.#entries.get(name);
    if (entry !== undefined) return entry;
    const perSecond = (PER_SECOND_METRICS as readonly string[]).indexOf(name);
    const subs: SubSink[] = (this.#wantedSubs.get(name) ?? []).map((s) => ({
      name: s.name,
      filter: [...s.tags].map(([k, v]) => [this.#tagKeys.indexOf(k), v] as const),
      sink: new Sink(true),
    }));
    entry = {
      name,
      sink: new Sink(this.#wantedRaw.has(name)),
      perSecond: perSecond >= 0 ? perSecond : NOT_PER_SECOND,
      check: name.includes("{")
        ? SUBMETRIC_NAME
        : K6_DURATION_METRICS.has(name)
          ? DURATION_VALUE
          : K6_COUNT_METRICS.has(name)
            ? COUNT_VALUE
            : ANY_VALUE,
      subs,
      needsTags: perSecond >= 0 || subs.length > 0,
      lines: 0,
      type: null,
      contains: null,
      linePrefix: null,
    };
    this.#entries.set(name, entry);
    return entry;
  }

  #declare(
    name: string,
    type: K6MetricType,
    contains: string,
    thresholds: readonly K6ThresholdEntry[],
  ): void {
    if (name.includes("{")) {
      // k6 writes no Metric line for a sub-metric (only for a metric a sample names, k6
      // `internal/output/json/json.go` `handleMetric`): a hand-made one may add thresholds,
      // but its samples are always its parent's Points filtered by its tags, never its own.
      if (thresholds.length > 0 && !this.#declared.has(name)) this.#declared.set(name, thresholds);
      return;
    }
    const entry = this.#entry(name);
    entry.type ??= type;
    entry.contains ??= contains;
    if (thresholds.length > 0 && !this.#declared.has(name)) {
      this.#declared.set(name, thresholds);
      // A trend with thresholds keeps its raw values (k6 writes the Metric line before the
      // metric's first Point).
      if (type === "trend") entry.sink.keepRaw();
    }
  }

  #point(entry: MetricEntry, numbers: Float64Array, tags: TagValues, at: number): void {
    const value = numbers[0]!;
    const ms = numbers[1]!;
    if (ms < this.#firstMs) this.#firstMs = ms;
    if (ms > this.#lastMs) this.#lastMs = ms;
    const maxRaw = this.#maxRaw;
    entry.sink.add(value, ms, at, maxRaw);
    for (const sub of entry.subs) {
      let match = true;
      for (const [k, v] of sub.filter)
        if (tags[k] !== v) {
          match = false;
          break;
        }
      if (match) sub.sink.add(value, ms, at, maxRaw);
    }
    const kind = entry.perSecond;
    if (kind === NOT_PER_SECOND) return;
    const endpoint = tags[NAME_TAG] ?? tags[ENDPOINT_TAG] ?? "";
    const scenario = tags[SCENARIO_TAG];
    if (scenario !== this.#lastScenario && scenario !== undefined) {
      this.#lastScenario = scenario;
      if (this.#scenarios.size < MAX_SCENARIOS) this.#scenarios.add(scenario);
    }
    const second = Math.floor(ms / 1000);
    let b = this.#lastBucket;
    if (b === null || second !== this.#lastSecond || endpoint !== this.#lastEndpoint) {
      b = this.#bucket(endpoint, second);
      this.#lastBucket = b;
      this.#lastSecond = second;
      this.#lastEndpoint = endpoint;
    }
    switch (kind) {
      case REQS:
        b.requests += value;
        break;
      case DURATION:
        (b.histogram ??= new LatencyHistogram({ significantDigits: this.#digits })).record(value);
        if (is5xx(tags[STATUS_TAG])) b.status5xx++;
        break;
      case FAILED:
        b.failedSamples++;
        if (value !== 0) b.failures++;
        break;
      case DROPPED:
        b.dropped += value;
        break;
    }
  }

  #bucket(endpoint: string, second: number): SecondBucket {
    let byEndpoint = this.#buckets.get(endpoint);
    if (byEndpoint === undefined) this.#buckets.set(endpoint, (byEndpoint = new Map()));
    let b = byEndpoint.get(second);
    if (b === undefined) byEndpoint.set(second, (b = emptyBucket()));
    return b;
  }

  /** Everything held, as plain data whose buffers may be transferred ({@link transferables}). */
  state(): K6IngestState {
    const r = this.#reader;
    return {
      lines: r.lines,
      physicalLines: r.physicalLines,
      badLines: [...r.badLines],
      badLineCount: r.badLineCount,
      firstMs: this.#firstMs,
      lastMs: this.#lastMs,
      metrics: [...this.#entries.values()].map((e) => ({
        name: e.name,
        lines: e.lines,
        type: e.type,
        contains: e.contains,
        sink: e.sink.state(),
        subs: e.subs.map((s) => ({ name: s.name, sink: s.sink.state() })),
      })),
      declared: [...this.#declared],
      scenarios: [...this.#scenarios],
      buckets: [...this.#buckets].map(([endpoint, byEndpoint]) => {
        const cells = [...byEndpoint];
        const column = (f: (b: SecondBucket) => number) =>
          Float64Array.from(cells, ([, b]) => f(b));
        return {
          endpoint,
          seconds: Float64Array.from(cells, ([s]) => s),
          requests: column((b) => b.requests),
          failures: column((b) => b.failures),
          failedSamples: column((b) => b.failedSamples),
          status5xx: column((b) => b.status5xx),
          dropped: column((b) => b.dropped),
          histograms: cells.map(([, b]) => b.histogram?.toSnapshot() ?? null),
        };
      }),
    };
  }

  /**
   * Adds what another ingest read (its {@link state}), as if its lines had been read here
   * after this one's: every aggregate is the same whatever the order of merges; only the
   * numbers of bad lines count on the order.
   */
  mergeState(o: K6IngestState): void {
    this.#reader.addCounts(o.lines, o.physicalLines, o.badLines, o.badLineCount);
    if (o.firstMs < this.#firstMs) this.#firstMs = o.firstMs;
    if (o.lastMs > this.#lastMs) this.#lastMs = o.lastMs;
    for (const name of o.scenarios)
      if (this.#scenarios.size < MAX_SCENARIOS) this.#scenarios.add(name);
    for (const [name, thresholds] of o.declared)
      if (!this.#declared.has(name)) this.#declared.set(name, thresholds);
    for (const m of o.metrics) {
      const entry = this.#entry(m.name);
      entry.lines += m.lines;
      entry.type ??= m.type;
      entry.contains ??= m.contains;
      entry.sink.merge(m.sink, this.#maxRaw);
      for (const s of m.subs)
        entry.subs.find((x) => x.name === s.name)?.sink.merge(s.sink, this.#maxRaw);
    }
    for (const b of o.buckets)
      for (let i = 0; i < b.seconds.length; i++) {
        const into = this.#bucket(b.endpoint, b.seconds[i]!);
        into.requests += b.requests[i]!;
        into.failures += b.failures[i]!;
        into.failedSamples += b.failedSamples[i]!;
        into.status5xx += b.status5xx[i]!;
        into.dropped += b.dropped[i]!;
        const h = b.histograms[i];
        if (h !== null && h !== undefined)
          (into.histogram ??= new LatencyHistogram({ significantDigits: this.#digits })).merge(
            LatencyHistogram.fromSnapshot(h),
          );
      }
  }

  /** {@link mergeState} of another ingest. */
  merge(other: K6Ingest): void {
    this.mergeState(other.state());
  }

  /**
   * Metrics whose Metric line declared thresholds, or that were asked for, whose raw values
   * could not all be kept by every part merged here (a worker read a trend's Points before
   * knowing of its thresholds), and sub-metrics whose thresholds a Metric line declared but
   * that were not asked for (their parent's Points were not filtered for them): read the input
   * again asking for them.
   */
  incompleteTrends(): string[] {
    const out: string[] = [];
    for (const e of this.#entries.values()) {
      if (e.check === SUBMETRIC_NAME) continue;
      const wanted = this.#wantedRaw.has(e.name) || this.#declared.has(e.name);
      const trend = (e.type ?? BUILTIN_METRIC_TYPES[e.name]) === "trend";
      if (wanted && trend && e.sink.count > 0 && e.sink.rawState === "none") out.push(e.name);
    }
    // Sub-metrics whose thresholds a Metric line declared, not asked for: their filtered
    // sinks were not kept (a malformed name is left to the thresholds' validation).
    for (const name of this.#declared.keys()) {
      if (!name.includes("{") || this.#wantedRaw.has(name)) continue;
      try {
        if (submetricFilter(name) !== null) out.push(name);
      } catch {
        // k6 refuses it before the test (exit 104): validateThresholds says so.
      }
    }
    return out;
  }

  /**
   * The series and the aggregates of everything added so far. A counter's `rate` divides by
   * `durationSeconds` (k6 uses the test's run time; pass it when known, else the span from the
   * first to the last Point is used).
   * @throws TraceError when the per-second Points span more than MAX_TRACE_STEPS seconds.
   */
  finish(options: { readonly durationSeconds?: number } = {}): K6Ingested {
    let first = Infinity;
    let last = -Infinity;
    for (const m of this.#buckets.values())
      for (const s of m.keys()) {
        if (s < first) first = s;
        if (s > last) last = s;
      }
    if (first > last) [first, last] = [0, -1];
    const n = last - first + 1;
    // Every second between the first and the last point gets a cell: refuse a span the data
    // does not fill before allocating it.
    if (n > MAX_TRACE_STEPS)
      throw new TraceError(
        tooManySteps(
          "the k6 output",
          n,
          1,
          first * 1000,
          (last + 1) * 1000,
          "a run's seconds are filled in one by one, so its points must lie within the run: check the k6 output's times",
        ),
        "trace-too-long",
      );
    const endpoints: Record<string, K6SecondSeries> = {};
    const merged: (SecondBucket | undefined)[] = new Array<SecondBucket | undefined>(n);
    for (const [name, byEndpoint] of [...this.#buckets].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )) {
      const cells: (SecondBucket | undefined)[] = new Array<SecondBucket | undefined>(n);
      for (const [second, b] of byEndpoint) {
        const i = second - first;
        cells[i] = b;
        const m = (merged[i] ??= emptyBucket());
        m.requests += b.requests;
        m.failures += b.failures;
        m.failedSamples += b.failedSamples;
        m.status5xx += b.status5xx;
        m.dropped += b.dropped;
        if (b.histogram !== null)
          (m.histogram ??= new LatencyHistogram({ significantDigits: this.#digits })).merge(
            b.histogram,
          );
      }
      endpoints[name] = toSeries(first * 1000, cells);
    }
    const overall = toSeries(first * 1000, merged);
    const spanSeconds = this.#lastMs >= this.#firstMs ? (this.#lastMs - this.#firstMs) / 1000 : 0;
    const durationSeconds = options.durationSeconds ?? spanSeconds;

    // The run-wide histogram of http_req_duration: the fallback past the raw-value budget.
    const runHistogram = new LatencyHistogram({ significantDigits: this.#digits });
    for (const h of overall.histograms) if (h !== null) runHistogram.merge(h);

    const metrics: Record<string, K6MetricSummary> = {};
    let durations: Float64Array | null = null;
    let exactPercentiles = true;
    // The metrics asked for, whether or not a line named them (the fast path makes a
    // metric's entry on reading its name, even when the line then proves bad).
    for (const name of this.#asked) this.#entry(name);
    const names = [...this.#entries.keys()].sort();
    for (const name of names) {
      const e = this.#entries.get(name)!;
      // A sub-metric is reported from its parent's filtered sink only (below), never from
      // lines that name it (refused: k6 writes none).
      if (e.check === SUBMETRIC_NAME) continue;
      const builtin = BUILTIN_METRIC_TYPES[name];
      // Reported: a metric with Points or a Metric line, or one asked for that k6 knows
      // without them (a built-in: k6 registers them all).
      if (e.lines === 0 && e.type === null && !(this.#asked.has(name) && builtin !== undefined))
        continue;
      const type = e.type ?? builtin ?? "trend";
      const contains = e.contains ?? builtinContains(name);
      const fallback = name === "http_req_duration" ? runHistogram : null;
      const { values, sorted } = sinkValues(
        type,
        e.sink,
        durationSeconds,
        this.#percentiles,
        fallback,
      );
      metrics[name] = { type, contains, samples: e.sink.count, values };
      if (name === "http_req_duration") {
        durations = sorted;
        exactPercentiles = e.sink.rawState !== "dropped";
      }
      for (const s of e.subs)
        metrics[s.name] = {
          type,
          contains,
          samples: s.sink.count,
          values: sinkValues(type, s.sink, durationSeconds, this.#percentiles, null).values,
        };
    }
    const r = this.#reader;
    const values = (name: string) => metrics[name]?.values ?? {};
    const trend = values("http_req_duration");
    const failed = values("http_req_failed");
    return {
      lines: r.lines,
      pointsByMetric: Object.fromEntries(
        [...this.#entries.values()]
          .filter((e) => e.lines > 0)
          .map((e) => [e.name, e.lines] as const)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      ),
      overall,
      endpoints,
      metrics,
      summary: {
        http_req_duration: {
          count: trend.count ?? 0,
          avg: trend.avg ?? 0,
          min: trend.min ?? 0,
          max: trend.max ?? 0,
          med: trend.med ?? 0,
          ...Object.fromEntries(
            this.#percentiles.map((p) => [percentileKey(p), trend[percentileKey(p)] ?? 0]),
          ),
        },
        http_reqs: { count: values("http_reqs").count ?? 0, rate: values("http_reqs").rate ?? 0 },
        http_req_failed: {
          rate: failed.rate ?? 0,
          passes: failed.passes ?? 0,
          fails: failed.fails ?? 0,
        },
      },
      exactPercentiles,
      durations,
      scenarios: [...this.#scenarios].sort(),
      declaredThresholds: Object.fromEntries(this.#declared),
      firstMs: this.#lastMs >= this.#firstMs ? this.#firstMs : NaN,
      lastMs: this.#lastMs >= this.#firstMs ? this.#lastMs : NaN,
      badLines: [...r.badLines],
      badLineCount: r.badLineCount,
    };
  }
}

/**
 * k6's values of a sink (k6 `metrics/sink.go` `Format`, `metrics/thresholds.go` `Run`):
 * an empty Rate has no `rate` (a threshold on it is not judged), a Counter has no `rate` when
 * the run lasted no time, an empty Trend or Gauge is all zeros.
 */
function sinkValues(
  type: K6MetricType,
  sink: Sink,
  durationSeconds: number,
  percentiles: readonly number[],
  fallback: LatencyHistogram | null,
): { values: Record<string, number>; sorted: Float64Array | null } {
  const n = sink.count;
  const sum = sink.sum.value;
  switch (type) {
    case "counter":
      return {
        values: durationSeconds > 0 ? { count: sum, rate: sum / durationSeconds } : { count: sum },
        sorted: null,
      };
    case "gauge":
      return {
        values: { value: n ? sink.last : 0, min: n ? sink.min : 0, max: n ? sink.max : 0 },
        sorted: null,
      };
    case "rate":
      return {
        values:
          n > 0
            ? { rate: sink.nonZero / n, passes: sink.nonZero, fails: n - sink.nonZero }
            : { passes: 0, fails: 0 },
        sorted: null,
      };
    case "trend": {
      const values: Record<string, number> = {
        count: n,
        avg: n ? sum / n : 0,
        min: n ? sink.min : 0,
        max: n ? sink.max : 0,
      };
      let sorted: Float64Array | null = null;
      if (sink.raw !== null) {
        sorted = sink.raw.values.slice(0, sink.raw.length).sort();
        values.med = k6Percentile(sorted, 0.5);
        for (const p of percentiles) values[percentileKey(p)] = k6Percentile(sorted, p / 100);
      } else if (n === 0) {
        values.med = 0;
        for (const p of percentiles) values[percentileKey(p)] = 0;
      } else if (fallback !== null && sink.rawState === "dropped") {
        values.med = fallback.percentile(0.5);
        for (const p of percentiles) values[percentileKey(p)] = fallback.percentile(p / 100);
      }
      return { values, sorted };
    }
  }
}

function toSeries(startMs: number, cells: readonly (SecondBucket | undefined)[]): K6SecondSeries {
  const n = cells.length;
  const s = {
    startMs,
    requests: new Float64Array(n),
    failures: new Float64Array(n),
    status5xx: new Float64Array(n),
    dropped: new Float64Array(n),
    durations: new Float64Array(n),
    meanMs: new Float64Array(n).fill(NaN),
    p50Ms: new Float64Array(n).fill(NaN),
    p95Ms: new Float64Array(n).fill(NaN),
    p99Ms: new Float64Array(n).fill(NaN),
    histograms: new Array<LatencyHistogram | null>(n).fill(null),
  };
  for (let i = 0; i < n; i++) {
    const b = cells[i];
    if (b === undefined) continue;
    s.requests[i] = b.requests;
    s.failures[i] = b.failures;
    s.status5xx[i] = b.status5xx;
    s.dropped[i] = b.dropped;
    const h = b.histogram;
    if (h === null || h.count === 0) continue;
    s.histograms[i] = h;
    s.durations[i] = h.count;
    s.meanMs[i] = h.mean;
    s.p50Ms[i] = h.percentile(0.5);
    s.p95Ms[i] = h.percentile(0.95);
    s.p99Ms[i] = h.percentile(0.99);
  }
  return s;
}

/**
 * The target of an imported k6 run, from its endpoints: k6 tags every HTTP request's metrics
 * with `name`, which is the request's URL unless the script names it (k6 docs, "Tags and
 * Groups": system tags `url` and `name`). The origin (scheme, host, port: never a user,
 * password, path or query) that served the most requests, with "and N more" when requests
 * went to several; null when no endpoint name is an absolute http(s) URL.
 */
export function targetOfEndpoints(
  endpoints: Readonly<Record<string, K6SecondSeries>>,
): string | null {
  const byOrigin = new Map<string, number>();
  for (const [name, series] of Object.entries(endpoints)) {
    if (!/^https?:\/\//i.test(name)) continue;
    let origin: string;
    try {
      origin = new URL(name).origin;
    } catch {
      continue;
    }
    let requests = 0;
    for (let i = 0; i < series.requests.length; i++) requests += series.requests[i]!;
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + requests);
  }
  const ranked = [...byOrigin].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (ranked.length === 0) return null;
  const [top] = ranked[0]!;
  return ranked.length === 1 ? top : `${top} and ${ranked.length - 1} more`;
}
