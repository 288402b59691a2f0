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
 *   exit 0 pass, 1 fail or inconclusive (fewer checks judged than gate.yaml's minJudgedChecks), 2 usage error, 74 the history could not be read or written (a failed
 *   gate still exits 1: the verdict comes first, and it is printed and written either way).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { evaluateGate } from "../index.js";
import { gateExitCode } from "../analysis/gate.js";
import { recordGatedRun } from "../analysis/io/history/history-db.js";
import {
  checkBaselineSource,
  gateBaseline,
  loadGateConfig,
} from "../analysis/io/history/gate-baseline.js";
import { gateRunOf } from "../reports/run-data.js";
import {
  basisSentence,
  renderGateJunit,
  renderGateMarkdown,
  verdictBasis,
} from "../reports/run-gate.js";
import { HISTORY_EXIT_CODE, HistoryError, UsageError } from "../sim/vocab/errors.js";
import { prepareOutputFiles, writeFileAtomic } from "../analysis/io/files/output.js";
import { loadRunBundle } from "../analysis/io/files/run-bundle.js";
import { deploymentGateCheck } from "../analysis/io/files/gate-deployment.js";
import { printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { historyAccess, notifier } from "./common.js";
import { describeCommand } from "./help.js";
import { COMMAND_HELP } from "./help-text.js";
import { addHistoryOption, addOutputOptions, wholeNumberOption } from "./options.js";

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
 * Runs `caplab gate`; returns 0 (pass), 1 (fail or inconclusive), or 74 when the gate passed but the history
 * could not be read or written; usage errors throw (exit 2). Precedence: a failed gate is 1
 * even when the history also failed, so a CI job that tolerates 74 never lets a failed gate
 * through.
 */
export async function runGateCommand(
  runDir: string,
  opts: GateOptions,
  ctx: CliContext,
): Promise<number> {
  const { io } = ctx;
  const notify = notifier(io);
  checkBaselineSource(opts);
  if (!existsSync(runDir))
    throw new UsageError(`${runDir} does not exist; pass the run bundle folder.`, "missing-file");
  const output = await prepareOutputFiles(opts.out ?? runDir, {
    command: "gate",
    force: opts.force,
    notify,
  });
  const config = await loadGateConfig(opts.config);
  const { historyPath, lockTimeoutMs } = historyAccess(ctx, opts.history);
  const run = await loadTestRun(runDir);
  printWarnings(io, run.warnings);
  const { baseline, ...read } = await gateBaseline(run, opts, {
    historyPath,
    lockTimeoutMs,
    loadRun: loadTestRun,
    notify,
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
  if (result.verdict === "inconclusive") io.out(`${basisSentence(result)}\n`);
  io.out(
    `caplab gate: ${VERDICT_WORD[result.verdict]} (${verdictBasis(result)}; ${join(out, "gate.md")}, ${join(out, "gate-junit.xml")})\n`,
  );
  const verdictCode = gateExitCode(result);
  if (notRecorded !== null)
    notify(`the run and its verdict were not recorded: ${notRecorded.message}`);
  if (historyFailure === null) return verdictCode;
  return verdictCode === 0 ? HISTORY_EXIT_CODE : verdictCode;
}

/** A run bundle for the gate; a trace bundle is refused (it holds no load test to judge). */
const loadTestRun = (dir: string) => loadRunBundle(dir, { traceBundles: "refuse" });

const VERDICT_WORD = { pass: "PASSED", fail: "FAILED", inconclusive: "INCONCLUSIVE" } as const;

/** `caplab gate`'s flags and help. */
export const setupGateCommand: CommandSetup = (command, ctx, exit) => {
  describeCommand(command, COMMAND_HELP.gate, ctx.columns)
    .argument("<run>", "run bundle")
    .option("--baseline <run>", "baseline run bundle")
    .addOption(
      wholeNumberOption(
        "--baseline-from-history <n>",
        "pool the last N runs of the same scenario in the history",
        { min: 1, unit: "runs" },
      ),
    )
    .option(
      "--config <file>",
      "gate.yaml (default: the SLO in the run's plan.json; see caplab schema --gate)",
    );
  addHistoryOption(command);
  addOutputOptions(command, {
    help: "where gate-junit.xml, gate.md and gate.json go (default: the run bundle)",
    force: "files",
  })
    .option("--no-record", "do not record the run and the verdict in the history")
    .action(async (run: string, opts: GateOptions) => exit(await runGateCommand(run, opts, ctx)));
};
