/**
 * Streaming reader of k6 `--out json` files (plain or gzipped) into {@link K6Ingest}, and of
 * k6 end-of-test summaries. The file is read in 1 MiB chunks, decoded with a StringDecoder
 * (multi-byte characters may straddle chunks) and cut at newlines in place: no per-line
 * string is made for lines the fast path only counts.
 */
import { createReadStream } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import {
  K6Ingest,
  parseK6Summary,
  type K6IngestOptions,
  type K6Ingested,
  type K6SummaryFile,
} from "../analysis/k6-ingest.js";

const CHUNK_BYTES = 1 << 20;

/** Whether the file starts with the gzip magic bytes (1f 8b). */
async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, "r");
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * Reads a k6 `--out json` file (gzipped when it starts with the gzip magic bytes, whatever
 * its name) and returns its per-second series and summary.
 *
 * @example const { summary } = await ingestK6File("run/k6.json.gz");
 */
export async function ingestK6File(
  path: string,
  options: K6IngestOptions = {},
): Promise<K6Ingested & { readonly bytes: number }> {
  const ingest = new K6Ingest(options);
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const input = (await isGzip(path)) ? file.pipe(createGunzip({ chunkSize: CHUNK_BYTES })) : file;
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let bytes = 0;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    const text = carry + decoder.write(chunk);
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) break;
      ingest.addLine(text, start, nl);
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  const rest = carry + decoder.end();
  if (rest.length > 0) ingest.addLine(rest);
  return { ...ingest.finish(), bytes };
}

/** Reads a `--summary-export` file or a JSON `handleSummary` data object. */
export async function readK6SummaryFile(path: string): Promise<K6SummaryFile> {
  return parseK6Summary(JSON.parse(await readFile(path, "utf8")) as unknown);
}
