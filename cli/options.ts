/**
 * The flags that several commands share, each built in one place so that it is spelled, parsed
 * and explained alike wherever it appears: `--out`/`--force`, the AWS timeouts, `--history`,
 * `--slo-p95`, and today's configuration (`--config`, `--task-cpu`, `--task-memory`). A
 * command adds them where its help lists them (commander keeps the order options are added).
 */
import { Option, type Command } from "commander";
import {
  AWS_CONNECT_TIMEOUT_SECONDS,
  AWS_MAX_ATTEMPTS,
  AWS_REQUEST_TIMEOUT_SECONDS,
  parseSecondsFlag,
} from "../analysis/io/aws/aws-client.js";
import { FORCE_HELP } from "../analysis/io/files/output.js";
import { numberFlag, wholeNumberFlag } from "./flags.js";

/** Where a command writes: its `--out` flag. */
export interface OutputFlag {
  /** What the flag's help says. */
  readonly help: string;
  /** `--out <dir>` unless given. */
  readonly flags?: "--out <dir>" | "--out <file>";
  /** The default value, shown by commander as `(default: …)`. */
  readonly default?: string;
  /** The command cannot run without it. */
  readonly required?: boolean;
  /** What `--force` replaces: a folder, files of the same names in one, or one file. */
  readonly force: keyof typeof FORCE_HELP;
}

/** Adds `--out` and `--force` (what it replaces: analysis/io/files/output.ts) to `command`. */
export function addOutputOptions(command: Command, out: OutputFlag): Command {
  const output = new Option(out.flags ?? "--out <dir>", out.help);
  if (out.default !== undefined) output.default(out.default);
  if (out.required) output.makeOptionMandatory();
  return command.addOption(output).option("--force", FORCE_HELP[out.force]);
}

/** `--connect-timeout SECONDS` and `--request-timeout SECONDS`, for every command that calls AWS. */
export function addAwsTimeoutOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--connect-timeout <seconds>",
        `seconds to wait for a connection to AWS (default ${AWS_CONNECT_TIMEOUT_SECONDS})`,
      ).argParser(parseSecondsFlag("--connect-timeout")),
    )
    .addOption(
      new Option(
        "--request-timeout <seconds>",
        `seconds to wait for each AWS answer, and the longest silence within one; a call is tried ${AWS_MAX_ATTEMPTS} times (default ${AWS_REQUEST_TIMEOUT_SECONDS})`,
      ).argParser(parseSecondsFlag("--request-timeout")),
    );
}

/** `--history PATH`, with what every command that takes it says (unless `help` is given). */
export function addHistoryOption(command: Command, help = HISTORY_FLAG_HELP): Command {
  return command.option("--history <path>", help);
}

/** What `--history PATH` says in every command that takes it. */
export const HISTORY_FLAG_HELP =
  "history database (default: $CAPLAB_HISTORY, else .caplab/history.duckdb in the project: the nearest folder above with .caplab/, package.json or .git, else here)";

/** `--slo-p95 MS`: a p95 latency limit in milliseconds, above 0. */
export function sloP95Option(help: string): Option {
  return numberOption("--slo-p95 <ms>", help, { unit: "milliseconds", positive: true });
}

/**
 * `--config FILE`, `--task-cpu UNITS` and `--task-memory MIB`: today's configuration
 * (`TodaysConfigFlags`, read by analysis/io/files/todays-config.ts), each with the command's
 * own help.
 */
export function addTodaysConfigOptions(
  command: Command,
  help: { readonly config: string; readonly taskCpu: string; readonly taskMemory: string },
): Command {
  return command
    .option("--config <file>", help.config)
    .option("--task-cpu <units>", help.taskCpu)
    .option("--task-memory <MiB>", help.taskMemory);
}

/** The flag's name in `flags` (`--workers` in `--workers <n>`). */
function flagName(flags: string): string {
  return flags.split(" ")[0]!;
}

/** An option that takes a whole number (`wholeNumberFlag`), e.g. `wholeNumberOption("--workers <n>", …)`. */
export function wholeNumberOption(
  flags: string,
  help: string,
  range: Parameters<typeof wholeNumberFlag>[1] = {},
): Option {
  return new Option(flags, help).argParser(wholeNumberFlag(flagName(flags), range));
}

/** An option that takes a number (`numberFlag`), e.g. `numberOption("--scale <x>", …)`. */
export function numberOption(
  flags: string,
  help: string,
  kind: Parameters<typeof numberFlag>[1],
): Option {
  return new Option(flags, help).argParser(numberFlag(flagName(flags), kind));
}
