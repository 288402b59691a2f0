/**
 * Before an import reads its sources, each local file given by name is looked at (its first
 * 64 KiB, un-gzipped when gzip): a file of another kind than `--format` (k6 output given as
 * CloudWatch, a k6 summary or `--out csv` file given as k6 output, JSON given as CSV, …) is
 * refused with one sentence saying what it is and what to do (analysis/input-kind.ts).
 * Folders and S3 objects are not looked at then: their files are chosen by suffix, and the
 * readers count what they cannot read.
 *
 * Without `--format`, {@link sniffSources} looks at every source (a folder's files, at most
 * {@link MAX_SNIFFED_FOLDER_FILES} of them spread over its names, the others only by name; never
 * an S3 prefix) and names the format when they
 * all read unambiguously as one (sniffFormat in analysis/input-kind.ts); else one sentence says
 * what each is and what to add.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { UsageError } from "../../../sim/vocab/errors.js";
import { queriesFileGivenAsData } from "../../cloudwatch-json.js";
import {
  inputMismatch,
  recognizeInput,
  sniffFormat,
  type InputKind,
  type Sniff,
} from "../../input-kind.js";
import { fixedGrouped, plural } from "../../../sim/vocab/numbers.js";
import {
  FOLDER_SUFFIXES,
  folderFiles,
  gunzipIfCompressed,
  localSourceKind,
  parseS3Url,
} from "./sources.js";

/** How much of a file is looked at. */
const HEAD_BYTES = 64 * 1024;

/**
 * The first {@link HEAD_BYTES} of a local file as text (un-gzipped when it is gzip), whether
 * that is the whole file, and how many bytes of the file were read for it: the file is read in
 * pieces of HEAD_BYTES: a plain file costs one (two when it holds characters of more than one
 * byte), a gzip file the pieces gunzip and the stream buffers take ahead, two or three
 * (measured on a gzip that un-gzips to 100 MB: test/analysis/io/import/sniff.test.ts). A
 * read that fails part way (a gzip cut short) gives what it read before, as not complete: the
 * import itself then says what is wrong.
 */
export async function readHead(
  path: string,
): Promise<{ text: string; complete: boolean; bytesRead: number }> {
  const decoder = new StringDecoder("utf8");
  let text = "";
  let complete = true;
  const file = createReadStream(path, { highWaterMark: HEAD_BYTES });
  const stream = await gunzipIfCompressed(file, path.endsWith(".gz"));
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
    file.destroy();
  }
  return {
    text: complete ? text + decoder.end() : text.slice(0, HEAD_BYTES),
    complete,
    bytesRead: file.bytesRead,
  };
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

/** The most files of one folder that an import without --format looks at. */
export const MAX_SNIFFED_FOLDER_FILES = 16;

/** Every file name a folder walk picks up for some --format. */
const IMPORT_SUFFIXES = [...new Set(Object.values(FOLDER_SUFFIXES).flat())];

/** What one SOURCE argument sniffed as: a file's head, or a folder's files all alike. */
interface SourceSniff {
  /** The source as given, with its number of files for a folder. */
  readonly label: string;
  readonly sniff: Sniff;
  /** Whether the source is one local file (a k6 summary imports only so). */
  readonly file: boolean;
  /** For a folder of more files than are looked at: the source as given, and how many were. */
  readonly sampled?: { readonly source: string; readonly looked: number; readonly of: number };
  /**
   * When the source is, or a folder holds, a --metric-data-queries file: the sentence to refuse
   * with (what it is and where it goes), since no --format would import it.
   */
  readonly queries?: string;
}

/** What {@link sniffSources} makes of an import's sources. */
export type SourcesSniff =
  | {
      readonly ok: true;
      readonly format: string;
      /** The line that says how the sources were read and how to say so. */
      readonly notice: string;
    }
  | { readonly ok: false; readonly message: string };

/**
 * For an import without --format: the format every source reads as, unambiguously, with the
 * line to print; else the one sentence to refuse with, naming the sources and what they read as.
 *
 * `options.queries`, the --queries file, is not sniffed: not as a SOURCE, not in a folder.
 *
 * @throws UsageError when a local source does not exist or is not a regular file or folder.
 * @example await sniffSources(["x.log"])
 *   // { ok: true, format: "alb", notice: "Read x.log as an ALB access log (sniffed from its 3 lines; pass --format alb to say so)" }
 */
export async function sniffSources(
  sources: readonly string[],
  options: { readonly queries?: string } = {},
): Promise<SourcesSniff> {
  const needs = `caplab import needs --format (${FORMAT_NAMES})`;
  // The --queries file is no source, also in a folder given as one (as --format cloudwatch reads).
  const queries =
    options.queries === undefined ? undefined : resolve(options.queries.replace(/^file:\/\//, ""));
  const wanted = sources.filter((s) => queries === undefined || resolve(s) !== queries);
  if (wanted.length === 0) return { ok: false, message: `${needs}.` };
  const sniffed: SourceSniff[] = [];
  for (const source of wanted) sniffed.push(await sniffSource(source, queries));
  // No --format imports a --metric-data-queries file: what is wrong is where it was given.
  const queriesFile = sniffed.find((s) => s.queries !== undefined);
  if (queriesFile?.queries !== undefined) return { ok: false, message: `${queriesFile.queries}.` };
  const unsure = sniffed.find((s) => !s.sniff.ok);
  if (unsure !== undefined && !unsure.sniff.ok) {
    const more = sniffed.filter((s) => !s.sniff.ok).length - 1;
    return {
      ok: false,
      message: `${needs}: ${unsure.label} ${unsure.sniff.reason}${more > 0 ? ` (and ${plural(more, "more source")} caplab cannot tell)` : ""}.`,
    };
  }
  const sure = sniffed.map((s) => ({ ...s, sniff: s.sniff as Extract<Sniff, { ok: true }> }));
  const [first] = sure;
  const kinds = new Set(sure.map((s) => s.sniff.kind));
  const summary = kinds.has("k6-summary");
  if (kinds.size > 1 || (summary && (sure.length > 1 || !first!.file))) {
    const each = sure.map((s) => `${s.label} reads as ${s.sniff.what}`).join(", ");
    const what =
      kinds.size === 2 && kinds.has("k6") && summary
        ? "give the k6 summary as --summary-export FILE, with --format k6"
        : summary && kinds.size === 1
          ? "a k6 end-of-test summary imports alone, as the only SOURCE file"
          : "sources of different formats import one --format at a time";
    return { ok: false, message: `${needs}: ${each}; ${what}.` };
  }
  const { format, what, basis } = first!.sniff;
  const names = sure.map((s) => s.label);
  const notice =
    names.length === 1 && first!.file
      ? `Read ${names[0]} as ${what} (sniffed from ${basis}; pass --format ${format} to say so).`
      : `Read ${listed(names)}, each file as ${what} (sniffed from the head of each${sampledWords(sure)}; pass --format ${format} to say so).`;
  return { ok: true, format, notice };
}

const FORMAT_NAMES = "alb, nginx, csv, k6, cloudwatch";

async function sniffSource(source: string, queries: string | undefined): Promise<SourceSniff> {
  if (parseS3Url(source) !== null)
    return {
      label: source,
      file: false,
      sniff: {
        ok: false,
        reason:
          "is an S3 prefix, which caplab does not sniff (it would download its objects to look at them); add --format",
      },
    };
  if ((await localSourceKind(source)) === "file") {
    const head = await readHead(source);
    const sniff = sniffFormat(head.text, head.complete);
    return {
      label: source,
      file: true,
      sniff,
      ...(!sniff.ok && sniff.queries !== undefined
        ? { queries: queriesFileGivenAsData(source, sniff.queries) }
        : {}),
    };
  }
  const files = (await folderFiles(source, IMPORT_SUFFIXES)).filter((f) => resolve(f) !== queries);
  const label = `${source} (${plural(files.length, "file")})`;
  const refuse = (reason: string): SourceSniff => ({
    label,
    file: false,
    sniff: { ok: false, reason },
  });
  if (files.length === 0)
    return refuse(
      `holds no file caplab imports (${IMPORT_SUFFIXES.map((s) => `*${s}`).join(", ")})`,
    );
  const looked = spread(files, MAX_SNIFFED_FOLDER_FILES);
  let first: { file: string; sniff: Extract<Sniff, { ok: true }> } | undefined;
  for (const file of looked) {
    const head = await readHead(file);
    const sniff = sniffFormat(head.text, head.complete);
    if (!sniff.ok && sniff.queries !== undefined)
      return {
        ...refuse(`holds ${file} that ${sniff.reason}`),
        queries: `${source} holds ${file}, ${sniff.queries}, not data to import: give it as --queries ${file} (it may stay in the folder)`,
      };
    if (!sniff.ok) return refuse(`holds ${file} that ${sniff.reason}`);
    if (sniff.kind === "k6-summary")
      return refuse(
        `holds ${file}, a k6 end-of-test summary, which imports alone as the only SOURCE file; add --format`,
      );
    if (!FOLDER_SUFFIXES[sniff.format]!.some((s) => file.endsWith(s)))
      return refuse(
        `holds ${file}, which reads as ${sniff.what} but is not named as --format ${sniff.format} files are (${FOLDER_SUFFIXES[sniff.format]!.map((s) => `*${s}`).join(", ")}); add --format`,
      );
    if (first !== undefined && first.sniff.kind !== sniff.kind)
      return refuse(
        `holds ${first.file}, which reads as ${first.sniff.what}, and ${file}, which reads as ${sniff.what}; add --format`,
      );
    first ??= { file, sniff };
  }
  // Files not looked at must still be named as the format's files are, as --format reads them.
  const suffixes = FOLDER_SUFFIXES[first!.sniff.format]!;
  const odd = files.find((f) => !suffixes.some((s) => f.endsWith(s)));
  if (odd !== undefined)
    return refuse(
      `holds ${first!.file}, which reads as ${first!.sniff.what}, and ${odd}, which is not named as --format ${first!.sniff.format} files are (${suffixes.map((s) => `*${s}`).join(", ")}); add --format`,
    );
  const sniff = { ...first!.sniff, basis: "the head of each file" };
  return looked.length === files.length
    ? { label, file: false, sniff }
    : { label, file: false, sniff, sampled: { source, looked: looked.length, of: files.length } };
}

/**
 * " file looked at: 16 of the 40 in logs, spread over their names, the others by name" when a
 * folder holds more files than are looked at; else "".
 */
function sampledWords(sniffs: readonly SourceSniff[]): string {
  const sampled = sniffs.flatMap(({ sampled: s }) =>
    s === undefined ? [] : [`${s.looked} of the ${fixedGrouped(s.of)} in ${s.source}`],
  );
  return sampled.length === 0
    ? ""
    : ` file looked at: ${listed(sampled)}, spread over their names, the others by name`;
}

/**
 * At most `n` of `items`, evenly spread from the first to the last (all of them when there are
 * no more than `n`): a folder of logs written over time, sorted by name, is looked at across
 * its span.
 *
 * @example spread(["a", "b", "c", "d", "e"], 3) // ["a", "c", "e"]
 */
export function spread<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  if (n <= 1) return items.slice(0, n);
  return Array.from(
    { length: n },
    (_, i) => items[Math.round((i * (items.length - 1)) / (n - 1))]!,
  );
}

/** "a", "a and b", "a, b and c". */
function listed(names: readonly string[]): string {
  return names.length <= 1
    ? (names[0] ?? "")
    : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
