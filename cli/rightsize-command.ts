/**
 * `caplab rightsize BUNDLE [--slo-p95 MS]`: task CPU and memory from Container Insights
 * usage, mapped to Fargate sizes and priced, then each size checked with the current scaling
 * policy by replaying the bundle's traffic through the simulator (analysis/rightsize.ts).
 * The service model is calibrated from the bundle.
 */
import { rightsize, type RightsizeResult } from "../analysis/rightsize.js";
import {
  resolvePlatform,
  resolvePrices,
  SloSchema,
  type Warning,
  type WarningSink,
} from "../sim/vocab/index.js";
import { calibrateOrExplain, loadObservedBundle } from "./calibrate-command.js";
import { UsageError } from "../sim/vocab/errors.js";
import { printWarnings, type Io } from "./main.js";
import { formatCount } from "../reports/format.js";

export interface RightsizeCommandOptions {
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
    "  size                      $/month  tasks   SLO-min  OOM  meets SLO",
  ];
  for (const row of r.rows) {
    const k = row.kpis;
    const mark = `${row.current ? " (current)" : ""}${row.perTaskPick ? " (per-task pick)" : ""}`;
    lines.push(
      `  ${(row.label + mark).padEnd(24)} ${k.monthlyCostUsd.toFixed(2).padStart(8)}  ${`${formatCount(k.minTasks)}-${formatCount(k.maxTasks)}`.padStart(5)}  ${k.sloViolationMinutes.toFixed(0).padStart(7)}  ${formatCount(k.oomKills).padStart(3)}  ${row.meetsSlo ? "yes" : "no"}`,
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
  const loaded = await loadObservedBundle(bundle, warn);
  if (loaded.current === null)
    throw new UsageError(
      `${bundle} records no task size and scaling (manifest.current); collect it with caplab collect.`,
      "bad-bundle",
    );
  const slo = SloSchema.parse(opts.sloP95 === undefined ? {} : { latencyP95Ms: opts.sloP95 });
  const calibration = calibrateOrExplain(loaded.observed, { sloP95Ms: slo.latencyP95Ms }, warn);
  const result = rightsize(
    loaded.observed,
    loaded.current,
    {
      service: calibration.service,
      platform: resolvePlatform(calibration.platform),
      prices: resolvePrices(),
      slo,
      seed: 1,
    },
    { headroomPercent: opts.headroom },
  );
  printWarnings(io, warnings);
  io.out(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderRightsize(result));
  return 0;
}
