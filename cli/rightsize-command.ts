/**
 * `caplab rightsize BUNDLE [--slo-p95 MS] [--config FILE] [--task-cpu N --task-memory N]`: task
 * CPU and memory from Container Insights usage, mapped to Fargate sizes and priced, then each
 * size checked with today's scaling policy by replaying the bundle's traffic through the
 * simulator (analysis/rightsize.ts). Today's task size and policy come from the bundle
 * (collect records them) or from --config and the task flags (analysis/io/files/todays-config.ts);
 * the service model from --config, else calibrated from the bundle. What the replay lacks
 * (traffic, a policy, a model) leaves the per-task answer, priced, with the reason.
 */
import { calibrate } from "../analysis/calibrate.js";
import { rightsize, rightsizeFromUsage, type RightsizeResult } from "../analysis/rightsize.js";
import {
  resolvePlatform,
  resolvePrices,
  simulationContext,
  SloSchema,
  type Candidate,
  type SimulationContext,
  type Warning,
  type WarningSink,
} from "../sim/vocab/index.js";
import { UsageError } from "../sim/vocab/errors.js";
import { loadObservedBundle } from "../analysis/io/files/observed-bundle.js";
import { readTodaysConfig, type TodaysConfigFlags } from "../analysis/io/files/todays-config.js";
import { printWarnings, type Io } from "./main.js";
import { formatCount } from "../reports/format.js";

export interface RightsizeCommandOptions extends TodaysConfigFlags {
  readonly sloP95?: number;
  /** Headroom over the usage percentiles, percent. @default 20 */
  readonly headroom?: number;
  readonly json?: boolean;
}

/** The table and the recommendation, as text. */
export function renderRightsize(r: RightsizeResult): string {
  const lines = [
    `Need per task: ${r.need.cpuUnits.toFixed(0)} CPU units (p95 ${r.need.cpuUnitsPercentile.toFixed(0)} + headroom), ${r.need.memoryMiB.toFixed(0)} MiB (p99 ${r.need.memoryMiBPercentile.toFixed(0)} + headroom)`,
    "",
    r.simulated
      ? "  size                      $/month  tasks   SLO-min  OOM  meets SLO"
      : "  size                      $/task-month",
  ];
  const named = r.rows.map(
    (row) =>
      `${row.label}${row.current ? " (current)" : ""}${row.perTaskPick ? " (per-task pick)" : ""}`,
  );
  const width = Math.max(24, ...named.map((n) => n.length));
  lines[2] = lines[2]!.replace("size".padEnd(24), "size".padEnd(width));
  for (const [i, row] of r.rows.entries()) {
    const k = row.kpis;
    const name = named[i]!.padEnd(width);
    lines.push(
      k === null
        ? `  ${name} ${row.taskMonthlyCostUsd.toFixed(2).padStart(12)}`
        : `  ${name} ${k.monthlyCostUsd.toFixed(2).padStart(8)}  ${`${formatCount(k.minTasks)}-${formatCount(k.maxTasks)}`.padStart(5)}  ${k.sloViolationMinutes.toFixed(0).padStart(7)}  ${formatCount(k.oomKills).padStart(3)}  ${row.meetsSlo ? "yes" : "no"}`,
    );
  }
  lines.push("", `Recommended: ${r.recommended ? r.recommended.label : "none"}`, ...r.reasons, "");
  return lines.join("\n");
}

/** Runs `caplab rightsize` and returns the exit code. */
export async function runRightsizeCommand(
  bundle: string,
  opts: RightsizeCommandOptions,
  io: Io,
): Promise<number> {
  const warnings: Warning[] = [];
  const warn: WarningSink = (w) => warnings.push(w);
  const today = await readTodaysConfig(opts);
  const loaded = await loadObservedBundle(bundle, warn, { task: today.task });
  const task = today.task ?? loaded.current?.task ?? loaded.observed.task;
  const scaling = today.config?.scaling ?? loaded.current?.scaling ?? null;
  const slo = SloSchema.parse({
    ...(today.config?.slo ?? {}),
    ...(opts.sloP95 === undefined ? {} : { latencyP95Ms: opts.sloP95 }),
  });

  // What the replay needs: traffic, today's scaling policy, and a service model.
  let context: SimulationContext | null = null;
  let why: string | null = null;
  if (!loaded.hasRequests || loaded.observed.length === 0)
    why = "the bundle has no requests series to replay";
  else if (scaling === null)
    why =
      "the bundle records no scaling policy (only caplab collect writes one); give --config with today's scaling";
  else if (today.config !== null) context = { ...simulationContext(today.config), slo };
  else {
    try {
      const calibration = calibrate(loaded.observed, { sloP95Ms: slo.latencyP95Ms }, warn);
      context = {
        service: calibration.service,
        platform: resolvePlatform(calibration.platform),
        prices: resolvePrices(),
        slo,
        seed: 1,
      };
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      why = `no service model: ${error.message.replace(/\.$/, "")}`;
    }
  }
  const result =
    context === null
      ? rightsizeFromUsage(loaded.observed, task, resolvePrices(today.config?.prices), why!, {
          headroomPercent: opts.headroom,
        })
      : rightsize(loaded.observed, { task, scaling: scaling! } satisfies Candidate, context, {
          headroomPercent: opts.headroom,
        });
  printWarnings(io, warnings);
  io.out(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderRightsize(result));
  return 0;
}
