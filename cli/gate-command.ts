/**
 * `caplab gate RUN [--baseline RUN | --baseline-from-history N] [--config gate.yaml]
 *  [--history PATH] [--out DIR]`: the pre-release gate.
 *
 *   RUN bundle ──loadRunBundle──▶ RunData ──gateRunOf──▶ GateRun
 *   baseline: --baseline RUN (a bundle) | the last N runs of the same scenario in history
 *   gate.yaml ──GateConfigSchema──▶ GateConfig (defaults: GATE_DEFAULTS)
 *     (its `deployment`: the simulate config it names, run without and with the deployment)
 *     ──evaluateGate──▶ GateResult ──▶ DIR/gate-junit.xml, DIR/gate.md, DIR/gate.json,
 *                                      the history (run and gate), the terminal
 *   exit 0 pass, 1 fail, 2 usage error, 74 the history could not be read or written (a failed
 *   gate still exits 1: the verdict comes first, and it is printed and written either way).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Option } from "commander";
import { evaluateGate } from "../index.js";
import { gateExitCode } from "../analysis/gate.js";
import {
  historyLockTimeoutMs,
  recordGatedRun,
  resolveHistoryPath,
} from "../analysis/io/history/history-db.js";
import {
  checkBaselineSource,
  gateBaseline,
  loadGateConfig,
} from "../analysis/io/history/gate-baseline.js";
import { gateRunOf } from "../reports/run-data.js";
import { renderGateJunit, renderGateMarkdown } from "../reports/run-gate.js";
import { HISTORY_EXIT_CODE, HistoryError, UsageError } from "../sim/vocab/errors.js";
import { FORCE_HELP, prepareOutputFiles, writeFileAtomic } from "../analysis/io/files/output.js";
import { loadRunBundle } from "../analysis/io/files/run-bundle.js";
import { deploymentGateCheck } from "../analysis/io/files/gate-deployment.js";
import { printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { HISTORY_FLAG_HELP, wholeNumberFlag } from "./flags.js";
import { addExamples, helpWidth } from "./help.js";

export { loadGateConfig };

export interface GateOptions {
  readonly baseline?: string;
  readonly baselineFromHistory?: number;
  readonly config?: string;
  readonly history?: string;
  /** Where gate-junit.xml, gate.md and gate.json go. @default the run bundle */
  readonly out?: string;
  /** Do not record the run and the verdict in the history. */
  readonly record?: boolean;
  /** Replace gate files of the same names in --out even when caplab did not write them. */
  readonly force?: boolean;
}

/**
 * Runs `caplab gate`; returns 0 (pass), 1 (fail), or 74 when the gate passed but the history
 * could not be read or written; usage errors throw (exit 2). Precedence: a failed gate is 1
 * even when the history also failed, so a CI job that tolerates 74 never lets a failed gate
 * through.
 */
export async function runGateCommand(
  runDir: string,
  opts: GateOptions,
  ctx: CliContext,
): Promise<number> {
  const { io, env } = ctx;
  checkBaselineSource(opts);
  if (!existsSync(runDir))
    throw new UsageError(`${runDir} does not exist; pass the run bundle folder.`, "missing-file");
  const output = await prepareOutputFiles(opts.out ?? runDir, {
    command: "gate",
    force: opts.force,
    notify: (message) => io.err(`caplab: ${message}\n`),
  });
  const config = await loadGateConfig(opts.config);
  const historyPath = resolveHistoryPath(opts.history, env, ctx.cwd);
  const lockTimeoutMs = historyLockTimeoutMs(env);
  const run = await loadRunBundle(runDir);
  printWarnings(io, run.warnings);
  const { baseline, ...read } = await gateBaseline(run, opts, {
    historyPath,
    lockTimeoutMs,
    loadRun: loadRunBundle,
    notify: (message) => io.err(`caplab: ${message}\n`),
    announce: (message) => io.out(`${message}\n`),
  });
  let historyFailure = read.historyFailure;

  const deployment = await deploymentGateCheck(config, opts.config, (w) => printWarnings(io, w));
  const result = evaluateGate(gateRunOf(run), baseline, config, deployment);
  const out = output.path;
  await output.write(async (dir) => {
    await writeFileAtomic(join(dir, "gate-junit.xml"), renderGateJunit(result));
    await writeFileAtomic(join(dir, "gate.md"), renderGateMarkdown(result));
    await writeFileAtomic(join(dir, "gate.json"), `${JSON.stringify(result, null, 2)}\n`);
  });
  let notRecorded: HistoryError | null = null;
  if (opts.record !== false && historyFailure === null) {
    try {
      await recordGatedRun(historyPath, run, result, { bundle: resolve(runDir), lockTimeoutMs });
    } catch (error) {
      if (!(error instanceof HistoryError)) throw error;
      historyFailure = notRecorded = error;
    }
  }
  for (const c of result.checks)
    io.out(
      `${c.verdict === "pass" ? "✓" : c.verdict === "fail" ? "✗" : "-"} ${c.name}: ${c.detail}\n`,
    );
  io.out(
    `caplab gate: ${result.verdict === "pass" ? "PASSED" : "FAILED"} (${join(out, "gate.md")}, ${join(out, "gate-junit.xml")})\n`,
  );
  const verdictCode = gateExitCode(result);
  if (notRecorded !== null)
    io.err(`caplab: the run and its verdict were not recorded: ${notRecorded.message}\n`);
  if (historyFailure === null) return verdictCode;
  return verdictCode === 0 ? HISTORY_EXIT_CODE : verdictCode;
}

/** `caplab gate`'s flags and help. */
export const setupGateCommand: CommandSetup = (command, ctx, exit) => {
  command
    .summary(
      "pass or fail a run: SLO, k6 thresholds, server headroom, and regression against a baseline",
    )
    .description(
      "Absolute checks (SLO, k6 thresholds, 5xx, CPU/memory headroom, tasks below MaxCapacity) and, with a baseline, regression checks (bootstrap CI of the p95 difference, Mann-Whitney on per-second p95, two-proportion test on errors, capacity). Writes gate-junit.xml, gate.md, gate.json; records the run and verdict in the history. Exit 0 pass, 1 fail, 2 usage error, 74 history not recorded (a failed gate stays 1). Every check's limit has a default (caplab schema --gate).",
    )
    .argument("<run>", "run bundle")
    .option("--baseline <run>", "baseline run bundle")
    .addOption(
      new Option(
        "--baseline-from-history <n>",
        "pool the last N runs of the same scenario in the history",
      ).argParser(wholeNumberFlag("--baseline-from-history", { min: 1, unit: "runs" })),
    )
    .option(
      "--config <file>",
      "gate.yaml (default: the SLO in the run's plan.json; see caplab schema --gate)",
    )
    .option("--history <path>", HISTORY_FLAG_HELP)
    .option(
      "--out <dir>",
      "where gate-junit.xml, gate.md and gate.json go (default: the run bundle)",
    )
    .option("--force", FORCE_HELP.files)
    .option("--no-record", "do not record the run and the verdict in the history")
    .action(async (run: string, opts: GateOptions) => exit(await runGateCommand(run, opts, ctx)));
  addExamples(
    command,
    [
      { command: "caplab gate out/run --baseline out/last-release" },
      {
        note: "against the last 10 runs of the same scenario in the history",
        command: "caplab gate out/run --baseline-from-history 10 --config gate.yaml",
      },
    ],
    helpWidth(ctx.columns),
  );
};
