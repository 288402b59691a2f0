/**
 * `caplab import SOURCE… --format alb|nginx|csv|k6|cloudwatch --out DIR`: access logs, k6
 * results, a CSV series or saved CloudWatch JSON into a trace bundle (sim/vocab/bundle.ts) that
 * `simulate` and `plan` read with `trace: { file: DIR }`. The reading is in analysis/io/import/;
 * this file checks the flags, writes the bundle and prints.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { Option } from "commander";
import { awsClientOptions, awsTimeoutsOf, guardAwsClient } from "../analysis/io/aws/aws-client.js";
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
  seriesIdPart,
  warnings as warn,
  type TraceBundleManifest,
  type Warning,
} from "../sim/vocab/index.js";
import { writeBundle, type FixedSeries } from "../analysis/io/files/bundle.js";
import { FORCE_HELP, prepareOutputFolder } from "../analysis/io/files/output.js";
import { caplabVersion } from "../sim/io/package-root.js";
import { UsageError } from "../sim/vocab/errors.js";
import { parseHttpUrl } from "../analysis/io/files/urls.js";
import { explainS3ImportFailure, parseS3Url } from "../analysis/io/import/sources.js";
import { parseTimeCell } from "../analysis/io/files/trace-file.js";
import { printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { connectTimeoutOption, requestTimeoutOption } from "./flags.js";
import { addExamples, helpWidth } from "./help.js";
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
  /** alb only: the load balancer whose lines are imported. */
  readonly loadBalancer?: string;
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
  /** Makes the S3 client; the default reads --endpoint-url and --region. */
  readonly s3?: () => S3Client;
}

/** Runs `caplab import`; returns the exit code. */
export async function runImportCommand(
  sources: readonly string[],
  opts: ImportCommandOptions,
  ctx: CliContext,
  deps: ImportDeps = {},
): Promise<number> {
  const { io, env } = ctx;
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

  if (format !== "alb" && opts.loadBalancer !== undefined) {
    throw new UsageError("--load-balancer goes with --format alb only.", "bad-flag");
  }
  if (opts.loadBalancer !== undefined && opts.loadBalancer.trim() === "") {
    throw new UsageError(
      "--load-balancer is empty; give the load balancer as app/NAME/ID or NAME.",
      "bad-flag",
    );
  }

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
        region: opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
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
        ctx,
        timeouts,
      );
    } finally {
      if (deps.s3 === undefined) client?.destroy();
    }

  const warnings: Warning[] = [];
  const terminal = io.isTty && !opts.quiet ? ctx.terminal : null;
  const progress = terminal !== null;
  // caplab's own control sequences (return, erase line) straight to the terminal, as the
  // progress bars of plan and collect do: `io` makes every control character visible.
  const progressLine = (text: string): void => void terminal?.write(text);
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
    const explained = explainS3ImportFailure(error, opts.endpointUrl, timeouts);
    if (explained === null) throw error;
    io.err(`caplab: ${explained.message}\n`);
    return explained.exitCode;
  } finally {
    if (progress) progressLine("\r\x1b[K");
    if (deps.s3 === undefined) client?.destroy();
  }

  const meta = {
    sources,
    caplabVersion: caplabVersion(),
    createdAt: ctx.now().toISOString(),
  };
  await writeBundle(output, renderManifest(result, meta), seriesData(result));
  // Logs of several load balancers: one bundle each, beside --out, never mixed.
  const more = result.more ?? [];
  const folders: string[] = [];
  for (const other of more) {
    const folder = besideOut(opts.out, other.loadBalancer ?? "", folders);
    folders.push(folder);
    const prepared = await prepareOutputFolder(folder, {
      command: "import",
      force: opts.force,
      inputs: sources.filter((s) => !s.startsWith("s3://")),
      notify: (message) => io.err(`caplab: ${message}\n`),
    });
    await writeBundle(prepared, renderManifest(other, meta), seriesData(other));
  }
  if (more.length > 0)
    warnings.push(
      warn.loadBalancersSplit(
        [result, ...more].map((r) => r.loadBalancer ?? ""),
        [opts.out, ...folders],
      ),
    );

  printWarnings(io, warnings);
  if (!opts.quiet) {
    io.out(renderImportSummary(result, opts.out));
    more.forEach((other, i) => io.out(renderImportSummary(other, folders[i]!)));
  }
  return 0;
}

function seriesData(result: ImportResult): Map<string, FixedSeries> {
  return new Map<string, FixedSeries>(result.series.map((s) => [s.def.id, s.data]));
}

/**
 * The folder beside `out` for another load balancer's bundle: `OUT-NAME` (NAME from
 * `app/NAME/ID`, in file-name characters), with the ID's start added when two share a NAME.
 */
export function besideOut(out: string, loadBalancer: string, taken: readonly string[]): string {
  const [, name = loadBalancer, id = ""] = loadBalancer.split("/");
  const base = `${out.replace(/[\\/]+$/, "")}-${seriesIdPart(name)}`;
  if (!taken.includes(base)) return base;
  return `${base}-${seriesIdPart(id.slice(0, 8))}`;
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
          result.requestsFrom === undefined
            ? "  requests none: no series counts requests (no RequestCount; --requests names one)"
            : `  requests ${result.requestsFrom}: ${Number(s.requests.toPrecision(12))} in the window`,
        ]
      : [
          `Imported ${Math.round(s.requests)} requests${result.loadBalancer === undefined ? "" : ` of ${result.loadBalancer}`} from ${s.files} input${s.files === 1 ? "" : "s"} (${s.lines} lines, ${s.badLines} bad) into ${out}`,
        ];
  return [
    ...first,
    `  window   ${new Date(result.window.fromMs).toISOString()} .. ${new Date(result.window.toMs).toISOString()} (${steps} steps of ${result.stepSeconds} s)`,
    `  series   ${seriesList(result.series.map((x) => x.def.id))}`,
    ...usesOf(result, out),
    "",
  ].join("\n");
}

/**
 * Which commands read the bundle, as the summary's last lines. Every command named here reads
 * it (test/cli/import-command.test.ts runs them on the bundled samples).
 */
function usesOf(result: ImportResult, out: string): string[] {
  const cpu = result.series.filter((s) => CPU_SERIES.test(s.def.id));
  const counts = result.series.filter((s) => TASK_COUNT_SERIES.test(s.def.id));
  const readers = [`caplab report ${out}`, ...(cpu.length > 0 ? [`caplab rightsize ${out}`] : [])];
  // calibrate without a fit keeps a config's values for what the data cannot give.
  const withConfig = `caplab calibrate ${out} --config YOUR.yaml (it keeps the config's values where the data cannot fit them)`;
  if (!result.series.some((s) => s.def.id === BUNDLE_REQUESTS_SERIES))
    return [
      `  use it   ${[...readers, withConfig].join(", ")}; simulate and plan need a requests series (--requests)`,
    ];
  // calibrate fits CPU against requests: both (and a task count) for the same time.
  const inWindow = (list: typeof cpu) => list.some((s) => hasDataIn(s.data, result.window));
  const fits = inWindow(cpu) && inWindow(counts);
  return [
    `  use it   trace: { file: ${out} } in a simulate or plan config`,
    `           ${[...readers, fits ? `caplab calibrate ${out}` : withConfig].join(", ")}${
      cpu.length > 0 && !fits
        ? "; calibrate fits CPU only where CPU and task counts cover the requests' time"
        : ""
    }`,
  ];
}

/** Series that hold CPU used per task, or a share of it. */
const CPU_SERIES = /^(task\.[^.]+\.CpuUtilized|ci\.CpuUtilized|ecs\.CPUUtilization)\.Average$/;
/** Series that give the running-task count (or per-task series to count). */
const TASK_COUNT_SERIES = /^(ci\.RunningTaskCount|task\.[^.]+\.CpuUtilized)\.Average$/;

/** Whether a fixed-step series has a value in [fromMs, toMs). */
function hasDataIn(data: FixedSeries, window: { fromMs: number; toMs: number }): boolean {
  const stepMs = data.stepSeconds * 1000;
  for (let i = 0; i < data.values.length; i++) {
    const t = data.startMs + i * stepMs;
    if (t >= window.fromMs && t < window.toMs && Number.isFinite(data.values[i])) return true;
  }
  return false;
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

/** `caplab import`'s flags and help. */
export const setupImportCommand: CommandSetup = (command, ctx, exit) => {
  command
    .summary(
      "turn k6 results into a run bundle, or ALB/nginx logs, a CSV series or saved CloudWatch JSON into a trace bundle",
    )
    .description(
      "Reads per-request logs (plain or .gz; files, folders walked recursively, or s3://bucket/prefix) and writes a trace bundle: series/requests.csv per step plus the format's other series (5xx counts, latency) and a manifest whose notes count bad lines. simulate and plan read it with `trace: { file: DIR }`.\n\n" +
        "--format k6 reads k6's --out json NDJSON (plain or .gz) and writes a RUN bundle that report, gate and history take like one from caplab run: the thresholds (--thresholds FILE, the --summary-export's, the output's Metric lines) judged on the points as k6 judges them, each with its observed value (k6's own verdict where the summary export has one; exit 104 for a threshold k6 would refuse), the run recorded in the history, and trace/ at --step for simulate and plan.\n\n" +
        "--format cloudwatch reads saved AWS CLI JSON, recognized by its shape:\n" +
        "  - get-metric-data output: with --queries FILE (the --metric-data-queries JSON) each Id gets its namespace, metric, dimensions, stat, unit and Period; several outputs (pages, NextToken runs) merge by Id.\n" +
        "  - get-metric-statistics output: one series per statistic.\n" +
        "  - Container Insights performance events (log group /aws/ecs/containerinsights/CLUSTER/performance) as a JSON array, one per line (JSONL, streamed) or `aws logs filter-log-events` output: series task.<TaskId>.*, container.<TaskId>.<Container>.* and ci.<Metric>.Average, as caplab collect writes them.\n" +
        "The requests series is the one --requests names (query Id, Label or series id), else the AWS/ApplicationELB RequestCount series. Each series keeps its CloudWatch period: the query's Period, else --step, else the datapoints' spacing. A JSON document may be at most 64 MiB; JSONL is read as a stream.",
    )
    .argument(
      "<source...>",
      "log or JSON files, folders (walked recursively) or s3://bucket/prefix URLs",
    )
    .addOption(
      new Option("--format <format>", "what the sources are written in")
        .choices(IMPORT_FORMATS)
        .makeOptionMandatory(),
    )
    .option(
      "--step <seconds>",
      "step of the series, seconds: 1, 5, 10, 15, 20, 30, 60, 120, 300 (default 60); cloudwatch: the period of " +
        "series whose query states none (1, 5, 10, 20, 30 or a multiple of 60; default: the datapoints' spacing)",
    )
    .option(
      "--from <time>",
      "window start, ISO 8601 or unix seconds (default: the first request's step)",
    )
    .option("--to <time>", "window end, exclusive (default: the end of the last request's step)")
    .option("--time-column <name>", "CSV only: the time column (default: detected)")
    .option("--value-column <name>", "CSV only: the count column (default: detected)")
    .option(
      "--queries <file>",
      "cloudwatch only: the --metric-data-queries JSON the get-metric-data output came from",
    )
    .option(
      "--requests <name>",
      "cloudwatch only: the series that counts requests: query Id, Label or series id (default: the RequestCount series)",
    )
    .option(
      "--load-balancer <name>",
      "alb only: import this load balancer's lines (app/NAME/ID or NAME); default: each load balancer into its own bundle, the others beside --out as OUT-NAME",
    )
    .option(
      "--summary-export <file>",
      "k6 only: the run's k6 --summary-export file (or handleSummary data): k6's verdicts and numbers",
    )
    .option(
      "--thresholds <file>",
      'k6 only: the script\'s thresholds as JSON ({"thresholds": {...}} as in k6 options), judged on the points',
    )
    .option(
      "--scenario <name>",
      "k6 only: the scenario name the history pools runs by (default: the points' scenario tag)",
    )
    .option("--run-id <id>", "k6 only: the run's id (default: import- and 8 random hex digits)")
    .option("--history <path>", "k6 only: history database the run is recorded in")
    .option("--no-record", "k6 only: do not record the run in the history")
    .option("--endpoint-url <url>", "S3 endpoint, path-style (e.g. a local S3 for tests)")
    .option("--region <region>", "S3 region (default: AWS_REGION, else us-east-1)")
    .addOption(connectTimeoutOption())
    .addOption(requestTimeoutOption())
    .requiredOption("--out <dir>", "bundle folder to write (replaced atomically)")
    .option("--force", FORCE_HELP.folder)
    .option("--quiet", "no progress and no summary; warnings still go to stderr")
    .action(async (sources: string[], opts: ImportCommandOptions) =>
      exit(await runImportCommand(sources, opts, ctx)),
    );

  addExamples(
    command,
    [
      { command: "caplab import ./alb-logs --format alb --out bundles/alb" },
      {
        note: "every object under an S3 prefix, one day of it",
        command:
          "caplab import s3://my-logs/alb/2025/04/08/ --format alb --from 2025-04-08T00:00:00Z --to 2025-04-09T00:00:00Z --out bundles/apr8",
      },
      { command: "caplab import /var/log/nginx/access.log.gz --format nginx --out bundles/nginx" },
      {
        note: "a run bundle for report and gate",
        command: "caplab import k6.json --format k6 --summary-export summary.json --out runs/today",
      },
      {
        command:
          "caplab import page1.json page2.json --format cloudwatch --queries queries.json --out bundles/cw",
      },
      {
        command:
          "caplab import cw.json performance.jsonl --format cloudwatch --requests m1 --out bundles/cw",
      },
    ],
    helpWidth(ctx.columns),
  );
};
