/**
 * `caplab import SOURCE… --format alb|nginx|csv|k6|cloudwatch --out DIR`: flags →
 * {@link importBundles} (analysis/io/import/import-bundles.ts), which reads the sources and
 * writes a trace bundle (or, for k6 output, a run bundle); then the summary, and a k6 run into
 * the history.
 */
import { resolve } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { Option } from "commander";
import { IMPORT_FORMATS } from "../analysis/io/import/import.js";
import { importBundles, type ImportFlags } from "../analysis/io/import/import-bundles.js";
import { renderImportSummary, renderK6ImportSummary } from "../analysis/io/import/summary.js";
import { historyLockTimeoutMs, resolveHistoryPath } from "../analysis/io/history/history-db.js";
import { recordRunBundle } from "../analysis/io/history/record-bundle.js";
import { FORCE_HELP } from "../analysis/io/files/output.js";
import { loadRunBundle } from "../analysis/io/files/run-bundle.js";
import { plural } from "../reports/format.js";
import type { Warning } from "../sim/vocab/index.js";
import { printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { connectTimeoutOption, requestTimeoutOption } from "./flags.js";
import { addExamples, helpWidth } from "./help.js";

export interface ImportCommandOptions extends ImportFlags {
  /** No progress and no summary; warnings still go to stderr. */
  readonly quiet?: boolean;
}

export interface ImportDeps {
  /** Makes the S3 client; the default reads --endpoint-url and --region. */
  readonly s3?: () => S3Client;
}

/** Runs `caplab import`; returns the exit code (0; S3's; 74 when a k6 run is not recorded). */
export async function runImportCommand(
  sources: readonly string[],
  opts: ImportCommandOptions,
  ctx: CliContext,
  deps: ImportDeps = {},
): Promise<number> {
  const { io, env, cwd } = ctx;
  const warnings: Warning[] = [];
  // caplab's own control sequences (return, erase line) straight to the terminal, as the
  // progress bars of plan and collect do: `io` makes every control character visible.
  const terminal = io.isTty && !opts.quiet ? ctx.terminal : null;
  const outcome = await importBundles(sources, opts, {
    env,
    now: ctx.now,
    notify: (message) => io.err(`caplab: ${message}\n`),
    warn: (w) => warnings.push(w),
    ...(deps.s3 === undefined ? {} : { s3: deps.s3 }),
    ...(terminal === null
      ? {}
      : {
          onProgress: (p) =>
            void terminal.write(
              p === null
                ? "\r\x1b[K"
                : `\rimport: ${plural(p.files, "input")}, ${plural(p.lines, "line")}\x1b[K`,
            ),
        }),
  });
  if (outcome.kind === "failed") {
    io.err(`caplab: ${outcome.message}\n`);
    return outcome.exitCode;
  }
  printWarnings(io, warnings);
  if (outcome.kind === "trace") {
    if (!opts.quiet) for (const b of outcome.bundles) io.out(renderImportSummary(b.result, b.out));
    return 0;
  }
  if (!opts.quiet) io.out(renderK6ImportSummary(outcome.result, outcome.out));
  if (opts.record === false) return 0;
  return recordRunBundle(resolve(outcome.out), 0, {
    historyPath: resolveHistoryPath(opts.history, env, cwd),
    lockTimeoutMs: historyLockTimeoutMs(env),
    loadRun: loadRunBundle,
    notify: (message) => io.err(`caplab: ${message}\n`),
  });
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
