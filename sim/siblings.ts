/**
 * Sharing simulations between candidates that differ only in price (pure; issue #17, "share
 * work"): ARM and Fargate Spot siblings of one task size and policy.
 *
 * The premise. In the simulator, a task's architecture and capacity provider change only its
 * price per task-second: sim/engine.ts reads them only through
 * `taskCostPerSecond(task, prices)` (sim/vocab/fargate.ts), as the fleet's and the deployer's
 * `costRate`; the station, memory, scaling, launch and drain all read the task's cpu and memory
 * alone (`vcpusOf`, `task.memory`). There are no Spot interruptions and no per-architecture
 * speed. So candidates equal in all but (architecture, capacityProvider) run the very same
 * simulation and differ only in their cost sums: a *sibling class*. (Grep `architecture`,
 * `capacityProvider`, `costRate` and `prices` in sim/ before changing that; test/sim/siblings
 * .test.ts proves the premise on random candidates against each member's own simulation.)
 *
 * Exact re-pricing. Cost accrues as `stepCost += count * costRate * (until - from)` (fleet.ts's
 * charge and chargeStop), `totalCost += stepCost` at each step's end (engine.ts's account), and
 * `extraCostUsd = extraTaskSeconds * costRate` per deployment (deploy.ts). A shared run keeps one
 * step and total accumulator per sibling rate and performs the same floating-point operations,
 * in the same order, with each rate ({@link SiblingCosts}), so every member's cost figures are
 * bit for bit those of its own simulation; its other figures are the run's.
 *
 * Pruning. A member's minutes and failures are the run's, and sim/prune.ts's tests are monotone
 * in cost; still, each member is checked with its own cost and id (ties between equal costs go
 * by id), is stopped with its own reason and figures so far, and the run goes on until every
 * member is stopped or finished (engine.ts, runSiblings): a member's outcome is what its own
 * simulation, held to the same rule, gives.
 */
import type { Kpis, PlanCandidate, PrunedAt } from "./vocab/index.js";
import { taskCostPerSecond, type PriceTable } from "./vocab/fargate.js";

/**
 * Candidates a shared run prices (SimulateOptions.siblings): their ids (for the stop rule's
 * tie-break), USD per task-second, and whether each may be stopped early.
 */
export interface SiblingRun {
  readonly ids: readonly number[];
  readonly rates: readonly number[];
  /** Per member; absent: all may be stopped. */
  readonly stoppable?: readonly boolean[];
}

/** One member's outcome of a shared run: as its own simulation would give it. */
export interface SiblingOutcome {
  readonly kpis: Kpis;
  readonly pruned: PrunedAt | null;
}

/**
 * One step and one total cost accumulator per sibling rate. {@link charge} and {@link endStep}
 * sit beside the engine's own `stepCost +=` and `totalCost +=` and repeat them with each rate
 * (the same operations in the same order: the same bits).
 */
export class SiblingCosts {
  readonly rates: Float64Array;
  readonly stepCost: Float64Array;
  readonly totalCost: Float64Array;

  constructor(rates: readonly number[]) {
    this.rates = Float64Array.from(rates);
    this.stepCost = new Float64Array(rates.length);
    this.totalCost = new Float64Array(rates.length);
  }

  /** `count` tasks billed for `seconds` (fleet.ts: `count * costRate * (until - from)`). */
  charge(count: number, seconds: number): void {
    const rates = this.rates;
    const step = this.stepCost;
    for (let k = 0; k < rates.length; k++) step[k]! += count * rates[k]! * seconds;
  }

  /** The step's end: each total takes its step's cost, which starts again from 0. */
  endStep(): void {
    const step = this.stepCost;
    const total = this.totalCost;
    for (let k = 0; k < step.length; k++) {
      total[k]! += step[k]!;
      step[k] = 0;
    }
  }
}

/**
 * Candidates equal in all but price: `members` (indexes, ascending), their USD per task-second,
 * and the representative simulated for all of them, the cheapest (ties: the lowest index).
 */
export interface SiblingClass {
  readonly rep: number;
  readonly members: readonly number[];
  readonly rates: readonly number[];
}

/**
 * The sibling classes of a sweep's candidates, in order of their first member; a candidate
 * without siblings is a class of one. Cost: O(n) keys of a candidate's JSON.
 */
export function siblingClasses(
  candidates: readonly PlanCandidate[],
  prices: PriceTable,
): SiblingClass[] {
  const byKey = new Map<string, number[]>();
  candidates.forEach((c, i) => {
    const key = siblingKey(c);
    const members = byKey.get(key);
    if (members) members.push(i);
    else byKey.set(key, [i]);
  });
  return [...byKey.values()].map((members) => {
    const rates = members.map((i) => taskCostPerSecond(candidates[i]!.task, prices));
    let best = 0;
    for (let k = 1; k < members.length; k++) if (rates[k]! < rates[best]!) best = k;
    return { rep: members[best]!, members, rates };
  });
}

/**
 * What a simulation reads of a candidate: all but its id, label, architecture and capacity
 * provider. Numbers are written out so that JSON cannot merge them (NaN, ±Infinity and −0 all
 * print as null or 0); two candidates with keys written in another order only miss sharing.
 */
function siblingKey(c: PlanCandidate): string {
  const { id: _id, label: _label, task, ...rest } = c;
  const { architecture: _a, capacityProvider: _p, ...size } = task;
  return JSON.stringify({ size, rest }, (_k, v: unknown) =>
    typeof v === "number" ? `#${Object.is(v, -0) ? "-0" : String(v)}` : v,
  );
}

/**
 * The sweep's order of representatives: each class where the first of its members comes in
 * `order` (a permutation of the candidates).
 */
export function sharedOrder(order: readonly number[], classes: readonly SiblingClass[]): number[] {
  const classOf = new Map<number, SiblingClass>();
  for (const c of classes) for (const m of c.members) classOf.set(m, c);
  const seen = new Set<SiblingClass>();
  const reps: number[] = [];
  for (const i of order) {
    const c = classOf.get(i)!;
    if (seen.has(c)) continue;
    seen.add(c);
    reps.push(c.rep);
  }
  return reps;
}

/** Each candidate index's class: its representative's, or a class of one for any other index. */
export function classLookup(
  classes: readonly SiblingClass[] | null,
): (index: number) => SiblingClass {
  const byRep = new Map<number, SiblingClass>(classes?.map((c) => [c.rep, c]));
  return (index) => byRep.get(index) ?? { rep: index, members: [index], rates: [] };
}
