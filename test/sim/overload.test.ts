/**
 * Issue #13's scenario, with the default platform: two 1-vCPU tasks (MinCapacity 2), a CPU
 * target-tracking policy at 50 %, and a step in traffic to 1.5× what they can serve (18,000
 * requests a minute for about 11,900), with memory growing by 1 MiB per request in flight
 * (base 300 MiB of 2,048: 1,748 fit). Each task's queue grows by about 51 requests a second, so
 * it runs out of memory some 34 s after it starts serving; ECS replaces it at once.
 *
 * What the model predicts, and why (README, "How the model works"):
 * - the tasks crash-loop, and every minute in which a task ran publishes CPU (only minutes
 *   without any RUNNING task have no datapoint, and the alarms skip those);
 * - a replacement waits 30 s for its first passing health check, idle, so the minute it starts
 *   in reads low; AlarmHigh needs 3 real datapoints in a row above 50 %, which the crash loop
 *   lines up only now and then: here 36 minutes after the step;
 * - with 5-s health checks, or a request-count policy (no healthy target, no datapoint), or a
 *   memory slope that the timeout keeps the queue under, AlarmHigh fires 6 minutes after the
 *   step; Application Auto Scaling computes the new count from the tasks RUNNING at that
 *   moment (ECS developer guide, "Service auto scaling": "the actual running task count … is
 *   the value that Service Auto Scaling uses as its starting point"), so while the crash loop
 *   has none RUNNING it asks for nothing, and the scale-out comes 7–10 minutes after the step.
 */
import { describe, expect, it } from "vitest";
import { type SimulationResult } from "../../sim/engine.js";
import { type ScalingEvent } from "../../sim/vocab/index.js";
import { MONDAY, runSim, traceOf } from "../helpers/sim.js";

const START = MONDAY;
const STEP_AT = START + 30 * 60_000;

function run(
  options: {
    perInflightRequest?: number;
    policy?: Record<string, unknown>;
    platform?: Record<string, unknown>;
  } = {},
): SimulationResult {
  const requests = Array.from({ length: 150 }, (_, i) => (i < 30 ? 4000 : 18000));
  return runSim(traceOf(requests, { source: "overload.test" }), {
    service: {
      cpuMsPerRequest: 10,
      latencyMs: 20,
      memoryMiB: { base: 300, perInflightRequest: options.perInflightRequest ?? 1 },
    },
    scaling: {
      MinCapacity: 2,
      MaxCapacity: 20,
      DesiredCount: 2,
      policies: [
        {
          PolicyName: "cpu50",
          TargetTrackingScalingPolicyConfiguration: options.policy ?? {
            TargetValue: 50,
            PredefinedMetricSpecification: {
              PredefinedMetricType: "ECSServiceAverageCPUUtilization",
            },
          },
        },
      ],
    },
    platform: options.platform ?? {},
  });
}

const firstScaleOut = (r: SimulationResult) =>
  r.events.find((e): e is ScalingEvent & { kind: "scale-out" } => e.kind === "scale-out");
const secondsAfterStep = (r: SimulationResult) =>
  ((firstScaleOut(r)?.timeMs ?? NaN) - STEP_AT) / 1000;

describe("issue #13: a step past capacity with memory growing per request in flight", () => {
  it("crash-loops, keeps publishing CPU from the tasks that ran, and scales out when 3 real datapoints in a row are high", () => {
    const r = run();
    const t = r.timeline!;
    // The first kill: 1,747 requests queued at 51 a second (plus those in service), about 34 s in.
    const kills = r.events.filter((e) => e.kind === "oom-kill");
    expect((kills[0]!.timeMs - STEP_AT) / 1000).toBeGreaterThan(30);
    expect((kills[0]!.timeMs - STEP_AT) / 1000).toBeLessThan(40);
    // No row shows running tasks without healthy ones the other way round, and no minute
    // with a task RUNNING lacks a CPU datapoint: no insufficient-data at all.
    for (let i = 0; i < t.length; i++) {
      expect(t.healthyCount[i]!).toBeLessThanOrEqual(t.runningCount[i]! + 1e-9);
      expect(t.desiredCount[i]!).toBeGreaterThanOrEqual(2);
    }
    expect(r.events.filter((e) => e.kind === "insufficient-data")).toEqual([]);
    // The minute a replacement starts in reads about 1 % (idle until its health check).
    const low = Array.from(t.cpuUtilization.slice(30, 50)).filter((v, k) => {
      return t.runningCount[30 + k]! > 0 && v < 5;
    });
    expect(low.length).toBeGreaterThan(3);
    // AlarmHigh fires once three real datapoints in a row are above 50 (a missing minute,
    // with no task RUNNING, is skipped): 36 minutes after the step with the defaults.
    const out = firstScaleOut(r);
    expect(out?.evidence?.datapoints.every((v) => v > 50)).toBe(true);
    expect(secondsAfterStep(r)).toBe(2160);
    // Then the service recovers: the last hour fails little.
    const lastHour = { failed: 0, requests: 0 };
    for (let i = 90; i < 150; i++) {
      lastHour.failed += t.failedRequests[i]!;
      lastHour.requests += t.requests[i]!;
    }
    expect(lastHour.failed / lastHour.requests).toBeLessThan(0.01);
  });

  it("with 5-s health checks the replacements serve at once, and it scales out 7 minutes after the step", () => {
    const r = run({ platform: { healthCheckIntervalSeconds: 5 } });
    // AlarmHigh is in ALARM at 6 minutes, but no task is RUNNING then: nothing to scale from.
    expect(secondsAfterStep(r)).toBe(420);
  });

  it("a request-count policy scales out 10 minutes after the step: minutes without a healthy target have no datapoint", () => {
    const r = run({
      policy: {
        TargetValue: 3000,
        PredefinedMetricSpecification: { PredefinedMetricType: "ALBRequestCountPerTarget" },
      },
    });
    // AlarmHigh is in ALARM from 8 minutes on; the first evaluation with a task RUNNING acts.
    expect(secondsAfterStep(r)).toBe(600);
  });

  it("RequestCountPerTarget counts only the requests the ALB sent to a target", () => {
    // ELB user guide, Application Load Balancer CloudWatch metrics: RequestCount "is only
    // incremented for requests where the load balancer node was able to choose a target";
    // RequestCountPerTarget divides it by the healthy targets. The 503s of the seconds
    // without a healthy target are in neither, so no datapoint can exceed the 18,000 requests
    // the whole service gets in a minute (counting them against a fraction of a healthy
    // target once gave over 400,000).
    const r = run({
      policy: {
        TargetValue: 3000,
        PredefinedMetricSpecification: { PredefinedMetricType: "ALBRequestCountPerTarget" },
      },
    });
    const datapoints = r.events.flatMap((e) =>
      e.kind === "scale-out" ? (e.evidence?.datapoints ?? []) : [],
    );
    expect(datapoints.length).toBeGreaterThan(3);
    for (const v of datapoints) expect(v).toBeLessThanOrEqual(18000);
  });

  it("memory growth the timeout keeps under the limit kills nothing, and it scales out 6 minutes after the step", () => {
    // 0.25 MiB a request: 6,992 fit; the 60-s timeout keeps the queue under 5,940.
    const r = run({ perInflightRequest: 0.25 });
    expect(r.kpis.oomKills).toBe(0);
    expect(secondsAfterStep(r)).toBe(360);
  });
});
