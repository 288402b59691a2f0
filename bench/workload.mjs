// The workload bench/run.mjs, bench/sim-ab.mjs and bench/sim-profile.mjs measure: the generated
// default week's traffic over a number of days, the bench plan config and its candidates. It
// imports no build: each script passes the functions of the build (or builds) it measures. Also
// the one median the bench scripts take of their runs, their timer, and the plan figures
// run.mjs and siblings.mjs compare.

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const WEEK_MS = 7 * 86400_000;

/**
 * The build the script measures, as a file URL: BENCH_DIST's (e.g. out/base-dist, a copy of
 * main's dist inside the worktree, so that it finds node_modules), else this checkout's dist.
 */
export function benchDist(scriptUrl) {
  return process.env.BENCH_DIST
    ? pathToFileURL(resolve(process.env.BENCH_DIST)).href
    : new URL("../dist", scriptUrl).href;
}

/** The bench plan config, before PlanConfigSchema parses it; `memoryMiB` is the service's. */
export function benchConfigInput(memoryMiB = { base: 350, perInflightRequest: 0.5 }) {
  return {
    trace: { generate: "default-week" },
    service: { cpuMsPerRequest: 8, latencyMs: 25, idleCpuPercent: 2, memoryMiB },
    slo: { latencyP95Ms: 250 },
  };
}

/**
 * `days` of the generated default week's traffic (a new seed each week), at 1-minute steps, as
 * a trace; `build` holds the build's generateDefaultWeek and toTrace.
 */
export function generatedDays({ generateDefaultWeek, toTrace }, days) {
  const times = [];
  const values = [];
  for (let week = 0; week * 7 < days; week++) {
    const w = generateDefaultWeek(week + 1);
    for (let i = 0; i < w.times.length && week * 7 * 1440 + i < days * 1440; i++) {
      times.push(w.times[i] + week * WEEK_MS);
      values.push(w.values[i]);
    }
  }
  return toTrace({ source: `generated ${days} days`, times, values }, {}, () => {});
}

/**
 * `count` candidates: `space` (expandSpace's), then again with MinCapacity and MaxCapacity
 * raised by 1, 2, … so that repeated candidates are distinct points of a wider space.
 */
export function widenedCandidates(space, count) {
  const out = [];
  for (let i = 0; out.length < count; i++) {
    const c = space[i % space.length];
    const extra = Math.floor(i / space.length);
    out.push({
      ...c,
      id: out.length,
      scaling: {
        ...c.scaling,
        MinCapacity: c.scaling.MinCapacity + extra,
        MaxCapacity: c.scaling.MaxCapacity + extra,
      },
    });
  }
  return out;
}

/** `n` of `all`, spread evenly (every ⌈length / n⌉-th). */
export function spreadSample(all, n) {
  return all.filter((_, i) => i % Math.ceil(all.length / n) === 0).slice(0, n);
}

/** The median of `xs` (the mean of the two middle values when there is an even number). */
export function median(xs) {
  const s = [...xs].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** `fn`'s value with its wall and CPU seconds (this process and its worker threads). */
export async function timed(fn) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return { value, seconds: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

/**
 * The plan's figures that must not change with pruning or sharing, as one string: its Pareto
 * front, robustness checks and pick, and the figures of the candidates in `finished` (those the
 * pruned sweep simulated to the end). `assemblePlan` is dist/sim/plan.js's.
 */
export function planFigures(
  assemblePlan,
  { trace, context, candidates, robustness },
  swept,
  finished,
) {
  const plan = assemblePlan({
    trace,
    context,
    candidates,
    kpis: swept.map((r) => r.kpis),
    pruned: swept.map((r) => r.pruned),
    ...robustness,
    current: null,
  });
  return JSON.stringify({
    pareto: plan.pareto,
    robustness: plan.robustness,
    pick: plan.recommended && { id: plan.recommended.candidate.id, kpis: plan.recommended.kpis },
    finished: finished.map((i) => swept[i].kpis),
  });
}
