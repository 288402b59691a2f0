/**
 * One line of a per-request access log, read into a typed record (reference/aws-ecs-scaling.md
 * §4.2), and the per-step latency quantile the importer keeps:
 *
 *   ALB line ──parseAlbLogLine──▶ AlbLogRecord   (every layout: 2016 … conn_trace_id and later)
 *   combined line ──parseCombinedLogLine──▶ CombinedLogRecord   (nginx, Apache, vhost_combined, FireLens JSON)
 *   latencies ──QuantileSketch──▶ p95 per step, in bounded memory
 *
 * Pure: a string in, a `Result` out. Nothing here throws on bad input; the reason comes back
 * as `{ ok: false, error }` in one short phrase, for the importer to report with the file and
 * line number.
 */
import type { Result } from "../sim/vocab/index.js";
import { parseIsoTime, wholeMs } from "./trace.js";
import { k6Percentile } from "./stats/k6-percentile.js";
import { IMPORT_DEFAULTS } from "../sim/vocab/defaults.js";

// ---------------------------------------------------------------------------------------------
// Fields

/**
 * Splits a log line into its space-separated fields. A field that opens with `"` runs to the
 * next unescaped `"` and may hold spaces (`\"` and `\\` inside are unescaped); `""` is an empty
 * field. Runs of spaces count as one separator.
 *
 * Cost: one pass over the line.
 * @example splitLogFields('a "b c" -') // { ok: true, value: ["a", "b c", "-"] }
 */
export function splitLogFields(line: string): Result<string[]> {
  const fields: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === SPACE || c === TAB) {
      i++;
      continue;
    }
    if (c === QUOTE) {
      let j = i + 1;
      let escaped = false;
      while (j < n) {
        const d = line.charCodeAt(j);
        if (d === BACKSLASH) {
          escaped = true;
          j += 2;
          continue;
        }
        if (d === QUOTE) break;
        j++;
      }
      if (j >= n) return { ok: false, error: `quote opened at column ${i + 1} is not closed` };
      const raw = line.slice(i + 1, j);
      fields.push(escaped ? raw.replace(/\\(.)/g, "$1") : raw);
      i = j + 1;
      const next = line.charCodeAt(i);
      if (i < n && next !== SPACE && next !== TAB)
        return { ok: false, error: `no space after the quoted field ending at column ${i}` };
      continue;
    }
    let j = i + 1;
    while (j < n) {
      const d = line.charCodeAt(j);
      if (d === SPACE || d === TAB) break;
      j++;
    }
    fields.push(line.slice(i, j));
    i = j;
  }
  return { ok: true, value: fields };
}

const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const BACKSLASH = 92;

/** An HTTP request line (`GET https://host:443/path HTTP/1.1`) in its parts; null for `-`. */
export interface RequestLine {
  readonly method: string | null;
  /** The URL; may hold spaces (ALB logs a scanner's URL as sent). */
  readonly url: string | null;
  readonly protocol: string | null;
}

/**
 * The parts of a request line. The method is the first word, the protocol the last when it
 * reads `HTTP/…`, and the URL whatever lies between. `-` parts are null (an ALB logs
 * `- http://host:80- -` for a request it could not read).
 */
export function parseRequestLine(text: string): RequestLine {
  const first = text.indexOf(" ");
  if (first < 0) return { method: dash(text), url: null, protocol: null };
  const method = dash(text.slice(0, first));
  const rest = text.slice(first + 1);
  const last = rest.lastIndexOf(" ");
  const tail = last < 0 ? "" : rest.slice(last + 1);
  if (last >= 0 && (/^HTTP\//i.test(tail) || tail === "-" || tail === "")) {
    return { method, url: dash(rest.slice(0, last)), protocol: dash(tail) };
  }
  return { method, url: dash(rest), protocol: null };
}

/** `-` and "" are "no value". */
function dash(text: string): string | null {
  return text === "-" || text === "" ? null : text;
}

// ---------------------------------------------------------------------------------------------
// ALB access log

/**
 * One ALB access log entry, fields in AWS's order and words (reference/aws-ecs-scaling.md
 * §4.2). Times are epoch ms; processing times are seconds, null where the ALB wrote `-1`
 * (the request was not dispatched, or the connection closed first). Fields a line's layout
 * does not have yet are null.
 */
export interface AlbLogRecord {
  /** http, https, h2, grpcs, ws, wss. */
  readonly type: string;
  /** When the ALB generated the response (the `time` field). */
  readonly timeMs: number;
  /** When the ALB received the request: `request_creation_time`, else {@link timeMs} minus the processing times. */
  readonly arrivalMs: number;
  /** `app/<name>/<id>`. */
  readonly elb: string;
  readonly client: string;
  /** `ip:port`; null when the request was not sent to a target (`-`), also for Lambda targets. */
  readonly target: string | null;
  readonly requestProcessingTime: number | null;
  readonly targetProcessingTime: number | null;
  readonly responseProcessingTime: number | null;
  readonly elbStatusCode: number | null;
  readonly targetStatusCode: number | null;
  readonly receivedBytes: number | null;
  readonly sentBytes: number | null;
  readonly request: RequestLine;
  readonly userAgent: string | null;
  readonly sslCipher: string | null;
  readonly sslProtocol: string | null;
  readonly targetGroupArn: string | null;
  readonly traceId: string | null;
  readonly domainName: string | null;
  readonly chosenCertArn: string | null;
  /** 0 for the default rule, −1 on error; null when absent. */
  readonly matchedRulePriority: number | null;
  readonly requestCreationTimeMs: number | null;
  readonly actionsExecuted: readonly string[];
  readonly redirectUrl: string | null;
  readonly errorReason: string | null;
  readonly targetPortList: string | null;
  readonly targetStatusCodeList: string | null;
  /** Desync mitigation: Compliant, Acceptable, Ambiguous, Severe. */
  readonly classification: string | null;
  readonly classificationReason: string | null;
  /** `TID_…`, the connection's id (layouts from 2024). */
  readonly connTraceId: string | null;
  /** How many fields the line had (13 … 30 and more: later fields are kept out, not refused). */
  readonly fieldCount: number;
}

/**
 * An ALB log's `elb` field as AWS writes it: `app/NAME/ID` (reference/aws-ecs-scaling.md §4.2),
 * NAME by the rule of the Elastic Load Balancing API (CreateLoadBalancer `Name`: "can have a
 * maximum of 32 characters, must contain only alphanumeric characters or hyphens, must not
 * begin or end with a hyphen",
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html),
 * ID letters and digits (AWS writes 16 hex digits; up to 64 are taken). A line with any other
 * `elb` is a bad line: the importer names each load balancer's bundle `OUT-NAME` after it, so
 * a crafted line (`app/../../x/ID`, a NAME with `/`, `\`, NUL or 1,000 characters) must not
 * name a file.
 */
const ALB_RESOURCE_ID = /^app\/[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?\/[A-Za-z0-9]{1,64}$/;

/**
 * Whether `elb` is a load balancer as an ALB access log names it ({@link ALB_RESOURCE_ID}).
 * @example isAlbResourceId("app/my-loadbalancer/50dc6c495c0c9188") // true
 * @example isAlbResourceId("app/../../x/50dc")                     // false
 */
export function isAlbResourceId(elb: string): boolean {
  return ALB_RESOURCE_ID.test(elb);
}

/** Fields a line needs: `type` through `"request"`. Older layouts end at 18, 20, 23, 25, 27, 29. */
export const ALB_MIN_FIELDS = 13;

/** Whether the request reached a target (a task, an IP or a Lambda function). */
export function reachedTarget(record: AlbLogRecord): boolean {
  return record.target !== null || record.targetProcessingTime !== null;
}

/**
 * Reads one ALB access log line. Accepts every layout AWS has shipped, from the first
 * (ending at `trace_id`) to the newest (`classification`, `classification_reason`,
 * `conn_trace_id`, then fields this parser does not know, which are ignored); quoted fields
 * with spaces inside; `-` and `-1` as "no value".
 *
 * Cost: one pass over the line plus two ISO time parses.
 * @example parseAlbLogLine('http 2018-07-02T22:23:00.186641Z app/lb/50dc 1.2.3.4:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://x:80/ HTTP/1.1" …')
 *   // { ok: true, value: { type: "http", elbStatusCode: 200, targetProcessingTime: 0.001, … } }
 */
export function parseAlbLogLine(line: string): Result<AlbLogRecord> {
  const split = splitLogFields(line);
  if (!split.ok) return split;
  const f = split.value;
  if (f.length < ALB_MIN_FIELDS) {
    return {
      ok: false,
      error: `has ${f.length} fields, fewer than the ${ALB_MIN_FIELDS} an ALB log line starts with`,
    };
  }
  const at = (i: number): string | null => (i < f.length ? dash(f[i]!) : null);
  const type = f[0]!;
  if (!/^[a-z][a-z0-9]*$/.test(type))
    return { ok: false, error: `"${cut(type)}" is not a request type` };
  const timeMs = parseIsoTime(f[1]!);
  if (timeMs === null) return { ok: false, error: `"${cut(f[1]!)}" is not an ISO 8601 time` };
  if (!isAlbResourceId(f[2]!))
    return {
      ok: false,
      error: `"${cut(f[2]!)}" is not a load balancer (app/NAME/ID, NAME 1 to 32 letters, digits or hyphens, not starting or ending with a hyphen)`,
    };

  const times: (number | null)[] = [];
  for (const i of [5, 6, 7]) {
    const t = seconds(f[i]!);
    if (t === undefined) return { ok: false, error: `"${cut(f[i]!)}" is not a processing time` };
    times.push(t);
  }
  const ints: (number | null)[] = [];
  for (const i of [8, 9, 10, 11]) {
    const v = integer(f[i]!);
    if (v === undefined)
      return { ok: false, error: `"${cut(f[i]!)}" is not a status code or byte count` };
    ints.push(v);
  }
  const [requestProcessingTime = null, targetProcessingTime = null, responseProcessingTime = null] =
    times;
  const [elbStatusCode = null, targetStatusCode = null, receivedBytes = null, sentBytes = null] =
    ints;

  const creation = at(21);
  let requestCreationTimeMs: number | null = null;
  if (creation !== null) {
    requestCreationTimeMs = parseIsoTime(creation);
    if (requestCreationTimeMs === null)
      return {
        ok: false,
        error: `request_creation_time "${cut(creation)}" is not an ISO 8601 time`,
      };
  }
  const processingMs =
    ((requestProcessingTime ?? 0) + (targetProcessingTime ?? 0) + (responseProcessingTime ?? 0)) *
    1000;
  const priority = at(20);
  const actions = at(22);
  return {
    ok: true,
    value: {
      type,
      timeMs,
      arrivalMs: requestCreationTimeMs ?? Math.floor(timeMs - processingMs),
      elb: f[2]!,
      client: f[3]!,
      target: at(4),
      requestProcessingTime,
      targetProcessingTime,
      responseProcessingTime,
      elbStatusCode,
      targetStatusCode,
      receivedBytes,
      sentBytes,
      request: parseRequestLine(f[12]!),
      userAgent: at(13),
      sslCipher: at(14),
      sslProtocol: at(15),
      targetGroupArn: at(16),
      traceId: at(17),
      domainName: at(18),
      chosenCertArn: at(19),
      matchedRulePriority: priority === null ? null : (integerOrMinusOne(priority) ?? null),
      requestCreationTimeMs,
      actionsExecuted: actions === null ? [] : actions.split(","),
      redirectUrl: at(23),
      errorReason: at(24),
      targetPortList: at(25),
      targetStatusCodeList: at(26),
      classification: at(27),
      classificationReason: at(28),
      connTraceId: at(29),
      fieldCount: f.length,
    },
  };
}

/**
 * What the importer needs of an ALB line (see {@link readAlbRequestBytes}): the same values
 * {@link parseAlbLogLine} gives, under the same names.
 */
export interface AlbRequest {
  readonly arrivalMs: number;
  readonly elb: string;
  /** Whether the request reached a target ({@link reachedTarget}). */
  readonly reachedTarget: boolean;
  readonly targetProcessingTime: number | null;
  readonly elbStatusCode: number | null;
  readonly targetStatusCode: number | null;
}

/** Field starts and ends of the line being read (one reader at a time: JS is single-threaded). */
const starts = new Int32Array(64);
const ends = new Int32Array(64);
/** Fields that held a backslash escape (their text would need unescaping). */
const escapedFields = new Uint8Array(64);

/** What {@link readAlbRequestBytes} returns: one object, overwritten by each call. */
const slot: {
  -readonly [K in keyof AlbRequest]: AlbRequest[K];
} = {
  arrivalMs: 0,
  elb: "",
  reachedTarget: false,
  targetProcessingTime: null,
  elbStatusCode: null,
  targetStatusCode: null,
};

/**
 * The fast path of {@link parseAlbLogLine} for the importer, on the line's UTF-8 bytes
 * (`bytes[start, end)`, without its newline): one pass over the bytes that notes where each
 * field starts and ends, then reads only the fields a trace needs as numbers, straight from
 * the bytes. No string is made but the `elb` field, and that only when it differs from the
 * previous line's (most logs hold one load balancer).
 *
 * Returns null whenever the line is not plainly valid (a bad field, a tab, more than 64
 * fields, a number with many digits, a byte outside ASCII in a field it reads): the caller
 * then decodes the line and asks {@link parseAlbLogLine}, which says why or reads it. When it
 * returns a value, parseAlbLogLine of the decoded line returns the same values (property tests
 * in test/analysis/access-log.test.ts hold the two together). Bytes outside ASCII never look
 * like a space, a quote or a backslash in UTF-8 (every byte of a multi-byte sequence is
 * ≥ 0x80), so the fields are where the decoded line has them.
 *
 * The object returned is reused: the next call overwrites it.
 *
 * Cost: one pass over the bytes, two time parses (one in a new minute), no allocation.
 */
export function readAlbRequestBytes(
  bytes: Uint8Array,
  start: number,
  end: number,
): AlbRequest | null {
  forgetAlbMinutes();
  let count = 0;
  let escapes = 0;
  let i = start;
  while (i < end) {
    let c = bytes[i]!;
    if (c === SPACE) {
      i++;
      continue;
    }
    // Tabs are rare in ALB logs: the general parser takes those lines.
    if (c === TAB || count === 64) return null;
    if (c === QUOTE) {
      let j = i + 1;
      let escaped = 0;
      for (;;) {
        if (j >= end) return null;
        c = bytes[j]!;
        if (c === QUOTE) break;
        if (c === BACKSLASH) {
          escaped = 1;
          j += 2;
          continue;
        }
        if (c === TAB) return null;
        j++;
      }
      escapes |= escaped;
      escapedFields[count] = escaped;
      starts[count] = i + 1;
      ends[count++] = j;
      i = j + 1;
      if (i < end && bytes[i] !== SPACE) return null;
      continue;
    }
    let j = i + 1;
    while (j < end) {
      c = bytes[j]!;
      if (c === SPACE) break;
      if (c === TAB) return null;
      j++;
    }
    escapedFields[count] = 0;
    starts[count] = i;
    ends[count++] = j;
    i = j;
  }
  if (escapes) for (const k of READ_FIELDS) if (k < count && escapedFields[k] === 1) return null;
  return readScannedFields(bytes, count);
}

/**
 * Epoch ms, in a typed array (a double kept in a module's `let` is a new heap number at each
 * store: garbage per line). MINUTE_1, MINUTE_21: the minute of fields 1 and 21 of the line
 * readAlbRequestScanned read last, when it read that field fully and the field is
 * `YYYY-MM-DDTHH:MM:SS[.f…]Z` in the minute fieldTime keeps; else NaN. USABLE_1, USABLE_21, for
 * the line being read: the minute of the line before when the scan says the field shares it,
 * else NaN.
 */
const minutes = new Float64Array([NaN, NaN, NaN, NaN]);
const MINUTE_1 = 0;
const MINUTE_21 = 1;
const USABLE_1 = 2;
const USABLE_21 = 3;
/** For the line being read: the scan's milliseconds past that minute (-1: none). */
let offset1 = -1;
let offset21 = -1;

/**
 * Says that the next line readAlbRequestScanned reads does not follow a line it read (the
 * caller read one otherwise): it then reads that line's times itself.
 */
export function forgetAlbMinutes(): void {
  minutes.fill(NaN);
}

/**
 * {@link readAlbRequestBytes} of a line whose fields another scan found (the WebAssembly scan
 * of the importer, analysis/io/import/alb-scan.wat, which splits lines as the loop above does
 * and gives up where it gives up, escapes in the fields read included): `count` fields, the
 * starts of fields 0..21 at `table[at …]` and their ends at `table[at + 22 …]`; at
 * `table[at + 44]` and `[at + 45]`, for the times (fields 1 and 21), their milliseconds past
 * the minute of the same field of the line read just before, when the scan saw that both share
 * that minute and both have the shape fieldTime reads without parsing (else -1). The time is
 * then that minute plus those milliseconds, what fieldTime's fast path computes, without
 * reading the field in JavaScript. The line before must have been read by this function (any
 * other read, readAlbRequestBytes, forgets the minutes).
 */
export function readAlbRequestScanned(
  bytes: Uint8Array,
  count: number,
  table: Int32Array,
  at: number,
): AlbRequest | null {
  offset1 = table[at + 44]!;
  offset21 = table[at + 45]!;
  minutes[USABLE_1] = offset1 >= 0 ? minutes[MINUTE_1]! : NaN;
  minutes[USABLE_21] = offset21 >= 0 ? minutes[MINUTE_21]! : NaN;
  minutes[MINUTE_1] = NaN;
  minutes[MINUTE_21] = NaN;
  // Only the fields read: 0..11 (3 is not, but one loop is cheaper) and 21.
  const n = count < 12 ? count : 12;
  for (let k = 0; k < n; k++) {
    starts[k] = table[at + k]!;
    ends[k] = table[at + 22 + k]!;
  }
  if (count > 21) {
    starts[21] = table[at + 21]!;
    ends[21] = table[at + 43]!;
  }
  return readScannedFields(bytes, count);
}

/** The values of a line whose `count` fields are in `starts` and `ends` (none escaped that is read). */
function readScannedFields(bytes: Uint8Array, count: number): AlbRequest | null {
  if (count < ALB_MIN_FIELDS) return null;
  // type: [a-z][a-z0-9]*
  if (ends[0]! === starts[0]!) return null;
  for (let k = starts[0]!; k < ends[0]!; k++) {
    const c = bytes[k]!;
    const lower = c >= 97 && c <= 122;
    if (!(lower || (k > starts[0]! && c >= 48 && c <= 57))) return null;
  }
  let timeMs: number | null;
  const usable1 = minutes[USABLE_1]!;
  if (usable1 === usable1) {
    timeMs = usable1 + offset1;
    minutes[MINUTE_1] = usable1;
  } else {
    timeMs = fieldTime(bytes, 1);
    if (timeMs === null) return null;
    minutes[MINUTE_1] = keptMinuteOf(bytes, 1);
  }
  const request = fieldSeconds(bytes, 5);
  const target = fieldSeconds(bytes, 6);
  const response = fieldSeconds(bytes, 7);
  if (request === undefined || target === undefined || response === undefined) return null;
  const elbStatusCode = fieldInteger(bytes, 8);
  const targetStatusCode = fieldInteger(bytes, 9);
  if (elbStatusCode === undefined || targetStatusCode === undefined) return null;
  if (fieldInteger(bytes, 10) === undefined || fieldInteger(bytes, 11) === undefined) return null;
  let arrivalMs: number;
  if (count > 21 && !isDash(bytes, 21)) {
    const usable21 = minutes[USABLE_21]!;
    if (usable21 === usable21) {
      arrivalMs = usable21 + offset21;
      minutes[MINUTE_21] = usable21;
    } else {
      const creation = fieldTime(bytes, 21);
      if (creation === null) return null;
      arrivalMs = creation;
      minutes[MINUTE_21] = keptMinuteOf(bytes, 21);
    }
  } else {
    arrivalMs = Math.floor(timeMs - ((request ?? 0) + (target ?? 0) + (response ?? 0)) * 1000);
  }
  const elb = fieldElb(bytes);
  if (elb === null) return null;
  slot.arrivalMs = arrivalMs;
  slot.elb = elb;
  slot.reachedTarget = !isDash(bytes, 4) || target !== null;
  slot.targetProcessingTime = target;
  slot.elbStatusCode = elbStatusCode;
  slot.targetStatusCode = targetStatusCode;
  return slot;
}

/** The last `elb` field read, as bytes and as text (a log holds one load balancer, or a few). */
const lastElbBytes = new Uint8Array(256);
let lastElbLength = -1;
let lastElb = "";

/**
 * The `elb` field (2) as text; null when it holds a byte outside ASCII (the decoded line
 * decides) or is not a load balancer ({@link isAlbResourceId}: then parseAlbLogLine says so).
 */
function fieldElb(bytes: Uint8Array): string | null {
  const from = starts[2]!;
  const n = ends[2]! - from;
  if (n === lastElbLength) {
    let same = true;
    for (let p = n - 1; p >= 0; p--)
      if (bytes[from + p] !== lastElbBytes[p]) {
        same = false;
        break;
      }
    if (same) return lastElb;
  }
  const text = asciiText(bytes, from, from + n);
  if (text === null || !isAlbResourceId(text)) return null;
  if (n > lastElbBytes.length) return text;
  lastElbBytes.set(bytes.subarray(from, from + n));
  lastElbLength = n;
  lastElb = text;
  return text;
}

/** bytes[from, to) as text when every byte is ASCII (then UTF-8 decoding gives the same); else null. */
function asciiText(bytes: Uint8Array, from: number, to: number): string | null {
  let text = "";
  for (let p = from; p < to; p++) {
    const c = bytes[p]!;
    if (c >= 0x80) return null;
    text += String.fromCharCode(c);
  }
  return text;
}

/** The minute (`YYYY-MM-DDTHH:MM`) of the last canonical time {@link fieldTime} parsed fully, as bytes. */
const cachedMinute = new Uint8Array(16);
let cachedMinuteSet = false;
/** Its epoch ms (Date.UTC of the minute, 0 seconds). */
let cachedMinuteMs = 0;

/** Whether bytes[from, from + 16) is the cached minute (compared from its end: minutes change first). */
function sameMinute(bytes: Uint8Array, from: number): boolean {
  if (!cachedMinuteSet) return false;
  for (let i = 15; i >= 0; i--) if (bytes[from + i] !== cachedMinute[i]) return false;
  return true;
}

/**
 * parseIsoTime of field k without a string when it is `YYYY-MM-DDTHH:MM:SS[.f…]Z` in the
 * minute of the last time parsed fully (an ALB log's times come in order: most lines share
 * the previous line's minute): the minute's epoch ms plus the seconds and the whole
 * milliseconds of the fraction, which is what parseIsoTime's canonical path computes
 * (Date.UTC adds seconds and milliseconds linearly; seconds 00–60 and 1–9 fraction digits,
 * truncated, as it checks). Any other shape goes to parseIsoTime (a field with a byte outside
 * ASCII reads as null: the decoded line decides), and a canonical time whose minute is valid
 * (not hour 24) becomes the cached minute.
 */
function fieldTime(bytes: Uint8Array, k: number): number | null {
  const from = starts[k]!;
  const to = ends[k]!;
  const n = to - from;
  if (
    (n === 20 || (n >= 22 && n <= 30)) &&
    bytes[to - 1] === 90 /* Z */ &&
    bytes[from + 16] === 58 /* : */ &&
    sameMinute(bytes, from)
  ) {
    const s1 = bytes[from + 17]! - 48;
    const s2 = bytes[from + 18]! - 48;
    const second = s1 * 10 + s2;
    let ok = s1 >= 0 && s1 <= 9 && s2 >= 0 && s2 <= 9 && second <= 60;
    let ms = 0;
    if (ok && n > 20) {
      ok = bytes[from + 19] === 46; /* . */
      // The first three digits are the milliseconds (fewer are padded: .5 is 500 ms); the
      // rest must be digits and are dropped.
      for (let p = from + 20, digit = 0; ok && p < to - 1; p++, digit++) {
        const d = bytes[p]! - 48;
        ok = d >= 0 && d <= 9;
        if (digit < 3) ms = ms * 10 + d;
      }
      for (let digits = to - 1 - (from + 20); digits < 3; digits++) ms *= 10;
    }
    if (ok) return cachedMinuteMs + second * 1000 + ms;
  }
  if (n > 64) return null;
  const text = asciiText(bytes, from, to);
  if (text === null) return null;
  const ms = parseIsoTime(text);
  if (ms !== null && n >= 20 && text.charCodeAt(n - 1) === 90 && text.charCodeAt(10) === 84) {
    const minute = text.slice(0, 16);
    const minuteMs = minute.startsWith("24", 11) ? null : parseIsoTime(`${minute}:00Z`);
    if (minuteMs !== null) {
      cachedMinute.set(bytes.subarray(from, from + 16));
      cachedMinuteSet = true;
      cachedMinuteMs = minuteMs;
    }
  }
  return ms;
}

/**
 * After fieldTime read field k: the epoch ms of its minute when that is the minute fieldTime
 * keeps (then the field is a canonical time in it), else NaN.
 */
function keptMinuteOf(bytes: Uint8Array, k: number): number {
  return ends[k]! - starts[k]! >= 20 && sameMinute(bytes, starts[k]!) ? cachedMinuteMs : NaN;
}

/** The fields readAlbRequestBytes reads: type, time, elb, target, times, codes, bytes, creation. */
const READ_FIELDS = [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 21] as const;

/** Whether field k is `-` or empty (parseAlbLogLine's "no value" for a text field). */
function isDash(bytes: Uint8Array, k: number): boolean {
  const from = starts[k]!;
  const to = ends[k]!;
  return to === from || (to === from + 1 && bytes[from] === 45);
}

/** Whether field k is exactly `-` (a number field's "no value"; an empty one is not a number). */
function isHyphen(bytes: Uint8Array, k: number): boolean {
  return ends[k]! === starts[k]! + 1 && bytes[starts[k]!] === 45;
}

/** {@link seconds} of field k from its bytes: `d+` or `d+.d+`, read exactly as Number() does. */
function fieldSeconds(bytes: Uint8Array, k: number): number | null | undefined {
  const from = starts[k]!;
  const to = ends[k]!;
  if (isHyphen(bytes, k)) return null;
  if (to === from) return undefined;
  if (to === from + 2 && bytes[from] === 45 && bytes[from + 1] === 49) return null; // -1
  // An integer and a power of ten, both exact doubles, divided once: the correctly rounded
  // quotient, which is what Number("d.ddd") gives.
  if (to - from > 15) return undefined;
  let v = 0;
  let scale = 1;
  let dot = -1;
  for (let p = from; p < to; p++) {
    const c = bytes[p]!;
    if (c === 46 && dot < 0 && p > from && p < to - 1) {
      dot = p;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
    if (dot >= 0) scale *= 10;
  }
  return v / scale;
}

/** {@link integer} of field k: `-` is null, `d+` a number, anything else undefined. */
function fieldInteger(bytes: Uint8Array, k: number): number | null | undefined {
  const from = starts[k]!;
  const to = ends[k]!;
  if (isHyphen(bytes, k)) return null;
  if (to === from || to - from > 15) return undefined;
  let v = 0;
  for (let p = from; p < to; p++) {
    const d = bytes[p]! - 48;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return v;
}

const DECIMAL = /^\d+(?:\.\d+)?$/;

/** Seconds; null for `-1` or `-`; undefined when not a number. */
function seconds(text: string): number | null | undefined {
  if (text === "-1" || text === "-") return null;
  return DECIMAL.test(text) ? Number(text) : undefined;
}

/** A whole number; null for `-`; undefined when not one. */
function integer(text: string): number | null | undefined {
  if (text === "-") return null;
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

function integerOrMinusOne(text: string): number | undefined {
  return /^-?\d+$/.test(text) ? Number(text) : undefined;
}

/** A field as quoted in an error: at most 40 characters. */
function cut(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// nginx / Apache combined (and common) format

/** One line of the NCSA combined (or common) log format, as nginx and Apache write it. */
export interface CombinedLogRecord {
  /** Apache `vhost_combined` only: the canonical ServerName (`%v`); null otherwise. */
  readonly virtualHost: string | null;
  /** Apache `vhost_combined` only: the server's canonical port (`%p`); null otherwise. */
  readonly port: number | null;
  readonly remoteAddr: string;
  readonly remoteUser: string | null;
  /** `$time_local`, epoch ms. */
  readonly timeMs: number;
  readonly request: RequestLine;
  readonly status: number | null;
  readonly bodyBytesSent: number | null;
  /** Null in the common format and for `-`. */
  readonly referer: string | null;
  readonly userAgent: string | null;
}

const Q = String.raw`"((?:[^"\\]|\\.)*)"`;
/**
 * `addr ident user [time] "request" status bytes` then, in the combined format,
 * `"referer" "user agent"` and anything an extended format appends after them.
 */
const COMBINED_TAIL = String.raw`(\S+) (\S+) (\S+) \[([^\]]+)\] ${Q} (\d{3}|-) (\d+|-)(?:| ${Q} ${Q}(?:\s.*)?)\s*$`;
const COMBINED = new RegExp(`^${COMBINED_TAIL}`);
/**
 * Apache's `vhost_combined`, Debian's default for `other_vhosts_access.log`
 * (`/etc/apache2/apache2.conf`: `LogFormat "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\"
 * \"%{User-Agent}i\"" vhost_combined`; https://httpd.apache.org/docs/2.4/mod/mod_log_config.html):
 * the combined format after `ServerName:port`. A combined line never reads as one: it has one
 * field fewer before the `[time]`.
 */
const VHOST_COMBINED = new RegExp(String.raw`^(\S+):(\d{1,5}) ${COMBINED_TAIL}`);

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

/**
 * Epoch ms of a `$time_local` / Apache `%t` time, `17/May/2015:10:05:03 +0000`; null when the
 * text is not one.
 */
export function parseClfTime(text: string): number | null {
  const m =
    /^(\d{1,2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? ([+-])(\d{2}):?(\d{2})$/.exec(
      text,
    );
  if (m === null) return null;
  const [, d, mon, y, h, mi, s, frac = "", sign, zh, zm] = m;
  const month = MONTHS[mon!];
  if (month === undefined) return null;
  const day = Number(d);
  if (day < 1 || day > new Date(Date.UTC(Number(y), month + 1, 0)).getUTCDate()) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return null;
  const utc = Date.UTC(Number(y), month, day, Number(h), Number(mi), Number(s), wholeMs(frac));
  const offset = (sign === "-" ? -1 : 1) * (Number(zh) * 60 + Number(zm));
  return utc - offset * 60_000;
}

/**
 * Reads one nginx or Apache access log line in the combined format (`log_format combined`,
 * Apache `%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\"`), Apache's
 * `vhost_combined` (the same after `%v:%p`) or the common format (without referer and user
 * agent). A FireLens record (`{"log":"<line>", "container_id":…}`,
 * as Fluent Bit writes it to S3 or CloudWatch) is unwrapped first.
 *
 * @example parseCombinedLogLine('1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8"')
 *   // { ok: true, value: { status: 200, timeMs: 1431857103000, … } }
 */
export function parseCombinedLogLine(line: string): Result<CombinedLogRecord> {
  let text = line;
  if (text.startsWith("{")) {
    const inner = fireLensLog(text);
    if (inner === null) return { ok: false, error: 'is JSON without a string "log" field' };
    text = inner;
  }
  const combined = COMBINED.exec(text);
  const vhost = combined === null ? VHOST_COMBINED.exec(text) : null;
  if (combined === null && vhost === null) {
    return {
      ok: false,
      error: unclosedQuote(text)
        ? "has a quoted field that is not closed"
        : "is not in the combined, vhost_combined or common log format",
    };
  }
  const [, virtualHost = null, port = null] = vhost ?? [];
  const [, addr, , user, time, request, status, bytes, referer, agent] =
    combined ?? vhost!.slice(2);
  const timeMs = parseClfTime(time!);
  if (timeMs === null) return { ok: false, error: `[${cut(time!)}] is not a log time` };
  return {
    ok: true,
    value: {
      virtualHost,
      port: port === null ? null : Number(port),
      remoteAddr: addr!,
      remoteUser: dash(user!),
      timeMs,
      request: parseRequestLine(unescape(request!)),
      status: status === "-" ? null : Number(status),
      bodyBytesSent: bytes === "-" ? null : Number(bytes),
      referer: referer === undefined ? null : dash(unescape(referer)),
      userAgent: agent === undefined ? null : dash(unescape(agent)),
    },
  };
}

function fireLensLog(text: string): string | null {
  try {
    const record = JSON.parse(text) as unknown;
    if (typeof record !== "object" || record === null) return null;
    const log = (record as { log?: unknown }).log;
    return typeof log === "string" ? log.replace(/\r?\n$/, "") : null;
  } catch {
    return null;
  }
}

function unescape(text: string): string {
  return text.includes("\\") ? text.replace(/\\(.)/g, "$1") : text;
}

function unclosedQuote(text: string): boolean {
  const split = splitLogFields(text);
  return !split.ok && split.error.includes("not closed");
}

// ---------------------------------------------------------------------------------------------
// Quantiles in bounded memory

/** A {@link QuantileSketch}'s state: plain data, so it crosses to another thread. */
export interface SketchCounts {
  readonly relativeAccuracy: number;
  /** Values equal to 0. */
  readonly zeros: number;
  /** Values added. */
  readonly n: number;
  /** Count per logarithmic bucket index. */
  readonly buckets: ReadonlyMap<number, number>;
  /** The smallest and the largest value added, exactly (Infinity and −Infinity when none). */
  readonly min: number;
  readonly max: number;
  /** The values themselves, in no particular order, while there are at most `exactValues`; null past that. */
  readonly values: readonly number[] | null;
}

/**
 * A quantile sketch whose quantile is k6's percentile (linear interpolation between the two
 * closest ranks, {@link k6Percentile}), exactly while it holds few values and within a relative
 * accuracy α past that.
 *
 * Method: up to `exactValues` values are kept as they are, and a quantile is
 * k6Percentile of them. Beside them, the DDSketch method (Masson, Rim and Lee, VLDB 2019):
 * positive values go to logarithmic buckets `ceil(log_γ x)` with γ = (1 + α)/(1 − α), zeros to
 * their own bucket, and the exact minimum and maximum are kept. Past `exactValues` values, the
 * order statistics at the ranks ⌊q·(n − 1)⌋ and ⌈q·(n − 1)⌉ are read off the bucket counts
 * (rank 0 is the minimum, rank n − 1 the maximum, both exact; the others each within a factor
 * (1 ± α) of the true one) and interpolated as k6 does, so the quantile is within a factor
 * (1 ± α) of k6's: |quantile(q) − k6Percentile(sorted, q)| ≤ α · k6Percentile(sorted, q).
 *
 * Cost: O(1) per value; memory one counter per occupied bucket, about
 * ln(max/min)/(2α) buckets at most (≈ 600 for 1 ms … 60 s at α = 1 %), whatever n is, plus at
 * most `exactValues` numbers.
 * @example const s = new QuantileSketch(); [1, 48, 2, 3, 1].forEach((x) => s.add(x)); s.quantile(0.95) // ≈ 39 (k6's p(95); 3 from the order statistic below)
 */
export class QuantileSketch {
  private readonly logGamma: number;
  private readonly buckets = new Map<number, number>();
  private zeros = 0;
  private n = 0;
  private min = Infinity;
  private max = -Infinity;
  private values: number[] | null = [];

  /**
   * @param relativeAccuracy α, the relative error bound past `exactValues` values. @default 0.01
   * @param exactValues values kept as they are. @default IMPORT_DEFAULTS.latencyExactValues (128)
   */
  constructor(
    readonly relativeAccuracy = 0.01,
    readonly exactValues: number = IMPORT_DEFAULTS.latencyExactValues,
  ) {
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1))
      throw new RangeError("`QuantileSketch` requires a relative accuracy between 0 and 1");
    this.logGamma = Math.log((1 + relativeAccuracy) / (1 - relativeAccuracy));
  }

  /** How many values were added. */
  get count(): number {
    return this.n;
  }

  /** Adds a value ≥ 0 (latencies); negative and non-finite values are ignored. */
  add(value: number): void {
    if (!(value >= 0) || !Number.isFinite(value)) return;
    this.n++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.values !== null) {
      if (this.n <= this.exactValues) this.values.push(value);
      else this.values = null;
    }
    if (value === 0) {
      this.zeros++;
      return;
    }
    const k = Math.ceil(Math.log(value) / this.logGamma);
    this.buckets.set(k, (this.buckets.get(k) ?? 0) + 1);
  }

  /** The sketch's counts (to send to another thread: {@link addCounts} takes them). */
  counts(): SketchCounts {
    return {
      relativeAccuracy: this.relativeAccuracy,
      zeros: this.zeros,
      n: this.n,
      buckets: this.buckets,
      min: this.min,
      max: this.max,
      values: this.values,
    };
  }

  /**
   * Adds the counts of another sketch of the same accuracy: this sketch then answers as if it
   * had been given both sets of values, in any order (counts add exactly; the values are kept
   * when both kept theirs and they number at most `exactValues` together, that is exactly when
   * one sketch given them all would have kept them).
   */
  addCounts(counts: SketchCounts): void {
    if (counts.relativeAccuracy !== this.relativeAccuracy)
      throw new RangeError(
        "`QuantileSketch.addCounts` requires counts of the same relative accuracy",
      );
    if (this.values !== null && counts.values !== null && this.n + counts.n <= this.exactValues)
      this.values.push(...counts.values);
    else this.values = null;
    this.n += counts.n;
    this.zeros += counts.zeros;
    if (counts.min < this.min) this.min = counts.min;
    if (counts.max > this.max) this.max = counts.max;
    for (const [k, c] of counts.buckets) this.buckets.set(k, (this.buckets.get(k) ?? 0) + c);
  }

  /**
   * The q-quantile (0 ≤ q ≤ 1) of the values added as k6 computes `p(100·q)`: exactly while
   * the sketch holds at most `exactValues` values, within a factor (1 ± α) past that; NaN when
   * nothing was added.
   */
  quantile(q: number): number {
    if (this.n === 0) return NaN;
    const p = Math.min(Math.max(q, 0), 1);
    if (this.values !== null)
      return k6Percentile(
        [...this.values].sort((a, b) => a - b),
        p,
      );
    const keys = [...this.buckets.keys()].sort((a, b) => a - b);
    const rank = p * (this.n - 1);
    const lower = Math.floor(rank);
    const fraction = rank - lower;
    const below = this.valueAtRank(lower, keys);
    if (fraction === 0) return below;
    return below + (this.valueAtRank(lower + 1, keys) - below) * fraction;
  }

  /** The order statistic of 0-based rank `rank`: exact at either end, else its bucket's value within [min, max]. */
  private valueAtRank(rank: number, keys: readonly number[]): number {
    if (rank <= 0) return this.min;
    if (rank >= this.n - 1) return this.max;
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    const gamma = Math.exp(this.logGamma);
    for (const k of keys) {
      seen += this.buckets.get(k)!;
      if (seen > rank) {
        const value = (2 * Math.exp(k * this.logGamma)) / (1 + gamma);
        return Math.min(this.max, Math.max(this.min, value));
      }
    }
    return this.max;
  }
}
