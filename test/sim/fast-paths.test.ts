/**
 * The premises of the simulator's exact fast paths (bench/README.md, "Simulator"): each
 * shortcut gives the same bits as the general code only while these hold, so they are checked
 * here against the general code itself.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { alarmEvaluation, evaluateAlarm, NOfNMissingAlarm } from "../../sim/alarm.js";
import { AutoScaler } from "../../sim/autoscaling.js";
import { seriesWithGaps, trackingAlarmSpec } from "../helpers/alarm.js";
import { Q, Q_COUNT, periodStores } from "../../sim/metrics.js";
import {
  PLATFORM_DEFAULTS,
  type PlatformParams,
  type PredefinedMetricType,
} from "../../sim/vocab/index.js";

/** Datapoints by period, NaN where missing. */
const series = seriesWithGaps(1, 6);

describe("AutoScaler.observe: an alarm whose newest datapoint is real and does not breach", () => {
  it("is OK, by the incremental alarm and by evaluateAlarm, whatever came before (property)", () => {
    fc.assert(
      fc.property(series, trackingAlarmSpec, (values, spec) => {
        const { comparison } = spec;
        const alarm = new NOfNMissingAlarm(spec);
        const source = { datapoint: (_h: number, k: number) => values[k] ?? NaN };
        values.forEach((v, k) => {
          alarm.push(k, v);
          // observe's tests: AlarmHigh (above) is OK at v <= threshold, AlarmLow (below) at
          // v >= threshold; NaN passes neither.
          const quiet = comparison === "GreaterThanThreshold" ? v <= 50 : v >= 50;
          if (!quiet) return;
          expect(alarm.evaluate(alarmEvaluation()).state, `period ${k}`).toBe("OK");
          expect(evaluateAlarm(source, 0, k, 0, spec, "OK", alarmEvaluation()).state).toBe("OK");
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe("the engine's evaluation times in whole seconds", () => {
  /** The general loop's times in step i (sim/engine.ts, scale). */
  const general = (t0: number, t1: number, grid: number): number[] => {
    const taus: number[] = [];
    for (let tau = Math.floor(t0 / grid + 1 + 1e-9) * grid; tau <= t1 + 1e-9; tau += grid)
      taus.push(tau);
    return taus;
  };
  it("are the general loop's when the step is a whole multiple of a whole-second grid (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 2_000_000 }),
        (grid, perStep, i) => {
          const s = grid * perStep;
          const t0 = i * s;
          const t1 = t0 + s;
          const whole: number[] = [];
          for (let tau = t0 + grid; tau <= t1; tau += grid) whole.push(tau);
          expect(whole).toEqual(general(t0, t1, grid));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("AutoScaler.evaluateOnGrid", () => {
  const policy = (type: PredefinedMetricType, target: number) => ({
    TargetTrackingScalingPolicyConfiguration: {
      TargetValue: target,
      ScaleOutCooldown: 60,
      ScaleInCooldown: 300,
      DisableScaleIn: false,
      PredefinedMetricSpecification: { PredefinedMetricType: type },
    },
  });
  /** A scaler of `policies` over its own CloudWatch, and a step that publishes and evaluates. */
  const scalerOf = (policies: readonly ReturnType<typeof policy>[], onGrid: boolean) => {
    const { stores, storeFor } = periodStores();
    const scaler = new AutoScaler({
      policies,
      task: { vcpus: 1, memoryMiB: 2048 },
      platform: PLATFORM_DEFAULTS as PlatformParams,
      storeFor,
      startMs: 0,
      stepSeconds: 60,
      emit: null,
    });
    const grid = Math.min(...scaler.periods);
    const q = new Float64Array(Q_COUNT);
    let desired = 4;
    const out: number[] = [];
    const step = (i: number, cpuPct: number) => {
      q[Q.requests] = q[Q.served] = 1000 * cpuPct;
      q[Q.runningTaskSeconds] = q[Q.healthyTaskSeconds] = q[Q.registeredTaskSeconds] = desired * 60;
      q[Q.cpuVcpuSeconds] = Number.isNaN(cpuPct) ? NaN : (cpuPct / 100) * desired * 60;
      q[Q.memoryMiBSeconds] = 1000 * desired * 60;
      q[Q.serviceTaskSeconds] = q[Q.runningTaskSeconds]!;
      q[Q.serviceCpuVcpuSeconds] = q[Q.cpuVcpuSeconds]!;
      q[Q.serviceMemoryMiBSeconds] = q[Q.memoryMiBSeconds]!;
      for (const store of stores.values()) store.add(q, i * 60, i * 60 + 60);
      for (let tau = i * 60 + grid; tau <= i * 60 + 60; tau += grid) {
        desired = onGrid
          ? scaler.evaluateOnGrid(tau, i, desired, 1, 40)
          : scaler.evaluate(tau, i, desired, 1, 40);
        out.push(desired);
      }
    };
    return { step, out, actions: () => scaler.actions };
  };
  it("decides as evaluate does, for one policy of either period and for two (property)", () => {
    const types: PredefinedMetricType[] = [
      "ECSServiceAverageCPUUtilization",
      "ECSServiceAverageCPUUtilizationHighResolution",
      "ALBRequestCountPerTarget",
    ];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(NaN), fc.integer({ min: 0, max: 100 })), {
          minLength: 1,
          maxLength: 200,
        }),
        fc.subarray(types, { minLength: 1, maxLength: 2 }),
        fc.integer({ min: 20, max: 80 }),
        (cpu, chosen, target) => {
          const policies = chosen.map((type) => policy(type, target));
          const a = scalerOf(policies, false);
          const b = scalerOf(policies, true);
          cpu.forEach((pct, i) => {
            a.step(i, pct);
            b.step(i, pct);
          });
          expect(b.out).toEqual(a.out);
          expect(b.actions()).toBe(a.actions());
        },
      ),
      { numRuns: 300 },
    );
  });
});
