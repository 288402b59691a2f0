/** Lines of a byte stream, each at most a given length: a line without end never fills memory. */
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";

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
