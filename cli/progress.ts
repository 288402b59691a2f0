/**
 * Progress bars (cli-progress) on the terminal, only when stderr is one and the command is not
 * `--quiet`. They write caplab's own control sequences, so they go to the terminal directly
 * rather than through the printable Io.
 */
import { SingleBar } from "cli-progress";
import type { PlanOptions } from "../sim/io/plan.js";
import type { PlanConfig, Trace } from "../sim/vocab/index.js";
import type { CliContext } from "./context.js";
import { formatHours, plural } from "../reports/format.js";

/**
 * A bar that counts `unit` ("candidates", "chunks"…), or null when no bar is shown.
 *
 * @example progressBar(ctx, opts.quiet, "candidates")?.start(total, 0)
 */
export function progressBar(
  ctx: CliContext,
  quiet: boolean | undefined,
  unit: string,
): SingleBar | null {
  if (quiet || ctx.terminal === null || !ctx.io.isTty) return null;
  return new SingleBar({
    format: `  {bar} {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted}`,
    hideCursor: true,
    stream: ctx.terminal,
  });
}

/** What `caplab plan` tells the terminal while it sweeps: plan()'s progress callbacks. */
export type PlanProgress = Pick<
  PlanOptions,
  "onSweepStart" | "onSweepProgress" | "onSweepEnd" | "onRobustnessProgress"
> & {
  /** Stops the bars (idempotent). */
  readonly stop: () => void;
};

/**
 * The sweep's lines on stderr ("Planning N candidates…", "Swept N candidates in S s…") and its
 * two bars (candidates, robustness runs; none with --quiet or off a terminal).
 */
export function planProgress(
  ctx: CliContext,
  quiet: boolean | undefined,
  trace: Trace,
  workers: number,
  robustness: PlanConfig["robustness"],
): PlanProgress {
  const { io } = ctx;
  const hours = (trace.requests.length * trace.stepSeconds) / 3600;
  const sweepBar = progressBar(ctx, quiet, "candidates");
  const robustnessBar = progressBar(ctx, quiet, "robustness runs");
  const started = ctx.now().getTime();
  return {
    onSweepStart: (candidates) => {
      io.err(
        `Planning ${plural(candidates, "candidate")} over ${formatHours(hours)} of ${trace.source} at ${trace.stepSeconds}-s steps on ${workers || 1} ${workers > 1 ? "workers" : "thread"}…\n`,
      );
      sweepBar?.start(candidates, 0);
    },
    onSweepProgress: (done) => sweepBar?.update(done),
    onSweepEnd: (swept) => {
      sweepBar?.stop();
      const stopped = swept.filter((r) => r.pruned !== null).length;
      io.err(
        `Swept ${plural(swept.length, "candidate")} in ${((ctx.now().getTime() - started) / 1000).toFixed(1)} s${stopped > 0 ? ` (${stopped} stopped early: they could no longer meet the SLO or were too dear to change the plan; candidates.csv says when and why)` : ""}; rating the best ${robustness.topK} under perturbations (more, up to ${robustness.maxChecked}, until one is rated ${robustness.maxRisk} risk or lower)…\n`,
      );
    },
    onRobustnessProgress: (done, total) => {
      if (done === 1) robustnessBar?.start(total, 0);
      robustnessBar?.setTotal(total);
      robustnessBar?.update(done);
    },
    stop: () => {
      sweepBar?.stop();
      robustnessBar?.stop();
    },
  };
}
