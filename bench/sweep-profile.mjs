// The sweep as the pool runs it, in one thread, for a CPU profile: `node --cpu-prof
// bench/sweep-profile.mjs` runs bench/run.mjs's pruned sweep (BENCH_CANDIDATES, default 10,000,
// of the bench config's widened space over 14 days) with `workers: 0`, which simulates every
// candidate as a worker does (the ordering pass, then the waves with their stop rules and the
// queue memo) in this thread, and prints its CPU seconds and candidate-steps. BENCH_DIST runs
// another build. `node bench/profile-summary.mjs <file.cpuprofile>` then reads the profile.
import {
  benchConfigInput,
  benchDist,
  generatedDays,
  timed,
  widenedCandidates,
} from "./workload.mjs";

const dist = benchDist(import.meta.url);
const load = (path) => import(`${dist}/${path}`);
const { generateDefaultWeek } = await load("analysis/synthetic.js");
const { toTrace } = await load("analysis/trace.js");
const { runSweep } = await load("sim/io/pool.js");
const { expandSpace } = await load("sim/search.js");
const { PlanConfigSchema, ROBUSTNESS_DEFAULTS, simulationContext } =
  await load("sim/vocab/index.js");

const trace = generatedDays({ generateDefaultWeek, toTrace }, 14);
const steps = trace.requests.length;
const config = PlanConfigSchema.parse(benchConfigInput());
const context = simulationContext(config);
const { topK, maxChecked } = ROBUSTNESS_DEFAULTS;
const count = Number(process.env.BENCH_CANDIDATES ?? 10000);
const candidates = widenedCandidates(expandSpace(config.space, trace, config.service), count);
const prune = { keepRanks: Math.max(topK, maxChecked, 20) };
const run = await timed(() => runSweep(trace, context, candidates, { workers: 0, prune }));
const simulated = run.value.reduce((sum, r) => sum + (r.pruned ? r.pruned.step + 1 : steps), 0);
console.log(
  `${count} candidates × 14 days, pruned, one thread: ${run.cpu.toFixed(1)} CPU-s, ` +
    `${(simulated / 1e6).toFixed(1)} M candidate-steps besides the ordering pass, ` +
    `${((run.cpu * 1e9) / simulated).toFixed(0)} ns per candidate-step`,
);

// Where the candidate-steps fall: by metric and by task size.
const by = new Map();
run.value.forEach((r, i) => {
  const c = candidates[i];
  const metric =
    c.scaling.policies[0]?.TargetTrackingScalingPolicyConfiguration?.PredefinedMetricSpecification
      ?.PredefinedMetricType ?? "other";
  const key = `${metric}, ${c.task.cpu} CPU units`;
  by.set(key, (by.get(key) ?? 0) + (r.pruned ? r.pruned.step + 1 : steps));
});
for (const [key, n] of [...by].sort((a, b) => b[1] - a[1]))
  console.log(`${((100 * n) / simulated).toFixed(1).padStart(5)} %  ${key}`);
