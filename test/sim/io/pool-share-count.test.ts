/**
 * That the sweep does share: with `share`, each class of price-only siblings (sim/siblings.ts)
 * runs one simulation, not one per member. The other tests hold the shared figures to their own
 * simulations'; only a count of the engine's runs shows the work was saved.
 */
import { describe, expect, it, vi } from "vitest";
import * as engine from "../../../sim/engine.js";
import { runSweep } from "../../../sim/io/pool.js";
import { siblingClasses } from "../../../sim/siblings.js";
import { twoBusyDays } from "../../helpers/sweep.js";

vi.mock("../../../sim/engine.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../../sim/engine.js")>();
  return { ...original, simulate: vi.fn(original.simulate) };
});

describe("the sweep pool's sharing between price-only siblings", () => {
  it("runs one simulation per class of siblings, and one per candidate without sharing", async () => {
    const { trace, context, candidates } = twoBusyDays({
      architectures: ["X86_64", "ARM64"],
      capacityProviders: ["FARGATE", "FARGATE_SPOT"],
    });
    const simulate = vi.mocked(engine.simulate);
    const classes = siblingClasses(candidates, context.prices);
    // Four siblings (x86/ARM × On-Demand/Spot) to each size and policy.
    expect(classes.length * 4).toBe(candidates.length);

    simulate.mockClear();
    const shared = await runSweep(trace, context, candidates, { workers: 0, share: true });
    expect(simulate).toHaveBeenCalledTimes(classes.length);
    // Each run is the cheapest member's (ARM Spot), priced for the other three.
    for (const call of simulate.mock.calls)
      expect(call[1].task).toMatchObject({
        architecture: "ARM64",
        capacityProvider: "FARGATE_SPOT",
      });

    simulate.mockClear();
    const alone = await runSweep(trace, context, candidates, { workers: 0 });
    expect(simulate).toHaveBeenCalledTimes(candidates.length);
    expect(shared).toEqual(alone);
  });
});
