import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  backtest,
  matchScaleOuts,
  meanAbsolutePercentageError,
  scaleOutSteps,
} from "../../analysis/backtest.js";
import { loadObservedBundle } from "../../analysis/io/files/observed-bundle.js";
import {
  KNOWN_SERVICE,
  knownContext,
  writeObservedBundle,
} from "../fixtures/bundles/make-observed-bundle.js";
import type { ObservedService } from "../../analysis/calibrate.js";
import type { Candidate } from "../../sim/vocab/index.js";

let dir: string;
let observed: ObservedService;
let candidate: Candidate;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-backtest-"));
  ({ candidate } = await writeObservedBundle(join(dir, "b"), { seed: 3 }));
  observed = (await loadObservedBundle(join(dir, "b"), () => {})).observed;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("meanAbsolutePercentageError", () => {
  it("matches numpy", () => {
    // numpy: 100*np.mean(np.abs(np.array([110,180,33])-np.array([100,200,30]))/np.array([100,200,30])) = 10.0
    expect(meanAbsolutePercentageError([100, 200, 30], [110, 180, 33])).toBeCloseTo(10, 12);
    expect(meanAbsolutePercentageError([0, NaN], [1, 2])).toBeNull();
  });
});

describe("scale-out matching", () => {
  it("counts a run of rising steps once and pairs the closest", () => {
    expect(scaleOutSteps([2, 2, 3, 4, 4, 4, 6, 5])).toEqual([2, 6]);
    const m = matchScaleOuts([2, 6], [3, 10, 40], 60, 0);
    expect(m.pairs.map((p) => p.lagSeconds)).toEqual([60, 240]);
    expect(m.meanAbsoluteLagSeconds).toBe(150);
  });
});

describe("backtest on a simulator-generated bundle", () => {
  it("reports near-zero error with the true model (MAPE < 3 %, scale-outs on time)", () => {
    const r = backtest(observed, candidate, knownContext());
    const m = r.fidelity.mapePercent;
    // Noise is 2 % (σ), so the MAPE of a perfect model is ≈ 1.6 % (E|N(0, 0.02)|).
    expect(m.runningCount!).toBeLessThan(0.5);
    expect(m.cpuUtilization!).toBeLessThan(3);
    expect(m.requestCountPerTarget!).toBeLessThan(3);
    expect(m.targetResponseTimeP95!).toBeLessThan(3);
    expect(r.fidelity.scaleOuts.meanAbsoluteLagSeconds!).toBeLessThan(1);
    expect(r.fidelity.scaleOuts.pairs.length).toBe(r.fidelity.scaleOuts.observed);
  });

  it("reports the expected larger error with cpuMsPerRequest × 1.5", () => {
    const wrong = knownContext({
      ...KNOWN_SERVICE,
      cpuMsPerRequest: KNOWN_SERVICE.cpuMsPerRequest * 1.5,
    });
    const r = backtest(observed, candidate, wrong);
    const m = r.fidelity.mapePercent;
    // Target tracking on CPU keeps CPU near its target, so the error moves into the task
    // count: about 1.5 × the tasks at load.
    expect(m.runningCount!).toBeGreaterThan(20);
    expect(r.fidelity.meanMapePercent!).toBeGreaterThan(10);
  });
});
