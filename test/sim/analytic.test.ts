/**
 * The step model against theory: with fixed capacity and stationary load, the simulator's
 * per-step latency must agree with Erlang C (M/M/c) and with a seeded per-request
 * discrete-event simulation of the same model.
 */
import { describe, expect, it } from "vitest";
import { simulateStation } from "../../sim/des.js";
import { erlangC } from "../../sim/queue.js";
import { createRandom } from "../../sim/math/random.js";
import { runSim, traceOf } from "../helpers/sim.js";

const CPU_MS = 20;

function run(cpu: string, memory: string, tasks: number, rps: number, latencyMs = 0) {
  const steps = 30;
  return runSim(
    traceOf(new Float64Array(steps).fill(rps * 60), { source: "stationary", startMs: 0 }),
    {
      service: { cpuMsPerRequest: CPU_MS, latencyMs, idleCpuPercent: 0, memoryMiB: { base: 100 } },
      task: { cpu, memory },
      scaling: { MinCapacity: tasks, MaxCapacity: tasks },
    },
  ).timeline!;
}

function quantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!);
}

describe("the step model under stationary load", () => {
  const cases = [
    { cpu: "1024", memory: "2048", servers: 1 },
    { cpu: "2048", memory: "4096", servers: 2 },
    { cpu: "4096", memory: "8192", servers: 4 },
  ];
  for (const { cpu, memory, servers } of cases) {
    for (const utilization of [0.3, 0.5, 0.7, 0.9]) {
      it(`c=${servers}, ρ=${utilization}: mean wait vs Erlang C within 5 %, p95 vs a per-request simulation within 10 %`, () => {
        const mu = 1000 / CPU_MS; // per server, per second
        const tasks = 3;
        const lambdaPerTask = utilization * servers * mu;
        const latencyMs = 15;
        const timeline = run(cpu, memory, tasks, lambdaPerTask * tasks, latencyMs);
        const i = 20; // well after start
        // Erlang C: Wq = C(c, a) / (cμ − λ); the simulator's mean latency is Wq + 1/μ + latency.
        const wq = erlangC(servers, lambdaPerTask / mu) / (servers * mu - lambdaPerTask);
        expect(timeline.healthyCount[i]).toBe(tasks);
        expect(timeline.cpuUtilization[i]).toBeCloseTo(utilization * 100, 6);
        // p95 from the step model vs the per-request simulation of one task.
        const sample = simulateStation(
          {
            lambda: lambdaPerTask,
            servers,
            mu,
            requests: utilization >= 0.9 ? 1_500_000 : 300_000,
            warmupRequests: 10_000,
            latencySeconds: latencyMs / 1000,
          },
          createRandom(42),
        );
        const sojourns = Float64Array.from(sample.sojourns).sort();
        const desP95 = quantile(sojourns, 0.95) * 1000;
        const stepP95 = timeline.latencyP95Ms[i]!;
        expect(Math.abs(stepP95 / desP95 - 1)).toBeLessThan(0.1);
        let meanWait = 0;
        for (const w of sample.waits) meanWait += w;
        meanWait /= sample.waits.length;
        expect(Math.abs(meanWait / wq - 1)).toBeLessThan(0.05);
        // And the step model's p50 < p95 < p99, all above the fixed latency.
        expect(timeline.latencyP50Ms[i]!).toBeLessThan(stepP95);
        expect(stepP95).toBeLessThan(timeline.latencyP99Ms[i]!);
        expect(timeline.latencyP50Ms[i]!).toBeGreaterThan(latencyMs);
      });
    }
  }
});
