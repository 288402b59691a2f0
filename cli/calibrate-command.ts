/**
 * `caplab calibrate BUNDLE [--out model.yaml] [--config FILE] [--task-cpu N --task-memory N]`:
 * fits the service model from a trace bundle (`caplab collect` or `import`) or a run bundle
 * (`caplab run`: k6 results plus the collected server side in server/) and writes the
 * `service:` and `platform:` sections `caplab simulate` takes, with the fit quality as
 * comments (reports/calibration-yaml.ts). The bundle is read by
 * analysis/io/files/observed-bundle.ts; today's task size and service model, when the bundle has
 * none, by analysis/io/files/todays-config.ts.
 */
import { Option } from "commander";
import { calibrate } from "../analysis/calibrate.js";
import {
  CALIBRATION_HEADER,
  renderCalibrationWritten,
  renderCalibrationYaml,
} from "../reports/calibration-yaml.js";
import { SLO_DEFAULTS, type Warning, type WarningSink } from "../sim/vocab/index.js";
import { loadObservedBundle } from "../analysis/io/files/observed-bundle.js";
import { readTodaysConfig, type TodaysConfigFlags } from "../analysis/io/files/todays-config.js";
import { FORCE_HELP, prepareOutputFile } from "../analysis/io/files/output.js";
import { printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { numberFlag } from "./flags.js";
import { addExamples, helpWidth } from "./help.js";

export { CALIBRATION_HEADER };

export interface CalibrateCommandOptions extends TodaysConfigFlags {
  readonly out?: string;
  readonly sloP95?: number;
  /** Replace --out even when caplab did not write it (it is kept as a backup). */
  readonly force?: boolean;
}

/** `caplab calibrate`'s flags and help. */
export const setupCalibrateCommand: CommandSetup = (command, ctx, exit) => {
  command
    .summary("fit the service model (the service: and platform: YAML) from a trace or run bundle")
    .description(
      "Fits CPU per request and idle CPU (regression of CPU used per task on requests per task), memory base and per in-flight request, non-CPU latency, the knee and launch-to-healthy time, with fit quality; warns when the data cannot support a parameter (it then keeps --config's value, else the documented default). Writes the service: and platform: sections caplab simulate takes.",
    )
    .argument("<bundle>", "trace bundle (caplab collect or import) or run bundle with server/")
    .option("--out <file>", "write the YAML here (default: stdout)")
    .option("--force", FORCE_HELP.file)
    .addOption(
      new Option(
        "--slo-p95 <ms>",
        `p95 limit that defines the knee, ms (default: --config's, else ${SLO_DEFAULTS.latencyP95Ms})`,
      ).argParser(numberFlag("--slo-p95", { unit: "milliseconds", positive: true })),
    )
    .option(
      "--config <file>",
      "today's simulate config: its task size, and its service values kept where the data cannot fit them",
    )
    .option("--task-cpu <units>", "today's task cpu, when the bundle records none (e.g. 512)")
    .option("--task-memory <MiB>", "today's task memory, when the bundle records none (e.g. 1024)")
    .action(async (bundle: string, opts: CalibrateCommandOptions) =>
      exit(await runCalibrateCommand(bundle, opts, ctx)),
    );
  addExamples(
    command,
    [
      { command: "caplab calibrate traces/api-week --out model.yaml" },
      {
        note: "an imported bundle that records no task size",
        command: "caplab calibrate bundles/cw --task-cpu 512 --task-memory 1024",
      },
    ],
    helpWidth(ctx.columns),
  );
};

/** Runs `caplab calibrate` and returns the exit code. */
export async function runCalibrateCommand(
  bundle: string,
  opts: CalibrateCommandOptions,
  ctx: CliContext,
): Promise<number> {
  const { io } = ctx;
  const warnings: Warning[] = [];
  const warn: WarningSink = (w) => warnings.push(w);
  const output =
    opts.out === undefined
      ? null
      : await prepareOutputFile(opts.out, {
          command: "calibrate",
          force: opts.force,
          inputs: [bundle],
          written: (head) => head.startsWith(CALIBRATION_HEADER),
          notify: (message) => io.err(`caplab: ${message}\n`),
        });
  const today = await readTodaysConfig(opts);
  const { observed } = await loadObservedBundle(bundle, warn, { task: today.task });
  const calibration = calibrate(
    observed,
    {
      sloP95Ms: opts.sloP95 ?? today.config?.slo.latencyP95Ms,
      ...(today.config === null ? {} : { prior: today.config.service }),
    },
    warn,
  );
  const yaml = renderCalibrationYaml(calibration, bundle, warnings);
  printWarnings(io, warnings);
  if (output === null) {
    io.out(yaml);
  } else {
    await output.write(yaml);
    io.out(renderCalibrationWritten(calibration, opts.out!));
  }
  return 0;
}
