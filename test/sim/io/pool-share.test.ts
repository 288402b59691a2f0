/**
 * The sweep with sibling classes (sim/siblings.ts, SweepOptions.share): ARM and Spot siblings
 * priced from one simulation give, on 0, 1 and 2 workers alike, each finished candidate the
 * figures of its own simulation, and stop the others exactly (sim/prune.ts's rule, each member
 * with its own cost).
 */
import { describe, expect, it } from "vitest";
import { runSweep } from "../../../sim/io/pool.js";
import { meetsSlo } from "../../../sim/search.js";
import { twoBusyDays } from "../../helpers/sweep.js";

describe("the sweep pool with sharing between price-only siblings", () => {
  it("finishes every candidate it does not stop with its exhaustive figures, alike on 0, 1 and 2 workers", async () => {
    const { trace, slo, context, candidates } = twoBusyDays({
      architectures: ["X86_64", "ARM64"],
      capacityProviders: ["FARGATE", "FARGATE_SPOT"],
    });
    // The first one (x86 On-Demand: a member, not its class's representative) is never stopped,
    // as plan keeps today's settings.
    expect(candidates[0]!.task).toMatchObject({
      architecture: "X86_64",
      capacityProvider: "FARGATE",
    });
    const keep = [0];
    const prune = { keepRanks: 3, firstWave: 8, keep };
    const full = await runSweep(trace, context, candidates, { workers: 0 });
    const inline = await runSweep(trace, context, candidates, { workers: 0, prune, share: true });
    const one = await runSweep(trace, context, candidates, {
      workers: 1,
      prune,
      share: true,
      batchSize: 3,
    });
    const two = await runSweep(trace, context, candidates, {
      workers: 2,
      prune,
      share: true,
      batchSize: 2,
    });
    expect(one).toEqual(inline);
    expect(two).toEqual(inline);
    // Sharing without pruning: every candidate exact.
    const sharedFull = await runSweep(trace, context, candidates, { workers: 2, share: true });
    expect(sharedFull).toEqual(full);

    expect(inline[keep[0]!]!.pruned).toBeNull();
    const reasons = new Set(inline.map((r) => r.pruned?.reason));
    expect(reasons.has("out-of-reach")).toBe(true);
    const ids = new Set(candidates.map((c) => c.id));
    inline.forEach((r, i) => {
      if (r.pruned === null) {
        expect(r.kpis).toStrictEqual(full[i]!.kpis);
        return;
      }
      // Stopped: its figures so far are lower bounds, the one that dominates it finished.
      expect(r.kpis.costUsd).toBeLessThanOrEqual(full[i]!.kpis.costUsd);
      expect(r.kpis.sloViolationMinutes).toBeLessThanOrEqual(full[i]!.kpis.sloViolationMinutes);
      if (r.pruned.reason !== "out-of-reach") expect(meetsSlo(full[i]!.kpis, slo)).toBe(false);
      // Stopped past the front's limit, it needs no dominating candidate.
      if (r.pruned.reason === "far-from-slo") return;
      expect(ids.has(r.pruned.dominatedBy!)).toBe(true);
      const by = inline[candidates.findIndex((c) => c.id === r.pruned!.dominatedBy)]!;
      expect(by.pruned).toBeNull();
      expect(by.kpis.monthlyCostUsd).toBeLessThanOrEqual(full[i]!.kpis.monthlyCostUsd);
    });
  });
});
