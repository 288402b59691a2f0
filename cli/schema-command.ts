/**
 * `caplab schema [--plan | --gate | --timeline]`: the JSON Schema of a config, every field
 * described (analysis/config-schema.ts), for editors and for reading.
 */
import { configJsonSchema, type ConfigSchemaKind } from "../index.js";
import { UsageError } from "../sim/vocab/errors.js";
import type { CliContext, CommandSetup } from "./context.js";
import { describeCommand } from "./help.js";
import { COMMAND_HELP } from "./help-text.js";

export interface SchemaCommandOptions {
  readonly plan?: boolean;
  readonly gate?: boolean;
  readonly timeline?: boolean;
}

/** Prints the schema asked for; two of --plan, --gate and --timeline are refused. */
export function runSchemaCommand(opts: SchemaCommandOptions, ctx: CliContext): number {
  const asked = (["plan", "gate", "timeline"] as const).filter((k) => opts[k] === true);
  if (asked.length > 1)
    throw new UsageError(
      `schema prints one schema at a time: give ${asked.map((k) => `--${k}`).join(" or ")}, not ${asked.length === 2 ? "both" : "several"} (no flag: the simulate config).`,
      "bad-flag",
    );
  const kind: ConfigSchemaKind = asked[0] ?? "simulate";
  ctx.io.out(`${JSON.stringify(configJsonSchema(kind), null, 2)}\n`);
  return 0;
}

/** `caplab schema`'s flags and help. */
export const setupSchemaCommand: CommandSetup = (command, ctx, exit) => {
  describeCommand(command, COMMAND_HELP.schema, ctx.columns)
    .option("--plan", "the plan config's schema")
    .option("--gate", "the gate.yaml schema")
    .option("--timeline", "a row of simulate's timeline.csv, each column described")
    .action((opts: SchemaCommandOptions) => exit(runSchemaCommand(opts, ctx)));
};
