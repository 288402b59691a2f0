// The after-gap artifact, measured: a gap in the trace is replayed as zero traffic, so the fleet
// scales in during it and meets the returning traffic scaled in. `node bench/gap-artifact.mjs
// [dist-dir]` simulates every candidate of the example plans' spaces (and the current setting)
// over windows of the real traces that hold gaps of guardrails.longGapMinutes or more, and over
// two contrasts (the NASA outage, a real stretch of zero traffic; the fingerprint's synthetic
// hour missing every day), and prints, per case: the long gaps, how many SLO-violating minutes
// fall within an hour after one (summed over the candidates, and for the worst), and whether the
// cheapest candidate that meets the SLO (sim/search.ts rankOutcomes' first) changes when those
// minutes are not judged (the budget then over the minutes judged).
//
// A minute is read as violating from the recorded timeline (60-s steps: requests, p95 above the
// SLO or errors above its limit); the script checks that this count equals the Kpis' own for every
// candidate and says so. The traces are read from ../shared/data, as the tests do.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const dist = resolve(process.argv[2] ?? new URL("../dist", import.meta.url).pathname);
const lib = await import(pathToFileURL(resolve(dist, "index.js")).href);
const { expandSpace, rankOutcomes, meetsSlo } = await import(
  pathToFileURL(resolve(dist, "sim/search.js")).href
);
const { currentCandidate } = await import(pathToFileURL(resolve(dist, "sim/plan.js")).href);
const { DEFAULT_PLAN_CONFIG } = await import(
  pathToFileURL(resolve(dist, "analysis/default-plan.js")).href
);
const { simulate, loadConfig, loadTraceSource, PlanConfigSchema, simulationContext } = lib;

const repo = new URL("..", import.meta.url).pathname;
const HOUR_STEPS = 60;

/** Runs of gap steps of at least `minSteps`: [from, to) step indices. */
function longGaps(trace, minSteps) {
  const out = [];
  let i = 0;
  while (i < trace.gap.length) {
    if (trace.gap[i] !== 1) {
      i++;
      continue;
    }
    let end = i;
    while (end < trace.gap.length && trace.gap[end] === 1) end++;
    if (end - i >= minSteps) out.push([i, end]);
    i = end;
  }
  return out;
}

/** Runs of zero-request steps (with data) of at least `minSteps`. */
function zeroRuns(trace, minSteps) {
  const out = [];
  let i = 0;
  while (i < trace.requests.length) {
    if (trace.requests[i] !== 0 || trace.gap[i] === 1) {
      i++;
      continue;
    }
    let end = i;
    while (end < trace.requests.length && trace.requests[end] === 0 && trace.gap[end] !== 1) end++;
    if (end - i >= minSteps) out.push([i, end]);
    i = end;
  }
  return out;
}

async function measure(name, config, baseDir, traceOverride, runsOf) {
  const { trace: loaded } = await loadTraceSource(config.trace, baseDir, () => {});
  const trace = traceOverride ? traceOverride(loaded) : loaded;
  if (trace.stepSeconds !== 60) throw new Error(`${name}: 60-s steps only`);
  const context = simulationContext(config);
  const slo = context.slo;
  const space = expandSpace(config.space, trace, config.service);
  const candidates = [...space];
  if (config.current) candidates.push(currentCandidate(config.current, space.length));
  const runs = runsOf(trace, Math.ceil(config.guardrails.longGapMinutes));
  // The steps within an hour after each run's end.
  const after = new Uint8Array(trace.requests.length);
  for (const [, end] of runs)
    for (let i = end; i < Math.min(trace.requests.length, end + HOUR_STEPS); i++) after[i] = 1;
  const outcomes = [];
  const adjusted = [];
  let mismatches = 0;
  let total = 0;
  let afterSum = 0;
  let worst = { label: "", after: 0, of: 0 };
  let candidatesWithAfter = 0;
  for (const c of candidates) {
    const { kpis, timeline: tl } = simulate(trace, c, context, { record: true });
    let violating = 0;
    let afterGap = 0;
    for (let i = 0; i < tl.length; i++) {
      const r = tl.requests[i];
      if (!(r > 0)) continue;
      const bad =
        tl.latencyP95Ms[i] > slo.latencyP95Ms ||
        tl.failedRequests[i] / r > slo.errorRatePercent / 100;
      if (!bad) continue;
      violating++;
      if (after[i] === 1) afterGap++;
    }
    if (violating !== kpis.sloViolationMinutes) mismatches++;
    total += kpis.sloViolationMinutes;
    afterSum += afterGap;
    if (afterGap > 0) candidatesWithAfter++;
    if (afterGap > worst.after)
      worst = { label: c.label ?? "current", after: afterGap, of: violating };
    const outcome = { candidate: c, kpis, meetsSlo: meetsSlo(kpis, slo) };
    outcomes.push(outcome);
    // Not judged: the minutes after a gap leave the violating minutes and the budget's base.
    let judgedAfter = 0;
    for (let i = 0; i < tl.length; i++) if (after[i] === 1 && trace.gap[i] !== 1) judgedAfter++;
    const k2 = {
      ...kpis,
      sloViolationMinutes: kpis.sloViolationMinutes - afterGap,
      dataMinutes: (kpis.dataMinutes ?? kpis.minutes) - judgedAfter,
    };
    adjusted.push({ candidate: c, kpis: k2, meetsSlo: meetsSlo(k2, slo) });
  }
  const first = (list) => {
    const top = rankOutcomes(list.filter((o) => o.candidate.scaling.MinCapacity >= 2))[0];
    return top
      ? `${top.candidate.label ?? "current"} ($${top.kpis.monthlyCostUsd.toFixed(2)}, ${top.meetsSlo ? "meets" : "misses"})`
      : "none";
  };
  const pickA = first(outcomes);
  const pickB = first(adjusted);
  const meetA = outcomes.filter((o) => o.meetsSlo).length;
  const meetB = adjusted.filter((o) => o.meetsSlo).length;
  const gapText = runs
    .map(
      ([a, b]) =>
        `${new Date(trace.startMs + a * 60_000).toISOString().slice(0, 16)}Z +${b - a} min`,
    )
    .join(", ");
  console.log(
    [
      `## ${name}`,
      `runs: ${runs.length} (${gapText || "none"})`,
      `candidates: ${candidates.length}; timeline count = Kpis count for ${candidates.length - mismatches} of them`,
      `violating minutes, all candidates: ${total}; within an hour after a run: ${afterSum} (${total > 0 ? ((100 * afterSum) / total).toFixed(2) : "0"} %), in ${candidatesWithAfter} candidates; worst: ${worst.label} ${worst.after} of its ${worst.of}`,
      `meeting the SLO: ${meetA} judged as now, ${meetB} with those minutes not judged`,
      `cheapest meeting (MinCapacity >= 2): ${pickA} → ${pickB}${pickA === pickB ? " (same)" : " (CHANGES)"}`,
      "",
    ].join("\n"),
  );
}

const nasaPath = resolve(repo, "examples", "plan-nasa.yaml");
const nasa = await loadConfig(nasaPath, PlanConfigSchema);
// Two weeks around NASA's missing 82.5 hours (1995-07-28 13:32 to 08-01 00:00 EDT, the July
// log's end), which also hold the 37-hour outage of 08-01 to 08-03 (rows of zeros: data).
const around = (from, to) =>
  PlanConfigSchema.parse({ ...nasa.config, trace: { ...nasa.config.trace, from, to } });
await measure(
  "plan-nasa.yaml settings, NASA 1995-07-24 to 08-07 (the missing 82.5 h)",
  around("1995-07-24T00:00:00-04:00", "1995-08-07T00:00:00-04:00"),
  nasa.baseDir,
  null,
  longGaps,
);
await measure(
  "contrast: the same window, after the 37-h outage (zero traffic with data, not a gap)",
  around("1995-07-24T00:00:00-04:00", "1995-08-07T00:00:00-04:00"),
  nasa.baseDir,
  null,
  zeroRuns,
);
// The example plans' own windows: no gap of an hour (WC98 at most 4 min, NAB ELB 10 min).
for (const file of ["plan-nasa.yaml", "plan-worldcup.yaml"]) {
  const { config, baseDir } = await loadConfig(resolve(repo, "examples", file), PlanConfigSchema);
  await measure(`${file} as it is`, config, baseDir, null, longGaps);
}
// The fingerprint's synthetic case: the default plan's week with 10:00-11:00 missing every day.
const defaults = PlanConfigSchema.parse(DEFAULT_PLAN_CONFIG);
await measure(
  "default plan, an hour missing every day (synthetic, bench/sim-fingerprint.mjs 'gaps')",
  defaults,
  repo,
  (t) => {
    const gap = new Uint8Array(t.gap);
    const requests = new Float64Array(t.requests);
    for (let i = 0; i < requests.length; i++)
      if (i % 1440 >= 600 && i % 1440 < 660) {
        gap[i] = 1;
        requests[i] = 0;
      }
    return { ...t, requests, gap, source: "gaps" };
  },
  longGaps,
);
