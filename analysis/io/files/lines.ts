/** Lines of a byte stream, each at most a given length: a line without end never fills memory. */
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { UsageError } from "../../../sim/vocab/errors.js";

/** Lines longer than this are cut off and reported bad instead of filling memory (`caplab import`). @default 1 MiB */
export const MAX_LINE_CHARS = 1 << 20;

/**
 * Whether `bytes[at, end)` opens with UTF-8's byte order mark (EF BB BF): Windows editors and
 * PowerShell's `Out-File` write one at the start of a file. It is no part of the text, and only
 * ever at byte 0 of a file: a reader drops it there (not at the start of a piece of a file read
 * on several threads, nor before a line within it, where it is a character of that line).
 */
export function opensWithByteOrderMark(bytes: Uint8Array, at: number, end: number): boolean {
  return end - at >= 3 && bytes[at] === 0xef && bytes[at + 1] === 0xbb && bytes[at + 2] === 0xbf;
}

/** `text` without the byte order mark (U+FEFF) it opens with, if any: the first line or the whole of a file, decoded. */
export function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The lines of `stream` (`\n` or `\r\n`, UTF-8), in order, holding one chunk and one partial
 * line at a time. A line longer than `maxChars` is yielded as null (its text is dropped as it
 * comes, so memory stays at `maxChars`), and reading goes on with the next line; the caller
 * decides whether that is an error.
 */
export async function* readLines(
  stream: Readable,
  maxChars: number,
): AsyncGenerator<string | null> {
  const decoder = new StringDecoder("utf8");
  let partial = "";
  let tooLong = false;
  const emit = (line: string): string | null => {
    const over = tooLong || line.length > maxChars;
    tooLong = false;
    if (over) return null;
    return line.endsWith("\r") ? line.slice(0, -1) : line;
  };
  const pieces = function* (text: string): Generator<string | null> {
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) break;
      const piece = text.slice(start, nl);
      const line = partial === "" ? piece : partial + piece;
      partial = "";
      start = nl + 1;
      yield emit(line);
    }
    if (start < text.length && !tooLong) {
      partial += text.slice(start);
      if (partial.length > maxChars) {
        tooLong = true;
        partial = "";
      }
    }
  };
  for await (const chunk of stream as AsyncIterable<Buffer | string>)
    yield* pieces(typeof chunk === "string" ? chunk : decoder.write(chunk));
  yield* pieces(decoder.end());
  if (partial !== "" || tooLong) yield emit(partial);
}

/**
 * What {@link ByteLines} calls for each line: its bytes `bytes[start, end)` (no `\n`, no
 * trailing `\r`; valid only during the call), or `bytes` null for a line it dropped because
 * it grew longer than its `maxBytes` across chunks.
 */
export type ByteLineHandler = (bytes: Buffer | null, start: number, end: number) => void;

/**
 * Cuts chunks of bytes into lines (`\n` or `\r\n`) without decoding them, holding one partial
 * line between chunks: the reader of a line reads its bytes where they lie in the chunk, and
 * only a line across two chunks is copied. A partial line that grows past `maxBytes` is
 * dropped as it comes and handed over as null, so a file without line breaks never fills
 * memory. `\n` is one byte in UTF-8 and never part of a longer sequence, so the lines are
 * those of the decoded text.
 *
 * @example const lines = new ByteLines((b, s, e) => console.log(b?.toString("utf8", s, e)), 1 << 20);
 *   lines.push(Buffer.from("a\nb")); lines.end(); // a, b
 */
export class ByteLines {
  /** Lines handed over so far. */
  count = 0;
  private carry: Buffer[] = [];
  private carried = 0;
  private tooLong = false;

  constructor(
    private readonly onLine: ByteLineHandler,
    private readonly maxBytes: number,
  ) {}

  /** Hands over the lines that end in `chunk` and keeps its unfinished tail. */
  push(chunk: Buffer): void {
    let from = 0;
    const n = chunk.length;
    if (this.carried > 0 || this.tooLong) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.keep(chunk, 0);
        return;
      }
      if (this.tooLong) this.line(null, 0, 0);
      else {
        const line = Buffer.concat([...this.carry, chunk.subarray(0, nl)]);
        this.line(line, 0, line.length);
      }
      this.carry = [];
      this.carried = 0;
      this.tooLong = false;
      from = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(10, from);
      if (nl < 0) break;
      this.line(chunk, from, nl);
      from = nl + 1;
    }
    if (from < n) this.keep(chunk, from);
  }

  /** Hands over the last line when the bytes did not end with a line break. */
  end(): void {
    if (this.tooLong) this.line(null, 0, 0);
    else if (this.carried > 0) {
      const line = Buffer.concat(this.carry);
      this.line(line, 0, line.length);
    }
    this.carry = [];
    this.carried = 0;
    this.tooLong = false;
  }

  private keep(chunk: Buffer, from: number): void {
    if (this.tooLong) return;
    this.carried += chunk.length - from;
    if (this.carried > this.maxBytes) {
      this.tooLong = true;
      this.carry = [];
      this.carried = 0;
      return;
    }
    // A copy: the chunk's buffer may be reused by the caller for the next read.
    this.carry.push(Buffer.from(chunk.subarray(from)));
  }

  private line(bytes: Buffer | null, start: number, end: number): void {
    this.count++;
    if (bytes !== null && end > start && bytes[end - 1] === 13) end--;
    this.onLine(bytes, start, end);
  }
}

/** True for zlib's error on gzip data that is corrupt or ends early (a file cut short in a copy). */
export function isGzipDamage(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === "Z_BUF_ERROR" || code === "Z_DATA_ERROR";
}

/**
 * The one sentence for a gzip input that is corrupt or cut short: nothing is imported from a
 * part of a file, since a trace or run missing its end reads as a quiet end, not as missing.
 */
export function gzipDamaged(
  name: string,
  error: unknown,
  linesRead?: number,
  orElse = "or leave it out of the sources",
): UsageError {
  const how = (error as NodeJS.ErrnoException).code === "Z_BUF_ERROR" ? "ends early" : "is corrupt";
  const where =
    linesRead === undefined || linesRead === 0
      ? ""
      : ` after ${linesRead.toLocaleString("en-US")} line${linesRead === 1 ? "" : "s"}`;
  return new UsageError(
    `${name} cannot be read to its end: its gzip data ${how}${where}; copy or download it again (gzip -t checks a file), ${orElse}.`,
    "bad-gzip",
    { cause: error },
  );
}
