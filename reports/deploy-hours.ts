/**
 * "When is it safe to deploy?" in the plan report (pure; issue #16): the SLO cost of a rolling
 * deployment of the pick started at each hour of the week (sim/deploy-hours.ts), as one chart
 * (report.html) and a table by day (report.md).
 *
 *   PlanResult.deployHours → per setting: the hours that cost SLO minutes or requests
 *     → a sentence, a step chart over the week, a table with one row per day
 */
import type { DeployHourOutcome, PlanResult } from "../sim/vocab/index.js";
import { PALETTE, responsive } from "./chart-style.js";
import { formatNumber } from "./format.js";
import { round, TIME_TOOLTIP, TIME_X, type Chart } from "./timeline-charts.js";

/** Whether deploying at this hour cost the SLO anything. */
export function hurts(h: DeployHourOutcome): boolean {
  return h.sloViolationMinutes > 0 || h.failedRequests >= 0.5;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** "Wed 18:00" (UTC). */
export function hourLabel(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${String(d.getUTCHours()).padStart(2, "0")}:00`;
}

function settingsOf(hours: readonly DeployHourOutcome[]): string[] {
  return [...new Set(hours.map((h) => h.setting))];
}

/**
 * What a deployment at this hour adds, each figure said as added: "+4.0 SLO min, +23,158
 * failed requests"; a figure it leaves alone reads "no more …". Failed requests inside minutes
 * that violate the SLO anyway add no SLO minute: "no more SLO min, +62,833 failed requests".
 */
export function costText(h: DeployHourOutcome): string {
  const failed = Math.round(h.failedRequests);
  const minutes =
    h.sloViolationMinutes > 0
      ? `+${formatNumber(h.sloViolationMinutes, h.sloViolationMinutes < 10 ? 1 : 0)} SLO min`
      : "no more SLO min";
  return `${minutes}, ${failed > 0 ? `+${formatNumber(failed)} failed requests` : "no more failed requests"}`;
}

/** One sentence per setting: how many hours cost the SLO, and the worst. */
export function deployHoursSentences(hours: readonly DeployHourOutcome[]): string[] {
  return settingsOf(hours).map((setting) => {
    const mine = hours.filter((h) => h.setting === setting);
    const bad = mine.filter(hurts);
    if (bad.length === 0) {
      return `A rolling deployment of the pick at ${setting} costs the SLO nothing at any of the ${mine.length} hours tried.`;
    }
    const worst = [...bad].sort(
      (a, b) =>
        b.sloViolationMinutes - a.sloViolationMinutes || b.failedRequests - a.failedRequests,
    )[0]!;
    return `At ${setting}, a deployment costs the SLO at ${bad.length} of ${mine.length} hours; the worst is ${hourLabel(worst.startMs)} UTC (${costText(worst)}).`;
  });
}

/** The chart: SLO minutes a deployment adds, by the hour it starts, one line per setting. */
export function deployHoursChart(result: PlanResult): Chart | null {
  const hours = result.deployHours ?? [];
  if (hours.length === 0) return null;
  const settings = settingsOf(hours);
  const colors = [PALETTE.blue, PALETTE.vermillion, PALETTE.green, PALETTE.purple];
  const rows = hours.map((h) => ({
    t: h.startMs,
    setting: h.setting,
    minutes: round(h.sloViolationMinutes, 2),
    failed: Math.round(h.failedRequests),
    cost: round(h.extraCostUsd, 4),
  }));
  const spec = responsive(
    {
      description:
        "SLO-violating minutes a rolling deployment of the pick adds, by the hour it starts.",
      data: { values: rows },
      mark: { type: "line", interpolate: "step-after", point: { size: 16 } },
      encoding: {
        x: {
          ...TIME_X,
          title: "deployment starts (UTC)",
          axis: { ...TIME_X.axis, format: "%a %H:%M" },
        },
        y: {
          field: "minutes",
          type: "quantitative",
          title: "SLO minutes it adds",
          scale: { zero: true },
          axis: { tickMinStep: 1 },
        },
        color: {
          field: "setting",
          type: "nominal",
          title: "minimumHealthy / maximum",
          scale: { domain: settings, range: colors.slice(0, settings.length) },
          legend: { orient: "top", direction: "horizontal", labelLimit: 260 },
        },
        tooltip: [
          TIME_TOOLTIP,
          { field: "setting", title: "setting" },
          { field: "minutes", title: "SLO minutes added" },
          { field: "failed", title: "failed requests added", format: "," },
          { field: "cost", title: "extra cost (USD)", format: "$,.4f" },
        ],
      },
    },
    220,
  );
  return {
    id: "chart-deploy-hours",
    title: "When is it safe to deploy?",
    caption: `${deployHoursSentences(hours).join(" ")} Each point: the pick simulated from an hour before to two hours after a rolling deployment started on the hour, against the same window without it.`,
    spec,
  };
}

/** The report.md table: one row per day, the hours that cost the SLO under each setting. */
export function deployHoursTable(hours: readonly DeployHourOutcome[]): string[][] {
  const settings = settingsOf(hours);
  const days: string[] = [];
  const byDay = new Map<string, DeployHourOutcome[]>();
  for (const h of hours) {
    const day = new Date(h.startMs).toISOString().slice(0, 10);
    if (!byDay.has(day)) {
      byDay.set(day, []);
      days.push(day);
    }
    byDay.get(day)!.push(h);
  }
  return days.map((day) => {
    const list = byDay.get(day)!;
    const dow = DAYS[new Date(`${day}T00:00:00Z`).getUTCDay()]!;
    return [
      `${dow} ${day}`,
      ...settings.map((setting) => {
        const mine = list.filter((h) => h.setting === setting);
        const bad = mine.filter(hurts);
        if (bad.length === 0) return `safe at all ${mine.length} hours`;
        const hour = (h: DeployHourOutcome) => hourLabel(h.startMs).slice(4);
        if (bad.length <= 4) return bad.map((h) => `${hour(h)} (${costText(h)})`).join("; ");
        const worst = [...bad].sort(
          (a, b) =>
            b.sloViolationMinutes - a.sloViolationMinutes || b.failedRequests - a.failedRequests,
        )[0]!;
        const safe = mine.filter((h) => !hurts(h));
        return `${bad.length} of ${mine.length} hours; worst ${hour(worst)} (${costText(worst)}); safe: ${safe.length === 0 ? "none" : safe.map(hour).join(", ")}`;
      }),
    ];
  });
}

/** The table's header. */
export function deployHoursHeader(hours: readonly DeployHourOutcome[]): string[] {
  return ["Day (UTC)", ...settingsOf(hours).map((s) => `Hours that cost the SLO at ${s}`)];
}
