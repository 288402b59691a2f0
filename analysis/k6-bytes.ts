/**
 * Reading k6's JSON lines from bytes without making a string per line: the byte patterns of
 * k6's two Point frames, JSON strings, numbers and values scanned in place, a cache of the
 * strings met again and again (metric names, tag keys and values), and the one RFC 3339
 * parser of caplab's k6 paths. Pure; used by the one aggregator (analysis/k6-ingest.ts).
 */
import { K6_MATCH_WASM } from "./k6-match-wasm.js";
import { compileWasm, instantiateWasm, wasmMemory } from "./wasm.js";

export const QUOTE = 34;
export const BACKSLASH = 92;
export const COMMA = 44;
export const COLON = 58;
export const OPEN_BRACE = 123;
export const CLOSE_BRACE = 125;
export const OPEN_BRACKET = 91;
export const CLOSE_BRACKET = 93;

export const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
export const NULL = ascii("null");
export const TRUE = ascii("true");
export const FALSE = ascii("false");

/** Powers of ten that are exact doubles. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

export const utf8 = new TextDecoder();
export const utf8Encoder = new TextEncoder();

/** Whether bytes[at …] starts with the bytes of `expected`. */
export function bytesAt(bytes: Uint8Array, at: number, expected: Uint8Array): boolean {
  if (at < 0 || at + expected.length > bytes.length) return false;
  for (let k = 0; k < expected.length; k++) if (bytes[at + k] !== expected[k]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// The scanner's memory: chunks read into WebAssembly memory, compared 16 bytes a step

/** The size of a scan buffer: the read size of analysis/io/files/k6-stream.ts. */
export const SCAN_BUFFER_BYTES = 4 << 20;
/** Scan buffers in the memory (two per reader: one scanned while the next is read). */
const SCAN_BUFFERS = 4;
/** Where patterns are copied to be compared in WebAssembly (reused from the start when full). */
const ARENA_BYTES = 1 << 20;
/** Bytes after the last buffer: the comparison reads up to 15 bytes past what it compares. */
const SLACK_BYTES = 1 << 16;
/** Patterns shorter than this are compared in JavaScript (a call costs about two words). */
const WASM_MIN_PATTERN = 16;
/** Patterns longer than this are compared in JavaScript (they would crowd the arena out). */
const WASM_MAX_PATTERN = 4096;

/**
 * One WebAssembly memory per thread (made on the first {@link borrowScanBuffer}): the
 * pattern arena, then SCAN_BUFFERS buffers of SCAN_BUFFER_BYTES. It never grows (growing
 * would detach the buffers lent out). Bytes that lie in it are compared with a BytePattern's
 * copy in the arena (BytePattern.arenaAt) by analysis/k6-match.wat's `eq`, 16 bytes a step;
 * bytes anywhere else in JavaScript (BytePattern.matches), 4 bytes a step, with the same
 * answer.
 */
interface ScanMemory {
  readonly buffer: ArrayBuffer;
  readonly eq: (a: number, b: number, n: number) => number;
  readonly eq2: (a: number, p: number, pn: number, t: number, tn: number) => number;
  /** Buffers not lent out, by their byte offset. */
  readonly free: number[];
}
let scanMemory: ScanMemory | null | undefined;

/** scanMemory's buffer (null until made): the hot path's test; and all its bytes. */
let scanBuffer: ArrayBuffer | null = null;
let arenaBytes: Uint8Array | null = null;
/** The arena's generation (a pattern copied in an older one must be copied again) and top. */
let arenaGeneration = 0;
let arenaTop = 0;

/** The thread's scan memory; null when this runtime has no WebAssembly SIMD. */
function theScanMemory(): ScanMemory | null {
  if (scanMemory !== undefined) return scanMemory;
  const module = compileWasm(K6_MATCH_WASM);
  if (module === null) return (scanMemory = null);
  const pages = Math.ceil((ARENA_BYTES + SCAN_BUFFERS * SCAN_BUFFER_BYTES + SLACK_BYTES) / 65536);
  const memory = wasmMemory(pages);
  const exports = instantiateWasm(module, { k6: { memory } });
  scanMemory = {
    buffer: memory.buffer,
    eq: exports.eq as ScanMemory["eq"],
    eq2: exports.eq2 as ScanMemory["eq2"],
    free: Array.from({ length: SCAN_BUFFERS }, (_, k) => ARENA_BYTES + k * SCAN_BUFFER_BYTES),
  };
  scanBuffer = memory.buffer;
  arenaBytes = new Uint8Array(memory.buffer, 0, ARENA_BYTES);
  scanEq = scanMemory.eq;
  scanEq2 = scanMemory.eq2;
  return scanMemory;
}

/**
 * analysis/k6-match.wat's `eq(a, b, n)` and `eq2(a, p, pn, t, tn)` over the scan memory
 * (byte offsets in it): whether n bytes at a equal those at b; 2 when the bytes at a are
 * p's then t's, 1 when only p's, else 0. Usable once a buffer was borrowed.
 */
export let scanEq: ScanMemory["eq"] = () => 0;
export let scanEq2: ScanMemory["eq2"] = () => 0;

/**
 * Where bytes start in the scanner's memory, or -1 when they lie elsewhere. A scanner calls it
 * once per chunk: it also starts the pattern arena over when it is half full (a pattern's
 * place in it then holds until the next call).
 */
export function scanOffset(bytes: Uint8Array): number {
  if (bytes.buffer !== scanBuffer) return -1;
  if (arenaTop > ARENA_BYTES / 2) {
    arenaGeneration++;
    arenaTop = 0;
  }
  return bytes.byteOffset;
}

/**
 * A buffer of SCAN_BUFFER_BYTES in the scanner's memory, where lines read compare 16 bytes a
 * step; null when all are lent out (or there is no WebAssembly SIMD): then read into any
 * memory, which is compared in JavaScript. Give it back with {@link returnScanBuffer}.
 */
export function borrowScanBuffer(): Uint8Array | null {
  const memory = theScanMemory();
  const at = memory?.free.pop();
  return memory === null || at === undefined
    ? null
    : new Uint8Array(memory.buffer, at, SCAN_BUFFER_BYTES);
}

/** Gives back a buffer of {@link borrowScanBuffer} (once; it must not be used afterwards). */
export function returnScanBuffer(buffer: Uint8Array): void {
  if (
    scanMemory &&
    buffer.buffer === scanMemory.buffer &&
    !scanMemory.free.includes(buffer.byteOffset)
  )
    scanMemory.free.push(buffer.byteOffset);
}

/**
 * Fixed bytes compared with bytes at a place 4 at a time (little-endian words read through a
 * DataView of the same bytes; {@link matches}), or, when those lie in the scanner's memory (a
 * buffer of {@link borrowScanBuffer}), 16 at a time by {@link scanEq} against the pattern's
 * copy in the arena ({@link arenaAt}): the frame of a k6 line costs a few comparisons instead
 * of one per byte.
 */
export class BytePattern {
  #length = 0;
  #words: Int32Array;
  /** Words in use (the array may be longer: {@link set} reuses it). */
  #count = 0;
  /** The last length % 4 bytes. */
  readonly #tail = new Uint8Array(3);
  /** The bytes (for the arena); null when the pattern is compared in JavaScript only. */
  #bytes: Uint8Array | null = null;
  /** Where the bytes are in the arena, and in which generation of it (-1: not yet). */
  #at = 0;
  #generation = -1;

  /** The pattern of bytes[start, end). */
  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.#words = new Int32Array((end - start) >> 2);
    this.set(bytes, start, end);
  }

  get length(): number {
    return this.#length;
  }

  /** Makes this the pattern of bytes[start, end), reusing its memory when it is large enough. */
  set(bytes: Uint8Array, start: number, end: number): void {
    const length = end - start;
    const n = length >> 2;
    if (n > this.#words.length) this.#words = new Int32Array(n);
    const words = this.#words;
    let i = start;
    for (let k = 0; k < n; k++, i += 4)
      words[k] = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    for (let k = 0; i < end; k++, i++) this.#tail[k] = bytes[i]!;
    this.#length = length;
    this.#count = n;
    this.#generation = -1;
    if (length < WASM_MIN_PATTERN || length > WASM_MAX_PATTERN) this.#bytes = null;
    else {
      if (this.#bytes === null || this.#bytes.length < length)
        this.#bytes = new Uint8Array(Math.max(length, 2 * (this.#bytes?.length ?? 0)));
      const copy = this.#bytes;
      for (let k = 0; k < length; k++) copy[k] = bytes[start + k]!; // no subarray: once a request
    }
  }

  /** Whether bytes[at …] (of which `view` is a DataView) starts with this pattern. */
  matches(view: DataView, bytes: Uint8Array, at: number): boolean {
    const length = this.#length;
    if (at < 0 || at + length > bytes.length) return false;
    const words = this.#words;
    const n = this.#count;
    let i = at;
    for (let k = 0; k < n; k++, i += 4) if (view.getInt32(i, true) !== words[k]) return false;
    const tail = this.#tail;
    for (let k = 0; k < (length & 3); k++) if (bytes[i + k] !== tail[k]) return false;
    return true;
  }

  /**
   * The pattern's byte offset in the scan memory's arena (copied there first), for
   * {@link scanEq}; -1 when it is compared in JavaScript only (short, long, or the arena is
   * full until the next {@link scanOffset}).
   */
  arenaAt(): number {
    if (this.#generation === arenaGeneration) return this.#at;
    const length = this.#length;
    if (this.#bytes === null || scanBuffer === null || arenaTop + length > ARENA_BYTES) return -1;
    const arena = arenaBytes!;
    const copy = this.#bytes;
    for (let k = 0; k < length; k++) arena[arenaTop + k] = copy[k]!; // once a request: no views made
    this.#at = arenaTop;
    this.#generation = arenaGeneration;
    arenaTop += length;
    return this.#at;
  }
}

/** The two frames k6 writes a Point in (newer k6: metric first; older: metric last). */
export const METRIC_FIRST_HEAD = new BytePattern(ascii('{"metric":"'));
export const METRIC_FIRST_MIDDLE = new BytePattern(ascii('","type":"Point","data":{'));
export const METRIC_LAST_HEAD = new BytePattern(ascii('{"type":"Point","data":{'));
export const METRIC_LAST_TAIL = new BytePattern(ascii(',"metric":"'));

/** The string of ASCII bytes (numbers, times). */
export function asciiText(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

/** A hash of bytes, to find a cached string without making one. */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + bytes[i]!) | 0;
  return h;
}

/**
 * The end of a JSON string without escapes whose opening quote is at `start`: the index of
 * its closing quote, or -1 when it holds a backslash or a control character (then the
 * caller falls back to JSON.parse).
 */
export function plainStringEnd(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start + 1; i < end; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) return i;
    if (c === BACKSLASH || c < 32) return -1;
  }
  return -1;
}

/** The index after the JSON string opening at `start` (escapes checked), or -1. */
export function skipString(bytes: Uint8Array, start: number, end: number): number {
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

export const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57;

/**
 * Scans the JSON number at `start`: the index after it (or -1 when it is not one) and, in
 * `out[0]`, its value. Up to 15 digits and 22 decimals without exponent are converted as
 * integer / 10^decimals: both are exact doubles, so the one rounding of the division gives
 * the correctly rounded value, as JSON.parse does (Clinger's fast path); others by Number().
 */
export function scanNumber(bytes: Uint8Array, start: number, out: Float64Array): number {
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
export function skipValue(bytes: Uint8Array, start: number, end: number, depth = 0): number {
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

/** A string met again and again (metric names, tag keys and values), with what it stands for. */
export interface CachedString<T> {
  readonly bytes: BytePattern;
  readonly text: string;
  /** What the cache's owner made of the text (a metric entry, a tag's index). */
  readonly value: T;
  next: CachedString<T> | null;
  /** The entry read after this one the last time (k6 writes a request's metrics in one order). */
  follower: CachedString<T> | null;
}

/** Strings of byte ranges, made once per distinct bytes, each with a value made of its text. */
export class StringCache<T> {
  readonly #byHash = new Map<number, CachedString<T>>();
  readonly #make: (text: string) => T;

  constructor(make: (text: string) => T) {
    this.#make = make;
  }

  /** The entry of bytes[start, end) (`view` a DataView of bytes; `hash` from hashBytes). */
  get(
    view: DataView,
    bytes: Uint8Array,
    start: number,
    end: number,
    hash = hashBytes(bytes, start, end),
  ): CachedString<T> {
    const first = this.#byHash.get(hash) ?? null;
    for (let e = first; e !== null; e = e.next)
      if (e.bytes.length === end - start && e.bytes.matches(view, bytes, start)) return e;
    const text = utf8.decode(bytes.subarray(start, end));
    const entry: CachedString<T> = {
      bytes: new BytePattern(bytes, start, end),
      text,
      value: this.#make(text),
      next: first,
      follower: null,
    };
    this.#byHash.set(hash, entry);
    return entry;
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

/** A value met recently: its bytes (a complete, checked JSON value) and what was read from it. */
export interface RecentValue<T> {
  readonly bytes: BytePattern;
  value: T;
}

/**
 * The last few distinct JSON values met at one place of a line (k6 writes the same `tags`
 * object on every Point of a request, and the same time on its dozen metrics), kept with
 * what was read from them, most recent first.
 *
 * Why a match needs no further check: an entry's bytes are a complete JSON value that the
 * caller's scanner checked before adding it, and a JSON value is self-delimiting (no valid
 * value is a proper prefix of another), so when bytes[at …] start with an entry's bytes, the
 * value at `at` is that entry's value and ends at `at + length`, exactly as JSON.parse would
 * read it. A word-wise comparison (BytePattern) replaces the byte-by-byte scan.
 */
export class RecentValues<T> {
  readonly #entries: RecentValue<T>[] = [];
  readonly #size: number;

  constructor(size: number) {
    this.#size = size;
  }

  /** The entry whose bytes bytes[at …] start with, ending at or before `end`; null if none. */
  find(view: DataView, bytes: Uint8Array, at: number, end: number): RecentValue<T> | null {
    const entries = this.#entries;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      if (at + e.bytes.length <= end && e.bytes.matches(view, bytes, at)) {
        if (k > 0) this.#toFront(k);
        return e;
      }
    }
    return null;
  }

  /**
   * {@link find} for bytes in the scan memory, `base` their offset there (scanOffset):
   * compared 16 bytes a step in WebAssembly (a pattern the arena does not hold, in JavaScript).
   */
  findScan(
    base: number,
    view: DataView,
    bytes: Uint8Array,
    at: number,
    end: number,
  ): RecentValue<T> | null {
    const entries = this.#entries;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      const length = e.bytes.length;
      if (at + length > end) continue;
      const p = e.bytes.arenaAt();
      if (p >= 0 ? scanEq(base + at, p, length) !== 0 : e.bytes.matches(view, bytes, at)) {
        if (k > 0) this.#toFront(k);
        return e;
      }
    }
    return null;
  }

  /**
   * Adds the checked JSON value bytes[start, end) with what was read from it, in place of the
   * least recent one when full (its memory reused: a miss allocates nothing then).
   */
  add(bytes: Uint8Array, start: number, end: number, value: T): void {
    const entries = this.#entries;
    if (entries.length < this.#size) {
      entries.push({ bytes: new BytePattern(bytes, start, end), value });
      this.#toFront(entries.length - 1);
      return;
    }
    const e = entries[entries.length - 1]!;
    e.bytes.set(bytes, start, end);
    e.value = value;
    this.#toFront(entries.length - 1);
  }

  #toFront(k: number): void {
    const entries = this.#entries;
    const e = entries[k]!;
    for (let j = k; j > 0; j--) entries[j] = entries[j - 1]!;
    entries[0] = e;
  }
}
