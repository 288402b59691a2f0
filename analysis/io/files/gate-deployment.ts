/**
 * gate.yaml's `deployment` check (issue #16), read from files: the simulate config it names and
 * its trace, simulated without and with the release's deployment.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { deploymentCheck, type GateCheck, type GateConfig } from "../../gate.js";
import { simulate } from "../../../sim/engine.js";
import { deploymentPlans } from "../../../sim/deploy.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import { SimulateConfigSchema, simulationContext, type Warning } from "../../../sim/vocab/index.js";
import { loadConfig } from "./config-file.js";
import { loadTrace } from "./trace-file.js";

/**
 * gate.yaml's `deployment` check (issue #16): the simulate config it names, run without and with
 * the release's deployment at its planned time (the simulate config's own `deployments:` are
 * left out), judged by deploymentCheck (analysis/gate.ts). Null without a `deployment`.
 */
export async function deploymentGateCheck(
  config: GateConfig,
  configPath: string | undefined,
  warn: (warnings: readonly Warning[]) => void,
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
  warn(warnings);
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
