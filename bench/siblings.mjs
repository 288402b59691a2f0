// Sharing simulations between price-only siblings (sim/siblings.ts; issue #17, "share work"):
// `npm run build && node bench/siblings.mjs`. The bench plan config's default space widened by
// ARM and Fargate Spot (space.architectures [X86_64, ARM64] × space.capacityProviders [FARGATE,
// FARGATE_SPOT]: 4 × 300 candidates) over 14 generated days at 1-minute steps, swept on every
// core four ways in one run: exhaustive and pruned (as `caplab plan` prunes), each without and
// with sharing. Prints the CPU seconds of each (this process and its worker threads), the ratio
// of shared to not, and whether the results are the same: every candidate's Kpis for the
// exhaustive pair; the Pareto front, robustness checks, pick and finished candidates for the
// pruned pair (what pruning keeps exact). BENCH_SIBLINGS_DAYS sets the days (default 14).
import { availableParallelism } from "node:os";
import { generateDefaultWeek } from "../dist/analysis/synthetic.js";
import { toTrace } from "../dist/analysis/trace.js";
import { runSweep } from "../dist/sim/io/pool.js";
import { assemblePlan } from "../dist/sim/plan.js";
import { expandSpace } from "../dist/sim/search.js";
import {
  PlanConfigSchema,
  ROBUSTNESS_DEFAULTS,
  simulationContext,
} from "../dist/sim/vocab/index.js";
import {
  benchConfigInput,
  generatedDays,
  planFigures as planFiguresOf,
  timed,
} from "./workload.mjs";

const cores = availableParallelism();
const days = Number(process.env.BENCH_SIBLINGS_DAYS ?? 14);
const input = benchConfigInput();
const config = PlanConfigSchema.parse({
  ...input,
  space: {
    architectures: ["X86_64", "ARM64"],
    capacityProviders: ["FARGATE", "FARGATE_SPOT"],
  },
});
const context = simulationContext(config);
const trace = generatedDays({ generateDefaultWeek, toTrace }, days);
const candidates = expandSpace(config.space, trace, config.service);
const { topK, maxRisk, minPassed, maxChecked } = ROBUSTNESS_DEFAULTS;
const prune = { keepRanks: Math.max(topK, maxChecked, 20) };

const time = timed;

/** What pruning keeps exact, as one string (bench/workload.mjs). */
function planFigures(swept, finished) {
  const robustness = { topK, maxRisk, minPassed, maxChecked };
  return planFiguresOf(assemblePlan, { trace, context, candidates, robustness }, swept, finished);
}

const label = `${candidates.length} candidates (4 × ${candidates.length / 4}) × ${days} days`;
console.log(`siblings: ${label}, ${trace.requests.length} steps of 60 s, ${cores} cores`);
const sweep = (options) =>
  time(() => runSweep(trace, context, candidates, { workers: cores, ...options }));
const full = await sweep({});
const fullShared = await sweep({ share: true });
const pruned = await sweep({ prune });
const prunedShared = await sweep({ prune, share: true });

const same = (ok) => (ok ? "identical" : "DIFFERENT");
const exhaustiveSame = JSON.stringify(full.value) === JSON.stringify(fullShared.value);
const finishedBoth = candidates
  .map((_, i) => i)
  .filter((i) => pruned.value[i].pruned === null && prunedShared.value[i].pruned === null);
const finishedShared = candidates
  .map((_, i) => i)
  .filter((i) => prunedShared.value[i].pruned === null);
const prunedSame =
  planFigures(full.value, finishedShared) === planFigures(prunedShared.value, finishedShared) &&
  planFigures(pruned.value, finishedBoth) === planFigures(prunedShared.value, finishedBoth);
const stopped = (r) => r.value.filter((x) => x.pruned !== null).length;
const line = (name, a, b) =>
  `siblings: ${name}: ${a.cpu.toFixed(1)} CPU-s (${a.seconds.toFixed(1)} s) without sharing, ` +
  `${b.cpu.toFixed(1)} CPU-s (${b.seconds.toFixed(1)} s) shared: ${(a.cpu / b.cpu).toFixed(2)}× less CPU ` +
  `(${(a.seconds / b.seconds).toFixed(2)}× wall-clock)`;
console.log(
  `${line("exhaustive", full, fullShared)}; every candidate's Kpis: ${same(exhaustiveSame)}`,
);
console.log(
  `${line("pruned", pruned, prunedShared)}; ${stopped(pruned)} and ${stopped(prunedShared)} stopped early; ` +
    `Pareto front, robustness, pick and finished candidates (against the exhaustive sweep): ${same(prunedSame)}`,
);
console.log(
  `siblings: pruned and shared against exhaustive without sharing: ${(full.cpu / prunedShared.cpu).toFixed(2)}× less CPU`,
);
