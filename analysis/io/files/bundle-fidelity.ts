/**
 * How well the simulator reproduces a bundle's own history with its recorded configuration
 * (`caplab backtest`), for `caplab plan` on a bundle trace.
 */
import { resolve } from "node:path";
import { backtest, type FidelityScore } from "../../backtest.js";
import {
  warnings as warning,
  type Candidate,
  type PlanConfig,
  type SimulationContext,
  type Warning,
} from "../../../sim/vocab/index.js";
import { isBundle } from "./bundle.js";
import { loadObservedBundle } from "./observed-bundle.js";

/**
 * How well the simulator reproduces the service's own history, when the trace is a bundle
 * that records the configuration (`caplab backtest`); null otherwise.
 */
export async function bundleFidelity(
  config: PlanConfig,
  baseDir: string,
  current: Candidate | null,
  context: SimulationContext,
  warnings: Warning[],
): Promise<FidelityScore | null> {
  if (config.trace.file === undefined || current === null) return null;
  const path = resolve(baseDir, config.trace.file);
  if (!(await isBundle(path))) return null;
  try {
    const { observed } = await loadObservedBundle(path, (w) => warnings.push(w), {
      task: current.task,
    });
    return backtest(observed, current, context).fidelity;
  } catch (error) {
    warnings.push(warning.noFidelity((error as Error).message));
    return null;
  }
}
