/**
 * What `caplab gate` reads before it judges: its config (gate.yaml) and the run it compares
 * with, one bundle (`--baseline RUN`) or the last N runs of the same scenario in the history,
 * pooled (`--baseline-from-history N`).
 */
import { existsSync } from "node:fs";
import { poolBaselines, GateConfigSchema, type GateConfig, type GateRun } from "../../gate.js";
import { HistoryError, UsageError } from "../../../sim/vocab/errors.js";
import { gateRunOf, type RunData } from "../../../reports/run-data.js";
import { formatZodIssue, readYamlFile } from "../files/config-file.js";
import { baselineRunsFromHistory } from "./history-db.js";

/** gate.yaml (or .json) → GateConfig, every field defaulted; a UsageError names the wrong field. */
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

/** Where the baseline comes from: at most one of the two. */
export interface BaselineSource {
  /** A run bundle's folder. */
  readonly baseline?: string;
  /** The last N runs of the run's scenario in the history, pooled. */
  readonly baselineFromHistory?: number;
}

/** The flags' combination, checked before anything is read. */
export function checkBaselineSource(source: BaselineSource): void {
  if (source.baseline !== undefined && source.baselineFromHistory !== undefined)
    throw new UsageError(
      "give either --baseline RUN or --baseline-from-history N, not both.",
      "bad-flag",
    );
  if (source.baselineFromHistory !== undefined && !(source.baselineFromHistory >= 1))
    throw new UsageError(
      "--baseline-from-history takes a whole number of runs, 1 or more.",
      "bad-flag",
    );
}

/** What {@link gateBaseline} reads with. */
export interface BaselineWorld {
  readonly historyPath: string;
  readonly lockTimeoutMs: number;
  /** Reads a run bundle (caplab's: loadRunBundle). */
  readonly loadRun: (dir: string) => Promise<RunData>;
  /** One sentence for the user (no earlier runs; the history could not be read). */
  readonly notify: (message: string) => void;
  /** Says which runs a pooled baseline is made of ("Baseline: the last 2 … (path)"). */
  readonly announce?: (message: string) => void;
}

/**
 * The name of a pooled baseline, naming the runs it pooled (oldest first):
 * "the last 2 checkout runs in history: caplab-1a2b3c4d, caplab-5e6f7a8b".
 */
export function pooledLabel(scenario: string, runs: readonly GateRun[]): string {
  const n = runs.length;
  return `the last ${n === 1 ? "" : `${n} `}${scenario} run${n === 1 ? "" : "s"} in history: ${runs.map((r) => r.label).join(", ")}`;
}

/**
 * The baseline `run` is compared with: null when none was asked for, when the history holds no
 * earlier run of its scenario, or when the history could not be read (then `historyFailure`
 * says why, the regression checks are skipped and the run should not be recorded).
 */
export async function gateBaseline(
  run: RunData,
  source: BaselineSource,
  world: BaselineWorld,
): Promise<{ baseline: GateRun | null; historyFailure: HistoryError | null }> {
  if (source.baseline !== undefined) {
    if (!existsSync(source.baseline))
      throw new UsageError(`--baseline ${source.baseline} does not exist.`, "missing-file");
    return { baseline: gateRunOf(await world.loadRun(source.baseline)), historyFailure: null };
  }
  if (source.baselineFromHistory === undefined) return { baseline: null, historyFailure: null };
  const { scenario, runId } = run.meta;
  try {
    const runs = await baselineRunsFromHistory(world.historyPath, {
      n: source.baselineFromHistory,
      scenario,
      excludeRunId: runId,
      lockTimeoutMs: world.lockTimeoutMs,
    });
    if (runs.length === 0) {
      world.notify(
        `no earlier ${scenario} runs in ${world.historyPath}; the regression checks are skipped this time.`,
      );
      return { baseline: null, historyFailure: null };
    }
    const baseline = poolBaselines(runs, pooledLabel(scenario, runs));
    world.announce?.(`Baseline: ${baseline.label} (${world.historyPath})`);
    return { baseline, historyFailure: null };
  } catch (error) {
    if (!(error instanceof HistoryError)) throw error;
    world.notify(
      `the regression checks are skipped, and the run will not be recorded: ${error.message}`,
    );
    return { baseline: null, historyFailure: error };
  }
}
