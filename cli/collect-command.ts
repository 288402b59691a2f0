/**
 * `caplab collect`: flags → {@link collectBundle} (analysis/io/aws/collect-bundle.ts), with a
 * progress bar on a terminal, Ctrl-C keeping the chunks fetched so far, and one sentence when
 * AWS says no.
 */
import { resolve } from "node:path";
import { collectBundle } from "../index.js";
import {
  DEFAULT_COLLECT_PERIOD,
  explainAwsError,
  parseCollectTime,
  renderCollectSummary,
  type CollectBundleDeps,
  type CollectBundleOptions,
} from "../analysis/io/aws/collect-bundle.js";
import { CollectionInterrupted, type CollectResult } from "../analysis/io/aws/collect.js";
import { partialDirFor } from "../analysis/io/aws/checkpoint.js";
import { awsTimeoutsOf } from "../analysis/io/aws/aws-client.js";
import { DEFAULT_MAX_TASKS } from "../analysis/io/aws/task-metrics.js";
import { UsageError } from "../sim/vocab/errors.js";
import { abortOnInterrupt, printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { notifier, warningList } from "./common.js";
import { describeCommand } from "./help.js";
import { COMMAND_HELP } from "./help-text.js";
import { addAwsTimeoutOptions, addOutputOptions, wholeNumberOption } from "./options.js";
import { progressBar } from "./progress.js";

export { parseCollectTime };

/**
 * The flags: {@link CollectBundleOptions}' names, with the window as typed (`--from now-7d`) and
 * the AWS timeouts as two flags.
 */
export type CollectCommandOptions = Omit<CollectBundleOptions, "fromMs" | "toMs" | "timeouts"> & {
  readonly from: string;
  readonly to: string;
  readonly quiet?: boolean;
  /** Seconds to wait for a connection to AWS. @default AWS_CONNECT_TIMEOUT_SECONDS (10) */
  readonly connectTimeout?: number;
  /** Seconds to wait for an answer to begin, and the longest silence within one. @default 60 */
  readonly requestTimeout?: number;
};

/** What tests change: extra client configuration (credentials, SDK retries), retry, limits, clock, signal. */
export type CollectCommandDeps = Pick<
  CollectBundleDeps,
  "clientConfig" | "retry" | "limits" | "now" | "signal"
>;

/** Runs `caplab collect`; returns the exit code (0; 1 or 2 when AWS failed; 130/143 when stopped). */
export async function runCollectCommand(
  opts: CollectCommandOptions,
  ctx: CliContext,
  deps: CollectCommandDeps = {},
): Promise<number> {
  const { io } = ctx;
  const now = deps.now ?? (() => ctx.now().getTime());
  const fromMs = parseCollectTime("--from", opts.from, now());
  const toMs = parseCollectTime("--to", opts.to, now());
  if (fromMs >= toMs)
    throw new UsageError(
      `--from (${opts.from}) is not before --to (${opts.to}); swap them or widen the window.`,
      "bad-flag",
    );
  const timeouts = awsTimeoutsOf(opts);
  const { warnings, warn } = warningList();
  const bar = progressBar(ctx, opts.quiet, "chunks");
  const interruption = abortOnInterrupt(ctx);
  const signal = deps.signal
    ? AbortSignal.any([deps.signal, interruption.signal])
    : interruption.signal;
  let result: CollectResult;
  try {
    result = await collectBundle(
      { ...opts, fromMs, toMs, timeouts },
      {
        ...deps,
        now,
        signal,
        notify: notifier(io),
        warn,
        onStart: (total, saved, partialDir) => {
          if (!opts.quiet)
            io.err(
              `Collecting ${opts.service} in ${opts.cluster}: ${total} GetMetricData chunks${saved ? ` (${saved} already saved in ${partialDir})` : ""}…\n`,
            );
          bar?.start(total, saved);
        },
        onChunk: (done) => bar?.update(done),
      },
    );
  } catch (error) {
    bar?.stop();
    printWarnings(io, warnings);
    if (error instanceof CollectionInterrupted) {
      io.err(
        `Stopped with ${error.saved} of ${error.total} chunks saved in ${error.partialDir}; run the same command again to resume.\n`,
      );
      return interruption.exitCode();
    }
    if (signal.aborted) {
      io.err(`Stopped before any chunk was saved; run the same command again to start over.\n`);
      return interruption.exitCode();
    }
    if (error instanceof UsageError) throw error;
    const explained = explainAwsError(error, partialDirFor(resolve(opts.out)), {
      endpointUrl: opts.endpointUrl,
      timeouts,
    });
    if (explained === null) throw error;
    notifier(io)(explained.message);
    return explained.exitCode;
  } finally {
    bar?.stop();
    interruption.stop();
  }
  printWarnings(io, warnings);
  io.out(renderCollectSummary(result));
  return 0;
}

/** `caplab collect`'s flags and help. */
export const setupCollectCommand: CommandSetup = (command, ctx, exit) => {
  const help = COMMAND_HELP.collect;
  describeCommand(command, help, ctx.columns)
    .requiredOption("--cluster <name>", "ECS cluster name or ARN")
    .requiredOption("--service <name>", "ECS service name or ARN")
    .requiredOption("--from <time>", "window start: ISO 8601 (UTC), now, or now-7d")
    .requiredOption("--to <time>", "window end, exclusive: ISO 8601 (UTC), now, or now-1h")
    .addOption(
      wholeNumberOption("--period <seconds>", help.flags.period, {
        min: 1,
        unit: "seconds",
      }).default(DEFAULT_COLLECT_PERIOD),
    )
    .addOption(
      wholeNumberOption("--max-tasks <n>", help.flags.maxTasks, { unit: "tasks" }).default(
        DEFAULT_MAX_TASKS,
      ),
    )
    .option("--no-high-resolution", help.flags.highResolution)
    .option(
      "--load-balancer <app/NAME/ID>",
      "the ALB (LoadBalancer dimension or ARN; default: found from the target group)",
    )
    .option("--target-group <targetgroup/NAME/ID>", "the target group (dimension or ARN)")
    .option("--region <region>", "AWS Region (default: AWS_REGION or the profile's)")
    .option("--profile <name>", "shared-config profile for credentials and Region")
    .option("--endpoint-url <url>", "send every AWS call to this endpoint (a local stub)");
  addAwsTimeoutOptions(command);
  addOutputOptions(command, { help: "bundle folder to write", required: true, force: "folder" })
    .option("--quiet", "no progress bar or progress messages")
    .action(async (opts: CollectCommandOptions) => exit(await runCollectCommand(opts, ctx)));
};
