/**
 * `caplab calibrate BUNDLE [--out model.yaml] [--config FILE] [--task-cpu N --task-memory N]`:
 * fits the service model from a trace bundle (`caplab collect` or `import`) or a run bundle
 * (`caplab run`: k6 results plus the collected server side in server/) and writes the
 * `service:` and `platform:` sections `caplab simulate` takes, with the fit quality as
 * comments (reports/calibration-yaml.ts). The bundle is read by
 * analysis/io/files/observed-bundle.ts; today's task size and service model, when the bundle has
 * none, by analysis/io/files/todays-config.ts.
 */
import { calibrate } from "../analysis/calibrate.js";
import {
  CALIBRATION_HEADER,
  renderCalibrationWritten,
  renderCalibrationYaml,
} from "../reports/calibration-yaml.js";
import { SLO_DEFAULTS } from "../sim/vocab/index.js";
import { loadObservedBundle } from "../analysis/io/files/observed-bundle.js";
import { readTodaysConfig, type TodaysConfigFlags } from "../analysis/io/files/todays-config.js";
import { prepareOutputFile } from "../analysis/io/files/output.js";
import { printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { notifier, warningList } from "./common.js";
import { describeCommand } from "./help.js";
import { COMMAND_HELP } from "./help-text.js";
import { addOutputOptions, addTodaysConfigOptions, sloP95Option } from "./options.js";

export { CALIBRATION_HEADER };

export interface CalibrateCommandOptions extends TodaysConfigFlags {
  readonly out?: string;
  readonly sloP95?: number;
  /** Replace --out even when caplab did not write it (it is kept as a backup). */
  readonly force?: boolean;
}

/** `caplab calibrate`'s flags and help. */
export const setupCalibrateCommand: CommandSetup = (command, ctx, exit) => {
  describeCommand(command, COMMAND_HELP.calibrate, ctx.columns).argument(
    "<bundle>",
    "trace bundle (caplab collect or import) or run bundle with server/",
  );
  addOutputOptions(command, {
    flags: "--out <file>",
    help: "write the YAML here (default: stdout)",
    force: "file",
  }).addOption(
    sloP95Option(
      `p95 limit that defines the knee, ms (default: --config's, else ${SLO_DEFAULTS.latencyP95Ms})`,
    ),
  );
  addTodaysConfigOptions(command, {
    config:
      "today's simulate config: its task size, and its service values kept where the data cannot fit them",
    taskCpu: "today's task cpu, when the bundle records none (e.g. 512)",
    taskMemory: "today's task memory, when the bundle records none (e.g. 1024)",
  }).action(async (bundle: string, opts: CalibrateCommandOptions) =>
    exit(await runCalibrateCommand(bundle, opts, ctx)),
  );
};

/** Runs `caplab calibrate` and returns the exit code. */
export async function runCalibrateCommand(
  bundle: string,
  opts: CalibrateCommandOptions,
  ctx: CliContext,
): Promise<number> {
  const { io } = ctx;
  const { warnings, warn } = warningList();
  const output =
    opts.out === undefined
      ? null
      : await prepareOutputFile(opts.out, {
          command: "calibrate",
          force: opts.force,
          inputs: [bundle],
          written: (head) => head.startsWith(CALIBRATION_HEADER),
          notify: notifier(io),
        });
  const today = await readTodaysConfig(opts);
  const { observed } = await loadObservedBundle(bundle, warn, { task: today.task });
  const calibration = calibrate(
    observed,
    {
      sloP95Ms: opts.sloP95 ?? today.config?.slo.latencyP95Ms,
      ...(today.config === null
        ? {}
        : { prior: today.config.service, platform: today.config.platform }),
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
