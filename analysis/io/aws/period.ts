/**
 * The GetMetricData period a window allows (reference/aws-ecs-scaling.md §5, CloudWatch
 * MetricStat): data whose StartTime is older than 3 hours only comes back at a multiple of 60 s,
 * older than 15 days at a multiple of 300 s, older than 63 days at a multiple of 3600 s; the
 * rest is rolled up. Within 3 hours, 1, 5, 10, 20 and 30 s also work (high-resolution metrics).
 */
import { warnings, SUB_MINUTE_PERIODS, type WarningSink } from "../../../sim/vocab/index.js";
import { formatHours } from "../../../sim/vocab/numbers.js";

const HOUR = 3600;
const DAY = 86_400;

/** Age limits of CloudWatch retention, seconds, with the period unit each requires. */
export const RETENTION_TIERS = [
  /** < 3 h: periods below 60 s are kept 3 hours. */
  { olderThanSeconds: 0, unitSeconds: 1 },
  /** 3 h – 15 d: 60-s data is kept 15 days. */
  { olderThanSeconds: 3 * HOUR, unitSeconds: 60 },
  /** 15 – 63 d: 300-s data is kept 63 days. */
  { olderThanSeconds: 15 * DAY, unitSeconds: 300 },
  /** > 63 d: 3600-s data is kept 455 days (15 months). */
  { olderThanSeconds: 63 * DAY, unitSeconds: 3600 },
] as const;

/** 3600-s data is kept 455 days; older data is gone. */
export const RETENTION_LIMIT_SECONDS = 455 * DAY;

/** The period of standard-resolution metrics (every ALB and Container Insights metric), seconds. */
export const STANDARD_PERIOD = 60;

/** The period unit data of this age requires: 1 (< 3 h), 60, 300 or 3600 seconds. */
export function periodUnitForAge(ageSeconds: number): number {
  let unit = 1;
  for (const tier of RETENTION_TIERS)
    if (ageSeconds > tier.olderThanSeconds) unit = tier.unitSeconds;
  return unit;
}

/** The smallest period ≥ `requested` that CloudWatch accepts for data of this age. */
export function allowedPeriod(requested: number, ageSeconds: number): number {
  const unit = periodUnitForAge(ageSeconds);
  if (unit === 1) {
    const sub = SUB_MINUTE_PERIODS.find((p) => p >= requested);
    if (requested < 60 && sub !== undefined) return sub;
    return Math.ceil(requested / 60) * 60;
  }
  return Math.max(unit, Math.ceil(requested / unit) * unit);
}

/**
 * The period for a window starting at `fromMs`, seen at `nowMs`: `requested`, raised to what the
 * data's age allows (with a warning when raised; a warning, too, when part of the window is
 * older than CloudWatch keeps anything).
 */
export function choosePeriod(
  requested: number,
  fromMs: number,
  nowMs: number,
  warn: WarningSink,
): number {
  const ageSeconds = (nowMs - fromMs) / 1000;
  const period = allowedPeriod(requested, ageSeconds);
  if (period !== requested)
    warn(
      warnings.periodRaised(
        requested,
        period,
        describeAge(ageSeconds),
        periodUnitForAge(ageSeconds),
      ),
    );
  if (ageSeconds > RETENTION_LIMIT_SECONDS)
    warn(warnings.beyondRetention(nowMs - RETENTION_LIMIT_SECONDS * 1000, fromMs));
  return period;
}

/**
 * The window start the collector uses: `fromMs`, or the first whole period CloudWatch still
 * keeps data for ({@link RETENTION_LIMIT_SECONDS} before now) when `fromMs` is older.
 */
export function retainedFrom(fromMs: number, nowMs: number, periodSeconds: number): number {
  const stepMs = periodSeconds * 1000;
  const kept = Math.ceil((nowMs - RETENTION_LIMIT_SECONDS * 1000) / stepMs) * stepMs;
  return Math.max(fromMs, kept);
}

function describeAge(seconds: number): string {
  return formatHours(seconds / HOUR);
}
