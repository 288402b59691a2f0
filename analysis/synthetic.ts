/**
 * The embedded default week: a generated, deterministic week of web traffic for
 * `caplab plan --default` and for tests, so that nothing needs a file or an AWS account.
 *
 * Pure: the only randomness is a small seeded generator defined here.
 */
import type { RawMetricSeries } from "../sim/vocab/index.js";

/**
 * The shape of the default week. Times are UTC; counts are requests per minute.
 *
 * Per minute m of day d: requests = weekdayPeakPerMinute × level(d) × profile(hour) ×
 * noise(m) × spike(m), rounded to a whole number, where profile interpolates
 * `hourlyProfile` (a periodic Catmull-Rom spline through the hourly values, shifted by
 * `weekendShiftHours` on weekends), level(d) is 1 on weekdays and `weekendFactor` on
 * weekends times a small random day-to-day factor, and noise is multiplicative log-normal:
 * a slow AR(1) part plus a white part.
 */
export const DEFAULT_WEEK = {
  /** First minute: Monday 2026-11-02 00:00 UTC, epoch ms. */
  startMs: Date.UTC(2026, 10, 2),
  /** Days generated. @default 7 */
  days: 7,
  /** Seconds per point. @default 60 */
  stepSeconds: 60,
  /** Noise-free weekday peak, requests per minute (1,500 requests per second). @default 90000 */
  weekdayPeakPerMinute: 90_000,
  /**
   * Fraction of the peak at each UTC hour 0..23 (hour h is the value at h:00): lowest at
   * 04:00 (17 %), a steep morning ramp, the peak at 14:00, an evening shoulder and a
   * slower decline towards the night.
   */
  hourlyProfile: [
    0.3, 0.24, 0.2, 0.18, 0.17, 0.19, 0.25, 0.36, 0.52, 0.68, 0.8, 0.89, 0.95, 0.99, 1.0, 0.98,
    0.93, 0.86, 0.78, 0.72, 0.68, 0.62, 0.52, 0.4,
  ],
  /** Weekend level as a fraction of the weekday level. @default 0.6 */
  weekendFactor: 0.6,
  /** People start later at weekends: the weekend profile is shifted this many hours later. @default 1 */
  weekendShiftHours: 1,
  /** Standard deviation of the day-to-day level, on the log scale. @default 0.03 */
  dailyLevelSd: 0.03,
  /** Slow noise: AR(1) per minute on the log scale, with this coefficient and standard deviation. */
  slowNoise: { phi: 0.95, sd: 0.025 },
  /** Fast noise: independent per minute, standard deviation on the log scale. @default 0.015 */
  whiteNoiseSd: 0.015,
  /**
   * One flash spike (a link on a popular site): traffic rises linearly to `multiplier`
   * times its usual level in `rampMinutes`, stays there for `holdMinutes`, and falls back
   * linearly in `decayMinutes`.
   */
  spike: {
    /** Wednesday 2026-11-04 10:40 UTC, epoch ms (on the morning ramp). */
    startMs: Date.UTC(2026, 10, 4, 10, 40),
    multiplier: 2.5,
    rampMinutes: 2,
    holdMinutes: 6,
    decayMinutes: 3,
  },
} as const;

/** A small seeded generator (mulberry32): uniform numbers in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by the Box–Muller transform over `uniform`. */
function normalSource(uniform: () => number): () => number {
  return () => {
    const u = 1 - uniform(); // (0, 1]: log stays finite
    const v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** The hourly profile at a fractional hour, by a periodic Catmull-Rom spline. */
function profileAt(hour: number): number {
  const p = DEFAULT_WEEK.hourlyProfile;
  const n = p.length;
  const h = ((hour % n) + n) % n;
  const i = Math.floor(h);
  const t = h - i;
  const p0 = p[(i - 1 + n) % n]!;
  const p1 = p[i % n]!;
  const p2 = p[(i + 1) % n]!;
  const p3 = p[(i + 2) % n]!;
  return (
    0.5 *
    (2 * p1 +
      (-p0 + p2) * t +
      (2 * p0 - 5 * p1 + 4 * p2 - p3) * t * t +
      (-p0 + 3 * p1 - 3 * p2 + p3) * t * t * t)
  );
}

/** The spike's multiplier at a time: 1 outside the spike. */
function spikeAt(timeMs: number): number {
  const { startMs, multiplier, rampMinutes, holdMinutes, decayMinutes } = DEFAULT_WEEK.spike;
  const minutes = (timeMs - startMs) / 60_000;
  if (minutes < 0) return 1;
  const extra = multiplier - 1;
  if (minutes < rampMinutes) return 1 + (extra * (minutes + 1)) / (rampMinutes + 1);
  if (minutes < rampMinutes + holdMinutes) return multiplier;
  const down = minutes - rampMinutes - holdMinutes;
  if (down < decayMinutes) return 1 + (extra * (decayMinutes - down)) / (decayMinutes + 1);
  return 1;
}

/**
 * Generates the default week ({@link DEFAULT_WEEK}): 10,080 one-minute counts from Monday
 * 2026-11-02 00:00 UTC. The same seed gives the same week, on every machine.
 *
 * @example generateDefaultWeek(1).values.length // 10080
 */
export function generateDefaultWeek(seed: number): RawMetricSeries {
  const w = DEFAULT_WEEK;
  const normal = normalSource(mulberry32(seed));
  const perDay = (24 * 3600) / w.stepSeconds;
  const times: number[] = [];
  const values: number[] = [];
  let slow = normal() * w.slowNoise.sd;
  const innovationSd = w.slowNoise.sd * Math.sqrt(1 - w.slowNoise.phi ** 2);
  for (let day = 0; day < w.days; day++) {
    const weekend = day % 7 >= 5; // the week starts on a Monday
    const level = (weekend ? w.weekendFactor : 1) * Math.exp(normal() * w.dailyLevelSd);
    const shift = weekend ? w.weekendShiftHours : 0;
    for (let i = 0; i < perDay; i++) {
      const timeMs = w.startMs + (day * perDay + i) * w.stepSeconds * 1000;
      const hour = (i * w.stepSeconds) / 3600;
      slow = w.slowNoise.phi * slow + normal() * innovationSd;
      const noise = Math.exp(slow + normal() * w.whiteNoiseSd);
      const mean = w.weekdayPeakPerMinute * level * profileAt(hour - shift);
      times.push(timeMs);
      values.push(Math.max(0, Math.round(mean * noise * spikeAt(timeMs))));
    }
  }
  return { source: `generated default week (seed ${seed})`, times, values };
}
