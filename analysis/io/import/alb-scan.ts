/**
 * ALB log bytes cut into lines and read, with the field scan in WebAssembly (alb-scan.wat,
 * SIMD: 16 bytes a step):
 *
 *   bytes ──read or copied into the module's memory──▶ scan(): one record per line (its
 *     fields' starts and ends, or "let JavaScript read it") ──▶ AlbReader.readScanned
 *     (the numbers and times, as readAlbRequestBytes reads them) or albLineVerdict
 *
 * One call into the module reads every whole line of a chunk (up to 4,096 lines), so the cost
 * of crossing into WebAssembly is paid per chunk, not per line or field. The bytes are read
 * straight into the module's memory (no copy), into two slots in turn (a read can fill one
 * while the other is scanned); the unfinished last line of a chunk is copied just before the
 * other slot. A line the scan does not take plainly (a tab, an escape in
 * a field the import reads, a quote not closed, a `\r\n` ending, more than 64 fields) goes to
 * the JavaScript reader, so what is read and what is reported bad are exactly what
 * readAlbRequestBytes and parseAlbLogLine say (test/analysis/io/import/alb-scan.test.ts holds them
 * together with fast-check). A line longer than the module's buffer (1 MiB) hands the rest of
 * the input to {@link ByteLines}, which carries it in JavaScript.
 */
import { forgetAlbMinutes } from "../../access-log.js";
import { ByteLines, MAX_LINE_CHARS, opensWithByteOrderMark } from "../files/lines.js";
import type { AlbReader } from "./alb-reader.js";
import { ALB_SCAN_WASM_BASE64 } from "./alb-scan-wasm.js";
import { compileWasm, instantiateWasm, type WasmModule } from "../../wasm.js";
import type { LineVerdict } from "./formats.js";

/** A line carried across chunks is dropped once it is longer than this many bytes (UTF-8 has at most 3 per character). */
export const MAX_LINE_BYTES = 3 * MAX_LINE_CHARS;

/** What a reader says of one line's bytes: too long, or what {@link AlbReader.readBytes} says. */
export function albLineVerdict(
  reader: AlbReader,
  bytes: Buffer | null,
  start: number,
  end: number,
): LineVerdict {
  const tooLong = `is longer than ${MAX_LINE_CHARS} characters`;
  if (bytes === null) return tooLong;
  if (end - start > MAX_LINE_CHARS) {
    const text = bytes.toString("utf8", start, end);
    return text.length > MAX_LINE_CHARS ? tooLong : reader.read(text);
  }
  return reader.readBytes(bytes, start, end);
}

/** Lines cut from ALB log bytes in JavaScript into `reader`, `onBad(lineNumber, why)` called for each bad one. */
export function albByteLines(
  reader: AlbReader,
  onBad: (lineNumber: number, why: string) => void,
): ByteLines {
  const lines: ByteLines = new ByteLines((bytes, start, end) => {
    const verdict = albLineVerdict(reader, bytes, start, end);
    if (verdict !== null) onBad(lines.count, verdict);
  }, MAX_LINE_BYTES);
  return lines;
}

/** The largest read into the module's memory. */
export const SCAN_READ_BYTES = 1 << 20;

// The module's memory (alb-scan.wat): records, then two halves, each room for the unfinished
// line of the other half's chunk (up to HELD_BYTES) then a slot for a read, then 64 bytes of
// slack. A read goes into one half's slot while the other half is scanned.
const RECORD_INTS = 50;
const MAX_RECORDS = 4096;
const DATA = MAX_RECORDS * RECORD_INTS * 4;
const HELD_BYTES = SCAN_READ_BYTES;
const HALF_BYTES = HELD_BYTES + SCAN_READ_BYTES;
/** Where half h's reads go. */
const slotOf = (h: number): number => DATA + h * HALF_BYTES + HELD_BYTES;

type Scan = (from: number, to: number, out: number, max: number) => number;

let compiled: WasmModule | undefined;

/** The compiled module, once per thread (Node 20 and later run WebAssembly SIMD). */
function scanModule(): WasmModule {
  compiled ??= compileWasm(ALB_SCAN_WASM_BASE64) ?? undefined;
  if (compiled === undefined) throw new Error("this runtime cannot run WebAssembly SIMD");
  return compiled;
}

/**
 * Lines of ALB log bytes read into `reader`, `onBad(lineNumber, why)` called for each bad one,
 * the same as {@link albByteLines} gives (lines end at `\n`, a `\r` before it is dropped),
 * with the fields found in WebAssembly. Either read into {@link space} and {@link commit} the
 * bytes read, or {@link push} chunks (copied); then {@link end}. The memory has two slots:
 * while one is scanned, the next read can go into {@link nextSpace}, the other. When the bytes
 * are a file's from its byte 0 (`fileStart`), a byte order mark there is dropped: line 1 reads
 * as without it (as `caplab import` reads the lines of every other format: forEachLine in
 * sources.ts). A piece of a file that starts further on keeps its bytes as they are.
 *
 * @example const lines = new AlbScanLines(reader, onBad);
 *   const { bytesRead } = await handle.read(lines.space(), 0, SCAN_READ_BYTES, at);
 *   lines.commit(bytesRead); … lines.end();
 */
export class AlbScanLines {
  private readonly scan: Scan;
  /** The module's whole memory (it never grows, so the views stay valid). */
  private readonly bytes: Buffer;
  private readonly table: Int32Array;
  /** The half whose slot the next bytes go in. */
  private half = 0;
  /** Bytes held just before that slot: the unfinished last line of what was committed. */
  private held = 0;
  private lines = 0;
  /** Set once a line outgrows HELD_BYTES: the rest is cut in JavaScript. */
  private slow: ByteLines | null = null;

  constructor(
    private reader: AlbReader,
    private onBad: (lineNumber: number, why: string) => void,
    /** Whether the bytes start at byte 0 of the file, where a byte order mark is dropped. */
    private fileStart = true,
  ) {
    const exports = instantiateWasm(scanModule());
    const memory = exports.memory as { readonly buffer: ArrayBuffer };
    this.scan = exports.scan as Scan;
    this.bytes = Buffer.from(memory.buffer);
    this.table = new Int32Array(memory.buffer, 0, MAX_RECORDS * RECORD_INTS);
  }

  /**
   * Starts over with another reader, as a new AlbScanLines would (without a new module
   * instance: its 5 MiB of memory are made once per thread of a piecewise read).
   */
  restart(
    reader: AlbReader,
    onBad: (lineNumber: number, why: string) => void,
    fileStart = true,
  ): void {
    this.reader = reader;
    this.onBad = onBad;
    this.fileStart = fileStart;
    this.half = 0;
    this.held = 0;
    this.lines = 0;
    this.slow = null;
  }

  /** Lines handed over so far. */
  get count(): number {
    return this.slow === null ? this.lines : this.slow.count;
  }

  /** Where the next bytes go: {@link SCAN_READ_BYTES} of the module's memory, valid until their {@link commit}. */
  space(): Buffer {
    const at = slotOf(this.half);
    return this.bytes.subarray(at, at + SCAN_READ_BYTES);
  }

  /**
   * Where the bytes after the next go: the other slot, which the next {@link commit} does not
   * touch (it leaves its unfinished line before that slot), so a read can fill it meanwhile.
   */
  nextSpace(): Buffer {
    const at = slotOf(1 - this.half);
    return this.bytes.subarray(at, at + SCAN_READ_BYTES);
  }

  /** Reads the whole lines among what is held and the `n` bytes just written into {@link space}. */
  commit(n: number): void {
    const slot = slotOf(this.half);
    const other = slotOf(1 - this.half);
    this.half = 1 - this.half;
    const { bytes, table, reader, onBad } = this;
    if (this.slow !== null) {
      this.slow.push(bytes.subarray(slot, slot + n));
      return;
    }
    let begin = slot - this.held;
    const end = slot + n;
    if (this.fileStart) {
      // Its first 3 bytes decide (a byte order mark holds no newline); fewer with a newline
      // among them are a short line 1 without one.
      if (end - begin >= 3) {
        this.fileStart = false;
        if (opensWithByteOrderMark(bytes, begin, end)) begin += 3;
      } else if (bytes.subarray(begin, end).includes(10)) this.fileStart = false;
    }
    // The held bytes hold no newline: the last one, if any, is among the new ones.
    const last = n === 0 ? -1 : bytes.subarray(slot, end).lastIndexOf(10);
    const to = last < 0 ? begin : slot + last + 1;
    for (let from = begin; from < to;) {
      const records = this.scan(from, to, 0, MAX_RECORDS);
      for (let r = 0, at = 0; r < records; r++, at += RECORD_INTS) {
        const count = table[at]!;
        const start = table[at + 1]!;
        const stop = table[at + 2]!;
        const line = ++this.lines;
        let verdict: LineVerdict;
        if (count >= 0 && stop - start <= MAX_LINE_CHARS)
          verdict = reader.readScanned(bytes, count, table, at + 4, start, stop);
        else {
          forgetAlbMinutes(); // the scan's times of the next line count from this one's
          verdict = albLineVerdict(reader, bytes, start, stop);
        }
        if (verdict !== null) onBad(line, verdict);
      }
      from = table[(records - 1) * RECORD_INTS + 3]! + 1;
    }
    this.held = end - to;
    if (this.held <= HELD_BYTES) {
      bytes.copyWithin(other - this.held, to, end);
      return;
    }
    // One line longer than HELD_BYTES: the rest of the input is cut in JavaScript.
    const slow = albByteLines(reader, onBad);
    slow.count = this.lines;
    slow.push(bytes.subarray(to, end));
    this.slow = slow;
    this.held = 0;
  }

  /** Hands over chunk's lines (copied into the module's memory). */
  push(chunk: Uint8Array): void {
    for (let from = 0; from < chunk.length;) {
      const space = this.space();
      const n = Math.min(space.length, chunk.length - from);
      space.set(chunk.subarray(from, from + n));
      from += n;
      this.commit(n);
    }
  }

  /** Hands over the last line when the bytes did not end with a line break. */
  end(): void {
    if (this.slow !== null) {
      this.slow.end();
      return;
    }
    if (this.held === 0) return;
    const slot = slotOf(this.half);
    const begin = slot - this.held;
    const stop = this.bytes[slot - 1] === 13 ? slot - 1 : slot;
    const line = ++this.lines;
    this.held = 0;
    const verdict = albLineVerdict(this.reader, this.bytes, begin, stop);
    if (verdict !== null) this.onBad(line, verdict);
  }
}
