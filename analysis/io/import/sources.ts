/**
 * Where import input comes from and how it is read: local files, local folders (walked
 * recursively), and `s3://bucket/prefix` (ListObjectsV2 pages, then one GetObject at a time).
 * Every input is a byte stream, un-gzipped on the fly when it starts with the gzip magic
 * bytes (or its name ends in `.gz`), and cut into lines chunk by chunk: nothing ever holds a
 * whole file.
 */
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { pipeline, Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import { specialFileKind } from "../files/bundle-files.js";
import { OUTPUT_MARKER } from "../files/output.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import { hasUserinfo, redactUserinfo } from "../files/urls.js";
import { MAX_LINE_CHARS, withoutByteOrderMark } from "../files/lines.js";
import { explainAwsFailure, MalformedResponseError, type AwsTimeouts } from "../aws/aws-client.js";

/** One input: a local file or an S3 object. */
export type InputSource =
  | { readonly kind: "file"; readonly path: string; readonly name: string }
  | { readonly kind: "s3"; readonly bucket: string; readonly key: string; readonly name: string };

/**
 * What a bucket name may hold: letters, digits, dots, hyphens and underscores, 3 to 255 of
 * them. That is S3's rule for bucket names (3–63 lowercase letters, digits, dots, hyphens:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html) widened to the
 * legacy us-east-1 names (upper case, underscores, up to 255), so no existing bucket is
 * refused, while `user:password@bucket` always is.
 */
const BUCKET_NAME = /^[A-Za-z0-9._-]{3,255}$/;

/**
 * `s3://bucket/prefix` in its parts; null when `text` is not an S3 URL.
 *
 * @throws UsageError (the URL redacted) when the bucket part carries a user name or password,
 *   or is not a bucket name (an empty one is left to the caller, which says what it takes).
 */
export function parseS3Url(text: string): { bucket: string; prefix: string } | null {
  const m = /^s3:\/\/([^/]*)\/?(.*)$/i.exec(text);
  if (m === null) return null;
  const bucket = m[1]!;
  if (hasUserinfo(text) && bucket.includes("@"))
    throw new UsageError(
      `${redactUserinfo(text)} carries a user name or password, which caplab refuses; AWS credentials come from the default credential chain (AWS_PROFILE, the environment, a role), never from a URL.`,
      "credentials-in-url",
    );
  if (bucket !== "" && !BUCKET_NAME.test(bucket))
    throw new UsageError(
      `"${bucket}" in ${text} is not an S3 bucket name (letters, digits, dots and hyphens); write s3://bucket/prefix.`,
      "bad-flag",
    );
  return { bucket, prefix: m[2]! };
}

/** File names a folder walk picks up, per format. */
export const FOLDER_SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  alb: [".log", ".log.gz"],
  nginx: [".log", ".log.gz"],
  k6: [".json", ".ndjson", ".json.gz", ".ndjson.gz"],
  csv: [".csv", ".csv.gz"],
  cloudwatch: [".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz"],
};

/**
 * The S3 object ALB writes when access logging is switched on; it holds no requests.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 */
const ALB_TEST_FILE = "ELBAccessLogTestFile";

/** Formats whose S3 objects are also chosen by suffix (a prefix of CSVs often holds other files). */
const S3_BY_SUFFIX: ReadonlySet<string> = new Set(["csv"]);

/**
 * Every input the SOURCE arguments name, in order: a file as given, a folder's matching
 * files sorted by path, an S3 prefix's objects in key order (all of them, since FireLens and
 * ALB keys need not end in `.log`, except for CSV: `*.csv`, `*.csv.gz`; folder markers and
 * ALB's test file are left out).
 *
 * @throws UsageError when a local path does not exist or a folder holds no matching file.
 */
export async function* listSources(
  args: readonly string[],
  format: string,
  s3: () => S3Client,
): AsyncGenerator<InputSource> {
  const suffixes = FOLDER_SUFFIXES[format] ?? [".log"];
  for (const arg of args) {
    const url = parseS3Url(arg);
    if (url !== null) {
      for await (const page of paginateListObjectsV2(
        { client: s3() },
        { Bucket: url.bucket, Prefix: url.prefix },
      )) {
        for (const object of page.Contents ?? []) {
          const key = object.Key;
          if (key === undefined || key.endsWith("/") || key.endsWith(ALB_TEST_FILE)) continue;
          if (S3_BY_SUFFIX.has(format) && !suffixes.some((s) => key.endsWith(s))) continue;
          yield { kind: "s3", bucket: url.bucket, key, name: `s3://${url.bucket}/${key}` };
        }
      }
      continue;
    }
    if ((await localSourceKind(arg)) === "file") {
      yield { kind: "file", path: arg, name: arg };
      continue;
    }
    const files = await folderFiles(arg, suffixes);
    if (files.length === 0) {
      throw new UsageError(
        `${arg} holds no ${suffixes.map((s) => `*${s}`).join(" or ")} files; check the folder or --format.`,
        "missing-file",
      );
    }
    for (const path of files) yield { kind: "file", path, name: path };
  }
}

/**
 * Whether a local SOURCE argument is a regular file or a folder.
 * @throws UsageError when it does not exist or is a device, FIFO or socket.
 */
export async function localSourceKind(arg: string): Promise<"file" | "folder"> {
  let info;
  try {
    info = await stat(arg);
  } catch (error) {
    throw new UsageError(
      `${arg} does not exist; give a log file, a folder of logs or an s3://bucket/prefix.`,
      "missing-file",
      { cause: error },
    );
  }
  if (info.isDirectory()) return "folder";
  const special = specialFileKind(info);
  if (special !== null)
    throw new UsageError(
      `${arg} is ${special}, not a regular file; caplab reads only regular files (a device never ends, a pipe may never start), so save the data to a file first.`,
      "not-a-file",
    );
  return "file";
}

/**
 * The files under `folder` (walked recursively) whose names end in one of `suffixes`, sorted.
 * A folder below it that caplab wrote (it holds `.caplab-output.json`: an earlier import's
 * bundle, a plan, a report) is left out with everything under it: its files are caplab's own,
 * never a source, so `caplab import logs --out logs/bundle` run twice does not read its first
 * bundle as input.
 */
export async function folderFiles(folder: string, suffixes: readonly string[]): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const outputs = entries
    .filter((e) => e.isFile() && e.name === OUTPUT_MARKER)
    .map((e) => e.parentPath)
    .filter((p) => resolve(p) !== resolve(folder));
  const inOutput = (path: string): boolean =>
    outputs.some((o) => path === o || path.startsWith(o + sep));
  return entries
    .filter((e) => e.isFile() && suffixes.some((s) => e.name.endsWith(s)))
    .filter((e) => !inOutput(e.parentPath))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The bytes of one input, un-gzipped when they are gzip. */
export async function openSource(source: InputSource, s3: () => S3Client): Promise<Readable> {
  if (source.kind === "file") {
    // 1 MiB reads: the default 64 KiB costs a stream round trip (and, gzipped, a gunzip
    // call) per 64 KiB.
    return gunzipIfCompressed(
      createReadStream(source.path, { highWaterMark: READ_BYTES }),
      source.path.endsWith(".gz"),
    );
  }
  const response = await s3().send(
    new GetObjectCommand({ Bucket: source.bucket, Key: source.key }),
  );
  const body = response.Body;
  if (!(body instanceof Readable))
    throw new MalformedResponseError("S3 GetObject", `no readable body for ${source.name}`);
  return gunzipIfCompressed(body, source.key.endsWith(".gz"));
}

/** The size of the reads of a local input, and of gunzip's output chunks. */
const READ_BYTES = 1 << 20;

const GZIP_MAGIC = [0x1f, 0x8b] as const;

/**
 * `stream`, or its gunzipped bytes when it opens with the gzip magic bytes (or `named` says
 * it is gzip and it is too short to tell). Peeks at the first chunk only.
 */
export async function gunzipIfCompressed(stream: Readable, named = false): Promise<Readable> {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head = await chunks.next();
  if (head.done === true) return Readable.from([]);
  const first = Buffer.isBuffer(head.value) ? head.value : Buffer.from(head.value);
  const rest = Readable.from(
    (async function* () {
      yield first;
      for (;;) {
        const next = await chunks.next();
        if (next.done === true) return;
        yield next.value;
      }
    })(),
    { objectMode: false },
  );
  const gzip = first.length >= 2 ? first[0] === GZIP_MAGIC[0] && first[1] === GZIP_MAGIC[1] : named;
  if (!gzip) return rest;
  const gunzip = createGunzip({ chunkSize: READ_BYTES });
  pipeline(rest, gunzip, () => {
    // errors reach the reader through `gunzip`, which pipeline destroys with them
  });
  return gunzip;
}

/** Bad lines reported one by one, with file and line number; the rest are counted in the manifest's notes. */
export const MAX_REPORTED_BAD_LINES = 5;

export { MAX_LINE_CHARS } from "../files/lines.js";

/**
 * Calls `onLine(text, lineNumber)` for every line of `stream` (`\n` or `\r\n`), in order,
 * holding one chunk and one partial line at a time; the stream is read only as fast as the
 * lines are handled. A line over {@link MAX_LINE_CHARS} is passed as null. A byte order mark
 * at the start of the stream (the start of a file) is dropped, as the ALB reader drops it
 * (alb-scan.ts): line 1 reads as without it.
 */
export async function forEachLine(
  stream: Readable,
  onLine: (text: string | null, lineNumber: number) => void,
): Promise<number> {
  const decoder = new StringDecoder("utf8");
  let partial = "";
  let tooLong = false;
  let lineNumber = 0;
  const emit = (text: string): void => {
    lineNumber++;
    if (tooLong) {
      tooLong = false;
      onLine(null, lineNumber);
      return;
    }
    const line = lineNumber === 1 ? withoutByteOrderMark(text) : text;
    onLine(line.endsWith("\r") ? line.slice(0, -1) : line, lineNumber);
  };
  const take = (text: string): void => {
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) break;
      const piece = text.slice(start, nl);
      emit(partial === "" ? piece : partial + piece);
      partial = "";
      start = nl + 1;
    }
    if (start < text.length) {
      if (tooLong) return;
      partial += text.slice(start);
      if (partial.length > MAX_LINE_CHARS) {
        tooLong = true;
        partial = "";
      }
    }
  };
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    take(typeof chunk === "string" ? chunk : decoder.write(chunk));
  }
  take(decoder.end());
  if (partial !== "" || tooLong) emit(partial);
  return lineNumber;
}

/**
 * One sentence and an exit code for an S3 failure while importing from s3:// sources (what
 * `caplab import` prints for every format); null when `error` is not an AWS failure.
 */
export function explainS3ImportFailure(
  error: unknown,
  endpointUrl: string | undefined,
  timeouts: AwsTimeouts,
): { readonly message: string; readonly exitCode: 1 | 2 } | null {
  return explainAwsFailure(error, {
    endpointUrl,
    timeouts,
    policy: "an IAM policy that allows s3:ListBucket and s3:GetObject on the bucket",
    later: "run the same command again later",
    regionFlag: true,
  });
}
