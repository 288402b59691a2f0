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
import { dirname, join, resolve } from "node:path";
import {
  deploymentCheck,
  evaluateGate,
  gateExitCode,
  GateConfigSchema,
  poolBaselines,
  type GateCheck,
  type GateConfig,
  type GateRun,
} from "../analysis/gate.js";
import { simulate } from "../sim/engine.js";
import { deploymentPlans } from "../sim/deploy.js";
import { SimulateConfigSchema, simulationContext, type Warning } from "../sim/vocab/index.js";
import { loadConfig } from "../analysis/io/files/config-file.js";
import { loadTrace } from "../analysis/io/files/trace-file.js";
import {
  baselineRunsFromHistory,
  historyLockTimeoutMs,
  recordGatedRun,
  resolveHistoryPath,
} from "../analysis/io/history/history-db.js";
import { gateRunOf } from "../reports/run-data.js";
import { renderGateJunit, renderGateMarkdown } from "../reports/run-gate.js";
import { HISTORY_EXIT_CODE, HistoryError, UsageError } from "../sim/vocab/errors.js";
import { formatZodIssue, readYamlFile } from "../analysis/io/files/config-file.js";
import { printWarnings, type Io } from "./main.js";
import { prepareOutputFiles, writeFileAtomic } from "../analysis/io/files/output.js";
import { loadRunBundle } from "../analysis/io/files/run-bundle.js";

/**
 * The name of a pooled baseline, naming the runs it pooled (oldest first):
 * "the last 2 checkout runs in history: caplab-1a2b3c4d, caplab-5e6f7a8b".
 */
export function pooledLabel(scenario: string, runs: readonly GateRun[]): string {
  const n = runs.length;
  return `the last ${n === 1 ? "" : `${n} `}${scenario} run${n === 1 ? "" : "s"} in history: ${runs.map((r) => r.label).join(", ")}`;
}

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

/** gate.yaml (or .json) → GateConfig; a UsageError names the field that is wrong. */
export async function loadGateConfig(path: string | undefined): Promise<GateConfig> {
  if (path === undefined) return GateConfigSchema.parse({});
  const raw = (await readYamlFile(path)) ?? {};
  const parsed = GateConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      issue === undefined
        ? `${path} is not a valid gate config; check it against caplab schema --gate.`
        : formatZodIssue(path, issue),
      "bad-config",
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

/**
 * gate.yaml's `deployment` check (issue #16): the simulate config it names, run without and with
 * the release's deployment at its planned time (the simulate config's own `deployments:` are
 * left out), judged by deploymentCheck (analysis/gate.ts). Null without a `deployment`.
 */
async function deploymentGateCheck(
  config: GateConfig,
  configPath: string | undefined,
  io: Io,
): Promise<GateCheck | null> {
  const d = config.deployment;
  if (d === undefined || configPath === undefined) return null;
  const { simulate: simulatePath, maxAddedSloMinutes, ...settings } = d;
  const path = resolve(dirname(resolve(configPath)), simulatePath);
  if (!existsSync(path)) {
    throw new UsageError(
      `${configPath}: deployment.simulate ${simulatePath} does not exist (it is read relative to ${configPath}); give a caplab simulate config.`,
      "missing-file",
    );
  }
  const { config: sim, baseDir } = await loadConfig(path, SimulateConfigSchema);
  const warnings: Warning[] = [];
  const trace = await loadTrace(sim.trace, baseDir, (w) => warnings.push(w));
  printWarnings(io, warnings);
  const plans = deploymentPlans([settings], trace, () => `${configPath}: deployment.at`);
  const context = simulationContext(sim);
  const candidate = { task: sim.task, scaling: sim.scaling };
  const without = simulate(trace, candidate, context, { record: false }).kpis;
  const withIt = simulate(trace, { ...candidate, deployments: plans }, context, {
    record: false,
  }).kpis;
  return deploymentCheck(without, withIt, withIt.deployments![0]!, {
    at: d.at,
    strategy: d.strategy,
    maxAddedSloMinutes,
  });
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
  io: Io,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  if (opts.baseline !== undefined && opts.baselineFromHistory !== undefined)
    throw new UsageError(
      "give either --baseline RUN or --baseline-from-history N, not both.",
      "bad-flag",
    );
  if (opts.baselineFromHistory !== undefined && !(opts.baselineFromHistory >= 1))
    throw new UsageError(
      "--baseline-from-history takes a whole number of runs, 1 or more.",
      "bad-flag",
    );
  if (!existsSync(runDir))
    throw new UsageError(`${runDir} does not exist; pass the run bundle folder.`, "missing-file");
  const output = await prepareOutputFiles(opts.out ?? runDir, {
    command: "gate",
    force: opts.force,
    notify: (message) => io.err(`caplab: ${message}\n`),
  });
  const config = await loadGateConfig(opts.config);
  const historyPath = resolveHistoryPath(opts.history, env, process.cwd());
  const lockTimeoutMs = historyLockTimeoutMs(env);
  const run = await loadRunBundle(runDir);
  printWarnings(io, run.warnings);

  let baseline: GateRun | null = null;
  let historyFailure: HistoryError | null = null;
  if (opts.baseline !== undefined) {
    if (!existsSync(opts.baseline))
      throw new UsageError(`--baseline ${opts.baseline} does not exist.`, "missing-file");
    baseline = gateRunOf(await loadRunBundle(opts.baseline));
  } else if (opts.baselineFromHistory !== undefined) {
    try {
      const runs = await baselineRunsFromHistory(historyPath, {
        n: opts.baselineFromHistory,
        scenario: run.meta.scenario,
        excludeRunId: run.meta.runId,
        lockTimeoutMs,
      });
      if (runs.length === 0)
        io.err(
          `caplab: no earlier ${run.meta.scenario} runs in ${historyPath}; the regression checks are skipped this time.\n`,
        );
      else {
        baseline = poolBaselines(runs, pooledLabel(run.meta.scenario, runs));
        io.out(`Baseline: ${baseline.label} (${historyPath})\n`);
      }
    } catch (error) {
      if (!(error instanceof HistoryError)) throw error;
      historyFailure = error;
      io.err(
        `caplab: the regression checks are skipped, and the run will not be recorded: ${error.message}\n`,
      );
    }
  }

  const deployment = await deploymentGateCheck(config, opts.config, io);
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
