// caplab benchmarks: `npm run bench` (builds first, then runs the compiled code with plain node).
//
// 1. Simulator throughput: candidate-steps per second on a 14-day, 1-minute trace, next to a
//    bare loop over the same trace measured in the same run, and their ratio.
// 2. Sweep: >= 5,000 candidates over the same trace, candidates per second on 1 worker and on
//    every core, and the speed-up.
//
// Figures are ratios against baselines measured in the same run; absolute numbers depend on
// the machine. BENCH_CANDIDATES overrides the sweep size (e.g. 500 for a quick look).
import { availableParallelism } from "node:os";
import { generateDefaultWeek } from "../dist/analysis/synthetic.js";
import { toTrace } from "../dist/analysis/trace.js";
import { runSweep } from "../dist/sim/io/pool.js";
import { simulate } from "../dist/sim/engine.js";
import { expandSpace } from "../dist/sim/search.js";
import { PlanConfigSchema, resolvePlatform, resolvePrices } from "../dist/sim/vocab/index.js";

const WEEK_MS = 7 * 86400_000;

function fourteenDays() {
  const a = generateDefaultWeek(1);
  const b = generateDefaultWeek(2);
  return toTrace(
    {
      source: "generated 14 days",
      times: [...a.times, ...b.times.map((t) => t + WEEK_MS)],
      values: [...a.values, ...b.values],
    },
    {},
    () => {},
  );
}

function time(fn) {
  const t0 = performance.now();
  const value = fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

const trace = fourteenDays();
const steps = trace.requests.length;
const config = PlanConfigSchema.parse({
  trace: { generate: "default-week" },
  service: {
    cpuMsPerRequest: 8,
    latencyMs: 25,
    idleCpuPercent: 2,
    memoryMiB: { base: 350, perInflightRequest: 0.5 },
  },
  slo: { latencyP95Ms: 250 },
});
const context = {
  service: config.service,
  platform: resolvePlatform(config.platform),
  prices: resolvePrices(config.prices),
  slo: config.slo,
  seed: 1,
};
const all = expandSpace(config.space, trace, config.service);
console.log(
  `trace: ${steps} steps of ${trace.stepSeconds} s (${((steps * trace.stepSeconds) / 86400).toFixed(0)} days)`,
);

// 1. Simulator throughput vs a bare loop.
{
  const reps = 40;
  const bare = time(() => {
    let acc = 0;
    for (let r = 0; r < reps; r++) {
      const req = trace.requests;
      for (let i = 0; i < req.length; i++) acc += req[i] * 1.0000001;
    }
    return acc;
  });
  const sample = all.filter((_, i) => i % Math.ceil(all.length / reps) === 0).slice(0, reps);
  for (const c of sample.slice(0, 3)) simulate(trace, c, context, { record: false }); // warm-up
  const sim = time(() => {
    for (const c of sample) simulate(trace, c, context, { record: false });
  });
  const bareRate = (reps * steps) / bare.seconds;
  const simRate = (sample.length * steps) / sim.seconds;
  console.log(
    `simulator: ${(simRate / 1e6).toFixed(2)} M candidate-steps/s; bare loop: ${(bareRate / 1e6).toFixed(0)} M steps/s; simulator is ${(bareRate / simRate).toFixed(0)}x slower than the bare loop`,
  );
}

// 2. The sweep.
{
  const target = Number(process.env.BENCH_CANDIDATES ?? 5000);
  const candidates = [];
  for (let i = 0; candidates.length < target; i++) {
    const c = all[i % all.length];
    // Vary MinCapacity so repeated candidates are distinct points of the space.
    const extra = Math.floor(i / all.length);
    candidates.push({
      ...c,
      id: candidates.length,
      scaling: {
        ...c.scaling,
        MinCapacity: c.scaling.MinCapacity + extra,
        MaxCapacity: c.scaling.MaxCapacity + extra,
      },
    });
  }
  const cores = availableParallelism();
  const t1 = performance.now();
  const one = await runSweep(trace, context, candidates, { workers: 1 });
  const s1 = (performance.now() - t1) / 1000;
  const tn = performance.now();
  const many = await runSweep(trace, context, candidates, { workers: cores });
  const sn = (performance.now() - tn) / 1000;
  const same = JSON.stringify(one) === JSON.stringify(many);
  console.log(
    `sweep of ${candidates.length} candidates: 1 worker ${s1.toFixed(1)} s (${(candidates.length / s1).toFixed(0)}/s); ${cores} workers ${sn.toFixed(1)} s (${(candidates.length / sn).toFixed(0)}/s); speed-up ${(s1 / sn).toFixed(2)}x; identical results: ${same}`,
  );
}
