/**
 * The `caplab` command. `main(argv, { io, env, cwd, now })` returns the exit code and can run
 * inside a test; only bin/caplab.js calls process.exit. Each command lives in its own file
 * (flags, help, a call into the library) and gets the outside world as a {@link CliContext}.
 * User mistakes are UsageErrors (exit 2, one sentence); a history that cannot be used is a
 * HistoryError (exit 74, one sentence); a file-system error on a path (a name too long, permission
 * denied, a full disk: cli/file-errors.ts) is one sentence too (exit 2, or 74 for the device's
 * state); anything else shows its stack (exit 1).
 */
import { Command, CommanderError } from "commander";
import { HistoryError, Interrupted, UsageError } from "../sim/vocab/errors.js";
import { caplabVersion } from "../sim/io/package-root.js";
import { redactUserinfo } from "../analysis/io/files/urls.js";
import { secretValuesOf } from "../sim/vocab/redact.js";
import { setupBacktestCommand } from "./backtest-command.js";
import { setupCalibrateCommand } from "./calibrate-command.js";
import { setupCollectCommand } from "./collect-command.js";
import {
  printableIo,
  processContext,
  type CliContext,
  type CommandSetup,
  type Io,
} from "./context.js";
import { setupGateCommand } from "./gate-command.js";
import { configureHelpLayout, helpWidth, wrapCommand, wrapText } from "./help.js";
import { setupHistoryCommand } from "./history-command.js";
import { fileError } from "./file-errors.js";
import { setupImportCommand } from "./import-command.js";
import { setupPlanCommand } from "./plan-command.js";
import { setupReportCommand } from "./report-command.js";
import { setupRightsizeCommand } from "./rightsize-command.js";
import { setupRunCommand } from "./run-command.js";
import { setupSchemaCommand } from "./schema-command.js";
import { setupSimulateCommand } from "./simulate-command.js";

export { printableIo, type CliContext, type Io };

/** Every command, in the order `caplab --help` lists them. */
const COMMANDS: readonly (readonly [string, CommandSetup])[] = [
  ["simulate", setupSimulateCommand],
  ["plan", setupPlanCommand],
  ["collect", setupCollectCommand],
  ["import", setupImportCommand],
  ["run", setupRunCommand],
  ["calibrate", setupCalibrateCommand],
  ["rightsize", setupRightsizeCommand],
  ["backtest", setupBacktestCommand],
  ["report", setupReportCommand],
  ["gate", setupGateCommand],
  ["history", setupHistoryCommand],
  ["schema", setupSchemaCommand],
];

/**
 * Where a new user starts, in three steps: the embedded plan, then their own traffic, then
 * their own service; each with the command to type.
 */
export function renderStartHere(width: number): string {
  const step = (title: string, commands: readonly string[]) =>
    [wrapText(`  ${title}`, width), ...commands.map((c) => wrapCommand(c, width, "       "))].join(
      "\n",
    );
  return [
    "",
    "Start here:",
    step(
      "1. The embedded example: a generated week of traffic, no files or AWS account needed; open caplab-out/plan/report.html after it.",
      ["caplab plan --default"],
    ),
    step(
      "2. Your own traffic: a CSV of requests per minute (trace: { file: requests.csv } in a copy of examples/plan-nasa.yaml), or access logs made into a trace bundle:",
      ["caplab import ./alb-logs --format alb --out bundles/alb", "caplab plan my-plan.yaml"],
    ),
    step(
      "3. Your own service on ECS: collect its metrics and configuration, check how far to trust the simulator on it, then plan on it:",
      [
        "caplab collect --cluster prod --service api --from now-7d --to now --out traces/api",
        "caplab backtest traces/api",
        "caplab plan my-plan.yaml",
      ],
    ),
    "",
    wrapText("Each command explains itself: caplab COMMAND --help.", width),
    "",
  ].join("\n");
}

function buildProgram(ctx: CliContext, exit: (code: number) => void): Command {
  const width = helpWidth(ctx.columns);
  const program = new Command("caplab");
  configureHelpLayout(program, width);
  program
    .description(
      "Load tests and scaling simulation for ECS Fargate services behind an ALB: replay traffic against target-tracking policies and task sizes, and pick the cheapest that meets the SLO.",
    )
    .version(caplabVersion(), "-V, --version", "print caplab's version")
    .configureOutput({
      writeOut: ctx.io.out,
      writeErr: (t) => ctx.io.err(redactUserinfo(t)),
    })
    .exitOverride()
    .showHelpAfterError("(run caplab --help for usage)")
    .addHelpText("after", () => renderStartHere(width));
  for (const [name, setup] of COMMANDS)
    setup(
      program.command(name).showHelpAfterError(`(run caplab ${name} --help for usage)`),
      ctx,
      exit,
    );
  return program;
}

/** An `Io` alone (what tests passed before the context existed) is taken as `{ io }`. */
function isIo(value: Partial<CliContext> | Io): value is Io {
  return typeof (value as Io).out === "function";
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code. What is not
 * given in `context` is this process's own (`processContext`).
 */
export async function main(
  argv: readonly string[],
  context: Partial<CliContext> | Io = {},
): Promise<number> {
  const given = isIo(context) ? { io: context } : context;
  const outside = { ...processContext(), ...given };
  const ctx: CliContext = { ...outside, io: printableIo(outside.io, secretValuesOf(outside.env)) };
  const { io } = ctx;
  let code = 0;
  const program = buildProgram(ctx, (c) => {
    code = c;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; parse errors were already printed by commander.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof Interrupted) {
      io.err(`caplab: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof UsageError || error instanceof HistoryError) {
      io.err(`caplab: ${redactUserinfo(error.message)}\n`);
      return error.exitCode;
    }
    const refused = fileError(error);
    if (refused !== null) {
      io.err(`caplab: ${redactUserinfo(refused.message)}\n`);
      return refused.exitCode;
    }
    throw error;
  }
}
