/**
 * "When is it safe to deploy?" (sim/deploy-hours.ts, reports/deploy-hours.ts) and the plan's
 * "deploy at the peak" perturbation (sim/search.ts): issue #16 item 2.
 */
import { describe, expect, it } from "vitest";
import { DEPLOY_SETTINGS, deploySettingsWith, deploymentHours } from "../../sim/deploy-hours.js";
import { peakSeconds } from "../../sim/deploy.js";
import { DEFAULT_PERTURBATIONS, perturbationsWith } from "../../sim/search.js";
import {
  costText,
  deployHoursSentences,
  deployHoursTable,
  hourLabel,
} from "../../reports/deploy-hours.js";
import { MONDAY, SIMPLE_PLATFORM, simSetup, traceOf } from "../helpers/sim.js";

/** Two days of minutes: four tasks' worth at 20 % at night, 85 % from 09:00 to 17:00. */
const busyDays = traceOf(
  Array.from({ length: 2 * 1440 }, (_, i) => {
    const hour = Math.floor(i / 60) % 24;
    return (hour >= 9 && hour < 17 ? 0.85 : 0.2) * 4 * 6000;
  }),
);
const { candidate, context } = simSetup({
  scaling: { MinCapacity: 4, MaxCapacity: 4, DesiredCount: 4 },
  platform: { ...SIMPLE_PLATFORM, deregistrationDelaySeconds: 300 },
});

describe("deploymentHours", () => {
  const hours = deploymentHours(busyDays, candidate, context);
  const at = (setting: RegExp, hour: number) =>
    hours.filter((h) => setting.test(h.setting) && new Date(h.startMs).getUTCHours() === hour);

  it("tries every whole hour with an hour before and two after it, under each setting", () => {
    const starts = [...new Set(hours.map((h) => h.startMs))];
    expect(starts[0]).toBe(MONDAY + 3_600_000); // the first hour has no warm-up before it
    expect(starts).toHaveLength(48 - 1 - 2 + 1);
    expect(hours).toHaveLength(2 * starts.length);
  });

  it("finds 50 % / 100 % costs the SLO in the busy hours and nothing at night; ECS's defaults nothing at all", () => {
    for (const h of at(/^50/, 12)) expect(h.sloViolationMinutes).toBeGreaterThan(0);
    for (const h of at(/^50/, 3)) expect(h.sloViolationMinutes + h.failedRequests).toBe(0);
    for (const h of hours.filter((h) => /^100/.test(h.setting))) {
      expect(h.sloViolationMinutes).toBe(0);
      expect(h.extraCostUsd).toBeGreaterThan(0); // new tasks beside the old, old ones draining
    }
  });

  it("says so in a sentence per setting and a row per day", () => {
    const [safe, risky] = deployHoursSentences(hours);
    expect(safe).toMatch(/costs the SLO nothing at any of the 46 hours/);
    expect(risky).toMatch(
      /^At 50 % \/ 100 %, a deployment costs the SLO at \d+ of 46 hours; the worst is (Mon|Tue) \d\d:00 UTC/,
    );
    const rows = deployHoursTable(hours);
    expect(rows.map((r) => r[0])).toEqual(["Mon 2026-01-05", "Tue 2026-01-06"]);
    expect(rows[0]![1]).toBe("safe at all 23 hours");
    expect(rows[1]![2]).toMatch(/safe: 00:00, 01:00/);
    expect(hourLabel(MONDAY + 9 * 3_600_000)).toBe("Mon 09:00");
  });

  it("says each figure as what the deployment adds, and 'no more' for one it leaves alone", () => {
    const h = (sloViolationMinutes: number, failedRequests: number) => ({
      startMs: MONDAY,
      setting: "100 % / 200 % (ECS defaults)",
      sloViolationMinutes,
      failedRequests,
      extraCostUsd: 0.1,
    });
    expect(costText(h(4, 23_158))).toBe("+4.0 SLO min, +23,158 failed requests");
    expect(costText(h(12, 0))).toBe("+12 SLO min, no more failed requests");
    // plan --default, Wed 09:00 at ECS's defaults: the failures fall in minutes over the SLO anyway
    expect(costText(h(0, 62_833))).toBe("no more SLO min, +62,833 failed requests");
    expect(costText(h(0.5, 0.4))).toBe("+0.5 SLO min, no more failed requests");
  });
});

describe("the plan's 'deploy at the peak' perturbation", () => {
  it("is on by default and deploys the candidate (rolling, ECS's defaults) at the trace's busiest step", () => {
    const p = DEFAULT_PERTURBATIONS.find((q) => q.name === "deploy at the peak")!;
    expect(p).toBeDefined();
    const deployed = p.candidate!(candidate, busyDays);
    expect(deployed.deployments).toEqual([
      expect.objectContaining({
        atSeconds: peakSeconds(busyDays),
        strategy: "rolling",
        minimumHealthyPercent: 100,
        maximumPercent: 200,
      }),
    ]);
    expect(peakSeconds(busyDays)).toBe(9 * 3600);
  });
});

describe("the service's own rolling percents (robustness.deployment, or what collect recorded)", () => {
  it("deploys at them in the perturbation, or leaves it out with false", () => {
    expect(perturbationsWith(false).map((p) => p.name)).not.toContain("deploy at the peak");
    expect(perturbationsWith(undefined).map((p) => p.name)).toEqual(
      DEFAULT_PERTURBATIONS.map((p) => p.name),
    );
    const own = perturbationsWith({ minimumHealthyPercent: 50, maximumPercent: 150 }).at(-1)!;
    expect(own.name).toBe("deploy at the peak (50 % / 150 %)");
    expect(own.candidate!(candidate, busyDays).deployments![0]).toMatchObject({
      minimumHealthyPercent: 50,
      maximumPercent: 150,
    });
  });

  it("adds them to the chart's settings, first, unless they are among them", () => {
    expect(deploySettingsWith(undefined)).toEqual(DEPLOY_SETTINGS);
    expect(deploySettingsWith({ minimumHealthyPercent: 50, maximumPercent: 100 })).toEqual(
      DEPLOY_SETTINGS,
    );
    expect(
      deploySettingsWith({ minimumHealthyPercent: 75, maximumPercent: 150 }).map((s) => s.label),
    ).toEqual(["75 % / 150 % (the service's)", ...DEPLOY_SETTINGS.map((s) => s.label)]);
  });
});
