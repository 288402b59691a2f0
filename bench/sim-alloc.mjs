// What the simulator allocates per candidate-step, and where: `node bench/sim-alloc.mjs [dist]`
// runs bench/run.mjs's simulator figure (its 40 candidates over its 14-day trace, record off, no
// queue memo) once to warm up, then again under V8's sampling heap profiler (objects the
// garbage collector has already freed included), and prints bytes per candidate-step with the
// sites that allocated them (the function, and the one that called it; V8 names an inlined
// function's own frame). A double passed to or returned from a call V8 does not inline is
// boxed into a fresh heap number: most of what shows here is that.
import { Session } from "node:inspector/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { benchConfigInput, generatedDays, spreadSample, widenedCandidates } from "./workload.mjs";

const dist = resolve(process.argv[2] ?? "dist");
const imp = (p) => import(pathToFileURL(resolve(dist, p)).href);
const { simulate } = await imp("sim/engine.js");
const { expandSpace } = await imp("sim/search.js");
const { PlanConfigSchema, simulationContext } = await imp("sim/vocab/index.js");
const { generateDefaultWeek } = await imp("analysis/synthetic.js");
const { toTrace } = await imp("analysis/trace.js");

const trace = generatedDays({ generateDefaultWeek, toTrace }, 14);
const config = PlanConfigSchema.parse(benchConfigInput());
const context = simulationContext(config);
const all = widenedCandidates(expandSpace(config.space, trace, config.service), 300);
const sample = spreadSample(all, Number(process.env.N ?? 40));
const steps = sample.length * trace.requests.length;

for (const c of sample) simulate(trace, c, context, { record: false });
const session = new Session();
session.connect();
await session.post("HeapProfiler.startSampling", {
  samplingInterval: 1024,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
for (const c of sample) simulate(trace, c, context, { record: false });
const { profile } = await session.post("HeapProfiler.stopSampling");
session.disconnect();

const name = (f) =>
  `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
const bySite = new Map();
const walk = (node, caller) => {
  const here = name(node.callFrame);
  if (node.selfSize > 0) {
    const site = caller ? `${here} (from ${caller})` : here;
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
  }
  for (const child of node.children ?? []) walk(child, here);
};
walk(profile.head, "");
const total = [...bySite.values()].reduce((a, b) => a + b, 0);
console.log(
  `${dist}: ${(total / steps).toFixed(0)} bytes per candidate-step (${sample.length} candidates × ${trace.requests.length} steps, sampled every 1 KiB)`,
);
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
  console.log(`${((100 * bytes) / total).toFixed(1).padStart(5)} %  ${site}`);
}
