/**
 * `caplab import SOURCE… --format alb|nginx|csv|k6|cloudwatch --out DIR`: access logs, k6
 * results, a CSV series or saved CloudWatch JSON into a trace bundle (sim/vocab/bundle.ts) that
 * `simulate` and `plan` read with `trace: { file: DIR }`. The reading is in analysis/io/import/;
 * this file checks the flags, writes the bundle and prints.
 */
import { S3Client } from "@aws-sdk/client-s3";
import {
  awsClientOptions,
  awsTimeoutsOf,
  explainAwsFailure,
  guardAwsClient,
} from "../analysis/io/aws/aws-client.js";
import { isCloudWatchPeriod } from "../analysis/cloudwatch-json.js";
import { STEP_SECONDS_CHOICES } from "../analysis/trace.js";
import {
  DEFAULT_IMPORT_STEP_SECONDS,
  IMPORT_FORMATS,
  importTrace,
  type ImportFormat,
  type ImportResult,
} from "../analysis/io/import/import.js";
import {
  BUNDLE_FORMAT,
  BUNDLE_REQUESTS_SERIES,
  TraceBundleManifestSchema,
  type TraceBundleManifest,
  type Warning,
} from "../sim/vocab/index.js";
import { writeBundle, type FixedSeries } from "../analysis/io/files/bundle.js";
import { caplabVersion, prepareOutputFolder } from "../analysis/io/files/output.js";
import { UsageError } from "../sim/vocab/errors.js";
import { parseHttpUrl } from "../analysis/io/files/urls.js";
import { parseS3Url } from "../analysis/io/import/sources.js";
import type { Io } from "./main.js";
import { printWarnings } from "./main.js";
import { parseTimeCell } from "../analysis/io/files/trace-file.js";
import { importK6RunCommand } from "./import-k6.js";

export { DEFAULT_IMPORT_STEP_SECONDS, IMPORT_FORMATS };

export interface ImportCommandOptions {
  readonly format?: string;
  readonly step?: string;
  readonly from?: string;
  readonly to?: string;
  readonly timeColumn?: string;
  readonly valueColumn?: string;
  /** cloudwatch only: the --metric-data-queries JSON file. */
  readonly queries?: string;
  /** cloudwatch only: the series that counts requests (query Id, Label or series id). */
  readonly requests?: string;
  readonly endpointUrl?: string;
  readonly region?: string;
  /** Seconds to wait for a connection to S3. @default AWS_CONNECT_TIMEOUT_SECONDS (10) */
  readonly connectTimeout?: number;
  /** Seconds to wait for each S3 answer, and the longest silence within one. @default 60 */
  readonly requestTimeout?: number;
  /** k6 only: k6's --summary-export file of the run. */
  readonly summaryExport?: string;
  /** k6 only: a JSON file with the script's thresholds. */
  readonly thresholds?: string;
  /** k6 only: the scenario name recorded. */
  readonly scenario?: string;
  /** k6 only: the run's id. */
  readonly runId?: string;
  /** k6 only: the history database. */
  readonly history?: string;
  /** k6 only: false with --no-record. @default true */
  readonly record?: boolean;
  readonly out: string;
  readonly quiet?: boolean;
  /** Write --out even when caplab did not write what is there (it is kept as a backup). */
  readonly force?: boolean;
}

export interface ImportDeps {
  readonly now: () => Date;
  /** Makes the S3 client; the default reads --endpoint-url and --region. */
  readonly s3?: () => S3Client;
}

export async function runImportCommand(
  sources: readonly string[],
  opts: ImportCommandOptions,
  io: Io,
  deps: ImportDeps = { now: () => new Date() },
): Promise<number> {
  const format = parseFormat(opts.format);
  const stepSeconds = format === "cloudwatch" ? parsePeriod(opts.step) : parseStep(opts.step);
  const fromMs = parseWindowTime("--from", opts.from);
  const toMs = parseWindowTime("--to", opts.to);
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) {
    throw new UsageError(
      `--from (${opts.from}) is not before --to (${opts.to}); swap them.`,
      "bad-flag",
    );
  }
  if (sources.length === 0) {
    throw new UsageError(
      "caplab import needs at least one SOURCE (a file, a folder or s3://bucket/prefix).",
      "bad-flag",
    );
  }
  if (format !== "csv" && (opts.timeColumn !== undefined || opts.valueColumn !== undefined)) {
    throw new UsageError("--time-column and --value-column go with --format csv only.", "bad-flag");
  }
  if (format !== "cloudwatch" && (opts.queries !== undefined || opts.requests !== undefined)) {
    throw new UsageError("--queries and --requests go with --format cloudwatch only.", "bad-flag");
  }

  const k6Only = (
    [
      ["--summary-export", opts.summaryExport],
      ["--thresholds", opts.thresholds],
      ["--scenario", opts.scenario],
      ["--run-id", opts.runId],
      ["--history", opts.history],
      ["--no-record", opts.record === false ? true : undefined],
    ] as const
  ).filter(([, v]) => v !== undefined);
  if (format !== "k6" && k6Only.length > 0)
    throw new UsageError(
      `${k6Only.map(([f]) => f).join(", ")} go${k6Only.length === 1 ? "es" : ""} with --format k6 only.`,
      "bad-flag",
    );

  if (opts.endpointUrl !== undefined) parseHttpUrl("--endpoint-url", opts.endpointUrl, "aws");
  // Every S3 source is checked (credentials, bucket name) before anything is read.
  for (const source of sources)
    if (parseS3Url(source)?.bucket === "")
      throw new UsageError(`${source} names no bucket; write s3://bucket/prefix.`, "bad-flag");

  // --out is checked before the (possibly long) read, and may not hold the sources.
  const output = await prepareOutputFolder(opts.out, {
    command: "import",
    force: opts.force,
    inputs: [
      ...sources.filter((s) => !s.startsWith("s3://")),
      ...[opts.queries, opts.summaryExport, opts.thresholds].filter((f) => f !== undefined),
    ],
    notify: (message) => io.err(`caplab: ${message}\n`),
  });

  const timeouts = awsTimeoutsOf(opts);
  let client: S3Client | undefined;
  const makeS3 =
    deps.s3 ??
    ((): S3Client =>
      new S3Client({
        ...awsClientOptions(timeouts),
        region:
          opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
        ...(opts.endpointUrl !== undefined
          ? { endpoint: opts.endpointUrl, forcePathStyle: true }
          : {}),
      }));
  const s3 = (): S3Client => (client ??= guardAwsClient(makeS3()));
  if (format === "k6")
    try {
      return await importK6RunCommand(
        sources,
        opts,
        { stepSeconds: stepSeconds ?? DEFAULT_IMPORT_STEP_SECONDS, fromMs, toMs, s3 },
        output,
        io,
        {
          now: deps.now,
          timeouts,
        },
      );
    } finally {
      if (deps.s3 === undefined) client?.destroy();
    }

  const warnings: Warning[] = [];
  const progress = io.isTty && !opts.quiet;
  // caplab's own control sequences (return, erase line) straight to the terminal, as the
  // progress bars of plan and collect do: `io` makes every control character visible.
  const progressLine = (text: string): void => void process.stderr.write(text);
  let result: ImportResult;
  try {
    result = await importTrace(
      {
        format,
        sources,
        stepSeconds,
        fromMs,
        toMs,
        timeColumn: opts.timeColumn,
        valueColumn: opts.valueColumn,
        queriesFile: opts.queries,
        requests: opts.requests,
        s3,
        onProgress: progress
          ? (p) =>
              progressLine(
                `\rimport: ${p.files} input${p.files === 1 ? "" : "s"}, ${p.lines} lines\x1b[K`,
              )
          : undefined,
      },
      (w) => warnings.push(w),
    );
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const explained = explainAwsFailure(error, {
      endpointUrl: opts.endpointUrl,
      timeouts,
      policy: "an IAM policy that allows s3:ListBucket and s3:GetObject on the bucket",
      later: "run the same command again later",
      regionFlag: true,
    });
    if (explained === null) throw error;
    io.err(`caplab: ${explained.message}\n`);
    return explained.exitCode;
  } finally {
    if (progress) progressLine("\r\x1b[K");
    if (deps.s3 === undefined) client?.destroy();
  }

  const manifest = renderManifest(result, {
    sources,
    caplabVersion: await caplabVersion(),
    createdAt: deps.now().toISOString(),
  });
  const data = new Map<string, FixedSeries>(result.series.map((s) => [s.def.id, s.data]));
  await writeBundle(output, manifest, data);

  printWarnings(io, warnings);
  if (!opts.quiet) io.out(renderImportSummary(result, opts.out));
  return 0;
}

/** The bundle manifest of an import. */
export function renderManifest(
  result: ImportResult,
  meta: { sources: readonly string[]; caplabVersion: string; createdAt: string },
): TraceBundleManifest {
  const detail = [meta.sources.join(" "), result.detail].filter((s) => s !== "").join("; ");
  return TraceBundleManifestSchema.parse({
    format: BUNDLE_FORMAT,
    caplabVersion: meta.caplabVersion,
    createdAt: meta.createdAt,
    source: { kind: result.kind, detail },
    window: {
      from: new Date(result.window.fromMs).toISOString(),
      to: new Date(result.window.toMs).toISOString(),
    },
    stepSeconds: result.stepSeconds,
    series: result.series.map((s) => s.def),
    notes: [...result.notes],
  });
}

/** What an import did, in a few lines. */
export function renderImportSummary(result: ImportResult, out: string): string {
  const s = result.stats;
  const steps = Math.round(
    (result.window.toMs - result.window.fromMs) / (result.stepSeconds * 1000),
  );
  const first =
    result.kind === "cloudwatch"
      ? [
          `Imported ${result.series.length} series from ${s.files} input${s.files === 1 ? "" : "s"} (${s.lines} datapoints and events, ${s.badLines} bad) into ${out}`,
          `  requests ${result.requestsFrom ?? BUNDLE_REQUESTS_SERIES}: ${Number(s.requests.toPrecision(12))} in the window`,
        ]
      : [
          `Imported ${s.requests} requests from ${s.files} input${s.files === 1 ? "" : "s"} (${s.lines} lines, ${s.badLines} bad) into ${out}`,
        ];
  return [
    ...first,
    `  window   ${new Date(result.window.fromMs).toISOString()} .. ${new Date(result.window.toMs).toISOString()} (${steps} steps of ${result.stepSeconds} s)`,
    `  series   ${seriesList(result.series.map((x) => x.def.id))}`,
    `  use it   trace: { file: ${out} } in a simulate or plan config`,
    "",
  ].join("\n");
}

/** Series ids for the summary: the first 12, then how many in all. */
function seriesList(ids: readonly string[]): string {
  return ids.length <= 12
    ? ids.join(", ")
    : `${ids.slice(0, 12).join(", ")}, … (${ids.length} in all)`;
}

function parseFormat(text: string | undefined): ImportFormat {
  if (text === undefined)
    throw new UsageError(
      `caplab import needs --format (${IMPORT_FORMATS.join(", ")}).`,
      "bad-flag",
    );
  if (!(IMPORT_FORMATS as readonly string[]).includes(text)) {
    throw new UsageError(
      `--format ${text} is not one of ${IMPORT_FORMATS.join(", ")}; pick the one the SOURCE is written in.`,
      "bad-flag",
    );
  }
  return text as ImportFormat;
}

function parseStep(text: string | undefined): number {
  if (text === undefined) return DEFAULT_IMPORT_STEP_SECONDS;
  const n = Number(text);
  if (!(STEP_SECONDS_CHOICES as readonly number[]).includes(n)) {
    throw new UsageError(
      `--step ${text} is not one of ${STEP_SECONDS_CHOICES.join(", ")} (seconds).`,
      "bad-flag",
    );
  }
  return n;
}

/** --step for --format cloudwatch: any period CloudWatch takes; undefined when not given. */
function parsePeriod(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!isCloudWatchPeriod(n)) {
    throw new UsageError(
      `--step ${text} is not a CloudWatch period; give 1, 5, 10, 20, 30 or a multiple of 60 (seconds).`,
      "bad-flag",
    );
  }
  return n;
}

function parseWindowTime(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseTimeCell(text.trim());
  if (ms === null) {
    throw new UsageError(
      `${flag} "${text}" is not a time; write it as ISO 8601 (2025-04-08T00:00:00Z) or unix seconds.`,
      "bad-flag",
    );
  }
  return ms;
}
