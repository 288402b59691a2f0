/**
 * Numbers as caplab writes them for people, with no locale: digits grouped by thousands with a
 * comma, and counts with their noun. One home for the simulator's sentences (sim/risk.ts, sim/vocab/warnings.ts), the
 * analysis's (analysis/extremes.ts, the import and run summaries) and the reports' formats
 * (reports/format.ts).
 */

/** Digits grouped by thousands with a comma, e.g. `groupThousands("-12345.6")` → "-12,345.6". */
export function groupThousands(text: string): string {
  const negative = text.startsWith("-");
  const [int, frac] = (negative ? text.slice(1) : text).split(".");
  const grouped = (int ?? "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}${frac !== undefined ? `.${frac}` : ""}`;
}

/** `v` with `digits` fixed decimals, grouped by thousands: `fixedGrouped(8239.4)` → "8,239". */
export function fixedGrouped(v: number, digits = 0): string {
  return groupThousands(v.toFixed(digits));
}

/**
 * A count with its noun in the right number, as the CLI's summaries print counts:
 * `plural(1, "step")` → "1 step", `plural(3, "step")` → "3 steps", `plural(0, "entry",
 * "entries")` → "0 entries". English takes the plural for every count but exactly one. The
 * count's digits are grouped by thousands as reports/format.ts's formatNumber groups them ("20,200
 * steps"), its decimals kept as `String` writes them.
 */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  const text = String(n);
  return `${/e/i.test(text) ? text : groupThousands(text)} ${n === 1 ? noun : nouns}`;
}

/** `v` with at most one decimal, no trailing zero, grouped: 36.5 → "36.5", 7.04 → "7", 1234 → "1,234". */
function compactOne(v: number): string {
  const text = groupThousands(v.toFixed(1));
  return text.endsWith(".0") ? text.slice(0, -2) : text;
}

/**
 * A span of time given in hours, as every caplab sentence says one: "40 s", "15 min", "6 h",
 * "36.5 h", "7 days" (days from 48 h on), at most one decimal.
 */
export function formatHours(hours: number): string {
  if (hours >= 48) return `${compactOne(hours / 24)} days`;
  if (hours >= 1) return `${compactOne(hours)} h`;
  if (hours * 60 >= 1) return `${compactOne(hours * 60)} min`;
  return `${compactOne(Math.max(0, hours * 3600))} s`;
}

/** The task figures of a run's Kpis that {@link taskRange} reads (sim/vocab/types.ts Kpis). */
export interface TaskCounts {
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly minDesiredCount?: number;
  readonly maxDesiredCount?: number;
}

/**
 * Whether a count the fluid model gives is a whole number (within 1e-6: float dust), so that it
 * prints as a count; otherwise it is an expected value (oomModel "poisson" kills the share of a
 * group, leaving fractions of tasks) or a mean, and the words must say so.
 *
 * @example isWholeCount(3.0000000001) → true; isWholeCount(94.06) → false
 */
export function isWholeCount(v: number): boolean {
  return Math.abs(v - Math.round(v)) < 1e-6;
}

/**
 * Whole-number bounds of the per-step means of running tasks: the floor of the fewest and the
 * ceiling of the most. With whole tasks both are counts that some moment reached (a step whose
 * mean is 27.3 ran 28 or more at some moment; one whose mean is 0.4 ran none at some moment), so
 * they never claim a count that never ran, as rounding a mean could.
 *
 * @example runningBounds({ minTasks: 0.4, maxTasks: 3.8 }) → { low: 0, high: 4 }
 */
export function runningBounds(k: TaskCounts): { readonly low: number; readonly high: number } {
  return { low: Math.floor(k.minTasks + 1e-9), high: Math.ceil(k.maxTasks - 1e-9) };
}

/**
 * The run's task range in whole tasks, labelled by what it counts: the fewest and most tasks
 * desired at any moment, exact ("2–27 desired"), and, where running tasks went outside that range
 * (a deployment's extra tasks, tasks that died or never turned healthy), the running tasks'
 * {@link runningBounds} too ("2–3 desired (running 0–4 by step means)"). Kpis written before the
 * desired counts were kept (a summary.json read back) give the running bounds alone
 * ("0–4 running (by step means)").
 *
 * @example taskRange({ minTasks: 2, maxTasks: 27.3, minDesiredCount: 2, maxDesiredCount: 28 }) → "2–28 desired"
 */
export function taskRange(k: TaskCounts): string {
  const run = runningBounds(k);
  const running = `${groupThousands(String(run.low))}–${groupThousands(String(run.high))}`;
  if (k.minDesiredCount === undefined || k.maxDesiredCount === undefined)
    return `${running} running (by step means)`;
  const desired = `${groupThousands(String(k.minDesiredCount))}–${groupThousands(String(k.maxDesiredCount))} desired`;
  return run.low < k.minDesiredCount || run.high > k.maxDesiredCount
    ? `${desired} (running ${running} by step means)`
    : desired;
}

/** The most tasks a run's Kpis say ran or were desired, as a whole number: the desired count's maximum, else {@link runningBounds}' high. */
export function mostTasks(k: TaskCounts): number {
  return k.maxDesiredCount ?? runningBounds(k).high;
}
