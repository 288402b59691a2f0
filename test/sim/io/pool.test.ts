import { describe, expect, it } from "vitest";
import { generateDefaultWeek } from "../../../analysis/synthetic.js";
import { toTrace } from "../../../analysis/trace.js";
import { availableParallelism } from "node:os";
import { poolSize, runSweep } from "../../../sim/io/pool.js";
import { simulate } from "../../../sim/engine.js";
import { expandSpace } from "../../../sim/search.js";
import { contextOf, planConfigOf } from "../../helpers/sim.js";
import { twoBusyDays } from "../../helpers/sweep.js";

describe("the sweep pool", () => {
  it("gives identical results on 0, 1 and 2 workers, the same as simulating each candidate", async () => {
    const raw = generateDefaultWeek(5);
    const day = { ...raw, times: raw.times.slice(0, 1440), values: raw.values.slice(0, 1440) };
    const trace = toTrace(day, {}, () => {});
    const config = planConfigOf({
      service: { cpuMsPerRequest: 8, latencyMs: 25, memoryMiB: { base: 350 } },
      space: {
        maxCpu: 1024,
        utilizationTargets: [50, 70],
        MinCapacity: [2],
        ScaleOutCooldown: [300],
      },
    });
    const context = contextOf({ service: config.service });
    const candidates = expandSpace(config.space, trace, config.service);
    expect(candidates.length).toBeGreaterThan(10);
    let progressCalls = 0;
    const inline = await runSweep(trace, context, candidates, { workers: 0 });
    const one = await runSweep(trace, context, candidates, { workers: 1, batchSize: 3 });
    const two = await runSweep(trace, context, candidates, {
      workers: 2,
      batchSize: 2,
      onProgress: () => progressCalls++,
    });
    // Each candidate on its own, without the sweep's shared queue memo.
    const alone = candidates.map((c) => simulate(trace, c, context, { record: false }).kpis);
    // 100 workers asked for: one per core started (the size of the pool, not a timing).
    const started: number[] = [];
    const many = await runSweep(trace, context, candidates, {
      workers: 100,
      onStart: (n) => started.push(n),
    });
    expect(started).toEqual([Math.min(availableParallelism(), candidates.length)]);
    expect(inline.map((r) => r.kpis)).toEqual(alone);
    expect(inline.every((r) => r.pruned === null)).toBe(true);
    expect(one).toEqual(inline);
    expect(two).toEqual(inline);
    expect(many).toEqual(inline);
    expect(progressCalls).toBeGreaterThan(1);
  });

  it("prunes the same candidates at the same steps on 0, 1 and 2 workers, the rest exact", async () => {
    const raw = generateDefaultWeek(3);
    const day = {
      ...raw,
      times: raw.times.slice(0, 1440),
      values: raw.values.slice(0, 1440).map((v) => 3 * v),
    };
    const trace = toTrace(day, {}, () => {});
    const slo = { latencyP95Ms: 250, errorRatePercent: 0.1, violationBudgetPercent: 1 };
    const config = planConfigOf({
      service: { cpuMsPerRequest: 8, latencyMs: 25, memoryMiB: { base: 350 } },
      slo,
      space: { maxCpu: 1024, utilizationTargets: [50, 90], ScaleOutCooldown: [60, 300] },
    });
    const context = contextOf({ service: config.service, slo });
    const candidates = expandSpace(config.space, trace, config.service);
    const prune = { keepRanks: 2, firstWave: 4, keep: [0] };
    const full = await runSweep(trace, context, candidates, { workers: 0 });
    const inline = await runSweep(trace, context, candidates, { workers: 0, prune });
    const one = await runSweep(trace, context, candidates, { workers: 1, prune, batchSize: 3 });
    const two = await runSweep(trace, context, candidates, { workers: 2, prune, batchSize: 2 });
    expect(one).toEqual(inline);
    expect(two).toEqual(inline);
    const stopped = inline.filter((r) => r.pruned !== null).length;
    expect(stopped).toBeGreaterThan(0);
    expect(inline[0]!.pruned).toBeNull();
    inline.forEach((r, i) => {
      if (r.pruned === null) expect(r.kpis).toEqual(full[i]!.kpis);
    });
  });

  it("orders a trace of two days by its busiest day, and prunes alike on 0, 1 and 2 workers, out of reach too", async () => {
    const { trace, context, candidates } = twoBusyDays();
    const prune = { keepRanks: 3, firstWave: 4 };
    const full = await runSweep(trace, context, candidates, { workers: 0 });
    const inline = await runSweep(trace, context, candidates, { workers: 0, prune });
    const one = await runSweep(trace, context, candidates, { workers: 1, prune, batchSize: 3 });
    const two = await runSweep(trace, context, candidates, { workers: 2, prune, batchSize: 2 });
    expect(one).toEqual(inline);
    expect(two).toEqual(inline);
    const reasons = new Set(inline.map((r) => r.pruned?.reason));
    expect(reasons.has("out-of-reach")).toBe(true);
    inline.forEach((r, i) => {
      if (r.pruned === null) expect(r.kpis).toEqual(full[i]!.kpis);
      else expect(r.kpis.costUsd).toBeLessThanOrEqual(full[i]!.kpis.costUsd);
    });
  });

  it("sizes the pool at one thread per core at most", () => {
    expect(poolSize(100, 2)).toEqual({ workers: 2, capped: true });
    expect(poolSize(2, 2)).toEqual({ workers: 2, capped: false });
    expect(poolSize(0, 8)).toEqual({ workers: 0, capped: false });
    expect(poolSize(3, 0)).toEqual({ workers: 1, capped: true });
  });

  it("stops when aborted", async () => {
    const raw = generateDefaultWeek(1);
    const trace = toTrace(raw, {}, () => {});
    const config = planConfigOf({ service: { cpuMsPerRequest: 8, memoryMiB: { base: 350 } } });
    const context = contextOf({ service: config.service });
    const candidates = expandSpace(config.space, trace, config.service);
    const controller = new AbortController();
    const run = runSweep(trace, context, candidates, {
      workers: 2,
      signal: controller.signal,
      onProgress: (done) => done >= 4 && controller.abort(new Error("stop")),
    });
    await expect(run).rejects.toThrow("stop");
  });
});
