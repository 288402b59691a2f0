/**
 * `caplab run SCENARIO --target URL`: flags → {@link runScenario} (scenarios/io/run.ts), then
 * the run bundle into the history.
 */
import { Option } from "commander";
import { runScenario, type RunOptions, type RunWorld } from "../index.js";
import { defaultRunDeps } from "../scenarios/io/run.js";
import { collectorPrintingTo } from "../scenarios/io/server-side.js";
import { K6_API_PORT, SYNC_START_TIMEOUT_SECONDS } from "../scenarios/io/segment-start.js";
import { historyLockTimeoutMs, resolveHistoryPath } from "../analysis/io/history/history-db.js";
import { recordRunBundle } from "../analysis/io/history/record-bundle.js";
import { FORCE_HELP } from "../analysis/io/files/output.js";
import { RUN_DEFAULTS } from "../sim/vocab/defaults.js";
import { loadRunBundle } from "../analysis/io/files/run-bundle.js";
import type { CliContext, CommandSetup } from "./context.js";
import {
  connectTimeoutOption,
  numberFlag,
  requestTimeoutOption,
  wholeNumberFlag,
} from "./flags.js";
import { addExamples, helpWidth } from "./help.js";

export { defaultRunDeps, type RunOptions };

/** The parts of the run's outside world a test replaces (AWS clients, clock, collector…). */
export type RunDeps = Partial<Omit<RunWorld, "io">>;

/** Runs `caplab run` and returns the process exit code (k6's, or 74 when not recorded). */
export async function runRunCommand(
  scenario: string,
  opts: RunOptions,
  ctx: CliContext,
  deps: RunDeps = {},
): Promise<number> {
  const stderr = { out: ctx.io.err, err: ctx.io.err, isTty: false };
  const world: RunWorld = {
    ...defaultRunDeps,
    io: ctx.io,
    env: ctx.env,
    cwd: ctx.cwd,
    now: ctx.now,
    onInterrupt: ctx.onInterrupt,
    collector: collectorPrintingTo(stderr),
    ...deps,
  };
  const { code, bundle } = await runScenario(scenario, opts, world);
  if (bundle === null) return code;
  return recordRunBundle(bundle, code, {
    historyPath: resolveHistoryPath(undefined, world.env, world.cwd),
    lockTimeoutMs: historyLockTimeoutMs(world.env),
    loadRun: loadRunBundle,
    notify: (message) => world.io.err(`caplab: ${message}\n`),
  });
}

const list = (v: string) => v.split(",");

/** `caplab run`'s flags and help. */
export const setupRunCommand: CommandSetup = (command, ctx, exit) => {
  command
    .summary("run a k6 scenario against a target and write a run bundle (k6's exit code is kept)")
    .description(
      "Runs k6 (from PATH or K6_BIN) on a library scenario (smoke, constant, breakpoint, spike, soak, trace-replay) or a script file, with --out json=DIR/k6.json.gz and --summary-export DIR/summary.json, and writes DIR/manifest.json. The exit code is k6's (99: thresholds crossed), or 74 when k6 passed but the history could not be written. A k6 that wrote no results leaves --out as it was.\n\n" +
        "With --segments N --on ecs: one Fargate task per execution segment (RunTask), each with --no-thresholds; their k6 JSON outputs are gathered (--results), merged into DIR/k6.json.gz, and the plan's thresholds are judged on the merged points (DIR/thresholds.json; exit 99 when one fails, 1 when a segment's output is missing). With --on k8s: a k6-operator TestRun in DIR/testrun.yaml.",
    )
    .argument("<scenario>", "library scenario name or path to a k6 script")
    .requiredOption(
      "--target <url>",
      "base URL of the service (tokens: CAPLAB_TOKEN, headers: CAPLAB_HEADER_<NAME>)",
    )
    .option("--out <dir>", "run bundle folder", "caplab-out/run")
    .option("--force", FORCE_HELP.folder)
    .option("--collect <cluster/service>", "collect the server side for the run's window")
    .option("--plan <file>", "plan JSON (shape, mix, slo; default: the scenario's own)")
    .option("--trace <file>", "trace CSV or bundle to replay (trace-replay)")
    .addOption(
      new Option("--scale <x>", "multiplier on the trace's requests (default 1)").argParser(
        numberFlag("--scale", { positive: true }),
      ),
    )
    .addOption(
      new Option("--compress <x>", "time compression of the trace (default 1)").argParser(
        numberFlag("--compress", { positive: true }),
      ),
    )
    .addOption(
      new Option("--segments <n>", "execution segments (with --on)").argParser(
        wholeNumberFlag("--segments", { min: 1 }),
      ),
    )
    .addOption(new Option("--on <engine>", "where the segments run").choices(["ecs", "k8s"]))
    .option("--cluster <name>", "ECS cluster for the k6 tasks")
    .option("--task-definition <td>", "task definition with a k6 container")
    .option("--subnets <ids>", "comma-separated subnets", list)
    .option("--security-groups <ids>", "comma-separated security groups", list)
    .option(
      "--container <name>",
      "k6 container name in the task definition",
      RUN_DEFAULTS.k6Container,
    )
    .option(
      "--script-in-image <path>",
      "scenario path inside the k6 image (default /scenarios/<name>.js)",
    )
    .option(
      "--results <where>",
      "where segment outputs are gathered from (--on ecs): s3://bucket/prefix (each task's entrypoint uploads its k6 JSON to prefix/<run id>/<segment>/, see examples/ecs-k6) or logs (k6 writes JSON to stdout; read from the task definition's awslogs log group)",
    )
    .option(
      "--sync-start",
      "start every segment paused and resume them together through k6's REST API (--on ecs; caplab must reach the tasks' private IPs: run it inside the VPC)",
    )
    .addOption(
      new Option(
        "--sync-port <port>",
        `k6 REST API port in the tasks (--sync-start; default ${K6_API_PORT})`,
      ).argParser(wholeNumberFlag("--sync-port", { min: 1, max: 65535 })),
    )
    .addOption(
      new Option(
        "--sync-timeout <seconds>",
        `how long to wait for every k6 to be ready once the tasks run (default ${SYNC_START_TIMEOUT_SECONDS})`,
      ).argParser(wholeNumberFlag("--sync-timeout", { min: 1, unit: "seconds" })),
    )
    .addOption(connectTimeoutOption())
    .addOption(requestTimeoutOption())
    .action(async (scenario: string, opts: RunOptions) =>
      exit(await runRunCommand(scenario, opts, ctx)),
    );
  addExamples(
    command,
    [
      { command: "caplab run smoke --target https://my-alb.example.com" },
      {
        note: "a trace replayed at twice its traffic, an hour in a minute",
        command:
          "caplab run trace-replay --trace traces/nasa.csv --scale 2 --compress 60 --target https://alb --out out/replay",
      },
      {
        note: "three Fargate tasks; their outputs uploaded to S3",
        command:
          "caplab run spike --target https://alb --segments 3 --on ecs --cluster load --task-definition k6:3 --subnets subnet-a,subnet-b --results s3://my-bucket/k6",
      },
      {
        command:
          "caplab run constant --target https://alb --segments 4 --on ecs --cluster load --task-definition k6:3 --subnets subnet-a --results logs --sync-start",
      },
    ],
    helpWidth(ctx.columns),
  );
};
