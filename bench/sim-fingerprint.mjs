// Fingerprints of the simulator's results: `node bench/sim-fingerprint.mjs [dist-dir]` prints one
// SHA-256 per case (Kpis; the timeline's columns, bit for bit; the events; the pruned sweep's
// results) over a varied set of candidates and configs, then one over all of them. Run it on two
// builds (e.g. main's dist copied aside, and this one) and compare: a speed-up must not change a
// bit. Cases: the example plans (every 7th candidate of their spaces, and the current setting),
// `plan --default`, the simulate examples (one with deployments), and variants that take the
// rarer paths: OOM under "poisson" and "meanTask", a base that does not fit (a crash loop), slow
// start, scheduled actions, step policies, 10-second steps, gaps in the trace, deployments,
// draining tasks left out of the AWS/ECS averages, tasks killed for memory during deployments,
// a new revision with memory of its own.
// The trace files are read from ../shared/data (relative to the repository), as the tests do.
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const dist = resolve(process.argv[2] ?? new URL("../dist", import.meta.url).pathname);
const lib = await import(pathToFileURL(resolve(dist, "index.js")).href);
const { DEFAULT_PLAN_CONFIG } = await import(
  pathToFileURL(resolve(dist, "analysis/default-plan.js")).href
);
const { expandSpace } = await import(pathToFileURL(resolve(dist, "sim/search.js")).href);
const { QueueStepMemo } = await import(pathToFileURL(resolve(dist, "sim/queue.js")).href);
const { currentCandidate } = await import(pathToFileURL(resolve(dist, "sim/plan.js")).href);
const {
  simulate,
  runSweep,
  loadConfig,
  loadTraceSource,
  loadTrace,
  PlanConfigSchema,
  SimulateConfigSchema,
  simulationContext,
  deploymentPlans,
} = lib;

const repo = new URL("..", import.meta.url).pathname;
const lines = [];
const all = createHash("sha256");

function digest(value) {
  const h = createHash("sha256");
  h.update(
    JSON.stringify(value, function (k, v) {
      if (v instanceof Float64Array) return Buffer.from(v.buffer).toString("base64");
      // Kpis.dataMinutes (p14) is left out where it equals the span's minutes (a trace without
      // gaps), so that those hashes compare with builds before it; with gaps it counts.
      if (k === "dataMinutes" && v === this.minutes) return undefined;
      if (typeof v === "number" && !Number.isFinite(v)) return String(v);
      return v;
    }),
  );
  return h.digest("hex");
}

function note(name, value) {
  const d = digest(value);
  all.update(`${name} ${d}\n`);
  lines.push(`${d.slice(0, 16)} ${name}`);
}

/**
 * Every candidate of `candidates`, recorded, not recorded with a queue memo (as a sweep runs it)
 * and without one (as bench/run.mjs's simulator figure runs it: every step solves its queue),
 * and the sweep with pruning on 0 workers.
 */
async function cases(name, trace, context, candidates) {
  const memo = new QueueStepMemo();
  for (const c of candidates) {
    const rec = simulate(trace, c, context, { record: true });
    const bare = simulate(trace, c, context, { record: false, queueMemo: memo });
    const plain = simulate(trace, c, context, { record: false });
    note(`${name} #${c.id ?? 0} recorded`, rec);
    note(`${name} #${c.id ?? 0} kpis`, bare.kpis);
    note(`${name} #${c.id ?? 0} kpis without a memo`, plain.kpis);
  }
  const swept = await runSweep(trace, context, candidates, {
    workers: 0,
    prune: { keepRanks: 5 },
  });
  note(`${name} pruned sweep`, swept);
}

async function planCase(name, config, baseDir, every = 7, mutate = (c) => c) {
  const { trace } = await loadTraceSource(config.trace, baseDir, () => {});
  const context = simulationContext(config);
  const space = expandSpace(config.space, trace, config.service);
  const picked = space.filter((_, i) => i % every === 0);
  if (config.current) picked.push(currentCandidate(config.current, space.length));
  await cases(name, trace, context, picked.map(mutate));
  return { trace, context, picked };
}

// The example plans and the default plan.
for (const file of ["plan-nasa.yaml", "plan-worldcup.yaml", "plan-elb.yaml"]) {
  const path = resolve(repo, "examples", file);
  const { config, baseDir } = await loadConfig(path, PlanConfigSchema);
  await planCase(file, config, baseDir);
}
const defaults = PlanConfigSchema.parse(DEFAULT_PLAN_CONFIG);
await planCase("default", defaults, repo);

// Variants of the default plan that take the rarer paths.
const variant = (patch) => PlanConfigSchema.parse({ ...DEFAULT_PLAN_CONFIG, ...patch });
const svc = DEFAULT_PLAN_CONFIG.service;
await planCase(
  "oom poisson",
  variant({ service: { ...svc, memoryMiB: { base: 350, perInflightRequest: 6 } } }),
  repo,
  11,
);
await planCase(
  "oom meanTask",
  variant({
    service: { ...svc, memoryMiB: { base: 350, perInflightRequest: 6 } },
    platform: { oomModel: "meanTask" },
  }),
  repo,
  11,
);
await planCase(
  "crash loop",
  variant({ service: { ...svc, memoryMiB: { base: 5000, perInflightRequest: 0.05 } } }),
  repo,
  23,
);
await planCase(
  "slow start, draining ends when idle",
  variant({ platform: { slowStartSeconds: 120, drainingEndsWhenIdle: true } }),
  repo,
  13,
);
{
  // 10-second steps: the default week's minutes split evenly (a step below a minute takes the
  // SLO-minute path of the accounting).
  const config = variant({});
  const { trace } = await loadTraceSource(config.trace, repo, () => {});
  const n = trace.requests.length * 6;
  const requests = new Float64Array(n);
  for (let i = 0; i < n; i++) requests[i] = trace.requests[Math.floor(i / 6)] / 6;
  const fine = { ...trace, stepSeconds: 10, requests, gap: new Uint8Array(n), source: "10 s" };
  const space = expandSpace(config.space, fine, config.service).filter((_, i) => i % 29 === 0);
  await cases("10-second steps", fine, simulationContext(config), space);
}
{
  // The NASA trace at one second (a day and a half), scaled up.
  const config = variant({
    trace: {
      file: "../shared/data/traces/nasa-http-1995-07-05_06-requests-per-second.csv",
      scale: 20,
    },
  });
  const { trace } = await loadTraceSource(config.trace, repo, () => {});
  const space = expandSpace(config.space, trace, config.service).filter((_, i) => i % 41 === 0);
  await cases("1-second NASA", trace, simulationContext(config), space);
}
{
  // Scheduled actions and step policies, on the default plan's trace.
  const config = variant({});
  const { trace } = await loadTraceSource(config.trace, repo, () => {});
  const context = simulationContext(config);
  const base = expandSpace(config.space, trace, config.service).filter((_, i) => i % 17 === 0);
  const scheduledActions = [
    {
      ScheduledActionName: "business-hours",
      Schedule: "cron(0 8 ? * MON-FRI *)",
      ScalableTargetAction: { MinCapacity: 6, MaxCapacity: 30 },
    },
    {
      ScheduledActionName: "night",
      Schedule: "cron(0 20 ? * * *)",
      ScalableTargetAction: { MinCapacity: 1 },
    },
  ];
  const step = {
    PolicyName: "step-cpu",
    PolicyType: "StepScaling",
    StepScalingPolicyConfiguration: {
      AdjustmentType: "ChangeInCapacity",
      Cooldown: 120,
      MetricAggregationType: "Average",
      StepAdjustments: [
        { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1 },
        { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 },
      ],
    },
    Alarm: {
      Metric: { Namespace: "AWS/ECS", MetricName: "CPUUtilization", Statistic: "Average" },
      Threshold: 60,
      ComparisonOperator: "GreaterThanThreshold",
      Period: 60,
      EvaluationPeriods: 2,
    },
  };
  const stepIn = {
    PolicyName: "step-requests-in",
    StepScalingPolicyConfiguration: {
      AdjustmentType: "PercentChangeInCapacity",
      StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -20 }],
    },
    Alarm: {
      Metric: { Namespace: "AWS/ApplicationELB", MetricName: "RequestCount", Statistic: "Sum" },
      Threshold: 20000,
      ComparisonOperator: "LessThanThreshold",
      Period: 60,
      EvaluationPeriods: 3,
      TreatMissingData: "breaching",
    },
  };
  let ok = true;
  const withScheduled = base.map((c) => ({
    ...c,
    scaling: { ...c.scaling, scheduledActions },
  }));
  await cases("scheduled actions", trace, context, withScheduled);
  try {
    const parsed = lib.ScalingSchema.parse({
      MinCapacity: 2,
      MaxCapacity: 30,
      policies: [step, stepIn],
    });
    await cases(
      "step policy",
      trace,
      context,
      base.map((c) => ({
        ...c,
        scaling: { ...parsed, policies: [...parsed.policies, ...c.scaling.policies] },
      })),
    );
  } catch (e) {
    ok = false;
    lines.push(`(step policy case skipped: ${String(e.message).split("\n")[0]})`);
  }
  void ok;
  // Gaps: a trace with an hour of missing data every day (0 requests, flagged).
  const gap = new Uint8Array(trace.gap);
  const requests = new Float64Array(trace.requests);
  for (let i = 0; i < requests.length; i++) {
    if (i % 1440 >= 600 && i % 1440 < 660) {
      gap[i] = 1;
      requests[i] = 0;
    }
  }
  await cases("gaps", { ...trace, requests, gap, source: "gaps" }, context, base);
}

// The simulate examples (one with deployments), and the deployments on 10-second steps.
for (const file of ["simulate-nasa.yaml", "simulate-deploy.yaml"]) {
  const path = resolve(repo, "examples", file);
  const { config, baseDir } = await loadConfig(path, SimulateConfigSchema);
  const trace = await loadTrace(config.trace, baseDir, () => {});
  const context = simulationContext(config);
  const deployments = deploymentPlans(config.deployments, trace);
  const candidate = {
    task: config.task,
    scaling: config.scaling,
    ...(deployments.length > 0 ? { deployments } : {}),
  };
  const variants = [candidate, { ...candidate, scaling: { ...candidate.scaling, MinCapacity: 1 } }];
  await cases(file, trace, context, variants);
  if (deployments.length > 0) {
    // The deployments on 20-second steps (each minute split evenly).
    const n = trace.requests.length * 3;
    const requests = new Float64Array(n);
    for (let i = 0; i < n; i++) requests[i] = trace.requests[Math.floor(i / 3)] / 3;
    const fine = { ...trace, stepSeconds: 20, requests, gap: new Uint8Array(n) };
    const d = deploymentPlans(config.deployments, fine);
    await cases(`${file} at 20 s`, fine, context, [{ ...candidate, deployments: d }]);
  }
}

// Draining tasks left out of the AWS/ECS averages (drainingTasksInServiceMetrics: false,
// sim/MODEL-AUDIT.md O9). Last, so that a build without the parameter prints every line above
// as it is and skips this one.
{
  let config = null;
  try {
    config = variant({ platform: { drainingTasksInServiceMetrics: false } });
  } catch {
    lines.push(
      "(draining-reading case skipped: this build's schema has no drainingTasksInServiceMetrics)",
    );
  }
  if (config) await planCase("draining tasks out of the AWS/ECS averages", config, repo, 17);
}

// Tasks killed for memory during deployments (sim/MODEL-AUDIT.md D11, D14): the deployments of
// examples/simulate-deploy.yaml with 400 MiB per request in flight (4 requests fit: 6.6 tasks
// die in 217 kills during its second and third deployments), and with a base that does not fit
// (every task dies as it starts: the circuit breaker of its first deployment counts the new
// revision's 4 as failed tasks and rolls back, to an old revision that crash-loops too, so the
// rollback runs to the trace's end). Last, after the cases of main's build at 2152bd2, whose
// lines stay as they were (the `all` line changes with the new lines).
{
  const path = resolve(repo, "examples", "simulate-deploy.yaml");
  const { config, baseDir } = await loadConfig(path, SimulateConfigSchema);
  const trace = await loadTrace(config.trace, baseDir, () => {});
  const deployments = deploymentPlans(config.deployments, trace);
  const candidate = { task: config.task, scaling: config.scaling, deployments };
  for (const [name, memoryMiB] of [
    ["400 MiB per request in flight", { base: 300, perInflightRequest: 400 }],
    ["a base that does not fit", { base: 5000, perInflightRequest: 0.5 }],
  ]) {
    const context = simulationContext({ ...config, service: { ...config.service, memoryMiB } });
    await cases(`simulate-deploy.yaml, ${name}`, trace, context, [candidate]);
  }
}

// A deployment of a revision with memory of its own (deployments[].newRevision.memoryMiB, p14):
// examples/simulate-deploy-memory.yaml (its release needs more memory per request and runs out of
// it at the week's peaks, after a clean deployment) and examples/simulate-deploy.yaml whose first
// deployment's new revision has a base that does not fit (the breaker trips and the rollback to
// the old revision, which fits, completes). Last, after the cases of main's build at 3b37e9f;
// a build without newRevision says so and skips them.
{
  let c1 = null;
  let baseDir = repo;
  try {
    ({ config: c1, baseDir } = await loadConfig(
      resolve(repo, "examples", "simulate-deploy-memory.yaml"),
      SimulateConfigSchema,
    ));
  } catch {
    lines.push("(new-revision memory cases skipped: this build's schema has no newRevision)");
  }
  if (c1 !== null) {
    const trace = await loadTrace(c1.trace, baseDir, () => {});
    const deployments = deploymentPlans(c1.deployments, trace);
    const candidate = { task: c1.task, scaling: c1.scaling, deployments };
    const variants = [
      candidate,
      { ...candidate, scaling: { ...candidate.scaling, MinCapacity: 1 } },
    ];
    await cases("simulate-deploy-memory.yaml", trace, simulationContext(c1), variants);
    const { config: c2, baseDir: dir2 } = await loadConfig(
      resolve(repo, "examples", "simulate-deploy.yaml"),
      SimulateConfigSchema,
    );
    const trace2 = await loadTrace(c2.trace, dir2, () => {});
    const [first, ...rest] = c2.deployments;
    const heavy = [{ ...first, newRevision: { memoryMiB: { base: 5000 } } }, ...rest];
    const deployments2 = deploymentPlans(heavy, trace2);
    await cases(
      "simulate-deploy.yaml, a new revision whose base does not fit",
      trace2,
      simulationContext(c2),
      [{ task: c2.task, scaling: c2.scaling, deployments: deployments2 }],
    );
  }
}

console.log(lines.join("\n"));
console.log(`all ${all.digest("hex")}`);
