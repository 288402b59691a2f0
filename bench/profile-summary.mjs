// Self time by function and by file of a V8 CPU profile (`node --cpu-prof`):
// `node bench/profile-summary.mjs <file.cpuprofile> [top]`.
import { readFileSync } from "node:fs";

const [file, topArg] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas;
for (let k = 0; k < profile.samples.length; k++) {
  const id = profile.samples[k];
  self.set(id, (self.get(id) ?? 0) + (dt[k] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const byFunction = new Map();
const byFile = new Map();
for (const [id, us] of self) {
  const f = byId.get(id).callFrame;
  const where = f.url.replace(/^.*\/(dist|node_modules)\//, "");
  const key = `${f.functionName || "(anonymous)"} ${where}:${f.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const fileKey = where || f.functionName;
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
}
const show = (title, map, top) => {
  console.log(`${title} (of ${(total / 1e6).toFixed(2)} s sampled)`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * us) / total).toFixed(1).padStart(6)} %  ${k}`);
};
show("self time by function", byFunction, Number(topArg ?? 30));
show("self time by file", byFile, 15);

// By area of the simulator (V8 inlines small functions into their callers, whose share then
// includes them: `steps` holds most of the step's phases).
const AREAS = [
  [
    "scaling: alarms and Application Auto Scaling",
    (fn, file) =>
      /sim\/(autoscaling|alarm|rules)\.js/.test(file) || fn === "scale" || fn === "rescale",
  ],
  [
    "simulated CloudWatch (publishMetrics, PeriodStore)",
    (fn, file) => /sim\/metrics\.js/.test(file) || fn === "publishMetrics",
  ],
  [
    "queueing (queue, the memo, solves)",
    (fn, file) => /sim\/(queue|math\/erlang)/.test(file) || fn === "queue",
  ],
  [
    "memory and OOM kills",
    (fn, file) =>
      /sim\/memory\.js|incomplete-gamma/.test(file) ||
      ["outOfMemory", "kill", "reroute", "replacementsStarted"].includes(fn),
  ],
  [
    "fleet: lifecycle, routing, drain, billing, merges",
    (fn, file) =>
      /sim\/fleet\.js/.test(file) ||
      ["taskLifecycle", "route", "drain", "bill", "scheduledActions", "latency"].includes(fn),
  ],
  ["accounting (account, tally)", (fn, file) => /sim\/tally\.js/.test(file) || fn === "account"],
  [
    "the step loop with its inlined phases (steps, step)",
    (fn, file) => /sim\/engine\.js/.test(file) && ["steps", "step"].includes(fn),
  ],
  [
    "sweep: stop rule, ordering, pool, setup",
    (fn, file) =>
      /sim\/(prune|io\/pool|shared-sweep|siblings|search)\.js/.test(file) ||
      /sim\/engine\.js/.test(file),
  ],
  ["garbage collector", (fn) => fn === "(garbage collector)"],
];
const byArea = new Map();
for (const [id, us] of self) {
  const f = byId.get(id).callFrame;
  const area =
    AREAS.find(([, test]) => test(f.functionName, f.url))?.[0] ?? "other (loading, idle, …)";
  byArea.set(area, (byArea.get(area) ?? 0) + us);
}
show("self time by area", byArea, 12);

// With LINES=name[,name…]: the lines of those functions that took their self time.
for (const name of (process.env.LINES ?? "").split(",").filter(Boolean)) {
  const lines = new Map();
  let fnTotal = 0;
  for (const n of profile.nodes) {
    if (n.callFrame.functionName !== name) continue;
    for (const t of n.positionTicks ?? []) {
      const key = `${n.callFrame.url.replace(/^.*\/dist\//, "")}:${t.line}`;
      lines.set(key, (lines.get(key) ?? 0) + t.ticks);
      fnTotal += t.ticks;
    }
  }
  console.log(`lines of ${name} (${fnTotal} ticks)`);
  for (const [k, ticks] of [...lines].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`${((100 * ticks) / fnTotal).toFixed(1).padStart(6)} %  ${k}`);
}
