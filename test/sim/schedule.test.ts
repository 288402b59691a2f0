import { describe, expect, it } from "vitest";
import { ScheduleError, scheduleFirings } from "../../sim/schedule.js";
import type { ScheduledActionConfig } from "../../sim/vocab/index.js";

const action = (Schedule: string, MinCapacity = 4): ScheduledActionConfig => ({
  Schedule,
  ScalableTargetAction: { MinCapacity },
});

/** Monday 2026-01-05 00:00 UTC to Monday 2026-01-19 00:00 UTC: two whole weeks. */
const FROM = Date.parse("2026-01-05T00:00:00Z");
const TO = Date.parse("2026-01-19T00:00:00Z");

function scheduleError(f: () => unknown): ScheduleError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleError);
    return error as ScheduleError;
  }
  throw new Error("expected a ScheduleError");
}

describe("scheduleFirings: cron", () => {
  it("cron(0 8 ? * MON-FRI *) fires at 08:00 UTC on the ten weekdays of two weeks", () => {
    const firings = scheduleFirings([action("cron(0 8 ? * MON-FRI *)")], FROM, TO);
    expect(firings.map((f) => new Date(f.timeMs).toISOString())).toEqual(
      ["05", "06", "07", "08", "09", "12", "13", "14", "15", "16"].map(
        (d) => `2026-01-${d}T08:00:00.000Z`,
      ),
    );
    for (const f of firings) {
      const day = new Date(f.timeMs).getUTCDay();
      expect(day).toBeGreaterThanOrEqual(1);
      expect(day).toBeLessThanOrEqual(5);
      expect(f).toMatchObject({
        name: "scheduled-action-1",
        MinCapacity: 4,
        MaxCapacity: undefined,
      });
    }
  });

  it("numeric day-of-week 2-6 (1 = SUN) is the same as MON-FRI", () => {
    expect(scheduleFirings([action("cron(0 8 ? * 2-6 *)")], FROM, TO)).toEqual(
      scheduleFirings([action("cron(0 8 ? * MON-FRI *)")], FROM, TO),
    );
  });

  it("cron(0 8 * * ? *) fires every day, including weekends", () => {
    expect(scheduleFirings([action("cron(0 8 * * ? *)")], FROM, TO)).toHaveLength(14);
  });

  it("steps and lists: cron(*/15 9,17 ? * SAT *) fires 4 times an hour twice on Saturdays", () => {
    const firings = scheduleFirings([action("cron(*/15 9,17 ? * SAT *)")], FROM, TO);
    expect(firings).toHaveLength(2 * 2 * 4);
    expect(new Date(firings[0]!.timeMs).toISOString()).toBe("2026-01-10T09:00:00.000Z");
    expect(new Date(firings[3]!.timeMs).toISOString()).toBe("2026-01-10T09:45:00.000Z");
  });

  it("the window is [start, end): a firing at the end is left out", () => {
    const end = Date.parse("2026-01-06T08:00:00Z");
    expect(scheduleFirings([action("cron(0 8 * * ? *)")], FROM, end)).toHaveLength(1);
    expect(scheduleFirings([action("cron(0 8 * * ? *)")], FROM, end + 1)).toHaveLength(2);
  });

  it("merges several actions in time order and keeps names and capacities", () => {
    const firings = scheduleFirings(
      [
        {
          ScheduledActionName: "evening",
          Schedule: "cron(0 18 ? * MON-FRI *)",
          ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 4 },
        },
        {
          ScheduledActionName: "morning",
          Schedule: "cron(0 8 ? * MON-FRI *)",
          ScalableTargetAction: { MinCapacity: 6 },
        },
      ],
      FROM,
      Date.parse("2026-01-06T00:00:00Z"),
    );
    expect(firings).toEqual([
      {
        timeMs: Date.parse("2026-01-05T08:00:00Z"),
        name: "morning",
        MinCapacity: 6,
        MaxCapacity: undefined,
      },
      {
        timeMs: Date.parse("2026-01-05T18:00:00Z"),
        name: "evening",
        MinCapacity: 1,
        MaxCapacity: 4,
      },
    ]);
  });
});

describe("scheduleFirings: at", () => {
  it("at(2026-01-07T08:30:00) fires once, read as UTC", () => {
    expect(scheduleFirings([action("at(2026-01-07T08:30:00)")], FROM, TO)).toEqual([
      expect.objectContaining({ timeMs: Date.parse("2026-01-07T08:30:00Z") }),
    ]);
  });

  it("keeps seconds and accepts an explicit Z", () => {
    expect(scheduleFirings([action("at(2026-01-07T08:30:15Z)")], FROM, TO)[0]?.timeMs).toBe(
      Date.parse("2026-01-07T08:30:15Z"),
    );
  });

  it("outside the window it does not fire", () => {
    expect(scheduleFirings([action("at(2026-02-01T08:00:00)")], FROM, TO)).toEqual([]);
    expect(scheduleFirings([action("at(2026-01-19T00:00:00)")], FROM, TO)).toEqual([]);
  });
});

describe("scheduleFirings: errors", () => {
  const bad = [
    { schedule: "cron(0 25 * * ? *)", why: '"25" is outside 0-23' },
    { schedule: "cron(0 8 * *)", why: "cron needs 6 fields" },
    { schedule: "cron(0 8 ? * FUNDAY *)", why: '"FUNDAY" is outside 1-7' },
    { schedule: "cron(*/0 8 ? * * *)", why: 'bad step "0"' },
    { schedule: "at(next tuesday)", why: '"next tuesday" is not a date-time' },
  ];

  it.each(bad)(
    "$schedule throws a ScheduleError that names the field and shows an example",
    ({ schedule, why }) => {
      const error = scheduleError(() =>
        scheduleFirings([action("cron(0 8 * * ? *)"), action(schedule)], FROM, TO),
      );
      // The config field, with the index of the offending action.
      expect(error.message).toContain(`scaling.scheduledActions[1].Schedule "${schedule}"`);
      expect(error.message).toContain(why);
      // A valid example of each form.
      expect(error.message).toContain('"cron(0 8 ? * MON-FRI *)"');
      expect(error.message).toContain('"at(2026-01-01T08:00:00)"');
      // The example it shows is itself valid.
      expect(() => scheduleFirings([action("cron(0 8 ? * MON-FRI *)")], FROM, TO)).not.toThrow();
      expect(() => scheduleFirings([action("at(2026-01-01T08:00:00)")], FROM, TO)).not.toThrow();
    },
  );
});
