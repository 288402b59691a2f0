// Two builds' pruned sweeps side by side, in one process and one thread: `node
// bench/sweep-ab.mjs A-dist B-dist [rounds]` runs bench/run.mjs's pruned sweep of
// BENCH_CANDIDATES (default 2,000) candidates over 14 days with `workers: 0` (every candidate
// simulated in this thread as a sweep worker simulates it: the ordering pass, the waves with
// their stop rules, the queue memo) for each build in turns (A B, B A, …), checks that both
// give the same results, and prints each build's CPU seconds (median of the rounds) and B's
// speed over A's. The builds must sit inside the repository (e.g. main's dist copied to
// out/base-dist) so that they find node_modules.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { benchConfigInput, generatedDays, median, widenedCandidates } from "./workload.mjs";

const dists = process.argv.slice(2, 4).map((d) => resolve(d));
if (dists.length !== 2) throw new Error("usage: node bench/sweep-ab.mjs A-dist B-dist [rounds]");
const rounds = Number(process.argv[4] ?? 3);
const count = Number(process.env.BENCH_CANDIDATES ?? 2000);

async function setup(dist) {
  const imp = (p) => import(pathToFileURL(resolve(dist, p)).href);
  const { generateDefaultWeek } = await imp("analysis/synthetic.js");
  const { toTrace } = await imp("analysis/trace.js");
  const { runSweep } = await imp("sim/io/pool.js");
  const { expandSpace } = await imp("sim/search.js");
  const vocab = await imp("sim/vocab/index.js");
  const trace = generatedDays({ generateDefaultWeek, toTrace }, 14);
  const config = vocab.PlanConfigSchema.parse(benchConfigInput());
  const context = vocab.simulationContext(config);
  const candidates = widenedCandidates(expandSpace(config.space, trace, config.service), count);
  const { topK, maxChecked } = vocab.ROBUSTNESS_DEFAULTS;
  const prune = { keepRanks: Math.max(topK, maxChecked, 20) };
  return () => runSweep(trace, context, candidates, { workers: 0, prune });
}
const sweeps = [await setup(dists[0]), await setup(dists[1])];
const cpu = [[], []];
const outputs = [null, null];
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < 2; k++) {
    const which = (k + r) % 2;
    const c0 = process.cpuUsage();
    const result = await sweeps[which]();
    const c = process.cpuUsage(c0);
    cpu[which].push((c.user + c.system) / 1e6);
    outputs[which] ??= JSON.stringify(result);
  }
}
for (let k = 0; k < 2; k++) {
  console.log(
    `${dists[k]}: ${median(cpu[k]).toFixed(2)} CPU-s (rounds: ${cpu[k].map((x) => x.toFixed(2)).join(", ")})`,
  );
}
console.log(
  `B is ${(median(cpu[0]) / median(cpu[1])).toFixed(2)}× A's speed; results ${outputs[0] === outputs[1] ? "identical" : "DIFFERENT"}`,
);
