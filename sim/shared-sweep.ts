/**
 * A sweep's step with sibling classes (pure; sim/siblings.ts): one simulation of a class's
 * representative, priced for each member, gives every member its Kpis and, under a stop rule,
 * its own stop (sim/io/pool.ts and its worker call this for each class of a wave).
 */
import { simulate, type SimulateOptions } from "./engine.js";
import type { StopRule } from "./prune.js";
import type { SiblingClass } from "./siblings.js";
import type { Kpis, PlanCandidate, PrunedAt, SimulationContext, Trace } from "./vocab/index.js";

/** One candidate's result in a sweep, by its index. */
export interface IndexedResult {
  readonly index: number;
  readonly kpis: Kpis;
  readonly pruned: PrunedAt | null;
}

/**
 * Simulates a class (a class of one as the sweep always did), each member held to `rule` but
 * those `keep` says never to stop; results in the class's member order.
 */
export function simulateClass(
  trace: Trace,
  candidates: readonly PlanCandidate[],
  cls: SiblingClass,
  context: SimulationContext,
  rule: StopRule | null,
  keep: (index: number) => boolean,
  options: Pick<SimulateOptions, "firings" | "queueMemo">,
): IndexedResult[] {
  const rep = candidates[cls.rep]!;
  if (cls.members.length === 1) {
    const stop = rule && !keep(cls.rep) ? { rule, id: rep.id } : undefined;
    const r = simulate(trace, rep, context, { record: false, ...options, stop });
    return [{ index: cls.rep, kpis: r.kpis, pruned: r.pruned }];
  }
  const r = simulate(trace, rep, context, {
    record: false,
    ...options,
    ...(rule ? { stop: { rule, id: rep.id } } : {}),
    siblings: {
      ids: cls.members.map((i) => candidates[i]!.id),
      rates: cls.rates,
      stoppable: cls.members.map((i) => !keep(i)),
    },
  });
  return cls.members.map((index, k) => ({ index, ...r.siblings![k]! }));
}
