import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_GAP_WARNINGS,
  parseIsoTime,
  resampleTrace,
  stepForSpacing,
  toTrace,
  TraceError,
  typicalSpacingSeconds,
} from "../../analysis/trace.js";
import { warnings as warning, type RawMetricSeries, type Warning } from "../../sim/vocab/index.js";

const MIN = 60_000;
const T0 = Date.parse("2026-01-05T10:00:00Z");

function series(
  points: ReadonlyArray<readonly [number, number]>,
  source = "test.csv",
): RawMetricSeries {
  return { source, times: points.map((p) => p[0]), values: points.map((p) => p[1]) };
}

function collect(): { warnings: Warning[]; warn: (w: Warning) => void } {
  const warnings: Warning[] = [];
  return { warnings, warn: (w) => warnings.push(w) };
}

describe("parseIsoTime", () => {
  it.each([
    ["1995-07-01T00:00:00-04:00", Date.UTC(1995, 6, 1, 4)],
    ["1995-07-01T00:00:00Z", Date.UTC(1995, 6, 1)],
    ["1995-07-01T00:00:00", Date.UTC(1995, 6, 1)],
    ["1998-04-30 21:30:00", Date.UTC(1998, 3, 30, 21, 30)],
    ["2014-04-10T00:04:00.250+0530", Date.UTC(2014, 3, 9, 18, 34, 0, 250)],
    ["2026-11-02", Date.UTC(2026, 10, 2)],
    ["2026-11-02T10:15", Date.UTC(2026, 10, 2, 10, 15)],
  ])("reads %s", (text, ms) => {
    expect(parseIsoTime(text)).toBe(ms);
  });

  // Fractions truncate to the millisecond, as Elastic's ALB pipeline and Date.parse do
  // (the research note's cases 1 and 2: rounding would give .187 and .052).
  it.each([
    ["2018-07-02T22:23:00.186641Z", "2018-07-02T22:23:00.186Z"],
    ["2022-05-12T06:41:29.051646Z", "2022-05-12T06:41:29.051Z"],
    ["2026-11-29T10:00:59.9996Z", "2026-11-29T10:00:59.999Z"],
    ["2026-11-29T10:00:59.9996+00:00", "2026-11-29T10:00:59.999Z"],
    ["2026-11-29T10:00:00.5Z", "2026-11-29T10:00:00.500Z"],
  ])("truncates %s to %s", (text, iso) => {
    expect(new Date(parseIsoTime(text)!).toISOString()).toBe(iso);
    expect(parseIsoTime(text)).toBe(Date.parse(text));
  });

  it.each(["", "abc", "2026-13-01", "2026-02-30T00:00:00", "1995/07/01", "12:00"])(
    "rejects %j",
    (text) => {
      expect(parseIsoTime(text)).toBeNull();
    },
  );

  it.each([
    "2024-02-29T23:59:60Z",
    "2023-02-29T00:00:00Z",
    "2100-02-29T00:00:00Z",
    "2026-11-29T24:00:00Z",
    "2026-11-29T24:00:01Z",
    "2026-11-29T10:00:00.Z",
    "2026-11-29T10:00:00.1234567890Z",
    "2026-11-29T1a:00:00Z",
  ])("reads %j in canonical UTC form as the general form does", (text) => {
    expect(parseIsoTime(text)).toBe(parseIsoTime(text.replace(/Z$/, "+00:00")));
  });

  it("reads YYYY-MM-DDTHH:MM:SS.fZ exactly as the general parser reads the same time at +00:00", () => {
    const pad = (v: number, n: number) => String(v).padStart(n, "0");
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 61 }),
        fc.option(fc.stringMatching(/^[0-9]{1,9}$/)),
        (y, mo, d, h, mi, s, frac) => {
          const text = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${frac === null ? "" : `.${frac}`}Z`;
          expect(parseIsoTime(text)).toBe(parseIsoTime(text.replace(/Z$/, "+00:00")));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("typicalSpacingSeconds and stepForSpacing", () => {
  it("takes the median of positive differences, ignoring order and repeats", () => {
    expect(typicalSpacingSeconds([3 * MIN, 0, MIN, MIN, 2 * MIN, 10 * MIN])).toBe(60);
    expect(typicalSpacingSeconds([5])).toBeNull();
    expect(typicalSpacingSeconds([5, 5])).toBeNull();
  });

  it.each([
    [1, 1],
    [2, 5],
    [59.5, 60],
    [60, 60],
    [61, 60],
    [90, 120],
    [300, 300],
    [1800, 300],
  ])("snaps a %d-s spacing to a %d-s step", (spacing, step) => {
    expect(stepForSpacing(spacing)).toBe(step);
  });
});

describe("toTrace", () => {
  it("sums into steps from the first time floored to the step", () => {
    const raw = series([
      [T0 + 30_000, 1],
      [T0 + MIN + 30_000, 2],
      [T0 + 2 * MIN + 30_000, 3],
    ]);
    const { warnings, warn } = collect();
    const trace = toTrace(raw, {}, warn);
    expect(trace.startMs).toBe(T0);
    expect(trace.stepSeconds).toBe(60);
    expect([...trace.requests]).toEqual([1, 2, 3]);
    expect([...trace.gap]).toEqual([0, 0, 0]);
    expect(warnings).toEqual([]);
  });

  it("accepts unsorted input and adds up repeated timestamps, with a warning", () => {
    const raw = series([
      [T0 + 2 * MIN, 3],
      [T0, 1],
      [T0 + MIN, 2],
      [T0 + MIN, 5],
    ]);
    const { warnings, warn } = collect();
    const trace = toTrace(raw, {}, warn);
    expect([...trace.requests]).toEqual([1, 7, 3]);
    expect(warnings.map((w) => w.code)).toEqual(["duplicate-timestamps"]);
  });

  it("flags steps without data as gaps holding 0 and names each gap run", () => {
    const raw = series([
      [T0, 1],
      [T0 + MIN, 0],
      [T0 + 4 * MIN, 4],
      [T0 + 5 * MIN, 5],
      [T0 + 7 * MIN, 7],
      [T0 + 8 * MIN, 8],
    ]);
    const { warnings, warn } = collect();
    const trace = toTrace(raw, {}, warn);
    expect(trace.stepSeconds).toBe(60);
    expect([...trace.requests]).toEqual([1, 0, 0, 0, 4, 5, 0, 7, 8]);
    expect([...trace.gap]).toEqual([0, 0, 1, 1, 0, 0, 1, 0, 0]);
    expect(warnings).toEqual([
      warning.gapInSeries("test.csv", T0 + 2 * MIN, T0 + 4 * MIN),
      warning.gapInSeries("test.csv", T0 + 6 * MIN, T0 + 7 * MIN),
    ]);
    expect(warnings[0]!.message).toContain("test.csv");
    expect(warnings[0]!.message).toContain("2026-01-05T10:02:00.000Z");
    expect(warnings[0]!.message).toContain("2026-01-05T10:04:00.000Z");
  });

  it("lists the first gap runs one by one and sums up the rest", () => {
    // Three minutes of data, one missing, 100 times over: 100 gap runs of one step.
    const points: Array<[number, number]> = [];
    for (let i = 0; i < 400; i++) if (i % 4 !== 3) points.push([T0 + i * MIN, 1]);
    points.push([T0 + 400 * MIN, 1]);
    const { warnings, warn } = collect();
    const trace = toTrace(series(points), {}, warn);
    expect(trace.stepSeconds).toBe(60);
    expect(trace.gap.reduce((a, b) => a + b, 0)).toBe(100);
    expect(warnings.filter((w) => w.code === "gap-in-series")).toHaveLength(MAX_GAP_WARNINGS);
    const rest = warnings.find((w) => w.code === "more-gaps-in-series");
    expect(rest?.message).toContain(
      `${100 - MAX_GAP_WARNINGS} more gap runs (${100 - MAX_GAP_WARNINGS} steps`,
    );
  });

  it("keeps the window [from, to) and applies the scale", () => {
    const points: Array<[number, number]> = [];
    for (let i = 0; i < 10; i++) points.push([T0 + i * MIN, i]);
    const { warn } = collect();
    const trace = toTrace(
      series(points),
      { from: T0 + 2 * MIN, to: T0 + 5 * MIN, scale: 10 },
      warn,
    );
    expect(trace.startMs).toBe(T0 + 2 * MIN);
    expect([...trace.requests]).toEqual([20, 30, 40]);
  });

  it("uses the step it is given", () => {
    const points: Array<[number, number]> = [];
    for (let i = 0; i < 120; i++) points.push([T0 + i * 1000, 1]);
    const trace = toTrace(series(points), { stepSeconds: 30 }, () => {});
    expect(trace.stepSeconds).toBe(30);
    expect([...trace.requests]).toEqual([30, 30, 30, 30]);
  });

  it("spreads values evenly when the data is coarser than the step", () => {
    const points: Array<[number, number]> = [];
    for (let i = 0; i < 4; i++) points.push([T0 + i * 30 * MIN, 600]);
    const { warnings, warn } = collect();
    const trace = toTrace(series(points), {}, warn);
    expect(trace.stepSeconds).toBe(300);
    expect(trace.requests).toHaveLength(24);
    expect(trace.requests.every((v) => v === 100)).toBe(true);
    expect(trace.gap.every((g) => g === 0)).toBe(true);
    expect(warnings.map((w) => w.code)).toEqual(["coarse-series"]);
  });

  it("leaves out non-finite observations with a warning", () => {
    const raw = series([
      [T0, 1],
      [T0 + MIN, Number.NaN],
      [Number.NaN, 5],
      [T0 + 2 * MIN, 3],
      [T0 + 3 * MIN, 4],
      [T0 + 4 * MIN, 5],
    ]);
    const { warnings, warn } = collect();
    const trace = toTrace(raw, {}, warn);
    expect([...trace.requests]).toEqual([1, 0, 3, 4, 5]);
    expect(warnings.map((w) => w.code)).toEqual(["non-finite-observations", "gap-in-series"]);
  });

  it("throws a TraceError naming the source when nothing is left", () => {
    const raw = series([[T0, 1]], "nasa.csv");
    expect(() => toTrace(raw, { from: T0 + MIN }, () => {})).toThrow(TraceError);
    expect(() => toTrace(raw, { from: T0 + MIN }, () => {})).toThrow(
      /^nasa\.csv has no observations between 2026-01-05T10:01:00.000Z and the end; .*from\/to\)\.$/,
    );
    expect(() => toTrace(series([], "empty.csv"), {}, () => {})).toThrow(
      /^empty\.csv has no observations;/,
    );
  });

  it("rejects a step that is not a standard one", () => {
    expect(() => toTrace(series([[T0, 1]]), { stepSeconds: 7 }, () => {})).toThrow(/7-s step/);
  });

  it("conserves the total (property over random series)", () => {
    let state = 12345;
    const rand = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < 20; run++) {
      const points: Array<[number, number]> = [];
      let total = 0;
      for (let i = 0; i < 50; i++) {
        const v = Math.floor(rand() * 100);
        total += v;
        points.push([T0 + Math.floor(rand() * 3600) * 1000, v]);
      }
      const trace = toTrace(series(points), {}, () => {});
      expect(trace.requests.reduce((a, b) => a + b, 0)).toBe(total);
      trace.gap.forEach((g, k) => {
        if (g === 1) expect(trace.requests[k]).toBe(0);
      });
    }
  });
});

describe("resampleTrace", () => {
  const oneMinute = toTrace(
    series([
      [T0 + 3 * MIN, 1],
      [T0 + 4 * MIN, 2],
      [T0 + 5 * MIN, 3],
      [T0 + 11 * MIN, 4],
    ]),
    {},
    () => {},
  );

  it("sums into coarser steps aligned to the coarse step", () => {
    const five = resampleTrace(oneMinute, 300);
    expect(five.startMs).toBe(T0);
    expect(five.stepSeconds).toBe(300);
    expect([...five.requests]).toEqual([3, 3, 4]);
    // The middle step has data at 10:05 only; it is not a gap. None is wholly empty.
    expect([...five.gap]).toEqual([0, 0, 0]);
  });

  it("marks a coarse step a gap only when all of it is gap", () => {
    const points: Array<[number, number]> = [];
    for (const i of [0, 1, 2, 3, 4, 26, 27, 28, 29]) points.push([T0 + i * MIN, 1]);
    const five = resampleTrace(
      toTrace(series(points), {}, () => {}),
      300,
    );
    expect([...five.gap]).toEqual([0, 1, 1, 1, 1, 0]);
    expect([...five.requests]).toEqual([5, 0, 0, 0, 0, 4]);
  });

  it("rejects a step that is not a multiple", () => {
    const fifteen = toTrace(series([[T0, 1]]), { stepSeconds: 15 }, () => {});
    expect(() => resampleTrace(fifteen, 20)).toThrow(TraceError);
    expect(() => resampleTrace(oneMinute, 30)).toThrow(/do not divide/);
  });
});
