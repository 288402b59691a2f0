/** A run bundle into the history, after `caplab run` or `caplab import --format k6`; a plan after `caplab plan`. */
import { HISTORY_EXIT_CODE, HistoryError } from "../../../sim/vocab/errors.js";
import type { RunData } from "../../../reports/run-data.js";
import type { PlanResult } from "../../../sim/vocab/index.js";
import { recordPlan, recordRun } from "./history-db.js";

/** What {@link recordRunBundle} reads and writes with. */
export interface RecordBundleWorld {
  readonly historyPath: string;
  readonly lockTimeoutMs: number;
  /** Reads a run bundle (caplab's: loadRunBundle). */
  readonly loadRun: (dir: string) => Promise<RunData>;
  /** One sentence for the user when the run is not recorded. */
  readonly notify: (message: string) => void;
}

/**
 * Adds the run bundle `out` to the history and returns the run's exit code: `code` (k6's), or
 * 74 when k6 passed but the history could not be written (the bundle is complete on disk
 * either way, and one sentence says so). A bundle k6 left unreadable is not recorded; k6's
 * code says why.
 */
export async function recordRunBundle(
  out: string,
  code: number,
  world: RecordBundleWorld,
): Promise<number> {
  let run: RunData;
  try {
    run = await world.loadRun(out);
  } catch (error) {
    world.notify(`run not recorded in history: ${(error as Error).message}`);
    return code;
  }
  try {
    await recordRun(world.historyPath, run, { bundle: out, lockTimeoutMs: world.lockTimeoutMs });
    return code;
  } catch (error) {
    if (!(error instanceof HistoryError)) throw error;
    world.notify(`the run bundle is complete but not recorded: ${error.message}`);
    return code === 0 ? HISTORY_EXIT_CODE : code;
  }
}

/**
 * Adds a plan (its result and output folder) to the history; returns null, or the HistoryError
 * when the history could not be written (the plan's folder is complete either way).
 */
export async function recordPlanResult(
  result: PlanResult,
  out: string,
  world: Pick<RecordBundleWorld, "historyPath" | "lockTimeoutMs">,
): Promise<HistoryError | null> {
  try {
    await recordPlan(world.historyPath, result, { out, lockTimeoutMs: world.lockTimeoutMs });
    return null;
  } catch (error) {
    if (!(error instanceof HistoryError)) throw error;
    return error;
  }
}
