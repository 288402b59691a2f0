/**
 * The pick checked under the other reading of O9 (sim/MODEL-AUDIT.md): the robustness
 * perturbation "AWS/ECS average without draining tasks" re-runs a candidate with
 * drainingTasksInServiceMetrics flipped. A reading of the model, not a change of traffic (its
 * tag says so, and a miss under it is rated as a model risk): a CPU policy with a long
 * deregistration delay and scale-ins reads a different average and fares differently; an
 * ALBRequestCountPerTarget policy never reads it.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../../sim/engine.js";
import { robustnessOf } from "../../sim/plan.js";
import { rateRisk } from "../../sim/risk.js";
import {
  DEFAULT_PERTURBATIONS,
  DEPLOY_AT_PEAK,
  DRAINING_READING,
  otherDrainingReading,
  perturbationsWith,
  WITH_DRAINING,
  WITHOUT_DRAINING,
} from "../../sim/search.js";
import { contextOf, simSetup, traceOf } from "../helpers/sim.js";
import type { CandidateOutcome, Kpis, SimulationContext } from "../../sim/vocab/index.js";

describe("the draining-reading perturbation", () => {
  it("is one of the default perturbations, before the deployment at the peak", () => {
    expect(DEFAULT_PERTURBATIONS.map((p) => p.name)).toEqual([
      "traffic x1.2",
      "traffic x1.5",
      "launch time x1.5",
      "CPU per request x1.2",
      "spike x3 for 10 min",
      WITHOUT_DRAINING,
      DEPLOY_AT_PEAK,
    ]);
    expect(WITHOUT_DRAINING).toBe("AWS/ECS average without draining tasks");
  });

  it("reads the other way from the platform's setting, with or without the deployment", () => {
    const names = (ps: { name: string }[]) => ps.map((p) => p.name);
    expect(names(perturbationsWith(undefined))).toEqual(names([...DEFAULT_PERTURBATIONS]));
    expect(names(perturbationsWith(undefined, true))).toContain(WITHOUT_DRAINING);
    const flipped = names(perturbationsWith(undefined, false));
    expect(flipped).toContain(WITH_DRAINING);
    expect(flipped).not.toContain(WITHOUT_DRAINING);
    expect(flipped).toHaveLength(7);
    // robustness.deployment: false drops only the deployment.
    expect(names(perturbationsWith(false))).toEqual(
      names([...DEFAULT_PERTURBATIONS]).filter((n) => n !== DEPLOY_AT_PEAK),
    );
  });

  it("sets drainingTasksInServiceMetrics to the opposite of the platform's, and nothing else", () => {
    const context = contextOf();
    const trace = traceOf([600, 600]);
    for (const configured of [true, false]) {
      const platform = { ...context.platform, drainingTasksInServiceMetrics: configured };
      const changed = otherDrainingReading(configured).apply(trace, { ...context, platform });
      expect(changed.trace).toBe(trace);
      expect(changed.context.platform).toEqual({
        ...platform,
        drainingTasksInServiceMetrics: !configured,
      });
      expect(changed.context.service).toBe(context.service);
    }
  });
});

describe("a plan's robustness check under the other reading", () => {
  // Twelve hours of a morning peak and a long quiet afternoon, twice: a CPU policy scales out
  // for each peak and back in after it, and every scale-in drains for 15 minutes.
  const day = [
    ...Array<number>(60).fill(3000),
    ...Array<number>(90).fill(24_000),
    ...Array<number>(210).fill(3000),
  ];
  const trace = traceOf([...day, ...day]);
  const context: SimulationContext = contextOf({
    service: { cpuMsPerRequest: 60, idleCpuPercent: 3, memoryMiB: { base: 512 } },
    platform: { deregistrationDelaySeconds: 900 },
    slo: { latencyP95Ms: 400, errorRatePercent: 0.1, violationBudgetPercent: 1 },
  });

  function outcome(metric: "ECSServiceAverageCPUUtilization" | "ALBRequestCountPerTarget") {
    const target = metric === "ALBRequestCountPerTarget" ? 600 : 60;
    const { candidate } = simSetup({
      scaling: {
        MinCapacity: 2,
        MaxCapacity: 40,
        policies: [
          {
            PolicyName: "tt",
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: target,
              ScaleOutCooldown: 60,
              ScaleInCooldown: 60,
              PredefinedMetricSpecification: { PredefinedMetricType: metric },
            },
          },
        ],
      },
    });
    const planCandidate = { ...candidate, id: 0, metric, targetValue: target, label: metric };
    const { kpis } = simulate(trace, planCandidate, context, { record: false });
    return { candidate: planCandidate, kpis, meetsSlo: true } satisfies CandidateOutcome;
  }

  const underReading = (o: CandidateOutcome): Kpis =>
    robustnessOf(o, trace, context).perturbations.find((p) => p.name === WITHOUT_DRAINING)!.kpis;

  it("a CPU policy with scale-ins and a long deregistration delay fares differently", () => {
    const base = outcome("ECSServiceAverageCPUUtilization");
    const other = underReading(base);
    // The same run as the engine's with the flag set, and not the base run.
    const direct = simulate(
      trace,
      base.candidate,
      { ...context, platform: { ...context.platform, drainingTasksInServiceMetrics: false } },
      { record: false },
    ).kpis;
    expect(other).toEqual(direct);
    expect(other).not.toEqual(base.kpis);
    // Undiluted, the average after a scale-in reads higher: it scales in less, so it runs more
    // task-hours.
    expect(other.meanTasks).toBeGreaterThan(base.kpis.meanTasks);
    expect(other.costUsd).toBeGreaterThan(base.kpis.costUsd);
  });

  it("an ALBRequestCountPerTarget policy scales the same (only the CPU it reports changes)", () => {
    const base = outcome("ALBRequestCountPerTarget");
    const other = underReading(base);
    expect(other.costUsd).toBe(base.kpis.costUsd);
    expect(other.sloViolationMinutes).toBe(base.kpis.sloViolationMinutes);
    expect(other.scalingActions).toBe(base.kpis.scalingActions);
    expect(other.meanTasks).toBe(base.kpis.meanTasks);
  });

  it("a miss under it adds a traffic miss's points and a model risk's floor (sim/risk.ts)", () => {
    const base = outcome("ECSServiceAverageCPUUtilization");
    const r = robustnessOf(base, trace, context);
    const reading = r.perturbations.find((p) => p.name === WITHOUT_DRAINING)!;
    // robustnessOf passes on what the perturbation varies, by its tag.
    expect(reading.varies).toEqual(DRAINING_READING);
    const miss = { ...reading, severity: "misses" as const, meetsSlo: false };
    const rated = (p: typeof miss) =>
      rateRisk({
        kpis: base.kpis,
        meetsSlo: true,
        slo: context.slo,
        worstMinute: { p95Ms: 100, errorRatePercent: 0 },
        perturbations: [p],
      });
    const drained = rated(miss);
    const traffic = rated({ ...miss, name: "traffic x1.2", varies: { kind: "traffic" } });
    expect(drained.points).toBe(traffic.points);
    const factor = (r: typeof drained, kind: string) => r.factors.find((f) => f.kind === kind);
    expect(factor(traffic, "perturbation")).toMatchObject({ points: 1, atLeast: null });
    expect(factor(drained, "model-reading")).toMatchObject({ points: 1, atLeast: "medium" });
    expect(factor(drained, "perturbation")).toBeUndefined();
    expect(drained.factors.map((f) => f.reason).join()).toContain(
      `(see MODEL-AUDIT O9): it misses the SLO mildly under ${WITHOUT_DRAINING}`,
    );
  });
});
