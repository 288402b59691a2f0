import { PLATFORM_DEFAULTS } from "../../sim/vocab/index.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calibrate, CalibrationError, type ObservedService } from "../../analysis/calibrate.js";
import { linearFit } from "../../analysis/stats/index.js";
import { loadObservedBundle } from "../../analysis/io/files/observed-bundle.js";
import type { Warning } from "../../sim/vocab/index.js";
import { KNOWN_SERVICE, writeObservedBundle } from "../fixtures/bundles/make-observed-bundle.js";

let dir: string;
let observed: ObservedService;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-calibrate-"));
  await writeObservedBundle(join(dir, "b"), { seed: 3 });
  observed = (await loadObservedBundle(join(dir, "b"), () => {})).observed;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("linearFit as calibration uses it", () => {
  it("matches scipy.stats.linregress", () => {
    // scipy.stats.linregress([1,2,3,4,5], [2.2,4.1,6.3,7.9,10.2]):
    // slope 1.98, intercept 0.2, rvalue**2 0.9977603583426651, stderr 0.05416025603090757
    const f = linearFit([1, 2, 3, 4, 5], [2.2, 4.1, 6.3, 7.9, 10.2]);
    expect(f.slope).toBeCloseTo(1.98, 12);
    expect(f.intercept).toBeCloseTo(0.2, 12);
    expect(f.rSquared).toBeCloseTo(0.9977603583426651, 12);
    expect(f.slopeStandardError).toBeCloseTo(0.05416025603090757, 12);
  });
});

describe("round trip: a simulator-generated bundle calibrates back", () => {
  it("recovers the known parameters within the stated tolerances", () => {
    const warnings: Warning[] = [];
    const c = calibrate(observed, {}, (w) => warnings.push(w));
    // cpuMsPerRequest within 2 %, idle CPU within 0.5 points, latency within 10 %, memory base within 5 %.
    expect(Math.abs(c.service.cpuMsPerRequest / KNOWN_SERVICE.cpuMsPerRequest - 1)).toBeLessThan(
      0.02,
    );
    expect(Math.abs(c.service.idleCpuPercent - KNOWN_SERVICE.idleCpuPercent)).toBeLessThan(0.5);
    expect(Math.abs(c.service.latencyMs / KNOWN_SERVICE.latencyMs - 1)).toBeLessThan(0.1);
    expect(Math.abs(c.service.memoryMiB.base / KNOWN_SERVICE.memoryMiB.base - 1)).toBeLessThan(
      0.05,
    );
    const ci = c.fits.cpu!.fit.slopeInterval;
    expect(ci.lower * 1000).toBeLessThan(KNOWN_SERVICE.cpuMsPerRequest * 1.01);
    expect(ci.upper * 1000).toBeGreaterThan(KNOWN_SERVICE.cpuMsPerRequest * 0.99);
    expect(c.fits.cpu!.fit.rSquared).toBeGreaterThan(0.95);
    // The load never saturated the tasks: the knee is flagged, not invented.
    expect(c.fits.knee?.requestsPerSecondPerTask).toBeNull();
    expect(warnings.map((w) => w.code)).toContain("ramp-not-saturated");
    expect(c.fits.launchToHealthy?.scaleOuts).toBeGreaterThan(0);
    // Launch time from the scale-outs, placed within their 60-s steps: within 10 s.
    expect(
      Math.abs((c.platform.launchSeconds ?? NaN) - PLATFORM_DEFAULTS.launchSeconds),
    ).toBeLessThan(10);
  });

  it("warns about gaps and too few points, and refuses without steady steps", () => {
    const cut = (a: Float64Array | null) =>
      a ? a.map((v, i) => (i >= 10 && i < 20 ? NaN : v)) : null;
    const short: ObservedService = {
      ...observed,
      length: 30,
      requests: observed.requests.slice(0, 30),
      runningTasks: observed.runningTasks!.slice(0, 30),
      cpuUnitsPerTask: cut(observed.cpuUnitsPerTask!.slice(0, 30)),
      cpuPercent: null,
    };
    const warnings: Warning[] = [];
    calibrate(short, {}, (w) => warnings.push(w));
    const codes = warnings.map((w) => w.code);
    expect(codes).toContain("gap-in-measurements");
    expect(codes).toContain("too-few-points");
    expect(() => calibrate({ ...short, length: 3, requests: short.requests.slice(0, 3) })).toThrow(
      CalibrationError,
    );
  });
});
