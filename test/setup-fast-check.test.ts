/** test/setup-fast-check.ts: FC_SEED fixes every property's seed; a bad one stops the run. */
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";

const before = { seed: process.env.FC_SEED, global: fc.readConfigureGlobal() };

afterEach(() => {
  if (before.seed === undefined) delete process.env.FC_SEED;
  else process.env.FC_SEED = before.seed;
  fc.configureGlobal(before.global);
});

async function load(seed: string): Promise<void> {
  process.env.FC_SEED = seed;
  vi.resetModules();
  await import("./setup-fast-check.js");
}

describe("FC_SEED", () => {
  it("gives every property the same cases, run after run", async () => {
    await load("20261205");
    expect(fc.readConfigureGlobal().seed).toBe(20261205);
    const first = fc.sample(fc.integer(), 5);
    expect(fc.sample(fc.integer(), 5)).toEqual(first);
    expect(fc.sample(fc.integer(), { numRuns: 5, seed: 20261205 })).toEqual(first);
  });

  it("is refused, naming itself, when it is not an integer", async () => {
    await expect(load("abc")).rejects.toThrow(/^FC_SEED=abc is not an integer/);
  });
});
