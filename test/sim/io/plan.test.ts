import { describe, expect, it } from "vitest";
import { plan } from "../../../sim/io/plan.js";
import { DEFAULT_PERTURBATIONS } from "../../../sim/search.js";
import { PlanConfigSchema } from "../../../sim/vocab/index.js";
import { loadTraceSource } from "../../../analysis/io/files/trace-file.js";
import { candidateLabel, currentLabel } from "../../../reports/labels.js";

/** Two sizes × two targets on the generated week, with today's setting: five candidates. */
const config = PlanConfigSchema.parse({
  trace: { generate: "default-week", seed: 2 },
  service: {
    cpuMsPerRequest: 8,
    latencyMs: 25,
    memoryMiB: { base: 350, perInflightRequest: 0.05 },
  },
  slo: { latencyP95Ms: 250 },
  current: {
    task: { cpu: "2048", memory: "4096" },
    scaling: {
      MinCapacity: 4,
      MaxCapacity: 40,
      policies: [
        {
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: 50,
            PredefinedMetricSpecification: {
              PredefinedMetricType: "ECSServiceAverageCPUUtilization",
            },
          },
        },
      ],
    },
  },
  space: {
    taskSizes: [
      { cpu: "1024", memory: "2048" },
      { cpu: "2048", memory: "4096" },
    ],
    metrics: ["ECSServiceAverageCPUUtilization"],
    utilizationTargets: [40, 60],
    MinCapacity: [2],
    ScaleOutCooldown: [300],
  },
  robustness: { topK: 2, minPassed: 5, maxChecked: 4 },
});

describe("plan()", () => {
  it("sweeps the space and today's setting, then reports every robustness run as it goes", async () => {
    const { trace } = await loadTraceSource(config.trace, ".", () => {});
    const sweep: [number, number][] = [];
    const robustness: [number, number][] = [];
    let started: [number, number] | null = null;
    const result = await plan(trace, config, {
      workers: 0,
      candidateLabel,
      currentLabel,
      onSweepStart: (candidates, workers) => (started = [candidates, workers]),
      onSweepProgress: (done, total) => sweep.push([done, total]),
      onRobustnessProgress: (done, total) => robustness.push([done, total]),
    });
    expect(started).toEqual([5, 0]);
    expect(sweep.at(-1)).toEqual([5, 5]);
    expect(result.outcomes).toHaveLength(5);
    expect(result.current?.candidate.label).toMatch(/^current:/);

    // One call per run, counting up; the total is what is planned so far: never below what is
    // done, never shrinking, a whole number of candidates' worth of runs (each perturbation and
    // one as it is). The current settings are rated too, when the search did not reach them.
    const perCandidate = DEFAULT_PERTURBATIONS.length + 1;
    const currentChecked = result.robustness.some(
      (r) => r.candidateId === result.current?.candidate.id,
    );
    const runs = (result.robustness.length + (currentChecked ? 0 : 1)) * perCandidate;
    expect(runs).toBeGreaterThan(0);
    expect(robustness.map(([done]) => done)).toEqual(Array.from({ length: runs }, (_, i) => i + 1));
    for (const [i, [done, total]] of robustness.entries()) {
      expect(total).toBeGreaterThanOrEqual(done);
      expect(total % perCandidate).toBe(0);
      if (i > 0) expect(total).toBeGreaterThanOrEqual(robustness[i - 1]![1]);
    }
    expect(robustness.at(-1)).toEqual([runs, runs]);
  });
});
