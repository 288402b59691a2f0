/** `caplab simulate CONFIG`: one configuration against one trace. */
import { join, resolve } from "node:path";
import { simulate } from "../sim/engine.js";
import { deploymentPlans } from "../sim/deploy.js";
import {
  SimulateConfigSchema,
  simulationContext,
  type SimulationContext,
  type Warning,
} from "../sim/vocab/index.js";
import { loadConfig } from "../analysis/io/files/config-file.js";
import type { Io } from "./main.js";
import { printWarnings } from "./main.js";
import {
  prepareOutputFolder,
  renderTimelineCsv,
  writeFileAtomic,
  writeJsonAtomic,
} from "../analysis/io/files/output.js";
import { loadTrace } from "../analysis/io/files/trace-file.js";
import { formatCount } from "../reports/format.js";

export async function runSimulateCommand(
  configPath: string,
  opts: { out: string; json?: boolean; force?: boolean },
  io: Io,
): Promise<number> {
  const { config, baseDir } = await loadConfig(configPath, SimulateConfigSchema);
  const output = await prepareOutputFolder(opts.out, {
    command: "simulate",
    force: opts.force,
    inputs: [
      configPath,
      ...(config.trace.file === undefined ? [] : [resolve(baseDir, config.trace.file)]),
    ],
    notify: (message) => io.err(`caplab: ${message}\n`),
  });
  const warnings: Warning[] = [];
  const trace = await loadTrace(config.trace, baseDir, (w) => warnings.push(w));
  const context: SimulationContext = simulationContext(config);
  const deployments = deploymentPlans(config.deployments, trace);
  const result = simulate(
    trace,
    {
      task: config.task,
      scaling: config.scaling,
      ...(deployments.length > 0 ? { deployments } : {}),
    },
    context,
    { record: true },
  );
  const out = output.path;
  const summary = {
    ...result.kpis,
    trace: {
      source: trace.source,
      startMs: trace.startMs,
      stepSeconds: trace.stepSeconds,
      steps: trace.requests.length,
    },
    // What was simulated, so that `caplab report` can draw the target and the SLO.
    task: config.task,
    scaling: config.scaling,
    slo: config.slo,
  };
  await output.write(async (dir) => {
    await writeFileAtomic(join(dir, "timeline.csv"), renderTimelineCsv(result.timeline!));
    await writeJsonAtomic(join(dir, "events.json"), result.events);
    await writeJsonAtomic(join(dir, "summary.json"), summary);
  });
  printWarnings(io, warnings);
  if (opts.json) {
    io.out(`${JSON.stringify(result.kpis, null, 2)}\n`);
  } else {
    const k = result.kpis;
    io.out(
      [
        `Simulated ${k.minutes.toFixed(0)} minutes of ${trace.source} (${trace.stepSeconds}-s steps).`,
        `  cost            $${k.costUsd.toFixed(2)} ($${k.monthlyCostUsd.toFixed(0)} a month)`,
        `  tasks           ${formatCount(k.minTasks)}–${formatCount(k.maxTasks)}, mean ${k.meanTasks.toFixed(1)}; ${k.scalingActions} scaling actions`,
        `  latency         mean p95 ${k.meanP95LatencyMs.toFixed(0)} ms, worst p95 ${k.worstP95LatencyMs.toFixed(0)} ms`,
        `  errors          ${k.errorRatePercent.toFixed(3)}% (${Math.round(k.failedRequests)} requests)`,
        `  SLO             ${k.sloViolationMinutes.toFixed(0)} violating minutes`,
        ...(k.deployments ?? []).map(
          (d, n) =>
            `  deployment ${n + 1}    ${d.strategy} at ${new Date(trace.startMs + d.startSeconds * 1000).toISOString().slice(0, 16)}Z: ${d.outcome} in ${d.durationMinutes.toFixed(0)} min; +${d.extraTaskMinutes.toFixed(0)} task-minutes ($${d.extraCostUsd.toFixed(2)}); ${d.sloViolationMinutes.toFixed(0)} SLO-violating minutes, ${Math.round(d.failedRequests)} failed requests in its ${d.windowMinutes.toFixed(0)}-minute window`,
        ),
        `Wrote ${join(out, "timeline.csv")}, events.json, summary.json`,
        "",
      ].join("\n"),
    );
  }
  return 0;
}
