/**
 * Scheduled actions: when each `cron(...)` or `at(...)` schedule fires within a window.
 *
 * Application Auto Scaling schedules use the six-field cron form
 * `cron(minutes hours day-of-month month day-of-week year)`, day-of-week 1-7 = SUN-SAT or
 * names, `?` as "any". caplab evaluates them in UTC (the API's default time zone).
 */
import type { ScheduledActionConfig } from "./vocab/index.js";
import { UsageError } from "./vocab/errors.js";

/** A scheduled action at one moment. */
export interface ScheduledFiring {
  readonly timeMs: number;
  readonly name: string;
  readonly MinCapacity: number | undefined;
  readonly MaxCapacity: number | undefined;
}

const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const MONTH_NAMES = [
  "JAN",
  "FEB",
  "MAR",
  "APR",
  "MAY",
  "JUN",
  "JUL",
  "AUG",
  "SEP",
  "OCT",
  "NOV",
  "DEC",
];

/** Thrown for a schedule caplab cannot read; the message says what to write instead. */
export class ScheduleError extends UsageError {
  constructor(message: string) {
    super(message, "bad-schedule");
    this.name = "ScheduleError";
  }
}

function parseField(
  field: string,
  min: number,
  max: number,
  names: string[] = [],
  base = min,
): Set<number> {
  const out = new Set<number>();
  const value = (s: string): number => {
    const named = names.indexOf(s.toUpperCase());
    const v = named >= 0 ? named + base : Number(s);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new ScheduleError(`"${s}" is outside ${min}-${max}`);
    }
    return v;
  };
  for (const part of field.split(",")) {
    const [rangePart, stepPart] = part.split("/") as [string, string | undefined];
    const step = stepPart === undefined ? 1 : Number(stepPart);
    if (!Number.isInteger(step) || step <= 0) throw new ScheduleError(`bad step "${stepPart}"`);
    let lo: number;
    let hi: number;
    if (rangePart === "*" || rangePart === "?") {
      lo = min;
      hi = max;
    } else if (rangePart.includes("-")) {
      const [a, b] = rangePart.split("-") as [string, string];
      lo = value(a);
      hi = value(b);
    } else {
      lo = value(rangePart);
      hi = stepPart === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

interface CronMatcher {
  readonly minutes: Set<number>;
  readonly hours: Set<number>;
  readonly daysOfMonth: Set<number> | null;
  readonly months: Set<number>;
  readonly daysOfWeek: Set<number> | null;
  readonly years: Set<number> | null;
}

function parseCron(expr: string): CronMatcher {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleError(
      `cron needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  const [mi, h, dom, mon, dow, yr] = fields as [string, string, string, string, string, string];
  return {
    minutes: parseField(mi, 0, 59),
    hours: parseField(h, 0, 23),
    daysOfMonth: dom === "?" || dom === "*" ? null : parseField(dom, 1, 31),
    months: parseField(mon, 1, 12, MONTH_NAMES, 1),
    daysOfWeek: dow === "?" || dow === "*" ? null : parseField(dow, 1, 7, DAY_NAMES, 1),
    years: yr === "*" || yr === "?" ? null : parseField(yr, 1970, 2199),
  };
}

function matches(m: CronMatcher, d: Date): boolean {
  return (
    m.minutes.has(d.getUTCMinutes()) &&
    m.hours.has(d.getUTCHours()) &&
    m.months.has(d.getUTCMonth() + 1) &&
    (m.daysOfMonth === null || m.daysOfMonth.has(d.getUTCDate())) &&
    (m.daysOfWeek === null || m.daysOfWeek.has(d.getUTCDay() + 1)) &&
    (m.years === null || m.years.has(d.getUTCFullYear()))
  );
}

/**
 * Every firing of the actions in [startMs, endMs), in time order (ties keep config order).
 * Cost: one check per minute of the window per cron action.
 *
 * @example scheduleFirings([{ Schedule: "cron(0 8 ? * MON-FRI *)", ScalableTargetAction: { MinCapacity: 4 } }], t0, t1)
 */
export function scheduleFirings(
  actions: readonly ScheduledActionConfig[],
  startMs: number,
  endMs: number,
): ScheduledFiring[] {
  const out: ScheduledFiring[] = [];
  actions.forEach((action, index) => {
    const name = action.ScheduledActionName ?? `scheduled-action-${index + 1}`;
    const body = action.Schedule.slice(action.Schedule.indexOf("(") + 1, -1);
    const push = (timeMs: number) =>
      out.push({
        timeMs,
        name,
        MinCapacity: action.ScalableTargetAction.MinCapacity,
        MaxCapacity: action.ScalableTargetAction.MaxCapacity,
      });
    try {
      if (action.Schedule.startsWith("at(")) {
        const t = Date.parse(body.endsWith("Z") ? body : `${body}Z`);
        if (Number.isNaN(t)) throw new ScheduleError(`"${body}" is not a date-time`);
        if (t >= startMs && t < endMs) push(t);
        return;
      }
      const matcher = parseCron(body);
      const first = Math.ceil(startMs / 60_000) * 60_000;
      for (let t = first; t < endMs; t += 60_000) {
        if (matches(matcher, new Date(t))) push(t);
      }
    } catch (error) {
      const why = error instanceof ScheduleError ? error.message : String(error);
      throw new ScheduleError(
        `scaling.scheduledActions[${index}].Schedule "${action.Schedule}": ${why}; write it like "cron(0 8 ? * MON-FRI *)" or "at(2026-01-01T08:00:00)".`,
      );
    }
  });
  return out.sort((a, b) => a.timeMs - b.timeMs);
}
