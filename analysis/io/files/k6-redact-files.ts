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
import { redactK6Document, redactK6OutputLine } from "../../k6-redact.js";
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

async function isGzipped(path: string): Promise<boolean> {
  const handle = await open(path, "r");
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * The lines of `stream` (UTF-8), each with whether a line break ended it. A line longer than
 * MAX_K6_LINE_BYTES characters (not k6's: its readers refuse it) comes in pieces of that size,
 * so memory stays bounded.
 */
async function* linesOf(stream: Readable): AsyncGenerator<{ text: string; ended: boolean }> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    pending += decoder.write(chunk);
    let from = 0;
    for (let nl = pending.indexOf("\n"); nl !== -1; nl = pending.indexOf("\n", from)) {
      yield { text: pending.slice(from, nl), ended: true };
      from = nl + 1;
    }
    pending = pending.slice(from);
    while (pending.length > MAX_K6_LINE_BYTES) {
      yield { text: pending.slice(0, MAX_K6_LINE_BYTES), ended: false };
      pending = pending.slice(MAX_K6_LINE_BYTES);
    }
  }
  pending += decoder.end();
  if (pending !== "") yield { text: pending, ended: false };
}

/** A line (or a piece of an over-long one) with its secrets taken out. */
function redactPiece(piece: { text: string; ended: boolean }): string {
  return piece.ended ? redactK6OutputLine(piece.text) : redactSecrets(piece.text);
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
  try {
    for await (const piece of linesOf(stream)) if (redactPiece(piece) !== piece.text) return true;
    return false;
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
  const gzipped = await isGzipped(path);
  try {
    if (!(await holdsSecret(path, gzipped))) return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith("Z_") === true) return false;
    throw error;
  }
  const tmp = tempBeside(path);
  try {
    const source = readLines(path, gzipped);
    const redacted = Readable.from(
      (async function* () {
        try {
          for await (const piece of linesOf(source)) {
            const text = redactPiece(piece);
            yield piece.ended ? `${text}\n` : text;
          }
        } catch (error) {
          // A gzip cut short (k6 stopped mid-write): the copy keeps what reads, redacted.
          if ((error as NodeJS.ErrnoException).code?.startsWith("Z_") !== true) throw error;
        }
      })(),
    );
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
  const text = await readFile(path, "utf8");
  const indent = /\n([ \t]+)"/.exec(text)?.[1];
  const redacted = redactK6Document(text, indent);
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
