/**
 * A small sweep for the pool's tests (test/sim/io/pool*.test.ts): two busy days of the default
 * week (twice its traffic) at 60-s steps, a strict SLO, and a space of 0.25–1 vCPU sizes, three
 * CPU targets and three MinCapacity values, widened by `space`.
 */
import { generateDefaultWeek } from "../../analysis/synthetic.js";
import { toTrace } from "../../analysis/trace.js";
import { expandSpace } from "../../sim/search.js";
import { contextOf, planConfigOf } from "./sim.js";

export function twoBusyDays(space: Record<string, unknown> = {}) {
  const raw = generateDefaultWeek(4);
  const days = {
    ...raw,
    times: raw.times.slice(0, 2 * 1440),
    values: raw.values.slice(0, 2 * 1440).map((v) => 2 * v),
  };
  const trace = toTrace(days, {}, () => {});
  const slo = { latencyP95Ms: 250, errorRatePercent: 0.1, violationBudgetPercent: 1 };
  const config = planConfigOf({
    service: { cpuMsPerRequest: 8, latencyMs: 25, memoryMiB: { base: 350 } },
    slo,
    space: {
      maxCpu: 1024,
      utilizationTargets: [40, 60, 90],
      MinCapacity: [2, 4, 8],
      ScaleOutCooldown: [300],
      ...space,
    },
  });
  const context = contextOf({ service: config.service, slo });
  const candidates = expandSpace(config.space, trace, config.service);
  return { trace, slo, config, context, candidates };
}
