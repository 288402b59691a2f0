// The simulator's cost by part, in nanoseconds: `node bench/sim-parts.mjs [dist]` measures, on
// CPU time (the minimum of several runs, so that other processes on the machine matter less):
//
// 1. the queue solve (`queueStep`, as a step without a queue memo calls it) of one task of each
//    size in bench/run.mjs's space, at utilizations 0.2 to 0.8, with and without P(T > SLO);
// 2. Application Auto Scaling with its simulated CloudWatch (PeriodStore.add, then the
//    evaluations due) per 1-minute step, for each policy type in the space, on a synthetic
//    CPU wave over 14 days;
// 3. simulate() per candidate-step for each of bench/run.mjs's candidates (record off, no queue
//    memo), in the first round after the three warm-up candidates (as run.mjs and sim-ab.mjs
//    time it) and in a second round: the first round's excess is V8 compiling and
//    re-optimizing as candidates take paths the earlier ones did not.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { benchConfigInput, generatedDays, spreadSample, widenedCandidates } from "./workload.mjs";

const dist = resolve(process.argv[2] ?? "dist");
const imp = (p) => import(pathToFileURL(resolve(dist, p)).href);
const { simulate } = await imp("sim/engine.js");
const { queueStep, taskStation } = await imp("sim/queue.js");
const { AutoScaler } = await imp("sim/autoscaling.js");
const { PeriodStore, Q, Q_COUNT } = await imp("sim/metrics.js");
const { expandSpace } = await imp("sim/search.js");
const { PlanConfigSchema, simulationContext } = await imp("sim/vocab/index.js");
const { generateDefaultWeek } = await imp("analysis/synthetic.js");
const { toTrace } = await imp("analysis/trace.js");

/** The least CPU nanoseconds per unit of `f()` (which does `units` units) over `runs` runs. */
function cpuNs(f, units, runs) {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    best = Math.min(best, ((c.user + c.system) * 1000) / units);
  }
  return best;
}

const config = PlanConfigSchema.parse(benchConfigInput());
const { service } = config;
const exceedAt = config.slo.latencyP95Ms / 1000 - service.latencyMs / 1000;

console.log("1. queue solve (queueStep, no tails), ns per call:");
for (const vcpus of [0.25, 0.5, 1, 2, 4]) {
  const st = taskStation(vcpus, service.cpuMsPerRequest / 1000, service.idleCpuPercent / 100);
  const lambdas = Float64Array.from(
    { length: 4096 },
    (_, i) => st.capacityRate * (0.2 + 0.6 * ((i * 0.618034) % 1)),
  );
  const out = { meanWait: 0, p50: 0, p95: 0, p99: 0, exceedance: 0 };
  const solve = (at) => () => {
    for (let r = 0; r < 25; r++)
      for (let i = 0; i < lambdas.length; i++)
        queueStep(st.servers, lambdas[i], st.mu, service.serviceTimeCv, at, false, out);
  };
  const full = cpuNs(solve(exceedAt), 25 * lambdas.length, 9);
  // (A threshold of −1 s returns P(T > t) = 1 without computing it.)
  const bare = cpuNs(solve(-1), 25 * lambdas.length, 9);
  console.log(
    `   ${String(vcpus).padStart(4)} vCPU (${st.servers} server${st.servers > 1 ? "s" : ""}): ${full.toFixed(0)} ns, of which P(T > SLO) ${(full - bare).toFixed(0)} ns`,
  );
}

console.log("2. scaling and simulated CloudWatch, ns per 1-minute step:");
const n = 14 * 1440;
const cpu = Float64Array.from(
  { length: n },
  (_, i) => 30 + 40 * Math.sin(i / 300) + 10 * Math.sin(i * 1.7),
);
for (const type of [
  "ECSServiceAverageCPUUtilization",
  "ECSServiceAverageCPUUtilizationHighResolution",
  "ALBRequestCountPerTarget",
]) {
  let actions = 0;
  const ns = cpuNs(
    () => {
      const stores = new Map();
      const scaler = new AutoScaler({
        policies: [
          {
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: 50,
              ScaleOutCooldown: 60,
              ScaleInCooldown: 300,
              DisableScaleIn: false,
              PredefinedMetricSpecification: { PredefinedMetricType: type },
            },
          },
        ],
        task: { vcpus: 1, memoryMiB: 2048 },
        platform: simulationContext(config).platform,
        storeFor: (period, lookback) => {
          if (!stores.has(period)) stores.set(period, new PeriodStore(period, lookback));
          return stores.get(period);
        },
        startMs: 0,
        stepSeconds: 60,
        emit: null,
      });
      const list = [...stores.values()];
      const grid = Math.min(...scaler.periods);
      const q = new Float64Array(Q_COUNT);
      let desired = 4;
      for (let i = 0; i < n; i++) {
        const t0 = i * 60;
        const t1 = t0 + 60;
        q[Q.requests] = q[Q.served] = 1000 + cpu[i] * 30;
        q[Q.runningTaskSeconds] =
          q[Q.healthyTaskSeconds] =
          q[Q.registeredTaskSeconds] =
            desired * 60;
        q[Q.cpuVcpuSeconds] = (cpu[i] / 100) * 240;
        q[Q.memoryMiBSeconds] = 1000 * desired * 60;
        q[Q.serviceTaskSeconds] = q[Q.runningTaskSeconds];
        q[Q.serviceCpuVcpuSeconds] = q[Q.cpuVcpuSeconds];
        q[Q.serviceMemoryMiBSeconds] = q[Q.memoryMiBSeconds];
        for (let k = 0; k < list.length; k++) list[k].add(q, t0, t1);
        for (let tau = Math.floor(t0 / grid + 1 + 1e-9) * grid; tau <= t1 + 1e-9; tau += grid) {
          desired = scaler.evaluate(tau, i, desired, 1, 40);
        }
      }
      actions = scaler.actions;
    },
    n,
    9,
  );
  console.log(`   ${type.padEnd(46)} ${ns.toFixed(0)} ns (${actions} scaling actions in 14 days)`);
}

console.log("3. simulate(), ns per candidate-step, by candidate (first round → second round):");
const trace = generatedDays({ generateDefaultWeek, toTrace }, 14);
const context = simulationContext(config);
const sample = spreadSample(
  widenedCandidates(expandSpace(config.space, trace, config.service), 300),
  40,
);
for (const c of sample.slice(0, 3)) simulate(trace, c, context, { record: false });
const times = [[], []];
for (let round = 0; round < 2; round++) {
  for (const c of sample) {
    const c0 = process.cpuUsage();
    simulate(trace, c, context, { record: false });
    const d = process.cpuUsage(c0);
    times[round].push(((d.user + d.system) * 1000) / trace.requests.length);
  }
}
const kinds = new Map();
sample.forEach((c, i) => {
  const policy = c.scaling.policies[0]?.TargetTrackingScalingPolicyConfiguration;
  const kind = `${c.task.cpu}/${c.task.memory} ${policy?.PredefinedMetricSpecification?.PredefinedMetricType ?? "other"}`;
  const k = kinds.get(kind) ?? { count: 0, first: 0, second: 0 };
  k.count++;
  k.first += times[0][i];
  k.second += times[1][i];
  kinds.set(kind, k);
});
for (const [kind, k] of kinds) {
  console.log(
    `   ${kind.padEnd(56)} ×${k.count}: ${(k.first / k.count).toFixed(0).padStart(5)} → ${(k.second / k.count).toFixed(0).padStart(5)} ns`,
  );
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  `   all ${sample.length}: ${mean(times[0]).toFixed(0)} → ${mean(times[1]).toFixed(0)} ns per candidate-step (first round's excess: ${(((mean(times[0]) - mean(times[1])) * sample.length * trace.requests.length) / 1e6).toFixed(0)} ms of CPU)`,
);
