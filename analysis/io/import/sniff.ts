/**
 * Before an import reads its sources, each local file given by name is looked at (its first
 * 64 KiB, un-gzipped when gzip): a file of another kind than `--format` (k6 output given as
 * CloudWatch, a k6 summary or `--out csv` file given as k6 output, JSON given as CSV, …) is
 * refused with one sentence saying what it is and what to do (analysis/input-kind.ts).
 * Folders and S3 objects are not looked at: their files are chosen by suffix, and the
 * readers count what they cannot read.
 */
import { stat } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { UsageError } from "../../../sim/vocab/errors.js";
import { formatFor, inputMismatch, recognizeInput, type InputKind } from "../../input-kind.js";
import { openSource, parseS3Url } from "./sources.js";

/** How much of a file is looked at. */
const HEAD_BYTES = 64 * 1024;

/**
 * The first {@link HEAD_BYTES} of a local file as text (un-gzipped when it is gzip), and
 * whether that is the whole file. A read that fails part way (a gzip cut short) gives what it
 * read before, as not complete: the import itself then says what is wrong.
 */
export async function readHead(path: string): Promise<{ text: string; complete: boolean }> {
  const decoder = new StringDecoder("utf8");
  let text = "";
  let complete = true;
  const stream = await openSource({ kind: "file", path, name: path }, () => {
    throw new Error("a local file needs no S3 client");
  });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      text += decoder.write(chunk);
      if (text.length >= HEAD_BYTES) {
        complete = false;
        break;
      }
    }
  } catch {
    complete = false;
  } finally {
    stream.destroy();
  }
  return { text: complete ? text + decoder.end() : text.slice(0, HEAD_BYTES), complete };
}

/**
 * What a local file given by name reads as (analysis/input-kind.ts), from its head; null for
 * an S3 URL, a folder or a path that is not there (the reader says what is wrong with it).
 */
async function localFileKinds(source: string): Promise<InputKind[] | null> {
  if (parseS3Url(source) !== null) return null;
  const info = await stat(source).catch(() => null);
  if (info === null || !info.isFile()) return null;
  const head = await readHead(source);
  return recognizeInput(head.text, head.complete);
}

/**
 * @throws UsageError naming the first source that is a regular file of another kind than
 *   `format`, what it is and what to do.
 */
export async function checkSourceKinds(sources: readonly string[], format: string): Promise<void> {
  for (const source of sources) {
    const kinds = await localFileKinds(source);
    if (kinds === null) continue;
    const mismatch = inputMismatch(kinds, format);
    if (mismatch !== null) throw new UsageError(`${source} ${mismatch}.`, "wrong-format");
  }
}

/** Whether `source` is a local file that reads as k6's end-of-test summary (not S3, not a folder). */
export async function isK6SummaryFile(source: string): Promise<boolean> {
  return (await localFileKinds(source))?.includes("k6-summary") ?? false;
}

/**
 * For an import without --format: the end of a sentence naming the first local file that reads
 * as something caplab imports, what it is and the --format to add; null when none does.
 *
 * @example await formatHint(["summary.json"])
 *   // "summary.json reads as a k6 end-of-test summary; add --format k6"
 */
export async function formatHint(sources: readonly string[]): Promise<string | null> {
  for (const source of sources) {
    const kind = (await localFileKinds(source))?.[0];
    const fits = kind === undefined ? null : formatFor(kind);
    if (fits !== null) return `${source} reads as ${fits.what}; add --format ${fits.format}`;
  }
  return null;
}
