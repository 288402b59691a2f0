// Two builds' simulators side by side, in one process: `node bench/sim-ab.mjs A-dist B-dist
// [rounds]` runs bench/run.mjs's simulator figure (its 40 candidates over its 14-day trace,
// record off) for each build, in turns (A B, B A, …), and prints each build's candidate-steps
// per second (median of the rounds, CPU time of this process, so that other processes on the
// machine matter less), the ratio to the bare loop, and B's speed over A's. With MEMO=1 the
// candidates of a round share a QueueStepMemo (as a sweep's do); N sets how many candidates.
//
// To compare with main: build main in a copy (`git worktree add /tmp/main main && cd /tmp/main
// && npm ci && npm run build`), then `node bench/sim-ab.mjs /tmp/main/dist dist`.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  benchConfigInput,
  generatedDays,
  median,
  spreadSample,
  widenedCandidates,
} from "./workload.mjs";

const dists = process.argv.slice(2, 4).map((d) => resolve(d));
if (dists.length !== 2) throw new Error("usage: node bench/sim-ab.mjs A-dist B-dist [rounds]");
const rounds = Number(process.argv[4] ?? 7);
const count = Number(process.env.N ?? 40);
const memo = process.env.MEMO === "1";

async function load(dist) {
  const imp = (p) => import(pathToFileURL(resolve(dist, p)).href);
  return {
    simulate: (await imp("sim/engine.js")).simulate,
    expandSpace: (await imp("sim/search.js")).expandSpace,
    QueueStepMemo: (await imp("sim/queue.js")).QueueStepMemo,
    vocab: await imp("sim/vocab/index.js"),
    synthetic: await imp("analysis/synthetic.js"),
    traces: await imp("analysis/trace.js"),
  };
}
const builds = [await load(dists[0]), await load(dists[1])];

// bench/run.mjs's trace: two generated weeks at 1-minute steps.
const trace = generatedDays(
  {
    generateDefaultWeek: builds[0].synthetic.generateDefaultWeek,
    toTrace: builds[0].traces.toTrace,
  },
  14,
);
const steps = trace.requests.length;

// The bare loop, timed as bench/run.mjs times it (cold, one pass, wall clock).
const t = performance.now();
let acc = 0;
for (let r = 0; r < count; r++) {
  const req = trace.requests;
  for (let i = 0; i < req.length; i++) acc += req[i] * 1.0000001;
}
const bareRate = (count * steps) / ((performance.now() - t) / 1000);
if (Number.isNaN(acc)) throw new Error("the trace has a NaN"); // (and the loop is not dead code)

// bench/run.mjs's candidates, for each build (its own schema and search).
const setups = builds.map((build) => {
  const config = build.vocab.PlanConfigSchema.parse(benchConfigInput());
  const context = build.vocab.simulationContext(config);
  const all = widenedCandidates(build.expandSpace(config.space, trace, config.service), 300);
  const sample = spreadSample(all, count);
  for (const c of sample.slice(0, 3)) build.simulate(trace, c, context, { record: false });
  return { build, context, sample };
});

const rates = [[], []];
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < 2; k++) {
    const which = (k + r) % 2;
    const { build, context, sample } = setups[which];
    const queueMemo = memo ? new build.QueueStepMemo() : undefined;
    const c0 = process.cpuUsage();
    for (const c of sample) build.simulate(trace, c, context, { record: false, queueMemo });
    const cpu = process.cpuUsage(c0);
    rates[which].push((sample.length * steps) / ((cpu.user + cpu.system) / 1e6));
  }
}
console.log(
  `bare loop: ${(bareRate / 1e6).toFixed(0)} M steps/s${memo ? "; with a queue memo" : ""}`,
);
dists.forEach((d, i) =>
  console.log(
    `${d}: ${(median(rates[i]) / 1e6).toFixed(2)} M candidate-steps/s (rounds: ${rates[i].map((x) => (x / 1e6).toFixed(2)).join(", ")}); ${(bareRate / median(rates[i])).toFixed(0)}× the bare loop`,
  ),
);
console.log(`B is ${(median(rates[1]) / median(rates[0])).toFixed(2)}× A's speed`);
