/**
 * `caplab run SCENARIO --target URL`: flags → {@link runScenario} (scenarios/io/run.ts), then
 * the run bundle into the history.
 */
import { Option } from "commander";
import { runScenario, type RunOptions, type RunWorld } from "../index.js";
import { defaultRunDeps } from "../scenarios/io/run.js";
import { collectorPrintingTo } from "../scenarios/io/server-side.js";
import { K6_API_PORT, SYNC_START_TIMEOUT_SECONDS } from "../scenarios/io/segment-start.js";
import { RUN_DEFAULTS } from "../sim/vocab/defaults.js";
import type { CliContext, CommandSetup } from "./context.js";
import { recordRun } from "./common.js";
import { describeCommand } from "./help.js";
import { COMMAND_HELP } from "./help-text.js";
import {
  addAwsTimeoutOptions,
  addOutputOptions,
  numberOption,
  wholeNumberOption,
} from "./options.js";

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
  return recordRun(world, bundle, code);
}

const list = (v: string) => v.split(",");

/** `caplab run`'s flags and help. */
export const setupRunCommand: CommandSetup = (command, ctx, exit) => {
  const help = COMMAND_HELP.run;
  describeCommand(command, help, ctx.columns)
    .argument("<scenario>", "library scenario name or path to a k6 script")
    .requiredOption("--target <url>", help.flags.target);
  addOutputOptions(command, {
    help: "run bundle folder",
    default: "caplab-out/run",
    force: "folder",
  })
    .option("--collect <cluster/service>", "collect the server side for the run's window")
    .option("--plan <file>", "plan JSON (shape, mix, slo; default: the scenario's own)")
    .option("--trace <file>", "trace CSV or bundle to replay (trace-replay)")
    .addOption(
      numberOption("--scale <x>", "multiplier on the trace's requests (default 1)", {
        positive: true,
      }),
    )
    .addOption(
      numberOption("--compress <x>", "time compression of the trace (default 1)", {
        positive: true,
      }),
    )
    .addOption(wholeNumberOption("--segments <n>", "execution segments (with --on)", { min: 1 }))
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
    .option("--results <where>", help.flags.results)
    .option("--sync-start", help.flags.syncStart)
    .addOption(
      wholeNumberOption(
        "--sync-port <port>",
        `k6 REST API port in the tasks (--sync-start; default ${K6_API_PORT})`,
        { min: 1, max: 65535 },
      ),
    )
    .addOption(
      wholeNumberOption(
        "--sync-timeout <seconds>",
        `how long to wait for every k6 to be ready once the tasks run (default ${SYNC_START_TIMEOUT_SECONDS})`,
        { min: 1, unit: "seconds" },
      ),
    );
  addAwsTimeoutOptions(command).action(async (scenario: string, opts: RunOptions) =>
    exit(await runRunCommand(scenario, opts, ctx)),
  );
};
