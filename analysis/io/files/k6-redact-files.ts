/**
 * The copies of k6's output a bundle keeps, with the credentials of their URLs taken out
 * (analysis/k6-redact.ts), in the folder a command is filling before it is swapped in:
 *
 *   DIR (a run or an import being written) ──walk, links not followed──▶ every k6.json.gz,
 *     k6.json, summary.json, caplab-summary.json (segments/<i>/ too)
 *     ──scan (gunzip when gzipped)──▶ a line with a secret? no: the file is kept as it is
 *       yes ──rewrite to `.NAME.caplab-tmp-PID-HEX` beside it (gzipped again when it was),
 *             then rename over it──▶ the same lines, the secrets' values `***`
 *
 * Called after the command has read the raw output (its verdicts are k6's data as k6 wrote
 * it), so only what is kept changes. A crash leaves the temporary folder that the next run
 * removes, never a half-redacted file.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { lstat, open, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { StringDecoder } from "node:string_decoder";
import { createGunzip, createGzip } from "node:zlib";
import { redactSecrets } from "../../../sim/vocab/redact.js";
import { k6Redactor, redactK6Document } from "../../k6-redact.js";
import { MAX_K6_LINE_BYTES } from "./k6-stream.js";

/** k6's line files in a bundle (`--out json`, gzipped or not). */
const LINE_FILES = new Set(["k6.json.gz", "k6.json"]);
/** k6's JSON documents in a bundle: `--summary-export` and caplab's handleSummary data. */
const DOCUMENT_FILES = new Set(["summary.json", "caplab-summary.json"]);
/** The largest document redacted, in bytes (larger ones are not k6's: the readers refuse them). @default 64 MiB */
const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

/**
 * Redacts every copy of k6's output under `dir` (links are not followed); returns the paths
 * (relative to `dir`) of the files that held a secret and were rewritten.
 */
export async function redactK6OutputsIn(dir: string): Promise<string[]> {
  const changed: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await visit(path);
      else if (!entry.isFile()) continue;
      else if (LINE_FILES.has(entry.name)) {
        if (await redactK6LineFile(join(dir, path))) changed.push(path);
      } else if (DOCUMENT_FILES.has(entry.name)) {
        if (await redactK6DocumentFile(join(dir, path))) changed.push(path);
      }
    }
  };
  await visit("");
  return changed;
}

/** A temporary name beside `path` that output.ts's leftover cleanup knows. */
function tempBeside(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.caplab-tmp-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
}

/** Whether a file starts with the gzip magic bytes. */
export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, "r");
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * The text of `stream` (UTF-8) with each line's secrets taken out, in pieces of whole lines
 * (one per chunk read: a stream write per line costs more than the redaction). A line longer
 * than MAX_K6_LINE_BYTES characters (not k6's: its readers refuse it) is redacted as text in
 * pieces of that size, so memory stays bounded. Of a gzip cut short (k6 stopped mid-write) the
 * text that reads is given. `onChange` is told of the first line that changed (and may stop
 * the reading by returning true).
 */
async function* redactedText(
  stream: Readable,
  onChange: () => boolean = () => false,
): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let changed = false;
  const redact = k6Redactor();
  const line = (text: string, ended: boolean): string => {
    const out = ended ? redact(text) : redactSecrets(text);
    if (out !== text && !changed) changed = true;
    return ended ? `${out}\n` : out;
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      pending += decoder.write(chunk);
      const lines = pending.split("\n");
      pending = lines.pop()!;
      let out = lines.map((l) => line(l, true)).join("");
      while (pending.length > MAX_K6_LINE_BYTES) {
        out += line(pending.slice(0, MAX_K6_LINE_BYTES), false);
        pending = pending.slice(MAX_K6_LINE_BYTES);
      }
      yield out;
      if (changed && onChange()) return;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith("Z_") !== true) throw error;
  }
  pending += decoder.end();
  if (pending !== "") yield line(pending, false);
  if (changed) onChange();
}

function readLines(path: string, gzipped: boolean): Readable {
  const file = createReadStream(path);
  if (!gzipped) return file;
  const gunzip = createGunzip();
  file.on("error", (error) => gunzip.destroy(error));
  return file.pipe(gunzip);
}

/** Whether a line of the file at `path` holds a secret (read to the first one). */
async function holdsSecret(path: string, gzipped: boolean): Promise<boolean> {
  const stream = readLines(path, gzipped);
  let found = false;
  try {
    for await (const _ of redactedText(stream, () => (found = true))) if (found) break;
    return found;
  } finally {
    stream.destroy();
  }
}

/**
 * Rewrites the k6 line file `path` (`--out json` NDJSON, gzipped or not) with its secrets
 * taken out, when it holds one; returns whether it did. Of a gzip cut short (k6 stopped
 * mid-write) the lines that read are kept, redacted; one with no secret before the cut is
 * kept as it is.
 */
export async function redactK6LineFile(path: string): Promise<boolean> {
  const st = await lstat(path);
  if (!st.isFile()) return false;
  const gzipped = await isGzipFile(path);
  if (!(await holdsSecret(path, gzipped))) return false;
  const tmp = tempBeside(path);
  try {
    const redacted = Readable.from(redactedText(readLines(path, gzipped)));
    const sink: Writable = createWriteStream(tmp, { mode: 0o644 });
    if (gzipped) await pipeline(redacted, createGzip({ level: 1 }), sink);
    else await pipeline(redacted, sink);
    await rename(tmp, path);
    return true;
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Rewrites the k6 JSON document `path` with its secrets taken out, when it holds one. */
export async function redactK6DocumentFile(path: string): Promise<boolean> {
  const st = await lstat(path);
  if (!st.isFile() || st.size > MAX_DOCUMENT_BYTES) return false;
  const redacted = redactK6Document(await readFile(path, "utf8"));
  if (redacted === null) return false;
  const tmp = tempBeside(path);
  try {
    await writeFile(tmp, redacted, { mode: 0o644 });
    await rename(tmp, path);
    return true;
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
