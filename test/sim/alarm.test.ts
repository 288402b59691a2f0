/**
 * CloudWatch alarm evaluation with missing data, against the two tables of the CloudWatch user
 * guide ("Configuring how CloudWatch alarms treat missing data", "How alarm state is evaluated
 * when data is missing"; archived text: awsdocs/amazon-cloudwatch-user-guide
 * doc_source/AlarmThatSendsEmail.md). Each table row is five datapoints, oldest first: 0 is
 * not breaching, X breaching, - missing; the expected state is given for each TreatMissingData
 * value, "retain" meaning the alarm keeps its current state.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seriesWithGaps, trackingAlarmSpec } from "../helpers/alarm.js";
import {
  alarmEvaluation,
  breaches,
  evaluateAlarm,
  NOfNMissingAlarm,
  type AlarmSpec,
  type AlarmStateValue,
} from "../../sim/alarm.js";
import { TREAT_MISSING_DATA, type TreatMissingData } from "../../sim/vocab/index.js";

type Expected = AlarmStateValue | "retain";

interface TableRow {
  readonly datapoints: string;
  readonly missingCount: number;
  readonly expected: Readonly<Record<TreatMissingData, Expected>>;
}

const all = (state: Expected) =>
  ({ missing: state, ignore: state, breaching: state, notBreaching: state }) as const;
const row = (
  datapoints: string,
  missingCount: number,
  missing: Expected,
  ignore: Expected,
  breaching: Expected,
  notBreaching: Expected,
): TableRow => ({
  datapoints,
  missingCount,
  expected: { missing, ignore, breaching, notBreaching },
});

/** First table: Datapoints to Alarm and Evaluation Periods both 3. */
const THREE_OF_THREE: readonly TableRow[] = [
  { datapoints: "0 - X - X", missingCount: 2, expected: all("OK") },
  { datapoints: "0 - - - -", missingCount: 4, expected: all("OK") },
  row("- - - - -", 5, "INSUFFICIENT_DATA", "retain", "ALARM", "OK"),
  { datapoints: "0 X X - X", missingCount: 1, expected: all("ALARM") },
  row("- - - - X", 4, "INSUFFICIENT_DATA", "retain", "ALARM", "OK"),
  row("X - - - -", 4, "ALARM", "retain", "ALARM", "OK"),
];

/** Second table: Datapoints to Alarm 2, Evaluation Periods 3. */
const TWO_OF_THREE: readonly TableRow[] = [
  { datapoints: "0 - X - X", missingCount: 2, expected: all("ALARM") },
  { datapoints: "0 0 X 0 X", missingCount: 0, expected: all("ALARM") },
  row("0 - X - -", 3, "OK", "OK", "ALARM", "OK"),
  row("- - - - 0", 4, "OK", "OK", "ALARM", "OK"),
  row("- - - - X", 4, "INSUFFICIENT_DATA", "retain", "ALARM", "OK"),
];

const THRESHOLD = 50;
/** 0 → 10 (not above 50), X → 90 (above), - → missing. */
function parse(datapoints: string): number[] {
  return datapoints.split(" ").map((d) => (d === "0" ? 10 : d === "X" ? 90 : NaN));
}
const sourceOf = (values: readonly number[]) => ({
  datapoint: (_handle: number, k: number) => values[k] ?? NaN,
});

function stateOf(
  values: readonly number[],
  n: number,
  m: number,
  treatMissingData: TreatMissingData,
  current: AlarmStateValue,
  rangePeriods = 5,
): AlarmStateValue {
  const spec: AlarmSpec = {
    threshold: THRESHOLD,
    comparison: "GreaterThanThreshold",
    evaluationPeriods: n,
    datapointsToAlarm: m,
    treatMissingData,
    rangePeriods,
  };
  return evaluateAlarm(sourceOf(values), 0, values.length - 1, 0, spec, current, alarmEvaluation())
    .state;
}

const CURRENT_STATES: readonly AlarmStateValue[] = ["OK", "ALARM", "INSUFFICIENT_DATA"];
const cases = (table: readonly TableRow[]) =>
  table.flatMap((r) =>
    TREAT_MISSING_DATA.map((treat) => ({ ...r, treat, want: r.expected[treat] })),
  );

describe("CloudWatch alarm evaluation with missing data (the user guide's tables)", () => {
  it.each(cases(THREE_OF_THREE))("3 of 3: $datapoints, $treat → $want", (c) => {
    const values = parse(c.datapoints);
    expect(values.filter(Number.isNaN)).toHaveLength(c.missingCount);
    for (const current of CURRENT_STATES) {
      expect(stateOf(values, 3, 3, c.treat, current)).toBe(c.want === "retain" ? current : c.want);
    }
  });

  it.each(cases(TWO_OF_THREE))("2 of 3: $datapoints, $treat → $want", (c) => {
    const values = parse(c.datapoints);
    expect(values.filter(Number.isNaN)).toHaveLength(c.missingCount);
    for (const current of CURRENT_STATES) {
      expect(stateOf(values, 3, 2, c.treat, current)).toBe(c.want === "retain" ? current : c.want);
    }
  });

  it("the guide's second-row note: the next evaluation with the data still missing goes to ALARM under breaching", () => {
    // 0 - - - - then one more missing period: the 0 leaves the five retrieved.
    const values = parse("0 - - - - -");
    expect(stateOf(values.slice(0, 5), 3, 3, "breaching", "OK")).toBe("OK");
    expect(stateOf(values, 3, 3, "breaching", "OK")).toBe("ALARM");
  });

  it("only the evaluation range is retrieved: a breaching datapoint older than it does not count", () => {
    // X then five missing: outside the five periods retrieved, the range is empty.
    expect(stateOf(parse("X - - - - -"), 3, 3, "missing", "OK")).toBe("INSUFFICIENT_DATA");
    // With a range of six it is retrieved, and it is old enough to alarm (premature rule).
    expect(stateOf(parse("X - - - - -"), 3, 3, "missing", "OK", 6)).toBe("ALARM");
  });

  it("periods before `first` are not retrieved", () => {
    const values = parse("X X - X X");
    const spec: AlarmSpec = {
      threshold: THRESHOLD,
      comparison: "GreaterThanThreshold",
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: "missing",
      rangePeriods: 5,
    };
    const at = (first: number) =>
      evaluateAlarm(sourceOf(values), 0, 4, first, spec, "OK", alarmEvaluation());
    expect(at(0)).toMatchObject({ state: "ALARM", real: 4, latest: 90, mean: 90 });
    // From period 2 on: `- X X`, two real breaching datapoints only 2 periods old → too few.
    expect(at(2)).toMatchObject({ state: "INSUFFICIENT_DATA", real: 2 });
  });

  it("evaluates the N most recent real datapoints, consecutive or not, and reports their mean and the newest", () => {
    const values = [20, 80, NaN, 60, NaN, 70];
    const spec: AlarmSpec = {
      threshold: 50,
      comparison: "GreaterThanThreshold",
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: "missing",
      rangePeriods: 5,
    };
    const r = evaluateAlarm(sourceOf(values), 0, 5, 0, spec, "OK", alarmEvaluation());
    expect(r).toMatchObject({ state: "ALARM", real: 3, latest: 70, mean: 70 });
  });

  it("comparison operators: …OrEqualTo… breach at the threshold, the others do not", () => {
    expect(breaches("GreaterThanThreshold", 50, 50)).toBe(false);
    expect(breaches("GreaterThanOrEqualToThreshold", 50, 50)).toBe(true);
    expect(breaches("LessThanThreshold", 50, 50)).toBe(false);
    expect(breaches("LessThanOrEqualToThreshold", 50, 50)).toBe(true);
    expect(breaches("LessThanThreshold", 49.9, 50)).toBe(true);
    expect(breaches("GreaterThanThreshold", 50.1, 50)).toBe(true);
  });

  it("with no datapoint missing, every treatment agrees: ALARM iff at least M of the N newest breach (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 5 }),
        fc.constantFrom(...TREAT_MISSING_DATA),
        (flags, nRaw, extra, treat) => {
          const n = Math.min(nRaw, flags.length);
          const m = 1 + ((nRaw * 7) % n);
          const values = flags.map((b) => (b ? 90 : 10));
          const newest = flags.slice(-n).filter(Boolean).length;
          expect(stateOf(values, n, m, treat, "OK", n + extra)).toBe(newest >= m ? "ALARM" : "OK");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("breaching is never less alarmed than missing, and missing never less than notBreaching (property)", () => {
    const rank = { OK: 0, INSUFFICIENT_DATA: 1, ALARM: 2 } as const;
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("0", "X", "-"), { minLength: 5, maxLength: 5 }),
        fc.integer({ min: 1, max: 3 }),
        (points, m) => {
          const values = parse(points.join(" "));
          const b = stateOf(values, 3, m, "breaching", "OK");
          const mi = stateOf(values, 3, m, "missing", "OK");
          const nb = stateOf(values, 3, m, "notBreaching", "OK");
          expect(rank[b]).toBeGreaterThanOrEqual(rank[mi] === 1 ? 0 : rank[mi]);
          expect(rank[mi] === 1 ? 2 : rank[mi]).toBeGreaterThanOrEqual(rank[nb]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("NOfNMissingAlarm (the incremental evaluation of target-tracking alarms)", () => {
  it("gives evaluateAlarm's state, newest and mean at every period of random series with gaps (property)", () => {
    fc.assert(
      fc.property(seriesWithGaps(2, 5), trackingAlarmSpec, (values, spec) => {
        const alarm = new NOfNMissingAlarm(spec);
        const source = sourceOf(values);
        values.forEach((v, k) => {
          alarm.push(k, v);
          const want = evaluateAlarm(source, 0, k, 0, spec, "OK", alarmEvaluation());
          const got = alarm.evaluate(alarmEvaluation());
          expect(got.state, `period ${k}`).toBe(want.state);
          expect(got.real).toBe(want.real);
          if (want.state === "ALARM") {
            expect(got.latest).toBe(want.latest);
            expect(got.mean).toBeCloseTo(want.mean, 9);
          }
        });
      }),
      { numRuns: 500 },
    );
  });
});
