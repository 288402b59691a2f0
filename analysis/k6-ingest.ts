/**
 * k6 results into per-second series (pure: bytes in, numbers out; the file reading lives in
 * analysis/io/files/k6-stream.ts, the worker threads in analysis/io/files/k6-ingest-worker.ts):
 *
 *   NDJSON bytes ──K6LineReader──▶ Points (metric, time, value, endpoint), line counts, bad lines
 *     ──K6Ingest──▶ per second × endpoint: requests, failures, LatencyHistogram of
 *     http_req_duration; whole run: raw durations (exact k6 percentiles)
 *   ──K6Ingest.finish──▶ K6Ingested (K6SecondSeries overall and per endpoint, summary)
 *
 *   parallel: each worker reads a byte range of the file into a K6RangeScanner (the Points in
 *     file order, in flat arrays); K6Ingest.addScanned replays the ranges in file order, so
 *     the result is the single-threaded one, bit for bit (same additions in the same order).
 *
 *   summary JSON ──parseK6Summary──▶ K6SummaryFile (summary-export, handleSummary data, or the
 *     machine-readable summary, all with the same `values` keys)
 *
 * Fast path (bytes, no string per line): a line in either of k6's two frames,
 *   {"metric":"NAME","type":"Point","data":{…}}   or   {"type":"Point","data":{…},"metric":"NAME"}
 * is recognized from its frame bytes; a Point of a metric the ingestion does not use is only
 * counted; a used Point has its `data` object walked by a small JSON scanner (time, value,
 * tags). Anything else (Metric lines, escapes in the fields read, whitespace, numbers the
 * scanner does not convert exactly, a last line without newline) goes through
 * {@link parseK6Line}. Both paths give identical results for every line JSON.parse accepts
 * whose top-level keys are unique, as Go's encoding/json writes them
 * (test/analysis/k6-ingest.test.ts).
 */
import { k6PointValueProblem, parseK6Line } from "./k6-results.js";
import { k6Percentile, LatencyHistogram } from "./stats/index.js";
import { MAX_TRACE_STEPS, tooManySteps, TraceError } from "./trace.js";

/** The metrics the per-second series are built from; a Point's metric code is its index here. */
export const INGESTED_METRICS = ["http_req_duration", "http_reqs", "http_req_failed"] as const;
const DURATION = 0;
const REQS = 1;

/** The tags that name an endpoint, in order of preference. */
export const ENDPOINT_TAGS = ["name", "endpoint"] as const;

/** The percentiles of the summary, as k6 writes their keys (`p(90)` …). */
const SUMMARY_PERCENTILES = [90, 95, 99] as const;

/** Raw durations kept for the exact whole-run summary before falling back to histograms. @default 20,000,000 (160 MB) */
export const DEFAULT_MAX_RAW_VALUES = 20_000_000;

/** Bad lines kept with their reason (all are counted). */
const MAX_BAD_LINES = 20;

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

/** A line that was not k6 JSON: its number (1-based, blank lines excluded) and why. */
export interface K6BadLine {
  readonly line: number;
  readonly reason: string;
}

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
  readonly badLines: readonly K6BadLine[];
  readonly badLineCount: number;
}

// ---------------------------------------------------------------------------------------------
// Bytes

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const NULL = ascii("null");
const TRUE = ascii("true");
const FALSE = ascii("false");

/** Powers of ten that are exact doubles. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Whether bytes[at …] starts with the bytes of `expected`. */
function bytesAt(bytes: Uint8Array, at: number, expected: Uint8Array): boolean {
  if (at < 0 || at + expected.length > bytes.length) return false;
  for (let k = 0; k < expected.length; k++) if (bytes[at + k] !== expected[k]) return false;
  return true;
}

/**
 * Fixed bytes compared 4 at a time (little-endian words read through a DataView of the
 * same bytes): the frame of a k6 line costs a few comparisons instead of one per byte.
 */
class BytePattern {
  readonly length: number;
  readonly #words: Int32Array;
  readonly #tail: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.length = bytes.length;
    const n = bytes.length >> 2;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#words = Int32Array.from({ length: n }, (_, k) => view.getInt32(4 * k, true));
    this.#tail = bytes.slice(4 * n);
  }

  /** Whether bytes[at …] (of which `view` is a DataView) starts with this pattern. */
  matches(view: DataView, bytes: Uint8Array, at: number): boolean {
    if (at < 0 || at + this.length > bytes.length) return false;
    const words = this.#words;
    let i = at;
    for (let k = 0; k < words.length; k++, i += 4)
      if (view.getInt32(i, true) !== words[k]) return false;
    const tail = this.#tail;
    for (let k = 0; k < tail.length; k++) if (bytes[i + k] !== tail[k]) return false;
    return true;
  }
}

/** The two frames k6 writes a Point in (newer k6: metric first; older: metric last). */
const METRIC_FIRST_HEAD = new BytePattern(ascii('{"metric":"'));
const METRIC_FIRST_MIDDLE = new BytePattern(ascii('","type":"Point","data":{'));
const METRIC_LAST_HEAD = new BytePattern(ascii('{"type":"Point","data":{'));
const METRIC_LAST_TAIL = new BytePattern(ascii(',"metric":"'));

/** The string of ASCII bytes (numbers, times). */
function asciiText(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

/** A hash of bytes, to find a cached string without making one. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + bytes[i]!) | 0;
  return h;
}

/**
 * The end of a JSON string without escapes whose opening quote is at `start`: the index of
 * its closing quote, or -1 when it holds a backslash or a control character (then the
 * caller falls back to JSON.parse).
 */
function plainStringEnd(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start + 1; i < end; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) return i;
    if (c === BACKSLASH || c < 32) return -1;
  }
  return -1;
}

/** The index after the JSON string opening at `start` (escapes checked), or -1. */
function skipString(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start + 1; i < end; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) return i + 1;
    if (c < 32) return -1;
    if (c === BACKSLASH) {
      const e = bytes[++i];
      if (e === 117 /* u */) {
        for (let k = 1; k <= 4; k++) {
          const h = bytes[i + k] ?? 0;
          const hex = (h >= 48 && h <= 57) || (h >= 65 && h <= 70) || (h >= 97 && h <= 102);
          if (!hex) return -1;
        }
        i += 4;
      } else if (
        e !== QUOTE &&
        e !== BACKSLASH &&
        e !== 47 /* / */ &&
        e !== 98 /* b */ &&
        e !== 102 /* f */ &&
        e !== 110 /* n */ &&
        e !== 114 /* r */ &&
        e !== 116 /* t */
      )
        return -1;
    }
  }
  return -1;
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57;

/**
 * Scans the JSON number at `start`: the index after it (or -1 when it is not one) and, in
 * `out[0]`, its value. Up to 15 digits and 22 decimals without exponent are converted as
 * integer / 10^decimals: both are exact doubles, so the one rounding of the division gives
 * the correctly rounded value, as JSON.parse does (Clinger's fast path); others by Number().
 */
function scanNumber(bytes: Uint8Array, start: number, out: Float64Array): number {
  let i = start;
  const negative = bytes[i] === 45; /* - */
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let decimals = 0;
  if (bytes[i] === 48 /* 0 */) {
    i++;
    if (isDigit(bytes[i])) return -1; // no leading zeros in JSON
  } else if (isDigit(bytes[i])) {
    while (isDigit(bytes[i])) {
      mantissa = mantissa * 10 + (bytes[i++]! - 48);
      digits++;
    }
  } else return -1;
  if (bytes[i] === 46 /* . */) {
    i++;
    if (!isDigit(bytes[i])) return -1;
    while (isDigit(bytes[i])) {
      mantissa = mantissa * 10 + (bytes[i++]! - 48);
      digits++;
      decimals++;
    }
  }
  let exponent = false;
  if (bytes[i] === 101 /* e */ || bytes[i] === 69 /* E */) {
    exponent = true;
    i++;
    if (bytes[i] === 43 /* + */ || bytes[i] === 45 /* - */) i++;
    if (!isDigit(bytes[i])) return -1;
    while (isDigit(bytes[i])) i++;
  }
  if (!exponent && digits <= 15 && decimals <= 22) {
    const v = mantissa / POW10[decimals]!;
    out[0] = negative ? -v : v;
  } else out[0] = Number(asciiText(bytes, start, i));
  return i;
}

/**
 * The index after the JSON value at `start` (compact JSON: no whitespace), or -1 when it is
 * not one; for the members of `data` the ingestion does not read (k6's `metadata`).
 */
function skipValue(bytes: Uint8Array, start: number, end: number, depth = 0): number {
  const c = bytes[start];
  if (c === QUOTE) return skipString(bytes, start, end);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    if (depth > 64) return -1;
    const object = c === OPEN_BRACE;
    const close = object ? CLOSE_BRACE : CLOSE_BRACKET;
    let i = start + 1;
    if (bytes[i] === close) return i + 1;
    for (;;) {
      if (object) {
        if (bytes[i] !== QUOTE) return -1;
        i = skipString(bytes, i, end);
        if (i < 0 || bytes[i] !== COLON) return -1;
        i++;
      }
      i = skipValue(bytes, i, end, depth + 1);
      if (i < 0) return -1;
      if (bytes[i] === close) return i + 1;
      if (bytes[i] !== COMMA) return -1;
      i++;
    }
  }
  if (c === 110 /* n */) return bytesAt(bytes, start, NULL) ? start + 4 : -1;
  if (c === 116 /* t */) return bytesAt(bytes, start, TRUE) ? start + 4 : -1;
  if (c === 102 /* f */) return bytesAt(bytes, start, FALSE) ? start + 5 : -1;
  return scanNumber(bytes, start, skipped);
}
const skipped = new Float64Array(1);

/** A string met again and again (metric names, endpoint tags), found by the hash of its bytes. */
interface CachedString {
  readonly bytes: BytePattern;
  readonly text: string;
  /** The ingested metric code (index in INGESTED_METRICS), or -1. */
  readonly code: number;
  /** Points counted by the fast path (metric names). */
  count: number;
  next: CachedString | null;
}

/** Strings of byte ranges, made once per distinct bytes. */
class StringCache {
  readonly #byHash = new Map<number, CachedString>();

  /** The string of bytes[start, end) (`view` a DataView of bytes; `hash` from hashBytes). */
  get(
    view: DataView,
    bytes: Uint8Array,
    start: number,
    end: number,
    hash = hashBytes(bytes, start, end),
  ): CachedString {
    const first = this.#byHash.get(hash) ?? null;
    for (let e = first; e !== null; e = e.next)
      if (e.bytes.length === end - start && e.bytes.matches(view, bytes, start)) return e;
    const text = utf8.decode(bytes.subarray(start, end));
    const entry: CachedString = {
      bytes: new BytePattern(bytes.slice(start, end)),
      text,
      code: (INGESTED_METRICS as readonly string[]).indexOf(text),
      count: 0,
      next: first,
    };
    this.#byHash.set(hash, entry);
    return entry;
  }

  *entries(): IterableIterator<CachedString> {
    for (const first of this.#byHash.values())
      for (let e: CachedString | null = first; e !== null; e = e.next) yield e;
  }
}

/** Epoch ms of an RFC 3339 time with any number of fraction digits; the second prefix is cached. */
export class Rfc3339Parser {
  #prefix = "";
  #zone = "";
  #prefixMs = NaN;
  // The same cache for times read from bytes.
  readonly #prefixBytes = new Uint8Array(19);
  #zoneBytes = new Uint8Array(0);
  #bytesMs = NaN;

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

  /** {@link parse} of the ASCII bytes [start, end), with the same arithmetic (same result). */
  parseBytes(bytes: Uint8Array, start: number, end: number): number {
    if (end - start < 20 || bytes[start + 10] !== 84 /* T */)
      return Date.parse(asciiText(bytes, start, end));
    let i = start + 19;
    let fraction = 0;
    if (bytes[i] === 46 /* . */) {
      i++;
      let scale = 100;
      while (i < end) {
        const c = bytes[i]!;
        if (c < 48 || c > 57) break;
        fraction += (c - 48) * scale;
        scale /= 10;
        i++;
      }
    }
    // The cached prefix compared from its end: the seconds change first.
    const prefix = this.#prefixBytes;
    let same = end - i === this.#zoneBytes.length;
    for (let k = 18; same && k >= 0; k--) same = bytes[start + k] === prefix[k];
    for (let k = 0; same && k < this.#zoneBytes.length; k++)
      same = bytes[i + k] === this.#zoneBytes[k];
    if (!same) {
      prefix.set(bytes.subarray(start, start + 19));
      this.#zoneBytes = bytes.slice(i, end);
      this.#bytesMs = Date.parse(asciiText(bytes, start, start + 19) + asciiText(bytes, i, end));
    }
    return this.#bytesMs + fraction;
  }
}

function endpointOf(tags: Readonly<Record<string, string>>): string {
  for (const key of ENDPOINT_TAGS) {
    const v = tags[key];
    if (v !== undefined) return v;
  }
  return "";
}

/** Receives the Points of a {@link K6LineReader}: metric code, epoch ms (finite), value, endpoint. */
export type K6PointSink = (metric: number, timeMs: number, value: number, endpoint: string) => void;

/**
 * Reads k6 NDJSON lines from bytes into Points for a {@link K6PointSink}, counting lines,
 * Points per metric and bad lines. Cost: O(bytes) with a small constant: a Point of a metric
 * the ingestion does not use costs a newline search and a comparison of its frame and name.
 */
export class K6LineReader {
  /** Lines read, blank lines excluded. */
  lines = 0;
  badLineCount = 0;
  readonly badLines: K6BadLine[] = [];
  readonly #sink: K6PointSink;
  readonly #fast: boolean;
  readonly #times = new Rfc3339Parser();
  readonly #metrics = new StringCache();
  readonly #endpoints = new StringCache();
  /** Points counted by the full-parse path, per metric. */
  readonly #parsedPoints = new Map<string, number>();
  /** A DataView of the bytes being read, for BytePattern. */
  #viewed: Uint8Array | null = null;
  #view: DataView = new DataView(new ArrayBuffer(0));
  /** Scratch for scanNumber. */
  readonly #number = new Float64Array(1);

  constructor(sink: K6PointSink, options: { readonly fastPath?: boolean } = {}) {
    this.#sink = sink;
    this.#fast = options.fastPath ?? true;
  }

  /** Reads every complete line of bytes[start, end); returns where the unfinished rest starts. */
  addChunk(bytes: Uint8Array, start: number, end: number): number {
    let s = start;
    for (;;) {
      const nl = bytes.indexOf(10, s); // memchr when bytes is a Node Buffer
      if (nl < 0 || nl >= end) return s;
      this.addLine(bytes, s, nl);
      s = nl + 1;
    }
  }

  /**
   * Reads one line, bytes[start, end) without its newline. `complete` is false for a last
   * line without newline (a file cut while k6 wrote it): that one is always parsed fully.
   */
  addLine(bytes: Uint8Array, start: number, end: number, complete = true): void {
    // Trim a trailing \r and skip blank lines.
    while (end > start && bytes[end - 1]! <= 32) end--;
    if (end <= start) return;
    this.lines++;
    if (this.#fast && complete && this.#scanLine(bytes, start, end)) return;
    this.#parseLine(utf8.decode(bytes.subarray(start, end)));
  }

  /** Point lines per metric so far. */
  pointsByMetric(): Map<string, number> {
    const points = new Map(this.#parsedPoints);
    for (const e of this.#metrics.entries())
      if (e.count > 0) points.set(e.text, (points.get(e.text) ?? 0) + e.count);
    return points;
  }

  /** Adds a bad line at the current line number. */
  badLine(reason: string, line = this.lines): void {
    this.badLineCount++;
    if (this.badLines.length < MAX_BAD_LINES) this.badLines.push({ line, reason });
  }

  /** Counts and bad lines of another reader's lines, read after this one's. */
  addCounts(
    lines: number,
    points: Iterable<readonly [string, number]>,
    badLines: readonly K6BadLine[],
    badLineCount: number,
  ): void {
    for (const b of badLines)
      if (this.badLines.length < MAX_BAD_LINES)
        this.badLines.push({ line: this.lines + b.line, reason: b.reason });
    this.badLineCount += badLineCount;
    this.lines += lines;
    for (const [m, n] of points) this.#parsedPoints.set(m, (this.#parsedPoints.get(m) ?? 0) + n);
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
    if (parsed === null || parsed.type === "Metric") return;
    this.#parsedPoints.set(parsed.metric, (this.#parsedPoints.get(parsed.metric) ?? 0) + 1);
    const code = (INGESTED_METRICS as readonly string[]).indexOf(parsed.metric);
    if (code < 0) return;
    this.#point(code, this.#times.parse(parsed.time), parsed.value, endpointOf(parsed.tags));
  }

  /** Emits a Point of a used metric, or counts its line as bad (time or value impossible). */
  #point(code: number, timeMs: number, value: number, endpoint: string): void {
    const problem = Number.isFinite(timeMs)
      ? k6PointValueProblem(INGESTED_METRICS[code]!, value)
      : "the Point's time is not RFC 3339";
    if (problem === null) this.#sink(code, timeMs, value, endpoint);
    else this.badLine(problem);
  }

  /** The fast path of one trimmed line; false when the line must be parsed fully. */
  #scanLine(bytes: Uint8Array, start: number, end: number): boolean {
    if (bytes[end - 1] !== CLOSE_BRACE) return false;
    if (bytes !== this.#viewed) {
      this.#viewed = bytes;
      this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const view = this.#view;
    let nameStart: number;
    let nameEnd: number;
    let hash = 0;
    let dataStart: number;
    let dataEnd: number; // the index of data's closing brace
    if (METRIC_FIRST_HEAD.matches(view, bytes, start)) {
      // {"metric":"NAME","type":"Point","data":{…}}: the name, hashed on the way (no escapes)
      nameStart = start + METRIC_FIRST_HEAD.length;
      nameEnd = nameStart;
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
    const metric = this.#metrics.get(view, bytes, nameStart, nameEnd, hash);
    if (metric.code < 0) {
      metric.count++; // not used beyond its count
      return true;
    }
    if (!this.#scanData(bytes, dataStart, dataEnd, metric.code)) return false;
    metric.count++;
    return true;
  }

  /**
   * Walks the `data` object {…} at bytes[start … end] of a used metric's Point (keys in any
   * order, the last of a repeated key wins as in JSON.parse) and emits the Point; false when
   * something is not what the scanner reads exactly (then nothing was emitted).
   */
  #scanData(bytes: Uint8Array, start: number, end: number, code: number): boolean {
    let timeStart = -1;
    let timeEnd = -1;
    let value = 0;
    let hasValue = false;
    let name = -1; // the `name` tag's opening quote, -1 without
    let endpoint = -1; // the `endpoint` tag's
    let i = start + 1;
    for (;;) {
      if (bytes[i] !== QUOTE) return false;
      const keyEnd = plainStringEnd(bytes, i, end);
      if (keyEnd < 0 || bytes[keyEnd + 1] !== COLON) return false;
      const keyLength = keyEnd - i - 1;
      const k = bytes[i + 1];
      i = keyEnd + 2;
      if (keyLength === 4 && k === 116 /* t */ && bytes[keyEnd - 1] === 101 /* time */) {
        // An ASCII string without escapes, else the full path decides.
        if (bytes[i] !== QUOTE) return false;
        let j = i + 1;
        while (
          j < end &&
          bytes[j]! > 32 &&
          bytes[j]! < 127 &&
          bytes[j] !== QUOTE &&
          bytes[j] !== BACKSLASH
        )
          j++;
        if (bytes[j] !== QUOTE) return false;
        timeStart = i + 1;
        timeEnd = j;
        i = j + 1;
      } else if (keyLength === 5 && k === 118 /* value */ && bytes[keyEnd - 1] === 101) {
        i = scanNumber(bytes, i, this.#number);
        if (i < 0) return false;
        value = this.#number[0]!;
        hasValue = true;
      } else if (keyLength === 4 && k === 116 /* tags */ && bytes[keyEnd - 1] === 115) {
        name = endpoint = -1;
        if (bytesAt(bytes, i, NULL)) i += 4;
        else if (bytes[i] !== OPEN_BRACE) return false;
        else {
          // A flat object of string values; only `name` and `endpoint` are read.
          i++;
          if (bytes[i] === CLOSE_BRACE) i++;
          else
            for (;;) {
              if (bytes[i] !== QUOTE) return false;
              const tagEnd = plainStringEnd(bytes, i, end);
              if (tagEnd < 0 || bytes[tagEnd + 1] !== COLON || bytes[tagEnd + 2] !== QUOTE)
                return false;
              const tagLength = tagEnd - i - 1;
              const t = bytes[i + 1];
              const valueStart = tagEnd + 2;
              if (tagLength === 4 && t === 110 /* name */ && bytes[tagEnd - 1] === 101) {
                name = valueStart;
                i = plainStringEnd(bytes, valueStart, end) + 1;
              } else if (tagLength === 8 && t === 101 /* endpoint */ && bytes[tagEnd - 1] === 116) {
                endpoint = valueStart;
                i = plainStringEnd(bytes, valueStart, end) + 1;
              } else i = skipString(bytes, valueStart, end);
              if (i <= 0) return false;
              if (bytes[i] === CLOSE_BRACE) {
                i++;
                break;
              }
              if (bytes[i] !== COMMA) return false;
              i++;
            }
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
    if (timeStart < 0 || !hasValue) return false;
    const tag = name >= 0 ? name : endpoint;
    const endpointText =
      tag < 0
        ? ""
        : this.#endpoints.get(this.#view, bytes, tag + 1, plainStringEnd(bytes, tag, end)).text;
    this.#point(code, this.#times.parseBytes(bytes, timeStart, timeEnd), value, endpointText);
    return true;
  }
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
 * The outcome of reading one byte range of a file ({@link K6RangeScanner}): its counts, bad
 * lines (numbered within the range) and its Points in file order, in flat arrays (cheap to
 * send between threads). Plain data: structured-cloneable.
 */
export interface K6ScannedRange {
  readonly lines: number;
  readonly pointsByMetric: readonly (readonly [string, number])[];
  readonly badLines: readonly K6BadLine[];
  readonly badLineCount: number;
  /** Points: metric code, epoch ms, value and index in `endpoints`, of the first `count`. */
  readonly count: number;
  readonly metrics: Uint8Array;
  readonly times: Float64Array;
  readonly values: Float64Array;
  readonly endpointIndexes: Uint32Array;
  readonly endpoints: readonly string[];
}

/**
 * Reads the lines of one byte range (of a file split among worker threads) and keeps their
 * Points, in order, for {@link K6Ingest.addScanned}. The aggregation is left to the one
 * K6Ingest that replays every range in file order: that is what keeps the sums and
 * histograms identical to a single-threaded read.
 */
export class K6RangeScanner {
  readonly #reader: K6LineReader;
  #count = 0;
  #metrics = new Uint8Array(1024);
  #times = new Float64Array(1024);
  #values = new Float64Array(1024);
  #endpointIndexes = new Uint32Array(1024);
  readonly #endpointIndex = new Map<string, number>();

  constructor(options: { readonly fastPath?: boolean } = {}) {
    this.#reader = new K6LineReader((m, t, v, e) => this.#add(m, t, v, e), options);
  }

  /** See {@link K6LineReader.addChunk}. */
  addChunk(bytes: Uint8Array, start: number, end: number): number {
    return this.#reader.addChunk(bytes, start, end);
  }

  /** See {@link K6LineReader.addLine}. */
  addLine(bytes: Uint8Array, start: number, end: number, complete = true): void {
    this.#reader.addLine(bytes, start, end, complete);
  }

  #add(metric: number, timeMs: number, value: number, endpoint: string): void {
    const n = this.#count;
    if (n === this.#metrics.length) {
      const grow = <T extends Uint8Array | Float64Array | Uint32Array>(a: T, b: T): T => {
        b.set(a);
        return b;
      };
      this.#metrics = grow(this.#metrics, new Uint8Array(2 * n));
      this.#times = grow(this.#times, new Float64Array(2 * n));
      this.#values = grow(this.#values, new Float64Array(2 * n));
      this.#endpointIndexes = grow(this.#endpointIndexes, new Uint32Array(2 * n));
    }
    let e = this.#endpointIndex.get(endpoint);
    if (e === undefined) this.#endpointIndex.set(endpoint, (e = this.#endpointIndex.size));
    this.#metrics[n] = metric;
    this.#times[n] = timeMs;
    this.#values[n] = value;
    this.#endpointIndexes[n] = e;
    this.#count = n + 1;
  }

  /** What was read; the typed arrays may be transferred. */
  finish(): K6ScannedRange {
    const r = this.#reader;
    return {
      lines: r.lines,
      pointsByMetric: [...r.pointsByMetric()],
      badLines: [...r.badLines],
      badLineCount: r.badLineCount,
      count: this.#count,
      metrics: this.#metrics,
      times: this.#times,
      values: this.#values,
      endpointIndexes: this.#endpointIndexes,
      endpoints: [...this.#endpointIndex.keys()],
    };
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
  readonly #reader: K6LineReader;
  readonly #buckets = new Map<string, Map<number, SecondBucket>>();
  #raw: RawValues | null = new RawValues();
  readonly #runHistogram: LatencyHistogram;
  #requests = 0;
  #failPasses = 0;
  #failSamples = 0;
  #firstMs = Infinity;
  #lastMs = -Infinity;

  constructor(options: K6IngestOptions = {}) {
    this.#maxRaw = options.maxRawValues ?? DEFAULT_MAX_RAW_VALUES;
    this.#digits = options.significantDigits ?? 2;
    this.#runHistogram = new LatencyHistogram({ significantDigits: this.#digits });
    this.#reader = new K6LineReader((m, t, v, e) => this.#addPoint(m, t, v, e), options);
  }

  /** Adds one NDJSON line (or the part [start, end) of a larger text). */
  addLine(text: string, start = 0, end = text.length): void {
    const bytes = utf8Encoder.encode(text.slice(start, end));
    this.#reader.addLine(bytes, 0, bytes.length);
  }

  /**
   * Adds every complete line of UTF-8 bytes[start, end) and returns where the unfinished
   * rest starts (to be added again with the next bytes, or by {@link addLastLine}).
   */
  addChunk(bytes: Uint8Array, start = 0, end = bytes.length): number {
    return this.#reader.addChunk(bytes, start, end);
  }

  /** Adds the last line of a file when it has no newline (it is parsed fully). */
  addLastLine(bytes: Uint8Array, start = 0, end = bytes.length): void {
    this.#reader.addLine(bytes, start, end, false);
  }

  /** Adds a range read by a {@link K6RangeScanner}; ranges must come in file order. */
  addScanned(range: K6ScannedRange): void {
    this.#reader.addCounts(range.lines, range.pointsByMetric, range.badLines, range.badLineCount);
    const { metrics, times, values, endpointIndexes, endpoints } = range;
    for (let i = 0; i < range.count; i++)
      this.#addPoint(metrics[i]!, times[i]!, values[i]!, endpoints[endpointIndexes[i]!]!);
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

  #addPoint(metric: number, timeMs: number, value: number, endpoint: string): void {
    if (timeMs < this.#firstMs) this.#firstMs = timeMs;
    if (timeMs > this.#lastMs) this.#lastMs = timeMs;
    const b = this.#bucket(endpoint, Math.floor(timeMs / 1000));
    if (metric === DURATION) {
      const v = Math.max(0, value);
      (b.histogram ??= new LatencyHistogram({ significantDigits: this.#digits })).record(v);
      this.#runHistogram.record(v);
      if (this.#raw !== null) {
        if (this.#raw.length < this.#maxRaw) this.#raw.push(value);
        else this.#raw = null;
      }
    } else if (metric === REQS) {
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
  /**
   * The series and the summary of everything added so far.
   * @throws TraceError when the points span more than MAX_TRACE_STEPS seconds.
   */
  finish(): K6Ingested {
    const allSeconds = new Set<number>();
    for (const m of this.#buckets.values()) for (const s of m.keys()) allSeconds.add(s);
    let first = Infinity;
    let last = -Infinity;
    for (const s of allSeconds) {
      if (s < first) first = s;
      if (s > last) last = s;
    }
    if (allSeconds.size === 0) [first, last] = [0, -1];
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
      lines: this.#reader.lines,
      pointsByMetric: Object.fromEntries(
        [...this.#reader.pointsByMetric()].sort(([a], [b]) => a.localeCompare(b)),
      ),
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
      badLines: [...this.#reader.badLines],
      badLineCount: this.#reader.badLineCount,
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
