import { describe, expect, it } from "vitest";
import { SimulateConfigSchema } from "../../sim/vocab/index.js";
import { runSim, traceOf } from "../helpers/sim.js";

function runWith(policy: unknown) {
  const minutes = 240;
  const requests = new Float64Array(minutes);
  for (let i = 0; i < minutes; i++) requests[i] = i < 30 ? 3000 : i < 150 ? 12000 : 3000;
  return runSim(traceOf(requests, { source: "steps", startMs: 0 }), {
    service: { cpuMsPerRequest: 10, idleCpuPercent: 0, memoryMiB: { base: 100 } },
    scaling: { MinCapacity: 2, MaxCapacity: 20, DesiredCount: 2, policies: [policy] },
  });
}

describe("CustomizedMetricSpecification over the simulated metrics", () => {
  it("RequestCountPerTarget (Sum) as a custom metric behaves like the predefined ALBRequestCountPerTarget", () => {
    const predefined = runWith({
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 2000,
        PredefinedMetricSpecification: { PredefinedMetricType: "ALBRequestCountPerTarget" },
      },
    });
    const custom = runWith({
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 2000,
        CustomizedMetricSpecification: {
          Namespace: "AWS/ApplicationELB",
          MetricName: "RequestCountPerTarget",
          Statistic: "Sum",
        },
      },
    });
    expect(Array.from(custom.timeline!.desiredCount)).toEqual(
      Array.from(predefined.timeline!.desiredCount),
    );
    // 12,000 per minute / 2,000 per target = 6 at least; stale datapoints after the
    // cooldown may add more (the metric lags the new tasks).
    expect(predefined.kpis.maxTasks).toBeGreaterThanOrEqual(6);
  });

  it("a Container Insights metric (RunningTaskCount is not load) never scales, CpuUtilized does", () => {
    const running = runWith({
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 50,
        CustomizedMetricSpecification: {
          Namespace: "ECS/ContainerInsights",
          MetricName: "RunningTaskCount",
          Statistic: "Average",
        },
        DisableScaleIn: true,
      },
    });
    expect(running.kpis.scalingActions).toBe(0);
    const cpuUnits = runWith({
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 1024, // CPU units in use across the service: one vCPU's worth
        CustomizedMetricSpecification: {
          Namespace: "ECS/ContainerInsights",
          MetricName: "CpuUtilized",
          Statistic: "Average",
        },
      },
    });
    expect(cpuUnits.events.some((e) => e.kind === "scale-out")).toBe(true);
  });

  it("the load balancer's own 5xx are HTTPCode_ELB_5XX_Count; HTTPCode_Target_5XX_Count counts only the targets' (none in the model)", () => {
    // 18,000 a minute for two tasks that serve 12,000: requests time out (504) and overloaded
    // tasks are replaced; every failure is the load balancer's own response (ELB user guide,
    // "Troubleshoot your Application Load Balancers"; sim/MODEL-AUDIT.md O10).
    const requests = Float64Array.from({ length: 120 }, (_, i) => (i < 20 ? 3000 : 18000));
    const on5xx = (MetricName: string) =>
      runSim(traceOf(requests, { source: "steps", startMs: 0 }), {
        service: { cpuMsPerRequest: 10, idleCpuPercent: 0, memoryMiB: { base: 100 } },
        scaling: {
          MinCapacity: 2,
          MaxCapacity: 20,
          DesiredCount: 2,
          policies: [
            {
              PolicyName: "errors",
              StepScalingPolicyConfiguration: {
                AdjustmentType: "ChangeInCapacity",
                StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 2 }],
                Cooldown: 60,
              },
              Alarm: {
                Metric: { Namespace: "AWS/ApplicationELB", MetricName, Statistic: "Sum" },
                Threshold: 100,
                ComparisonOperator: "GreaterThanThreshold",
                Period: 60,
                EvaluationPeriods: 1,
              },
            },
          ],
        },
      });
    const elb = on5xx("HTTPCode_ELB_5XX_Count");
    expect(elb.kpis.failedRequests).toBeGreaterThan(0);
    expect(elb.events.some((e) => e.kind === "scale-out")).toBe(true);
    const target = on5xx("HTTPCode_Target_5XX_Count");
    expect(target.kpis.failedRequests).toBeGreaterThan(elb.kpis.failedRequests);
    expect(target.events.some((e) => e.kind === "scale-out")).toBe(false);
  });

  it("rejects a metric the simulator does not publish, naming what it does", () => {
    const result = SimulateConfigSchema.safeParse({
      trace: { generate: "default-week" },
      service: { cpuMsPerRequest: 10, memoryMiB: { base: 100 } },
      task: { cpu: "1024", memory: "2048" },
      scaling: {
        MinCapacity: 1,
        MaxCapacity: 2,
        policies: [
          {
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: 5,
              CustomizedMetricSpecification: {
                Namespace: "AWS/SQS",
                MetricName: "ApproximateNumberOfMessagesVisible",
              },
            },
          },
        ],
      },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(
      /namespace "AWS\/SQS" is not simulated; use one of AWS\/ECS/,
    );
  });
});
