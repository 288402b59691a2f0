/**
 * Gathering the k6 JSON output of each execution segment after its ECS task stopped, into
 * `<bundle>/segments/<index>/k6.json.gz`, ready for scenarios/io/k6-merge.ts:
 *
 *   --results s3://bucket/prefix
 *     task:   its entrypoint (examples/ecs-k6) runs k6, then uploads /tmp/k6.json.gz to
 *             CAPLAB_RESULTS_URI = s3://bucket/prefix/<runId>/<index>/
 *     caplab: ListObjectsV2 under that prefix ──GetObject, streamed to a temporary name,
 *             renamed──▶ k6.json.gz (+ summary.json) ──read once──▶ its Points counted
 *   --results logs
 *     task:   k6 --out json=/dev/stdout; the awslogs driver ships stdout to CloudWatch Logs
 *     caplab: DescribeTaskDefinition → awslogs-group, awslogs-stream-prefix (awsLogsConfig)
 *             ──GetLogEvents from the head, nextForwardToken until it repeats──▶ lines that
 *             are k6 JSON kept (gzipped), other lines counted
 *   each segment: SegmentOutput, found (file, Points) or missing (one sentence: where it looked)
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { GetLogEventsCommand, type CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeTaskDefinitionCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { parseK6Line } from "../../analysis/k6-results.js";
import { UsageError } from "../../sim/vocab/errors.js";
import { listSources, parseS3Url } from "../../analysis/io/import/sources.js";
import { redactUserinfo } from "../../analysis/io/files/urls.js";
import { readK6Parsed } from "./k6-merge.js";
import { MalformedResponseError } from "../../analysis/io/aws/aws-client.js";

/** Where segments leave their output. */
export type ResultsDestination =
  | {
      readonly kind: "s3";
      readonly bucket: string;
      /** Key prefix without a trailing slash; "" for the bucket's root. */
      readonly prefix: string;
    }
  | { readonly kind: "logs" };

/** The environment variable that tells a task where to upload its output. */
export const RESULTS_URI_ENV = "CAPLAB_RESULTS_URI";

/** Where k6 writes its JSON output inside an S3-mode task (the entrypoint uploads it). */
export const TASK_OUTPUT_FILE = "/tmp/k6.json.gz";
/** Where k6 writes `--summary-export` inside an S3-mode task. */
export const TASK_SUMMARY_FILE = "/tmp/summary.json";

/** The output's name, locally and in S3. */
export const SEGMENT_OUTPUT_NAME = "k6.json.gz";
/** Other files a task may upload, kept beside the output when present. */
export const SEGMENT_EXTRA_NAMES = ["summary.json"] as const;

/**
 * Seconds to wait after the last task stopped before reading CloudWatch Logs: the awslogs
 * driver's last batch may still be on its way. @default 10
 */
export const LOGS_SETTLE_SECONDS = 10;

/** `--results` → a destination; a UsageError says what to write instead. */
export function parseResultsFlag(text: string): ResultsDestination {
  if (text === "logs") return { kind: "logs" };
  const url = parseS3Url(text);
  if (url === null || url.bucket === "")
    throw new UsageError(
      `--results takes s3://bucket/prefix (each task uploads its output there) or logs (read from the task definition's awslogs log group), not "${redactUserinfo(text)}".`,
      "bad-flag",
    );
  return { kind: "s3", bucket: url.bucket, prefix: url.prefix.replace(/\/+$/, "") };
}

/** `s3://bucket/prefix/<runId>/`: the run's folder. */
export function runResultsUri(
  destination: Extract<ResultsDestination, { kind: "s3" }>,
  runId: string,
): string {
  const prefix = destination.prefix === "" ? "" : `${destination.prefix}/`;
  return `s3://${destination.bucket}/${prefix}${runId}/`;
}

/** `s3://bucket/prefix/<runId>/<index>/`: one segment's folder. */
export function segmentResultsUri(
  destination: Extract<ResultsDestination, { kind: "s3" }>,
  runId: string,
  index: number,
): string {
  return `${runResultsUri(destination, runId)}${index}/`;
}

/** One segment's output: a local k6 JSON file, or one sentence on where it was not found. */
export type SegmentOutput =
  | {
      readonly found: true;
      /** The gathered file, `<bundle>/segments/<index>/k6.json.gz`. */
      readonly file: string;
      /** Where it came from: an s3:// URL or `logs:GROUP/STREAM`. */
      readonly source: string;
      readonly points: number;
      /** Lines that were not k6 JSON (CloudWatch Logs: k6's own messages on stdout). */
      readonly otherLines: number;
      /** Other files kept beside it (summary.json). */
      readonly extras: readonly string[];
    }
  | { readonly found: false; readonly source: string; readonly reason: string };

/** `name.tmp-xxxx` beside `path`. */
function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}.tmp`);
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, "drain");
}

/** AWS's "Code: message", or the message alone. */
function awsMessage(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return e.name && e.name !== "Error" ? `${e.name}: ${e.message ?? ""}` : (e.message ?? "");
}

/** Streams one S3 object to `path` (temporary name, then rename). */
async function downloadObject(
  s3: S3Client,
  bucket: string,
  key: string,
  path: string,
): Promise<void> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = response.Body;
  if (!(body instanceof Readable))
    throw new MalformedResponseError("S3 GetObject", `no readable body for s3://${bucket}/${key}`);
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempBeside(path);
  try {
    await pipeline(body, createWriteStream(tmp));
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Counts the k6 lines of a gathered file; an error names the first line that is not k6 JSON. */
async function countK6Lines(path: string): Promise<{ points: number; lines: number }> {
  let points = 0;
  let lines = 0;
  for await (const { line } of readK6Parsed(path)) {
    if (line === null) continue;
    lines++;
    if (line.type === "Point") points++;
  }
  return { points, lines };
}

/**
 * Fetches one segment's upload from `uri` (its S3 folder) into `dir`: `k6.json.gz`, plus
 * `summary.json` when the task uploaded one. Never throws for a segment's own trouble (no
 * object, AccessDenied, not k6 JSON): that is a missing output, said in one sentence.
 */
export async function fetchS3Output(
  s3: () => S3Client,
  uri: string,
  dir: string,
  label: string,
): Promise<SegmentOutput> {
  const url = parseS3Url(uri);
  if (url === null) throw new Error(`fetchS3Output requires an s3:// URL, not ${uri}`);
  const source = `${uri}${SEGMENT_OUTPUT_NAME}`;
  const missing = (why: string): SegmentOutput => ({
    found: false,
    source,
    reason: `segment ${label}: ${why}`,
  });
  try {
    const keys = new Set<string>();
    for await (const object of listSources([uri], "k6", s3))
      if (object.kind === "s3") keys.add(object.key);
    const outputKey = `${url.prefix}${SEGMENT_OUTPUT_NAME}`;
    if (!keys.has(outputKey))
      return missing(
        `no ${SEGMENT_OUTPUT_NAME} under ${uri} (${keys.size === 0 ? "nothing there" : `only ${[...keys].map((k) => k.slice(url.prefix.length)).join(", ")}`}); the task's entrypoint uploads it when k6 ends (examples/ecs-k6).`,
      );
    const file = join(dir, SEGMENT_OUTPUT_NAME);
    await downloadObject(s3(), url.bucket, outputKey, file);
    const extras: string[] = [];
    for (const name of SEGMENT_EXTRA_NAMES)
      if (keys.has(`${url.prefix}${name}`)) {
        await downloadObject(s3(), url.bucket, `${url.prefix}${name}`, join(dir, name));
        extras.push(name);
      }
    let counted;
    try {
      counted = await countK6Lines(file);
    } catch (error) {
      await rm(file, { force: true });
      return missing(`${source} is not k6 JSON output: ${(error as Error).message}.`);
    }
    if (counted.lines === 0) return missing(`${source} holds no k6 JSON line.`);
    return { found: true, file, source, points: counted.points, otherLines: 0, extras };
  } catch (error) {
    return missing(`S3 refused ${uri}: ${awsMessage(error)}.`);
  }
}

/** The awslogs settings of the k6 container, read from its task definition. */
export interface AwsLogsConfig {
  readonly taskDefinition: string;
  readonly container: string;
  /** `awslogs-group`. */
  readonly group: string;
  /** `awslogs-stream-prefix`: streams are `prefix/container/taskId`. */
  readonly streamPrefix: string;
  /** `awslogs-region`, when the log group is in another region than the tasks. */
  readonly region: string | null;
}

/**
 * The k6 container's awslogs log group and stream prefix (DescribeTaskDefinition).
 *
 * @throws UsageError naming the task definition field that is missing or wrong.
 */
export async function awsLogsConfig(
  ecs: ECSClient,
  taskDefinition: string,
  container: string,
): Promise<AwsLogsConfig> {
  const out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
  const definitions = out.taskDefinition?.containerDefinitions ?? [];
  const def = definitions.find((c) => c.name === container);
  const fix = "or gather with --results s3://bucket/prefix instead.";
  if (def === undefined)
    throw new UsageError(
      `task definition ${taskDefinition} has no container named "${container}" (it has ${definitions.map((c) => `"${c.name}"`).join(", ") || "none"}); pass --container NAME.`,
      "bad-task-definition",
    );
  const where = `task definition ${taskDefinition}, container "${container}"`;
  const log = def.logConfiguration;
  if (log === undefined)
    throw new UsageError(
      `${where} has no logConfiguration; --results logs needs logConfiguration.logDriver "awslogs" with options awslogs-group and awslogs-stream-prefix, ${fix}`,
      "bad-task-definition",
    );
  if (log.logDriver !== "awslogs")
    throw new UsageError(
      `${where}: logConfiguration.logDriver is "${log.logDriver}", not "awslogs"; --results logs reads the awslogs driver's streams, ${fix}`,
      "bad-task-definition",
    );
  const group = log.options?.["awslogs-group"];
  if (!group)
    throw new UsageError(
      `${where}: logConfiguration.options."awslogs-group" is not set; set it to the log group, ${fix}`,
      "bad-task-definition",
    );
  const streamPrefix = log.options?.["awslogs-stream-prefix"];
  if (!streamPrefix)
    throw new UsageError(
      `${where}: logConfiguration.options."awslogs-stream-prefix" is not set, so a task's log stream cannot be found from its ID; set it (e.g. "k6"), ${fix}`,
      "bad-task-definition",
    );
  return {
    taskDefinition,
    container,
    group,
    streamPrefix,
    region: log.options?.["awslogs-region"] ?? null,
  };
}

/** The task ID: the last part of `arn:aws:ecs:region:account:task/cluster/ID` (or `task/ID`). */
export function taskIdOf(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf("/") + 1);
}

/** The awslogs driver's stream for a task: `prefix/container/taskId`. */
export function logStreamName(config: AwsLogsConfig, taskArn: string): string {
  return `${config.streamPrefix}/${config.container}/${taskIdOf(taskArn)}`;
}

/**
 * Reads a task's log stream from its head, page after page (a fresh GetLogEvents input each
 * time, following nextForwardToken until CloudWatch Logs returns the token it was given),
 * keeps the events that are k6 JSON lines in `dir/k6.json.gz`, and counts the others.
 */
export async function fetchLogsOutput(
  logs: CloudWatchLogsClient,
  config: AwsLogsConfig,
  taskArn: string,
  dir: string,
  label: string,
): Promise<SegmentOutput> {
  const stream = logStreamName(config, taskArn);
  const source = `logs:${config.group}/${stream}`;
  const missing = (why: string): SegmentOutput => ({
    found: false,
    source,
    reason: `segment ${label}: ${why}`,
  });
  const file = join(dir, SEGMENT_OUTPUT_NAME);
  await mkdir(dir, { recursive: true });
  const tmp = tempBeside(file);
  const gzip = createGzip();
  const sink = createWriteStream(tmp);
  gzip.pipe(sink);
  let points = 0;
  let kept = 0;
  let otherLines = 0;
  try {
    let token: string | undefined;
    for (;;) {
      const page = await logs.send(
        new GetLogEventsCommand({
          logGroupName: config.group,
          logStreamName: stream,
          startFromHead: true,
          ...(token === undefined ? {} : { nextToken: token }),
        }),
      );
      for (const event of page.events ?? []) {
        const text = (event.message ?? "").replace(/\r?\n$/, "");
        let line;
        try {
          line = parseK6Line(text);
        } catch {
          otherLines++;
          continue;
        }
        if (line === null) continue;
        kept++;
        if (line.type === "Point") points++;
        await write(gzip, `${text}\n`);
      }
      const next = page.nextForwardToken;
      if (next === undefined || next === token) break;
      token = next;
    }
    gzip.end();
    await once(sink, "close");
  } catch (error) {
    gzip.destroy();
    sink.destroy();
    await rm(tmp, { force: true });
    if ((error as { name?: string }).name === "ResourceNotFoundException")
      return missing(
        `no log stream ${stream} in log group ${config.group} (CloudWatch Logs); did the task start k6?`,
      );
    return missing(`CloudWatch Logs refused ${config.group}/${stream}: ${awsMessage(error)}.`);
  }
  if (kept === 0) {
    await rm(tmp, { force: true });
    return missing(
      `log stream ${config.group}/${stream} holds no k6 JSON line (${otherLines} other lines); does the task run k6 with --out json=/dev/stdout?`,
    );
  }
  await rename(tmp, file);
  return { found: true, file, source, points, otherLines, extras: [] };
}
