// k6 `--out csv` import benchmark (`npm run bench` runs it; plain node on dist/).
//
// Writes, in the OS temp folder, a real k6 run's Points (../shared/data/k6/
// out-json.xk6-dashboard-result.ndjson, repeated BENCH_K6_CSV_REPEAT times, default 100, each
// copy 30 s later) twice: as k6 `--out csv` writes them (default system-tag columns, Go's %f
// values, unix seconds) and as their JSON twin (the same values and times, no Metric lines). Then
// times `caplab import FILE --format k6 --no-record` on each, BENCH_K6_CSV_RUNS times (default
// 3), interleaved, and prints the medians (wall and CPU seconds of the child process) and the
// CSV's ratio to its twin: what reading CSV costs beyond the JSON path. The files are deleted
// afterwards. Where the time goes: bench/README.md, "k6 --out csv".
import { Buffer } from "node:buffer";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { K6_CSV_DEFAULT_TAG_COLUMNS } from "../dist/analysis/k6-csv.js";
import { median } from "./workload.mjs";

const repeat = Number(process.env.BENCH_K6_CSV_REPEAT ?? 100);
const runs = Number(process.env.BENCH_K6_CSV_RUNS ?? 3);
const source = new URL(
  "../../shared/data/k6/out-json.xk6-dashboard-result.ndjson",
  import.meta.url,
);
const bin = new URL("../bin/caplab.js", import.meta.url).pathname;
const TAGS = K6_CSV_DEFAULT_TAG_COLUMNS;

let points;
try {
  points = readFileSync(source, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l))
    .filter((l) => l.type === "Point");
} catch {
  console.log(`k6 --out csv: skipped (${source.pathname} not found: ../shared/data is needed)`);
  process.exit(0);
}

const dir = join(tmpdir(), `caplab-bench-k6-csv-${process.pid}`);
const csvFile = join(dir, "k6.csv");
const jsonFile = join(dir, "k6.ndjson");
mkdirSync(dir, { recursive: true });
const csv = [
  ["metric_name", "timestamp", "metric_value", ...TAGS, "extra_tags", "metadata"].join(","),
];
const json = [];
for (let r = 0; r < repeat; r++)
  for (const p of points) {
    const seconds = Math.floor((Date.parse(p.data.time) + r * 30_000) / 1000);
    const tags = p.data.tags ?? {};
    const value = p.data.value.toFixed(6);
    // The sample's URLs hold no comma or quote, so no cell needs quoting.
    csv.push(
      [p.metric, String(seconds), value, ...TAGS.map((t) => tags[t] ?? ""), "", ""].join(","),
    );
    const kept = Object.fromEntries(Object.entries(tags).filter(([, v]) => v !== ""));
    const time = new Date(seconds * 1000).toISOString();
    json.push(
      JSON.stringify({
        metric: p.metric,
        type: "Point",
        data: { time, value: Number(value), tags: kept },
      }),
    );
  }
writeFileSync(csvFile, `${csv.join("\n")}\n`);
writeFileSync(jsonFile, `${json.join("\n")}\n`);

/** Wall and CPU seconds of one `caplab import` of `file`. */
function importOnce(file, out) {
  const start = process.hrtime.bigint();
  const r = spawnSync(
    "bash",
    [
      "-c",
      `TIMEFORMAT='%U %S'; time node "${bin}" import "${file}" --format k6 --no-record --force --out "${out}" > /dev/null 2>&1`,
    ],
    { encoding: "utf8" },
  );
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const [user, system] = r.stderr.trim().split(/\s+/).map(Number);
  if (r.status !== 0) throw new Error(`caplab import ${file} failed: ${r.stderr}`);
  return { wall, cpu: user + system };
}

const times = { csv: [], json: [] };
for (let i = 0; i < runs; i++)
  for (const kind of i % 2 === 0 ? ["json", "csv"] : ["csv", "json"])
    times[kind].push(importOnce(kind === "csv" ? csvFile : jsonFile, join(dir, `out-${kind}`)));
rmSync(dir, { recursive: true, force: true });

const m = (kind, key) => median(times[kind].map((t) => t[key]));
console.log(
  `k6 --out csv: ${csv.length - 1} rows (${(Buffer.byteLength(csv.join("\n")) / 1e6).toFixed(0)} MB) imported in ${m("csv", "wall").toFixed(1)} s (${m("csv", "cpu").toFixed(1)} CPU-s); ` +
    `its JSON twin (${(Buffer.byteLength(json.join("\n")) / 1e6).toFixed(0)} MB) in ${m("json", "wall").toFixed(1)} s (${m("json", "cpu").toFixed(1)} CPU-s): ` +
    `CSV takes ${(m("csv", "wall") / m("json", "wall")).toFixed(2)}× the wall time (${(m("csv", "cpu") / m("json", "cpu")).toFixed(2)}× the CPU) of the same Points in JSON`,
);
