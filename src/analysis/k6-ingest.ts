/**
 * k6 results into per-second series (pure: text in, numbers out; the file reading lives in
 * collect/k6-stream.ts):
 *
 *   NDJSON text ──K6Ingest.addLine──▶ per second × endpoint: requests, failures,
 *     LatencyHistogram of http_req_duration; whole run: raw durations (exact k6 percentiles)
 *   ──K6Ingest.finish──▶ K6Ingested (K6SecondSeries overall and per endpoint, summary)
 *
 *   summary JSON ──parseK6Summary──▶ K6SummaryFile (summary-export, handleSummary data, or the
 *     machine-readable summary, all with the same `values` keys)
 *
 * Fast path: a Point line of a metric the ingestion does not use is counted from its
 * `"metric"` field alone, without JSON.parse; a used Point line without a backslash is read by
 * a small scanner; everything else (Metric lines, escapes, odd shapes) goes through
 * {@link parseK6Line}. Both paths give identical results (test/analysis/k6-ingest.test.ts).
 */
import { parseK6Line } from "./k6-results.js";
import { k6Percentile, LatencyHistogram } from "./stats/index.js";

/** The metrics the per-second series are built from. */
export const INGESTED_METRICS = ["http_req_duration", "http_reqs", "http_req_failed"] as const;

/** The tags that name an endpoint, in order of preference. */
export const ENDPOINT_TAGS = ["name", "endpoint"] as const;

/** The percentiles of the summary, as k6 writes their keys (`p(90)` …). */
const SUMMARY_PERCENTILES = [90, 95, 99] as const;

/** Raw durations kept for the exact whole-run summary before falling back to histograms. @default 20,000,000 (160 MB) */
export const DEFAULT_MAX_RAW_VALUES = 20_000_000;

export interface K6IngestOptions {
  /** Raw duration values kept for exact whole-run percentiles. @default {@link DEFAULT_MAX_RAW_VALUES} */
  readonly maxRawValues?: number;
  /** Digits of the per-second histograms. @default 2 (0.39 % relative error) */
  readonly significantDigits?: number;
  /** Use the fast path (true) or JSON.parse every line (false, for tests). @default true */
  readonly fastPath?: boolean;
}

/** One second's aggregates. */
interface SecondBucket {
  requests: number;
  failures: number;
  failedSamples: number;
  histogram: LatencyHistogram | null;
}

/** Per-second series of one endpoint (or all), second i = [startMs + i s, startMs + (i+1) s). */
export interface K6SecondSeries {
  readonly startMs: number;
  /** `http_reqs` per second. */
  readonly requests: Float64Array;
  /** Requests with `http_req_failed` = 1, per second. */
  readonly failures: Float64Array;
  /** Durations recorded per second (`http_req_duration` points). */
  readonly durations: Float64Array;
  /** Mean, p50, p95, p99 of `http_req_duration` per second, ms (histogram); NaN without points. */
  readonly meanMs: Float64Array;
  readonly p50Ms: Float64Array;
  readonly p95Ms: Float64Array;
  readonly p99Ms: Float64Array;
  /** The per-second histograms (null where no duration was recorded), for merging into coarser steps. */
  readonly histograms: readonly (LatencyHistogram | null)[];
}

/** Whole-run trend aggregates keyed like k6's summary. */
export type K6TrendValues = Readonly<Record<string, number>>;

export interface K6Ingested {
  /** Lines read, blank lines excluded. */
  readonly lines: number;
  /** Point lines per metric. */
  readonly pointsByMetric: Readonly<Record<string, number>>;
  readonly overall: K6SecondSeries;
  /** Per endpoint tag value (`name`, else `endpoint`); requests without either are under "". */
  readonly endpoints: Readonly<Record<string, K6SecondSeries>>;
  /** `http_req_duration` (count, avg, min, med, max, p(90), p(95), p(99)); `http_reqs` (count, rate); `http_req_failed` (rate, passes, fails). */
  readonly summary: Readonly<Record<string, K6TrendValues>>;
  /** Whether the duration percentiles of `summary` come from raw values (k6's exact numbers) or histograms. */
  readonly exactPercentiles: boolean;
  /** Lines that were not k6 JSON: line number and reason (at most 20 kept). */
  readonly badLines: readonly { readonly line: number; readonly reason: string }[];
  readonly badLineCount: number;
}

const METRIC_KEY = '"metric":"';

/** The metric name of a line by scanning for `"metric":"`, or null when it is not plain. */
function scanMetric(text: string, start: number, end: number): string | null {
  const at = text.indexOf(METRIC_KEY, start);
  if (at < 0 || at >= end) return null;
  const from = at + METRIC_KEY.length;
  const to = text.indexOf('"', from);
  if (to < 0 || to >= end) return null;
  return text.slice(from, to);
}

/** The value of a scanned Point: its time, value and endpoint tag, or null to fall back. */
interface ScannedPoint {
  timeMs: number;
  value: number;
  endpoint: string;
}

/** Epoch ms of an RFC 3339 time with any number of fraction digits; the second prefix is cached. */
export class Rfc3339Parser {
  #prefix = "";
  #zone = "";
  #prefixMs = NaN;

  /** Epoch milliseconds, or NaN when the text is not RFC 3339. */
  parse(text: string): number {
    // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
    if (text.length < 20 || text.charCodeAt(10) !== 84 /* T */) return Date.parse(text);
    const prefix = text.slice(0, 19);
    let i = 19;
    let fraction = 0;
    if (text.charCodeAt(i) === 46 /* . */) {
      i++;
      let scale = 100;
      while (i < text.length) {
        const c = text.charCodeAt(i);
        if (c < 48 || c > 57) break;
        fraction += (c - 48) * scale;
        scale /= 10;
        i++;
      }
    }
    const zone = text.slice(i);
    if (prefix !== this.#prefix || zone !== this.#zone) {
      const ms = Date.parse(`${prefix}${zone}`);
      this.#prefix = prefix;
      this.#zone = zone;
      this.#prefixMs = ms;
    }
    return this.#prefixMs + fraction;
  }
}

/**
 * The position of the next backslash at or after a position of a text, remembered per text:
 * a chunk of many lines is searched once per backslash, not once per line.
 */
class NextBackslash {
  #text = "";
  #position = -1;
  #from = Infinity;

  next(text: string, from: number): number {
    if (
      text !== this.#text ||
      from < this.#from ||
      (this.#position >= 0 && from > this.#position)
    ) {
      const at = text.indexOf("\\", from);
      this.#text = text;
      this.#from = from;
      this.#position = at < 0 ? -1 : at;
    }
    return this.#position < 0 ? Infinity : this.#position;
  }
}

/**
 * Scans a Point line of a used metric without JSON.parse; null when the line holds a
 * backslash or anything the scanner does not expect (then the caller parses it fully).
 */
function scanPoint(
  text: string,
  start: number,
  end: number,
  times: Rfc3339Parser,
  backslashes: NextBackslash,
): ScannedPoint | null {
  if (backslashes.next(text, start) < end) return null;
  if (!isPointLine(text, start, end)) return null;
  const t = text.indexOf('"time":"', start);
  if (t < 0 || t >= end) return null;
  const tEnd = text.indexOf('"', t + 8);
  if (tEnd < 0 || tEnd >= end) return null;
  const v = text.indexOf('"value":', start);
  if (v < 0 || v >= end) return null;
  let vEnd = v + 8;
  while (vEnd < end) {
    const c = text.charCodeAt(vEnd);
    if (c === 44 /* , */ || c === 125 /* } */) break;
    vEnd++;
  }
  const valueText = text.slice(v + 8, vEnd).trim();
  if (valueText === "" || valueText === "null") return null;
  const value = Number(valueText);
  if (!Number.isFinite(value)) return null;
  const endpoint = scanEndpoint(text, start, end);
  if (endpoint === null) return null;
  return { timeMs: times.parse(text.slice(t + 8, tEnd)), value, endpoint };
}

/** Whether `"type":"Point"` is the line's type (and not a Metric line). */
function isPointLine(text: string, start: number, end: number): boolean {
  const p = text.indexOf('"type":"Point"', start);
  return p >= 0 && p < end;
}

/**
 * The endpoint tag of a Point line whose strings hold no backslash: walks the flat
 * `"tags":{…}` object key by key. "" without tags or endpoint tag; null on anything unexpected.
 */
function scanEndpoint(text: string, start: number, end: number): string | null {
  const t = text.indexOf('"tags":', start);
  if (t < 0 || t >= end) return "";
  let i = t + 7;
  while (text.charCodeAt(i) === 32) i++;
  if (text.startsWith("null", i)) return "";
  if (text.charCodeAt(i) !== 123 /* { */) return null;
  i++;
  const found: Record<string, string> = {};
  for (;;) {
    while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 44) i++;
    const c = text.charCodeAt(i);
    if (c === 125 /* } */) break;
    if (c !== 34 /* " */ || i >= end) return null;
    const keyEnd = text.indexOf('"', i + 1);
    if (keyEnd < 0 || keyEnd >= end) return null;
    const key = text.slice(i + 1, keyEnd);
    i = keyEnd + 1;
    while (text.charCodeAt(i) === 32) i++;
    if (text.charCodeAt(i) !== 58 /* : */) return null;
    i++;
    while (text.charCodeAt(i) === 32) i++;
    if (text.charCodeAt(i) !== 34) return null; // tag values are strings
    const valueEnd = text.indexOf('"', i + 1);
    if (valueEnd < 0 || valueEnd >= end) return null;
    if (key === "name" || key === "endpoint") found[key] = text.slice(i + 1, valueEnd);
    i = valueEnd + 1;
  }
  return endpointOf(found);
}

function endpointOf(tags: Readonly<Record<string, string>>): string {
  for (const key of ENDPOINT_TAGS) {
    const v = tags[key];
    if (v !== undefined) return v;
  }
  return "";
}

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
}

/**
 * Streaming aggregation of k6 `--out json` lines into per-second series per endpoint.
 *
 * Method: each `http_req_duration` Point goes into the LatencyHistogram of its second (and
 * endpoint) and, while fewer than `maxRawValues` are held, into a raw list for the exact
 * whole-run percentiles ({@link k6Percentile}); `http_reqs` Points add their value to the
 * second's requests; `http_req_failed` Points add theirs to failures. Seconds are epoch
 * seconds of the Point's time (k6 writes RFC 3339 with nanoseconds and a zone).
 *
 * Cost: O(1) per line (one histogram record per duration); memory one histogram per second
 * and endpoint (≈ 1 KiB per doubling of the second's latency range) plus 8 bytes per raw
 * duration.
 *
 * @example
 * const ingest = new K6Ingest();
 * for (const line of lines) ingest.addLine(line);
 * ingest.finish().summary.http_req_duration?.["p(95)"];
 */
export class K6Ingest {
  readonly #maxRaw: number;
  readonly #digits: number;
  readonly #fast: boolean;
  readonly #times = new Rfc3339Parser();
  readonly #backslashes = new NextBackslash();
  readonly #buckets = new Map<string, Map<number, SecondBucket>>();
  readonly #points = new Map<string, number>();
  #raw: RawValues | null = new RawValues();
  readonly #runHistogram: LatencyHistogram;
  #lines = 0;
  #requests = 0;
  #failPasses = 0;
  #failSamples = 0;
  #firstMs = Infinity;
  #lastMs = -Infinity;
  readonly #badLines: { line: number; reason: string }[] = [];
  #badLineCount = 0;

  constructor(options: K6IngestOptions = {}) {
    this.#maxRaw = options.maxRawValues ?? DEFAULT_MAX_RAW_VALUES;
    this.#digits = options.significantDigits ?? 2;
    this.#fast = options.fastPath ?? true;
    this.#runHistogram = new LatencyHistogram({ significantDigits: this.#digits });
  }

  /** Adds one NDJSON line (or the part [start, end) of a larger text). */
  addLine(text: string, start = 0, end = text.length): void {
    // Trim a trailing \r and skip blank lines.
    while (end > start && text.charCodeAt(end - 1) <= 32) end--;
    if (end <= start) return;
    this.#lines++;
    if (this.#fast) {
      const metric = scanMetric(text, start, end);
      if (metric !== null) {
        const used =
          metric === "http_req_duration" || metric === "http_reqs" || metric === "http_req_failed";
        if (!used) {
          // Not needed beyond its count: a Point line (the common case) is just counted.
          if (isPointLine(text, start, end)) {
            this.#points.set(metric, (this.#points.get(metric) ?? 0) + 1);
            return;
          }
        } else {
          const p = scanPoint(text, start, end, this.#times, this.#backslashes);
          if (p !== null) {
            this.#points.set(metric, (this.#points.get(metric) ?? 0) + 1);
            this.#addPoint(metric, p.timeMs, p.value, p.endpoint);
            return;
          }
        }
      }
    }
    this.#addParsed(start === 0 && end === text.length ? text : text.slice(start, end));
  }

  #addParsed(line: string): void {
    let parsed;
    try {
      parsed = parseK6Line(line);
    } catch (error) {
      this.#badLineCount++;
      if (this.#badLines.length < 20)
        this.#badLines.push({ line: this.#lines, reason: (error as Error).message });
      return;
    }
    if (parsed === null || parsed.type === "Metric") return;
    this.#points.set(parsed.metric, (this.#points.get(parsed.metric) ?? 0) + 1);
    if (!(INGESTED_METRICS as readonly string[]).includes(parsed.metric)) return;
    this.#addPoint(
      parsed.metric,
      this.#times.parse(parsed.time),
      parsed.value,
      endpointOf(parsed.tags),
    );
  }

  #bucket(endpoint: string, second: number): SecondBucket {
    let byEndpoint = this.#buckets.get(endpoint);
    if (byEndpoint === undefined) this.#buckets.set(endpoint, (byEndpoint = new Map()));
    let b = byEndpoint.get(second);
    if (b === undefined) {
      b = { requests: 0, failures: 0, failedSamples: 0, histogram: null };
      byEndpoint.set(second, b);
    }
    return b;
  }

  #addPoint(metric: string, timeMs: number, value: number, endpoint: string): void {
    if (!Number.isFinite(timeMs)) {
      this.#badLineCount++;
      if (this.#badLines.length < 20)
        this.#badLines.push({ line: this.#lines, reason: "the Point's time is not RFC 3339" });
      return;
    }
    if (timeMs < this.#firstMs) this.#firstMs = timeMs;
    if (timeMs > this.#lastMs) this.#lastMs = timeMs;
    const b = this.#bucket(endpoint, Math.floor(timeMs / 1000));
    if (metric === "http_req_duration") {
      const v = Math.max(0, value);
      (b.histogram ??= new LatencyHistogram({ significantDigits: this.#digits })).record(v);
      this.#runHistogram.record(v);
      if (this.#raw !== null) {
        if (this.#raw.length < this.#maxRaw) this.#raw.push(value);
        else this.#raw = null;
      }
    } else if (metric === "http_reqs") {
      b.requests += value;
      this.#requests += value;
    } else {
      b.failedSamples++;
      this.#failSamples++;
      if (value !== 0) {
        b.failures++;
        this.#failPasses++;
      }
    }
  }

  /** The series and the summary of everything added so far. */
  finish(): K6Ingested {
    const allSeconds = new Set<number>();
    for (const m of this.#buckets.values()) for (const s of m.keys()) allSeconds.add(s);
    const seconds = [...allSeconds];
    const first = seconds.length ? Math.min(...seconds) : 0;
    const last = seconds.length ? Math.max(...seconds) : -1;
    const n = last - first + 1;
    const endpoints: Record<string, K6SecondSeries> = {};
    const merged: (SecondBucket | undefined)[] = new Array<SecondBucket | undefined>(n);
    for (const [name, byEndpoint] of [...this.#buckets].sort(([a], [b]) => a.localeCompare(b))) {
      const cells: (SecondBucket | undefined)[] = new Array<SecondBucket | undefined>(n);
      for (const [second, b] of byEndpoint) {
        const i = second - first;
        cells[i] = b;
        const m = (merged[i] ??= { requests: 0, failures: 0, failedSamples: 0, histogram: null });
        m.requests += b.requests;
        m.failures += b.failures;
        m.failedSamples += b.failedSamples;
        if (b.histogram)
          (m.histogram ??= new LatencyHistogram({ significantDigits: this.#digits })).merge(
            b.histogram,
          );
      }
      endpoints[name] = toSeries(first * 1000, cells);
    }
    const overall = toSeries(first * 1000, merged);
    const durationSeconds =
      this.#lastMs >= this.#firstMs ? (this.#lastMs - this.#firstMs) / 1000 : 0;
    return {
      lines: this.#lines,
      pointsByMetric: Object.fromEntries([...this.#points].sort(([a], [b]) => a.localeCompare(b))),
      overall,
      endpoints,
      summary: {
        http_req_duration: this.#durationSummary(),
        http_reqs: {
          count: this.#requests,
          rate: durationSeconds > 0 ? this.#requests / durationSeconds : 0,
        },
        http_req_failed: {
          rate: this.#failSamples ? this.#failPasses / this.#failSamples : 0,
          passes: this.#failPasses,
          fails: this.#failSamples - this.#failPasses,
        },
      },
      exactPercentiles: this.#raw !== null,
      badLines: [...this.#badLines],
      badLineCount: this.#badLineCount,
    };
  }

  #durationSummary(): K6TrendValues {
    const h = this.#runHistogram;
    const out: Record<string, number> = { count: h.count, avg: h.mean, min: h.min, max: h.max };
    if (this.#raw !== null) {
      const sorted = this.#raw.values.slice(0, this.#raw.length).sort();
      out.med = k6Percentile(sorted, 0.5);
      for (const p of SUMMARY_PERCENTILES) out[`p(${p})`] = k6Percentile(sorted, p / 100);
    } else {
      out.med = h.percentile(0.5);
      for (const p of SUMMARY_PERCENTILES) out[`p(${p})`] = h.percentile(p / 100);
    }
    return out;
  }
}

function toSeries(startMs: number, cells: readonly (SecondBucket | undefined)[]): K6SecondSeries {
  const n = cells.length;
  const s = {
    startMs,
    requests: new Float64Array(n),
    failures: new Float64Array(n),
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

// ---------------------------------------------------------------------------------------------
// End-of-test summaries

/** The three summary shapes k6 writes (reference/k6.md §4.3). */
export type K6SummaryKind = "summary-export" | "handle-summary" | "machine-readable";

/** A k6 end-of-test summary, normalized: rate metrics always have `rate`, `passes`, `fails`. */
export interface K6SummaryFile {
  readonly kind: K6SummaryKind;
  /** Test run duration, ms, when the file states it. */
  readonly durationMs: number | null;
  readonly metrics: Readonly<Record<string, K6TrendValues>>;
}

function numericValues(o: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (o === null || typeof o !== "object") return out;
  for (const [k, v] of Object.entries(o)) if (typeof v === "number") out[k] = v;
  return out;
}

/**
 * Reads a k6 end-of-test summary in any of its shapes: `--summary-export` (flat values, rate
 * metrics with `value`), the `handleSummary(data)` object (`metrics[name].values`, with
 * `state.testRunDurationMs`), or the machine-readable summary (`results.metrics` array).
 *
 * @throws Error when the object is none of them.
 */
export function parseK6Summary(json: unknown): K6SummaryFile {
  const o = (json ?? {}) as Record<string, unknown>;
  const results = o.results as { metrics?: unknown } | undefined;
  if (typeof o.version === "string" && results && Array.isArray(results.metrics)) {
    const metrics: Record<string, K6TrendValues> = {};
    for (const m of results.metrics as { name?: unknown; values?: unknown }[]) {
      if (typeof m.name !== "string") continue;
      const v = numericValues(m.values);
      if (v.matches !== undefined && v.total !== undefined) {
        v.passes = v.matches;
        v.fails = v.total - v.matches;
      }
      metrics[m.name] = v;
    }
    const config = o.config as { duration?: unknown } | undefined;
    return {
      kind: "machine-readable",
      durationMs: typeof config?.duration === "number" ? config.duration : null,
      metrics,
    };
  }
  if (o.metrics === null || typeof o.metrics !== "object") {
    throw new Error("not a k6 summary: it has no `metrics` object");
  }
  const entries = Object.entries(o.metrics as Record<string, unknown>);
  const wrapped = entries.some(
    ([, m]) => m !== null && typeof m === "object" && "values" in (m as object),
  );
  const metrics: Record<string, K6TrendValues> = {};
  for (const [name, m] of entries) {
    if (wrapped) {
      metrics[name] = numericValues((m as { values?: unknown }).values);
    } else {
      const v = numericValues(m);
      // summary-export renames a rate metric's `rate` to `value`.
      if (v.passes !== undefined && v.fails !== undefined && v.value !== undefined) {
        v.rate = v.value;
        delete v.value;
      }
      metrics[name] = v;
    }
  }
  const state = o.state as { testRunDurationMs?: unknown } | undefined;
  return {
    kind: wrapped ? "handle-summary" : "summary-export",
    durationMs: typeof state?.testRunDurationMs === "number" ? state.testRunDurationMs : null,
    metrics,
  };
}
