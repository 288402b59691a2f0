// The simulator alone, for a CPU profile: `node --cpu-prof bench/sim-profile.mjs [memo]` runs
// simulate() (record off, as in a sweep) over bench/run.mjs's 14-day trace for a spread of
// candidates: bench/run.mjs's own config (many OOM kills: 0.5 MiB per request in flight), an
// OOM-heavy one (6 MiB per request) and a crash loop (a 5,000 MiB base that fits no task), and
// prints candidate-steps per second for each. With `memo`, each set shares a QueueStepMemo, as
// a sweep's candidates do; without it, every step solves its queue, as bench/run.mjs's
// simulator figure does. BENCH_SIM_CANDIDATES (default 40) sets how many of the bench config's
// candidates run; BENCH_SIM_ROUNDS (default 2) how many times the sets run.
import { generateDefaultWeek } from "../dist/analysis/synthetic.js";
import { toTrace } from "../dist/analysis/trace.js";
import { simulate } from "../dist/sim/engine.js";
import { QueueStepMemo } from "../dist/sim/queue.js";
import { expandSpace } from "../dist/sim/search.js";
import { PlanConfigSchema, simulationContext } from "../dist/sim/vocab/index.js";
import { benchConfigInput, generatedDays, spreadSample } from "./workload.mjs";

const trace = generatedDays({ generateDefaultWeek, toTrace }, 14);
const steps = trace.requests.length;

const configWith = (memoryMiB) => PlanConfigSchema.parse(benchConfigInput(memoryMiB));
const sets = [
  ["bench/run.mjs's config", configWith({ base: 350, perInflightRequest: 0.5 }), 40],
  ["OOM-heavy", configWith({ base: 350, perInflightRequest: 6 }), 12],
  ["crash loop", configWith({ base: 5000, perInflightRequest: 0.05 }), 6],
].map(([name, config, count], k) => {
  const all = expandSpace(config.space, trace, config.service);
  const n = k === 0 ? Number(process.env.BENCH_SIM_CANDIDATES ?? count) : count;
  const sample = spreadSample(all, n);
  return { name, context: simulationContext(config), sample };
});

const memo = process.argv[2] === "memo";
const rounds = Number(process.env.BENCH_SIM_ROUNDS ?? 2);
for (let round = 1; round <= rounds; round++) {
  for (const { name, context, sample } of sets) {
    const queueMemo = memo ? new QueueStepMemo() : undefined;
    const t0 = performance.now();
    for (const c of sample) simulate(trace, c, context, { record: false, queueMemo });
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `round ${round}, ${name}: ${sample.length} candidates, ${((sample.length * steps) / seconds / 1e6).toFixed(2)} M candidate-steps/s`,
    );
  }
}
