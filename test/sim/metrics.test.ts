/**
 * Simulated CloudWatch: PeriodStore's datapoints against a direct computation, period by
 * period, of what CloudWatch would publish.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { customReader, PeriodStore, Q, Q_COUNT } from "../../sim/metrics.js";
import { resolvePlatform, type MetricSpec } from "../../sim/vocab/index.js";

const TASK = { vcpus: 0.5, memoryMiB: 3072 };

/** Every metric the simulator publishes, with its definition over a period's sums. */
const METRICS: readonly {
  readonly spec: Pick<MetricSpec, "Namespace" | "MetricName" | "Statistic">;
  readonly define: (s: Float64Array, period: number, zeroTrafficIsMissing: boolean) => number;
}[] = (() => {
  const ecs = (f: (s: Float64Array, p: number) => number) => (s: Float64Array, p: number) =>
    s[Q.runningTaskSeconds]! <= 0 ? NaN : f(s, p);
  // The AWS/ECS service averages count the service's task-seconds (draining ones or not: O9).
  const service = (f: (s: Float64Array) => number) => (s: Float64Array) =>
    s[Q.serviceTaskSeconds]! <= 0 ? NaN : f(s);
  const alb =
    (f: (s: Float64Array, p: number) => number) =>
    (s: Float64Array, p: number, zeroTrafficIsMissing: boolean) =>
      zeroTrafficIsMissing && s[Q.requests]! <= 0 ? NaN : f(s, p);
  const metric = (
    Namespace: string,
    MetricName: string,
    define: (s: Float64Array, period: number, zeroTrafficIsMissing: boolean) => number,
  ) => ({ spec: { Namespace, MetricName, Statistic: "Average" }, define }) as const;
  return [
    metric(
      "AWS/ECS",
      "CPUUtilization",
      service((s) => (100 * s[Q.serviceCpuVcpuSeconds]!) / (TASK.vcpus * s[Q.serviceTaskSeconds]!)),
    ),
    metric(
      "AWS/ECS",
      "MemoryUtilization",
      service(
        (s) => (100 * s[Q.serviceMemoryMiBSeconds]!) / (TASK.memoryMiB * s[Q.serviceTaskSeconds]!),
      ),
    ),
    metric(
      "AWS/ApplicationELB",
      "RequestCountPerTarget",
      alb((s, p) => {
        const targets = s[Q.healthyTaskSeconds]! / p;
        return targets > 0 ? s[Q.requests]! / targets : NaN;
      }),
    ),
    metric(
      "AWS/ApplicationELB",
      "RequestCount",
      alb((s) => s[Q.requests]!),
    ),
    metric(
      "AWS/ApplicationELB",
      "TargetResponseTime",
      alb((s) => (s[Q.served]! > 0 ? s[Q.latencyMsTimesServed]! / s[Q.served]! / 1000 : NaN)),
    ),
    // (Every failure of the model is the load balancer's own 502, 503 or 504.)
    metric(
      "AWS/ApplicationELB",
      "HTTPCode_ELB_5XX_Count",
      alb((s) => s[Q.failed]!),
    ),
    metric(
      "AWS/ApplicationELB",
      "HTTPCode_Target_5XX_Count",
      alb((s) => s[Q.targetErrors]!),
    ),
    metric("AWS/ApplicationELB", "HealthyHostCount", (s, p) => s[Q.healthyTaskSeconds]! / p),
    metric(
      "ECS/ContainerInsights",
      "CpuUtilized",
      ecs((s, p) => (s[Q.cpuVcpuSeconds]! * 1024) / p),
    ),
    metric(
      "ECS/ContainerInsights",
      "MemoryUtilized",
      ecs((s, p) => s[Q.memoryMiBSeconds]! / p),
    ),
    metric("ECS/ContainerInsights", "RunningTaskCount", (s, p) => s[Q.runningTaskSeconds]! / p),
    metric("ECS/ContainerInsights", "DesiredTaskCount", (s, p) => s[Q.desiredTaskSeconds]! / p),
    metric("ECS/ContainerInsights", "PendingTaskCount", (s, p) => s[Q.pendingTaskSeconds]! / p),
  ];
})();

/**
 * The datapoints of each closed period, computed directly: every step's quantities spread
 * over the periods it overlaps, in proportion, then each metric's definition.
 */
function directDatapoints(
  steps: readonly Float64Array[],
  stepSeconds: number,
  period: number,
  zeroTrafficIsMissing: boolean,
): number[][] {
  const out: number[][] = [];
  let sums = new Float64Array(Q_COUNT);
  let open = 0;
  steps.forEach((values, i) => {
    const t0 = i * stepSeconds;
    const t1 = t0 + stepSeconds;
    let t = t0;
    while (t < t1 - 1e-9) {
      const end = (open + 1) * period;
      const until = Math.min(t1, end);
      const f = (until - t) / (t1 - t0);
      for (let q = 0; q < Q_COUNT; q++) sums[q]! += values[q]! * f;
      t = until;
      if (until >= end - 1e-9) {
        out.push(METRICS.map((m) => m.define(sums, period, zeroTrafficIsMissing)));
        sums = new Float64Array(Q_COUNT);
        open++;
      }
    }
  });
  return out;
}

/** A step's quantities: zeros often (idle steps, no running task), else positive values. */
const stepArb = fc
  .array(
    fc.oneof(
      { weight: 1, arbitrary: fc.constant(0) },
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 1_000_000 }).map((v) => v / 7) },
    ),
    { minLength: Q_COUNT, maxLength: Q_COUNT },
  )
  .map((values) => Float64Array.from(values));

describe("PeriodStore", () => {
  it("publishes, for every closed period, each metric's value over that period's sums (property)", () => {
    fc.assert(
      fc.property(
        fc.record({
          period: fc.constantFrom(10, 20, 30, 60),
          stepSeconds: fc.constantFrom(10, 15, 20, 30, 45, 60, 90, 120, 300),
          zeroTrafficIsMissing: fc.boolean(),
          steps: fc.array(stepArb, { minLength: 1, maxLength: 40 }),
        }),
        ({ period, stepSeconds, zeroTrafficIsMissing, steps }) => {
          const platform = resolvePlatform({ zeroTrafficIsMissingData: zeroTrafficIsMissing });
          const store = new PeriodStore(period, 4000);
          const handles = METRICS.map((m) => store.register(customReader(m.spec, TASK, platform)));
          steps.forEach((values, i) => store.add(values, i * stepSeconds, (i + 1) * stepSeconds));
          const expected = directDatapoints(steps, stepSeconds, period, zeroTrafficIsMissing);
          expect(store.closedCount).toBe(expected.length);
          const published = expected.map((_, k) => handles.map((h) => store.datapoint(h, k)));
          // Bit for bit (toEqual compares numbers with Object.is): the store only skips work.
          expect(published).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a step of three periods publishes three equal datapoints, and no datapoint for the open period", () => {
    const store = new PeriodStore(20, 10);
    const cpu = store.register(
      customReader(
        { Namespace: "AWS/ECS", MetricName: "CPUUtilization", Statistic: "Average" },
        TASK,
        resolvePlatform({}),
      ),
    );
    const values = new Float64Array(Q_COUNT);
    values[Q.serviceTaskSeconds] = 120; // two tasks for 60 s
    values[Q.serviceCpuVcpuSeconds] = 24; // 40 % of half a vCPU each
    store.add(values, 0, 60);
    expect([0, 1, 2].map((k) => store.datapoint(cpu, k))).toEqual([40, 40, 40]);
    expect(store.datapoint(cpu, 3)).toBeNaN();
  });
});
