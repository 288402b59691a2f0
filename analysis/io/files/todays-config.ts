/**
 * Today's configuration of a service, for the commands that read its measurements
 * (`calibrate`, `rightsize`, `backtest`) when the bundle does not record it: only `caplab
 * collect` writes `manifest.current`; an imported bundle never has it.
 *
 * Precedence, as everywhere in caplab (flags > file > recorded > defaults): `--task-cpu` and
 * `--task-memory`, then `--config` (a `caplab simulate` config: service, task, scaling,
 * platform, prices, SLO; its trace is not read), then the bundle's `manifest.current`.
 */
import {
  SimulateConfigSchema,
  TaskSizeSchema,
  type SimulateConfig,
  type TaskSize,
} from "../../../sim/vocab/index.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import { loadConfig } from "./config-file.js";

export interface TodaysConfigFlags {
  /** A simulate config with today's service model, task size and scaling. */
  readonly config?: string;
  /** The task definition's `cpu` (CPU units: 256, 512, …). */
  readonly taskCpu?: string;
  /** The task definition's `memory` (MiB). */
  readonly taskMemory?: string;
}

export interface TodaysConfig {
  /** The `--config` file, defaults filled in; null without one. */
  readonly config: SimulateConfig | null;
  /** The task size the flags, else the config, give; undefined when neither does. */
  readonly task?: TaskSize;
}

/**
 * Reads `--config` and the task flags (see the module comment).
 *
 * @throws UsageError naming the flag when only one of --task-cpu and --task-memory is given
 *   without a config to take the other from, or when they are not a Fargate size.
 */
export async function readTodaysConfig(flags: TodaysConfigFlags): Promise<TodaysConfig> {
  const config =
    flags.config === undefined
      ? null
      : (await loadConfig(flags.config, SimulateConfigSchema)).config;
  if (flags.taskCpu === undefined && flags.taskMemory === undefined)
    return { config, ...(config === null ? {} : { task: config.task }) };
  const cpu = flags.taskCpu ?? config?.task.cpu;
  const memory = flags.taskMemory ?? config?.task.memory;
  if (cpu === undefined || memory === undefined)
    throw new UsageError(
      `${flags.taskCpu === undefined ? "--task-memory" : "--task-cpu"} needs ${flags.taskCpu === undefined ? "--task-cpu" : "--task-memory"} too (the task definition's cpu and memory, e.g. --task-cpu 512 --task-memory 1024).`,
      "bad-flag",
    );
  const parsed = TaskSizeSchema.safeParse({
    ...(config?.task ?? {}),
    cpu,
    memory,
  });
  if (!parsed.success)
    throw new UsageError(
      `--task-cpu ${cpu} --task-memory ${memory}: ${parsed.error.issues[0]!.message}`,
      "bad-flag",
    );
  return { config, task: parsed.data };
}
