/**
 * `caplab import` as a library call: the flags checked, the S3 client made, the sources read
 * (importTrace, or importK6Run for k6 output) and the bundles written. The command
 * (cli/import-command.ts) only declares the flags, prints and records.
 *
 *   sources (no --format) ──sniffSources (sniff.ts)──▶ the format they all read as, and a line
 *     saying so; or one sentence naming what each reads as (UsageError: exit 2)
 *   sources + {@link ImportFlags} ──checkImportFlags──▶ format, step, window (UsageError: exit 2)
 *     ──checkSourceKinds──▶ (a local file of another kind than --format: UsageError)
 *     ──prepareOutputFolder(--out)──▶ (checked before the possibly long read)
 *     ├─ k6 ──importK6Run──▶ a run bundle in --out
 *     └─ else ──importTrace──▶ a trace bundle in --out; ALB logs of other load balancers
 *          each in a bundle beside it (OUT-NAME)
 *   S3 failures explained in one sentence with their exit code ({@link ImportOutcome} "failed").
 */
import { S3Client } from "@aws-sdk/client-s3";
import {
  BUNDLE_FORMAT,
  TraceBundleManifestSchema,
  seriesIdPart,
  warnings as warn,
  type Env,
  type TraceBundleManifest,
  type WarningSink,
} from "../../../sim/vocab/index.js";
import { IMPORT_DEFAULTS } from "../../../sim/vocab/defaults.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import { caplabVersion } from "../../../sim/io/package-root.js";
import { isCloudWatchPeriod } from "../../cloudwatch-json.js";
import { STEP_SECONDS_CHOICES } from "../../trace.js";
import { awsClientOptions, awsTimeoutsOf, guardAwsClient } from "../aws/aws-client.js";
import { writeBundle, type FixedSeries } from "../files/bundle.js";
import { redactK6OutputsIn } from "../files/k6-redact-files.js";
import { prepareOutputFolder, readOutputMarker, type OutputFolder } from "../files/output.js";
import { parseTimeCell } from "../files/trace-file.js";
import { parseHttpUrl } from "../files/urls.js";
import {
  DEFAULT_IMPORT_STEP_SECONDS,
  IMPORT_FORMATS,
  importTrace,
  type ImportFormat,
  type ImportProgress,
  type ImportResult,
} from "./import.js";
import { importK6Run, type K6RunImport } from "./k6-run.js";
import { importK6Summary, type K6SummaryImport } from "./k6-summary-run.js";
import { checkSourceKinds, isK6SummaryFile, sniffSources } from "./sniff.js";
import { explainS3ImportFailure, parseS3Url } from "./sources.js";

/** What `caplab import` takes besides its sources, as its flags give it. */
export interface ImportFlags {
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
  /** alb only: the load balancer whose lines are imported. */
  readonly loadBalancer?: string;
  readonly endpointUrl?: string;
  /** The S3 region. @default AWS_REGION, else AWS_DEFAULT_REGION, else IMPORT_DEFAULTS.s3Region (us-east-1) */
  readonly region?: string;
  /** Seconds to wait for a connection to S3. @default AWS_CONNECT_TIMEOUT_SECONDS (10) */
  readonly connectTimeout?: number;
  /** Seconds to wait for each S3 answer, and the longest silence within one. @default 60 */
  readonly requestTimeout?: number;
  /** k6 only: k6's --summary-export file of the run. */
  readonly summaryExport?: string;
  /** k6 only: a JSON file with the script's thresholds. */
  readonly thresholds?: string;
  /** k6 only: the scenario name recorded. @default the points' scenario tag */
  readonly scenario?: string;
  /** k6 only: the run's id. */
  readonly runId?: string;
  /** k6 only: the history database. */
  readonly history?: string;
  /** k6 only: false with --no-record. @default true */
  readonly record?: boolean;
  readonly out: string;
  /** Write --out even when caplab did not write what is there (it is kept as a backup). */
  readonly force?: boolean;
}

/** The flags' format, step and window, checked. */
export interface CheckedImportFlags {
  readonly format: ImportFormat;
  /** undefined only for cloudwatch without --step (each series keeps its own period). */
  readonly stepSeconds: number | undefined;
  readonly fromMs: number | undefined;
  readonly toMs: number | undefined;
}

/**
 * Checks the flags against each other before anything is read.
 * @throws UsageError naming the flag and what to write instead
 */
export function checkImportFlags(
  sources: readonly string[],
  opts: ImportFlags,
): CheckedImportFlags {
  const format = parseFormat(opts.format);
  const stepSeconds = format === "cloudwatch" ? parsePeriod(opts.step) : parseStep(opts.step);
  const fromMs = parseWindowTime("--from", opts.from);
  const toMs = parseWindowTime("--to", opts.to);
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs)
    throw new UsageError(
      `--from (${opts.from}) is not before --to (${opts.to}); swap them.`,
      "bad-flag",
    );
  if (sources.length === 0 && !(format === "k6" && opts.summaryExport !== undefined))
    throw new UsageError(
      `caplab import needs at least one SOURCE (a file, a folder or s3://bucket/prefix)${format === "k6" ? ", or --summary-export FILE alone for k6's end-of-test summary" : ""}.`,
      "bad-flag",
    );
  if (format !== "csv" && (opts.timeColumn !== undefined || opts.valueColumn !== undefined))
    throw new UsageError("--time-column and --value-column go with --format csv only.", "bad-flag");
  if (format !== "cloudwatch" && (opts.queries !== undefined || opts.requests !== undefined))
    throw new UsageError("--queries and --requests go with --format cloudwatch only.", "bad-flag");
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
  if (format !== "alb" && opts.loadBalancer !== undefined)
    throw new UsageError("--load-balancer goes with --format alb only.", "bad-flag");
  if (opts.loadBalancer !== undefined && opts.loadBalancer.trim() === "")
    throw new UsageError(
      "--load-balancer is empty; give the load balancer as app/NAME/ID or NAME.",
      "bad-flag",
    );
  if (opts.endpointUrl !== undefined) parseHttpUrl("--endpoint-url", opts.endpointUrl, "aws");
  // Every S3 source is checked (credentials, bucket name) before anything is read.
  for (const source of sources)
    if (parseS3Url(source)?.bucket === "")
      throw new UsageError(`${source} names no bucket; write s3://bucket/prefix.`, "bad-flag");
  return { format, stepSeconds, fromMs, toMs };
}

/** What {@link importBundles} reads and writes with. */
export interface ImportWorld {
  readonly env: Env;
  readonly now: () => Date;
  /** One sentence for the user (a backup kept, a folder recovered). */
  readonly notify: (message: string) => void;
  readonly warn: WarningSink;
  /** Called after each input is read, and with null when the reading ends (not for k6). */
  readonly onProgress?: (progress: ImportProgress | null) => void;
  /** Makes the S3 client (the caller then destroys it); the default reads --endpoint-url and --region. */
  readonly s3?: () => S3Client;
}

/** What an import wrote, or why it could not read its sources. */
export type ImportOutcome =
  | {
      readonly kind: "trace";
      /** The trace bundles written: --out first, then one beside it per other load balancer. */
      readonly bundles: readonly { readonly result: ImportResult; readonly out: string }[];
    }
  | { readonly kind: "k6"; readonly result: K6RunImport | K6SummaryImport; readonly out: string }
  | { readonly kind: "failed"; readonly message: string; readonly exitCode: number };

/**
 * Reads `sources` as the flags say and writes the bundle(s): a run bundle for k6 output, else a
 * trace bundle in --out (and, for ALB logs of several load balancers, one beside it for each of
 * the others, with a warning naming them). An S3 failure is an outcome, explained; a user's
 * mistake is a UsageError; anything else is thrown as it is.
 */
export async function importBundles(
  sources: readonly string[],
  opts: ImportFlags,
  world: ImportWorld,
): Promise<ImportOutcome> {
  let sniffed: { readonly format: string; readonly notice: string } | null = null;
  if (opts.format === undefined) {
    // Without --format: the format every source reads as unambiguously (sniff.ts), else refused.
    const sniff = await sniffSources(
      sources,
      opts.queries === undefined ? {} : { queries: opts.queries },
    );
    if (!sniff.ok) throw new UsageError(sniff.message, "bad-flag");
    sniffed = sniff;
  }
  const flags = sniffed === null ? opts : { ...opts, format: sniffed.format };
  let checked: CheckedImportFlags;
  try {
    checked = checkImportFlags(sources, flags);
  } catch (error) {
    if (!(error instanceof UsageError) || sniffed === null) throw error;
    // Say what the sources were taken for: the flag's message names a --format not given.
    throw new UsageError(
      `${sources.join(", ")} read${sources.length === 1 ? "s" : ""} as --format ${sniffed.format} (sniffed; no --format given), and ${error.message}`,
      error.code,
      { cause: error },
    );
  }
  const { format, stepSeconds, fromMs, toMs } = checked;
  if (sniffed !== null) world.notify(sniffed.notice);
  // k6's end-of-test summary alone: as --summary-export, or as the only SOURCE.
  const summaryOnly =
    format !== "k6"
      ? null
      : sources.length === 0
        ? { summaryExport: opts.summaryExport!, givenAs: "--summary-export" as const }
        : sources.length === 1 &&
            opts.summaryExport === undefined &&
            (await isK6SummaryFile(sources[0]!))
          ? { summaryExport: sources[0]!, givenAs: "SOURCE" as const }
          : null;
  const windowFlags = [
    ["--step", opts.step],
    ["--from", opts.from],
    ["--to", opts.to],
  ].filter(([, v]) => v !== undefined);
  if (summaryOnly !== null && windowFlags.length > 0)
    throw new UsageError(
      `${windowFlags.map(([f]) => f).join(", ")} cannot apply to a k6 summary alone (it holds run-wide figures, no points in time); leave ${windowFlags.length === 1 ? "it" : "them"} out, or import the run's --out json output.`,
      "bad-flag",
    );
  if (summaryOnly !== null && opts.thresholds !== undefined)
    throw new UsageError(
      "--thresholds needs the run's k6 --out json output as SOURCE: a k6 summary carries only the thresholds k6 judged, with k6's verdicts.",
      "bad-flag",
    );
  if (summaryOnly === null) await checkSourceKinds(sources, format);
  // --out is checked before the (possibly long) read, and may not hold the sources.
  const output = await prepareOutputFolder(opts.out, {
    command: "import",
    force: opts.force,
    inputs: [
      ...localSources(sources),
      ...[opts.queries, opts.summaryExport, opts.thresholds].filter((f) => f !== undefined),
    ],
    notify: world.notify,
  });
  const timeouts = awsTimeoutsOf(opts);
  let client: S3Client | undefined;
  const makeS3 =
    world.s3 ??
    ((): S3Client =>
      new S3Client({
        ...awsClientOptions(timeouts),
        region:
          opts.region ??
          world.env.AWS_REGION ??
          world.env.AWS_DEFAULT_REGION ??
          IMPORT_DEFAULTS.s3Region,
        ...(opts.endpointUrl !== undefined
          ? { endpoint: opts.endpointUrl, forcePathStyle: true }
          : {}),
      }));
  const s3 = (): S3Client => (client ??= guardAwsClient(makeS3()));
  const explained = (error: unknown): ImportOutcome => {
    if (error instanceof UsageError) throw error;
    const failure = explainS3ImportFailure(error, opts.endpointUrl, timeouts);
    if (failure === null) throw error;
    return { kind: "failed", ...failure };
  };

  if (summaryOnly !== null) {
    const result = await output.write(async (dir) =>
      withK6OutputsRedacted(
        dir,
        await importK6Summary(
          {
            ...summaryOnly,
            ...(opts.scenario === undefined ? {} : { scenario: opts.scenario }),
            ...(opts.runId === undefined ? {} : { runId: opts.runId }),
            now: world.now(),
          },
          dir,
        ),
      ),
    );
    return { kind: "k6", result, out: output.path };
  }
  if (format === "k6") {
    try {
      const result = await output.write(async (dir) =>
        withK6OutputsRedacted(
          dir,
          await importK6Run(
            {
              sources,
              stepSeconds: stepSeconds ?? DEFAULT_IMPORT_STEP_SECONDS,
              ...(fromMs === undefined ? {} : { fromMs }),
              ...(toMs === undefined ? {} : { toMs }),
              ...(opts.summaryExport === undefined ? {} : { summaryExport: opts.summaryExport }),
              ...(opts.thresholds === undefined ? {} : { thresholdsFile: opts.thresholds }),
              ...(opts.scenario === undefined ? {} : { scenario: opts.scenario }),
              ...(opts.runId === undefined ? {} : { runId: opts.runId }),
              s3,
              now: world.now(),
            },
            dir,
            world.warn,
          ),
        ),
      );
      return { kind: "k6", result, out: output.path };
    } catch (error) {
      return explained(error);
    } finally {
      if (world.s3 === undefined) client?.destroy();
    }
  }

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
        loadBalancer: opts.loadBalancer,
        s3,
        onProgress: world.onProgress,
      },
      world.warn,
    );
  } catch (error) {
    return explained(error);
  } finally {
    world.onProgress?.(null);
    if (world.s3 === undefined) client?.destroy();
  }

  const meta = { sources, caplabVersion: caplabVersion(), createdAt: world.now().toISOString() };
  // Logs of several load balancers: one bundle each, beside --out, never mixed. Every folder is
  // named and checked before the first is written, so a refusal leaves all of them as they were.
  const others = result.more ?? [];
  const folders: string[] = [];
  for (const other of others)
    folders.push(besideOut(opts.out, other.loadBalancer ?? "", [opts.out, ...folders]));
  const prepared: OutputFolder[] = [];
  for (const [i, folder] of folders.entries()) {
    await refuseOtherOutput(folder, others[i]!.loadBalancer ?? "", opts.out);
    prepared.push(
      await prepareOutputFolder(folder, {
        command: "import",
        force: opts.force,
        inputs: localSources(sources),
        notify: world.notify,
      }),
    );
  }
  await writeBundle(output, renderManifest(result, meta), seriesData(result));
  const bundles = [{ result, out: opts.out }];
  for (const [i, other] of others.entries()) {
    await writeBundle(prepared[i]!, renderManifest(other, meta), seriesData(other));
    bundles.push({ result: other, out: folders[i]! });
  }
  if (bundles.length > 1)
    world.warn(
      warn.loadBalancersSplit(
        bundles.map((b) => b.result.loadBalancer ?? ""),
        bundles.map((b) => b.out),
      ),
    );
  return { kind: "trace", bundles };
}

/**
 * `result`, once the copies of k6's output in `dir` are redacted (k6-redact-files.ts): the
 * import has judged the raw output; the bundle keeps it without URL credentials.
 */
async function withK6OutputsRedacted<T>(dir: string, result: T): Promise<T> {
  await redactK6OutputsIn(dir);
  return result;
}

function localSources(sources: readonly string[]): string[] {
  return sources.filter((s) => !s.startsWith("s3://"));
}

function seriesData(result: ImportResult): Map<string, FixedSeries> {
  return new Map<string, FixedSeries>(result.series.map((s) => [s.def.id, s.data]));
}

/**
 * The folder beside `out` for another load balancer's bundle: `OUT-NAME` (NAME from
 * `app/NAME/ID`, which the reader has checked against AWS's rule for load balancer names:
 * letters, digits and hyphens, at most 32), with the ID's start added when a name in `taken`
 * is the same but for case (two such folders are one on a case-insensitive file system, as on
 * macOS and Windows), then `-2`, `-3`, … should that be taken too.
 *
 * @example besideOut("out", "app/api/50dc6c495c0c9188", ["out"])            // "out-api"
 * @example besideOut("out", "app/API/240dbdc5244653c9", ["out", "out-api"]) // "out-API-240dbdc5"
 */
export function besideOut(out: string, loadBalancer: string, taken: readonly string[]): string {
  const [, name = loadBalancer, id = ""] = loadBalancer.split("/");
  const base = `${out.replace(/[\\/]+$/, "")}-${seriesIdPart(name)}`;
  const used = new Set(taken.map((t) => t.toLowerCase()));
  if (!used.has(base.toLowerCase())) return base;
  const withId = `${base}-${seriesIdPart(id.slice(0, 8))}`;
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? withId : `${withId}-${i}`;
    if (!used.has(candidate.toLowerCase())) return candidate;
  }
}

/**
 * Refuses (even with --force) a folder beside --out that holds what caplab wrote for another
 * command (a plan, a simulation, a run): the user named --out, and beside it caplab replaces
 * only an earlier import's bundle. A folder without a marker (none, empty, another's files, an
 * older caplab's) is prepareOutputFolder's to judge.
 */
async function refuseOtherOutput(folder: string, loadBalancer: string, out: string): Promise<void> {
  const marker = await readOutputMarker(folder);
  if (marker === null || marker.command === "import") return;
  throw new UsageError(
    `${folder}, where the bundle of load balancer ${loadBalancer} goes (beside --out ${out}), holds the output of caplab ${marker.command}, not of an import; move it away, or give --out another name (--force does not change this).`,
    "unsafe-output",
  );
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

function parseFormat(text: string | undefined): ImportFormat {
  if (text === undefined)
    throw new UsageError(
      `caplab import needs --format (${IMPORT_FORMATS.join(", ")}).`,
      "bad-flag",
    );
  if (!(IMPORT_FORMATS as readonly string[]).includes(text))
    throw new UsageError(
      `--format ${text} is not one of ${IMPORT_FORMATS.join(", ")}; pick the one the SOURCE is written in.`,
      "bad-flag",
    );
  return text as ImportFormat;
}

function parseStep(text: string | undefined): number {
  if (text === undefined) return DEFAULT_IMPORT_STEP_SECONDS;
  const n = Number(text);
  if (!(STEP_SECONDS_CHOICES as readonly number[]).includes(n))
    throw new UsageError(
      `--step ${text} is not one of ${STEP_SECONDS_CHOICES.join(", ")} (seconds).`,
      "bad-flag",
    );
  return n;
}

/** --step for --format cloudwatch: any period CloudWatch takes; undefined when not given. */
function parsePeriod(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!isCloudWatchPeriod(n))
    throw new UsageError(
      `--step ${text} is not a CloudWatch period; give 1, 5, 10, 20, 30 or a multiple of 60 (seconds).`,
      "bad-flag",
    );
  return n;
}

function parseWindowTime(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseTimeCell(text.trim());
  if (ms === null)
    throw new UsageError(
      `${flag} "${text}" is not a time; write it as ISO 8601 (2025-04-08T00:00:00Z) or unix seconds.`,
      "bad-flag",
    );
  return ms;
}
