// caplab simulator and sweep benchmarks: `npm run bench` (builds first, then runs the compiled
// code with plain node). README.md's "Benchmarks" section says what each figure measures.
//
// 1. Simulator throughput: candidate-steps per second on a 14-day, 1-minute trace, next to a
//    bare loop over the same trace measured in the same run, and their ratio (aim: ≤ 60×).
// 2. Sweep: BENCH_CANDIDATES (default 5,000) candidates over the same trace on every core,
//    exhaustive next to pruned (sim/prune.ts: an ordering pass on the busiest day, then waves
//    that stop candidates which can no longer meet the SLO or are out of the pick's reach), their
//    ratio, and whether the plan made from each (assemblePlan: Pareto front, robustness checks,
//    pick) is the same, byte for byte.
// 3. With BENCH_AIMS=1, issue #17's aims: 10,000 candidates × 14 days (exhaustive and pruned,
//    aim: pruned under 10 s on 2 cores) and 20,000 candidates × 90 days (pruned; aim: under 60 s).
//
// Figures are ratios against baselines measured in the same run; absolute numbers depend on
// the machine (and on what else runs on it: CPU seconds are printed beside wall-clock ones).
//
// BENCH_DIST=out/base-dist runs another build (a copy of main's dist inside this worktree, so
// that it finds node_modules) with this script, to compare back to back; BENCH_FRONT_MULTIPLE
// sets the Pareto front's limit (pareto.maxBudgetMultiple: a number, or "none"; default the
// build's own, 2); BENCH_SIM_ROUNDS=0 skips the simulator's throughput; BENCH_EXHAUSTIVE=0 the
// exhaustive sweep beside the pruned one.
import { availableParallelism } from "node:os";

const dist = benchDist(import.meta.url);
const load = (path) => import(`${dist}/${path}`);
const { generateDefaultWeek } = await load("analysis/synthetic.js");
const { toTrace } = await load("analysis/trace.js");
const { runSweep } = await load("sim/io/pool.js");
const { simulate } = await load("sim/engine.js");
const { assemblePlan } = await load("sim/plan.js");
const { expandSpace } = await load("sim/search.js");
const { PlanConfigSchema, ROBUSTNESS_DEFAULTS, simulationContext } =
  await load("sim/vocab/index.js");
import {
  benchConfigInput,
  benchDist,
  generatedDays,
  median,
  spreadSample,
  widenedCandidates,
  planFigures as planFiguresOf,
  timed,
} from "./workload.mjs";

const build = { generateDefaultWeek, toTrace };

const cores = availableParallelism();

/** Wall-clock and CPU seconds (this process and its worker threads) of `fn`. */
const time = timed;

const config = PlanConfigSchema.parse(benchConfigInput());
const context = simulationContext(config);
const { topK, maxRisk, minPassed, maxChecked } = ROBUSTNESS_DEFAULTS;
// The Pareto front's limit, for the sweep and the plan alike (undefined: the build's default).
const multipleEnv = process.env.BENCH_FRONT_MULTIPLE;
const frontBudgetMultiple =
  multipleEnv === undefined ? undefined : multipleEnv === "none" ? null : Number(multipleEnv);
const front = frontBudgetMultiple === undefined ? {} : { frontBudgetMultiple };
// assemblePlan's options beside the sweep's results (bench/workload.mjs spreads them in).
const robustness = { topK, maxRisk, minPassed, maxChecked, ...front };
// What `caplab plan` keeps exact: robustness.maxChecked or the report's 20-candidate list.
const prune = { keepRanks: Math.max(topK, maxChecked, 20), ...front };

/** `count` candidates of the bench config's space, widened (bench/workload.mjs). */
function candidatesFor(trace, count) {
  return widenedCandidates(expandSpace(config.space, trace, config.service), count);
}

/** The plan's figures that must not change with pruning (bench/workload.mjs). */
function planFigures(trace, candidates, swept, finished) {
  return planFiguresOf(assemblePlan, { trace, context, candidates, robustness }, swept, finished);
}

/** Exhaustive and pruned sweeps of `count` candidates over `trace`, compared. */
async function sweeps(trace, count, { exhaustive = true } = {}) {
  const candidates = candidatesFor(trace, count);
  const steps = trace.requests.length;
  const label = `${count} candidates × ${((steps * trace.stepSeconds) / 86400).toFixed(0)} days`;
  const pruned = await time(() => runSweep(trace, context, candidates, { workers: cores, prune }));
  const stopped = pruned.value.filter((r) => r.pruned !== null);
  const simulated =
    (candidates.length - stopped.length) * steps +
    stopped.reduce((sum, r) => sum + r.pruned.step + 1, 0);
  const share = (100 * simulated) / (candidates.length * steps);
  const outOfReach = stopped.filter((r) => r.pruned.reason === "out-of-reach").length;
  const far = stopped.filter((r) => r.pruned.reason === "far-from-slo").length;
  // Where the stopped candidates stopped, on average, by reason (share of the trace).
  const at = (reason) => {
    const these = stopped.filter((r) => r.pruned.reason === reason);
    const mean = these.reduce((sum, r) => sum + (r.pruned.step + 1) / steps, 0) / these.length;
    return these.length > 0 ? `${reason} at ${(100 * mean).toFixed(0)} %` : `${reason} none`;
  };
  const line = `${label}: pruned ${pruned.seconds.toFixed(1)} s (${pruned.cpu.toFixed(1)} CPU-s; ${stopped.length} stopped early, ${outOfReach} of them out of reach, ${far} far from the SLO, ${share.toFixed(1)} % of the steps simulated (${(simulated / 1e6).toFixed(1)} M candidate-steps) besides the ordering pass's day; stopped on average, in the trace: ${at("cannot-meet-slo")}, ${at("far-from-slo")}, ${at("out-of-reach")})`;
  if (!exhaustive || process.env.BENCH_EXHAUSTIVE === "0") {
    console.log(`sweep of ${line}`);
    return;
  }
  const full = await time(() => runSweep(trace, context, candidates, { workers: cores }));
  const finished = candidates.map((_, i) => i).filter((i) => pruned.value[i].pruned === null);
  const same =
    planFigures(trace, candidates, full.value, finished) ===
    planFigures(trace, candidates, pruned.value, finished)
      ? "identical"
      : "DIFFERENT";
  console.log(
    `sweep of ${label} on ${cores} cores: exhaustive ${full.seconds.toFixed(1)} s (${full.cpu.toFixed(1)} CPU-s), ` +
      `${line.slice(label.length + 2)}; pruned is ${(full.seconds / pruned.seconds).toFixed(2)}× faster ` +
      `(${(full.cpu / pruned.cpu).toFixed(2)}× in CPU); Pareto front, robustness, pick and finished candidates: ${same}`,
  );
}

const trace = generatedDays(build, 14);
const steps = trace.requests.length;
console.log(
  `trace: ${steps} steps of ${trace.stepSeconds} s (14 days); ${cores} cores; build ${dist}; front limit ${multipleEnv ?? "the build's default"}`,
);

// 1. Simulator throughput vs a bare loop over the same trace, on CPU time (this thread: the
//    other agents on a shared machine move wall-clock times far more). The first round is timed
//    as issue #17 measured it (the bare loop cold, in one pass); the next rounds alternate the two
//    warm, and their median ratio is the steadier figure (the loop's rate alone moved 87–345 M
//    steps/s between cold runs: bench/README.md). BENCH_SIM_ROUNDS rounds in all (default 5).
if (process.env.BENCH_SIM_ROUNDS !== "0") {
  const reps = 40;
  const bareLoop = () => {
    let acc = 0;
    for (let r = 0; r < reps; r++) {
      const req = trace.requests;
      for (let i = 0; i < req.length; i++) acc += req[i] * 1.0000001;
    }
    return acc;
  };
  const sample = spreadSample(candidatesFor(trace, 300), reps);
  const rounds = [];
  for (let round = 0; round < Math.max(1, Number(process.env.BENCH_SIM_ROUNDS ?? 5)); round++) {
    const bare = await time(bareLoop);
    if (round === 0)
      for (const c of sample.slice(0, 3)) simulate(trace, c, context, { record: false }); // warm-up
    const sim = await time(() => {
      for (const c of sample) simulate(trace, c, context, { record: false });
    });
    const bareRate = (reps * steps) / bare.cpu;
    const simRate = (sample.length * steps) / sim.cpu;
    rounds.push({ bareRate, simRate, ratio: bareRate / simRate });
  }
  const [first] = rounds;
  const later = rounds.length > 1 ? rounds.slice(1) : rounds;
  const ratios = later.map((r) => r.ratio);
  console.log(
    `simulator: first round ${(first.simRate / 1e6).toFixed(2)} M candidate-steps/CPU-s against a cold bare loop's ${(first.bareRate / 1e6).toFixed(0)} M: ${first.ratio.toFixed(0)}× slower (as issue #17 measured it)`,
  );
  console.log(
    `simulator: median of ${later.length} warm rounds ${(median(later.map((r) => r.simRate)) / 1e6).toFixed(2)} M candidate-steps/CPU-s against the bare loop's ${(median(later.map((r) => r.bareRate)) / 1e6).toFixed(0)} M: ${median(ratios).toFixed(0)}× slower (rounds ${ratios.map((r) => r.toFixed(0)).join(", ")}×; aim: ≤ 60×)`,
  );
}

// 2. The sweep, exhaustive and pruned.
await sweeps(trace, Number(process.env.BENCH_CANDIDATES ?? 5000));

// 3. Issue #17's aims.
if (process.env.BENCH_AIMS === "1") {
  await sweeps(trace, 10_000);
  await sweeps(generatedDays(build, 90), 20_000, {
    exhaustive: process.env.BENCH_AIMS_EXHAUSTIVE === "1",
  });
}
