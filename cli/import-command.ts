/**
 * `caplab import SOURCE… [--format alb|nginx|csv|k6|cloudwatch] --out DIR`: flags →
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
import { plural } from "../reports/format.js";
import { printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { notifier, recordRun, warningList } from "./common.js";
import { describeCommand } from "./help.js";
import { COMMAND_HELP } from "./help-text.js";
import { addAwsTimeoutOptions, addHistoryOption, addOutputOptions } from "./options.js";

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
  const { io, env } = ctx;
  const notify = notifier(io);
  const { warnings, warn } = warningList();
  // caplab's own control sequences (return, erase line) straight to the terminal, as the
  // progress bars of plan and collect do: `io` makes every control character visible.
  const terminal = io.isTty && !opts.quiet ? ctx.terminal : null;
  const outcome = await importBundles(sources, opts, {
    env,
    now: ctx.now,
    notify,
    warn,
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
    notify(outcome.message);
    return outcome.exitCode;
  }
  printWarnings(io, warnings);
  if (outcome.kind === "trace") {
    if (!opts.quiet) for (const b of outcome.bundles) io.out(renderImportSummary(b.result, b.out));
    return 0;
  }
  if (!opts.quiet) io.out(renderK6ImportSummary(outcome.result, outcome.out));
  if (opts.record === false) return 0;
  return recordRun(ctx, resolve(outcome.out), 0, opts.history);
}

/** `caplab import`'s flags and help. */
export const setupImportCommand: CommandSetup = (command, ctx, exit) => {
  const help = COMMAND_HELP.import;
  describeCommand(command, help, ctx.columns)
    .argument("[source...]", help.flags.source)
    .addOption(
      // Without it importBundles sniffs the sources (analysis/io/import/sniff.ts).
      new Option("--format <format>", help.flags.format).choices(IMPORT_FORMATS),
    )
    .option("--step <seconds>", help.flags.step)
    .option("--from <time>", help.flags.from)
    .option("--to <time>", "window end, exclusive (default: the end of the last request's step)")
    .option("--time-column <name>", "CSV only: the time column (default: detected)")
    .option("--value-column <name>", "CSV only: the count column (default: detected)")
    .option("--queries <file>", help.flags.queries)
    .option("--requests <name>", help.flags.requests)
    .option("--load-balancer <name>", help.flags.loadBalancer)
    .option("--summary-export <file>", help.flags.summaryExport)
    .option("--thresholds <file>", help.flags.thresholds)
    .option("--scenario <name>", help.flags.scenario)
    .option("--run-id <id>", "k6 only: the run's id (default: import- and 8 random hex digits)");
  addHistoryOption(command, "k6 only: history database the run is recorded in")
    .option("--no-record", "k6 only: do not record the run in the history")
    .option("--endpoint-url <url>", "S3 endpoint, path-style (e.g. a local S3 for tests)")
    .option("--region <region>", "S3 region (default: AWS_REGION, else us-east-1)");
  addAwsTimeoutOptions(command);
  addOutputOptions(command, {
    help: "bundle folder to write (replaced atomically)",
    required: true,
    force: "folder",
  })
    .option("--quiet", "no progress and no summary; warnings still go to stderr")
    .action(async (sources: string[], opts: ImportCommandOptions) =>
      exit(await runImportCommand(sources, opts, ctx)),
    );
};
