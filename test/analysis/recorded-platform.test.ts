/**
 * A collected bundle's target group settings beneath a config's platform: (file > recorded >
 * defaults), and calibrate counting the recorded health checks in its launch-time fit.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calibrate, type ObservedService } from "../../analysis/calibrate.js";
import { loadObservedBundle } from "../../analysis/io/files/observed-bundle.js";
import {
  recordedPlatformLine,
  withBundlePlatform,
  withRecordedPlatform,
} from "../../analysis/recorded-platform.js";
import { renderCalibrationYaml } from "../../reports/calibration-yaml.js";
import {
  PLATFORM_DEFAULTS,
  resolvePlatform,
  type TargetGroupPlatform,
} from "../../sim/vocab/index.js";
import { writeObservedBundle } from "../fixtures/bundles/make-observed-bundle.js";

const RECORDED: TargetGroupPlatform = {
  healthCheckIntervalSeconds: 10,
  deregistrationDelaySeconds: 45,
  slowStartSeconds: 60,
  loadBalancingAlgorithm: "least_outstanding_requests",
};

const platformField = fc.record(
  {
    healthCheckIntervalSeconds: fc.integer({ min: 5, max: 300 }),
    deregistrationDelaySeconds: fc.integer({ min: 0, max: 3600 }),
    slowStartSeconds: fc.constantFrom(0, 30, 900),
    loadBalancingAlgorithm: fc.constantFrom(
      "round_robin" as const,
      "least_outstanding_requests" as const,
    ),
    launchSeconds: fc.integer({ min: 0, max: 300 }),
  },
  { requiredKeys: [] },
);

describe("withRecordedPlatform", () => {
  it("a field the config sets wins; one it leaves out takes the bundle's; the rest keep the defaults", () => {
    fc.assert(
      fc.property(platformField, platformField, (configured, recordedAll) => {
        const { launchSeconds: _, ...recorded } = recordedAll;
        const { platform, taken } = withRecordedPlatform(configured, recorded);
        const resolved = resolvePlatform(platform);
        for (const key of Object.keys(PLATFORM_DEFAULTS) as (keyof typeof PLATFORM_DEFAULTS)[]) {
          const want =
            configured[key as keyof typeof configured] ??
            recorded[key as keyof typeof recorded] ??
            PLATFORM_DEFAULTS[key];
          expect(resolved[key]).toEqual(want);
        }
        for (const key of Object.keys(taken))
          expect(configured[key as keyof typeof configured]).toBeUndefined();
      }),
    );
  });

  it("returns the config's platform as it is when nothing was recorded", () => {
    const own = { launchSeconds: 40 };
    expect(withRecordedPlatform(own, null)).toEqual({ platform: own, taken: {} });
    expect(withRecordedPlatform(undefined, undefined)).toEqual({ platform: {}, taken: {} });
    expect(recordedPlatformLine({})).toBeNull();
  });
});

describe("withBundlePlatform", () => {
  it("keeps the rest of the config, puts the bundle's settings beneath its platform:, and words what it took", () => {
    const config = { seed: 7, platform: { healthCheckIntervalSeconds: 30, launchSeconds: 40 } };
    const { config: merged, line } = withBundlePlatform(config, RECORDED);
    expect(merged).toEqual({
      seed: 7,
      platform: {
        healthCheckIntervalSeconds: 30,
        launchSeconds: 40,
        deregistrationDelaySeconds: 45,
        slowStartSeconds: 60,
        loadBalancingAlgorithm: "least_outstanding_requests",
      },
    });
    expect(config.platform).toEqual({ healthCheckIntervalSeconds: 30, launchSeconds: 40 });
    expect(line).toBe(
      "Platform from the bundle's target group (caplab collect): deregistration delay 45 s, slow start 60 s, least_outstanding_requests routing; a config's platform: overrides them.",
    );
    expect(withBundlePlatform(config, null)).toEqual({ config, line: null });
  });
});

describe("calibrate with a recorded target group", () => {
  let dir: string;
  let observed: ObservedService;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "caplab-recorded-"));
    await writeObservedBundle(join(dir, "b"), { seed: 3 });
    observed = (await loadObservedBundle(join(dir, "b"), () => {})).observed;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("counts the recorded health-check interval in the launch-time fit and carries the settings into platform:", () => {
    const plain = calibrate(observed);
    const recorded = calibrate({ ...observed, platform: RECORDED });
    // One check to healthy after a 5-s app start: 30 s by default, 10 s recorded.
    expect(recorded.platform.launchSeconds! - plain.platform.launchSeconds!).toBe(20);
    expect(recorded.platform).toEqual({
      ...RECORDED,
      launchSeconds: recorded.platform.launchSeconds,
    });
    const yaml = renderCalibrationYaml(recorded, "b", []);
    expect(yaml).toContain(
      "healthCheckIntervalSeconds: 10 # the bundle's target group (caplab collect)",
    );
  });

  it("a field today's config sets wins, and is not repeated", () => {
    const c = calibrate(
      { ...observed, platform: RECORDED },
      { platform: { healthCheckIntervalSeconds: 30 } },
    );
    expect(c.platform.launchSeconds).toBe(calibrate(observed).platform.launchSeconds);
    expect(c.platform.healthCheckIntervalSeconds).toBeUndefined();
    expect(c.platform.deregistrationDelaySeconds).toBe(45);
  });
});
