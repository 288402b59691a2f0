import { describe, expect, it } from "vitest";
import { generateDefaultWeek } from "../../../analysis/synthetic.js";
import { toTrace } from "../../../analysis/trace.js";
import { homeWorkers } from "../../../sim/io/pool.js";
import { expandSpace } from "../../../sim/search.js";
import { vcpusOf } from "../../../sim/vocab/fargate.js";
import { planConfigOf } from "../../helpers/sim.js";

describe("homeWorkers (which worker a sweep sends a candidate to first)", () => {
  const raw = generateDefaultWeek(5);
  const trace = toTrace(
    { ...raw, times: raw.times.slice(0, 1440), values: raw.values.slice(0, 1440) },
    {},
    () => {},
  );
  const config = planConfigOf({
    service: { cpuMsPerRequest: 8, latencyMs: 25, memoryMiB: { base: 350 } },
  });
  const candidates = expandSpace(config.space, trace, config.service);

  it("gives every candidate of a task size the same worker, and spreads the sizes over the workers", () => {
    const sizes = new Set(candidates.map((c) => vcpusOf(c.task)));
    expect(sizes.size).toBeGreaterThanOrEqual(4);
    for (const workers of [1, 2, 3]) {
      const home = homeWorkers(candidates, workers);
      const bySize = new Map<number, Set<number>>();
      candidates.forEach((c, i) => {
        const v = vcpusOf(c.task);
        bySize.set(v, (bySize.get(v) ?? new Set()).add(home[i]!));
      });
      for (const homes of bySize.values()) expect(homes.size).toBe(1);
      const used = new Set(home);
      expect(used.size).toBe(Math.min(workers, sizes.size));
      for (const k of used) expect(k >= 0 && k < workers).toBe(true);
    }
  });
});
