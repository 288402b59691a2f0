// Import and collector benchmarks (npm run bench; needs `npm run build` first):
//
// 1. `caplab import --format alb` throughput in MB/s on a generated ALB access log of
//    BENCH_IMPORT_MB megabytes (default 1024), next to its peer, DuckDB `read_csv` counting
//    requests per minute of request_creation_time on the same file (all cores, explicit
//    column types so it skips sniffing), and `wc -l`, in the same run (BENCH_IMPORT_RUNS
//    times each, default 3, medians), and the peak resident memory of the import (a child process per measurement, so
//    each maxRSS is its own) on that file and on one a tenth of its size: streaming means the
//    two peaks are about equal.
// 2. GetMetricData calls the collector plans for 14 days of every metric it asks for, against
//    the theoretical minimum ⌈queries × points / 100,800⌉ (and one call per 500 queries).
//
// BENCH_IMPORT_BASELINE=/path/to/other/dist times another build's import beside this one
// (before/after in one run); BENCH_IMPORT_WORKERS sets the import's worker threads (default:
// one per idle core for plain files of 192 MiB or more, so none on a busy machine);
// BENCH_IMPORT_GZIP=1 also times the log gzipped (ours on one thread, gunzip on Node's pool,
// next to DuckDB read_csv on the .gz).
//
// Figures are ratios against baselines measured in the same run; absolute times depend on
// the machine.
import { Buffer } from "node:buffer";
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { once } from "node:events";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { highResolutionQueries, metricQueries } from "../dist/analysis/io/aws/metrics.js";
import { minimumCalls, planChunks } from "../dist/analysis/io/aws/packing.js";
import { taskMetricQueries } from "../dist/analysis/io/aws/task-metrics.js";
import { median } from "./workload.mjs";

const MB = 1024 * 1024;

if (process.argv[2] === "--child") {
  // One import with the build in argv[4], timed inside the process (module loading
  // excluded); prints JSON. BENCH_IMPORT_WORKERS, when set, is the import's `workers`.
  const [file, dist] = process.argv.slice(3);
  const { importTrace } = await import(
    pathToFileURL(join(dist, "analysis/io/import/import.js")).href
  );
  const workers = process.env.BENCH_IMPORT_WORKERS;
  const options = { format: "alb", sources: [file], stepSeconds: 60 };
  if (workers !== undefined) options.workers = Number(workers);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await importTrace(options, () => {});
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu); // every thread of the process, workers included
  process.stdout.write(
    JSON.stringify({
      seconds,
      cpuSeconds: (used.user + used.system) / 1e6,
      lines: result.stats.lines,
      requests: result.stats.requests,
      badLines: result.stats.badLines,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
    }),
  );
  process.exit(0);
}

/** Writes `megabytes` of ALB log lines (the newest layout, 30+ fields) over one day. */
async function writeAlbLog(path, megabytes) {
  const out = createWriteStream(path);
  const t0 = Date.UTC(2026, 10, 1);
  const approxLine = 520;
  const total = Math.ceil((megabytes * MB) / approxLine);
  const spacing = 86_400_000 / total;
  let bytes = 0;
  let i = 0;
  while (bytes < megabytes * MB) {
    const batch = [];
    for (let k = 0; k < 5000; k++, i++) {
      const created = new Date(t0 + i * spacing).toISOString().replace("Z", "000Z");
      const done = new Date(t0 + i * spacing + 37).toISOString().replace("Z", "000Z");
      const status = i % 997 === 0 ? 503 : 200;
      const latency = (0.005 + ((i * 7919) % 400) / 1000).toFixed(3);
      batch.push(
        `https ${done} app/bench-alb/50dc6c495c0c9188 192.168.${i % 250}.${(i >> 8) % 250}:${1024 + (i % 60000)} ` +
          `10.0.${i % 4}.${10 + (i % 50)}:8080 0.000 ${latency} 0.000 ${status} ${status} 512 ${2048 + (i % 4096)} ` +
          `"GET https://api.example.com:443/v1/items/${i % 10000}?page=${i % 7} HTTP/1.1" "k6/1.0 (https://k6.io/)" ` +
          `ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/bench/73e2d6bc24d8a067 ` +
          `"Root=1-58337262-${(i >>> 0).toString(16).padStart(24, "0")}" "api.example.com" "arn:aws:acm:us-east-1:123456789012:certificate/12345678" ` +
          `0 ${created} "forward" "-" "-" "10.0.${i % 4}.${10 + (i % 50)}:8080" "${status}" "-" "-" TID_${i.toString(16)}\n`,
      );
    }
    const text = batch.join("");
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
  return bytes;
}

function timed(command, args) {
  const started = performance.now();
  const r = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * MB });
  if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr}`);
  return { seconds: (performance.now() - started) / 1000, stdout: r.stdout };
}

/** This checkout's build. */
const DIST = fileURLToPath(new URL("../dist", import.meta.url));

function importInChild(file, dist = DIST) {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [self, "--child", file, dist], {
    encoding: "utf8",
    maxBuffer: 16 * MB,
  });
  if (r.status !== 0) throw new Error(`import child failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

if (process.argv[2] === "--generate") {
  // `node bench/import.mjs --generate FILE MB`: just the log, for profiling the import.
  await writeAlbLog(process.argv[3], Number(process.argv[4] ?? 100));
  process.exit(0);
}

const megabytes = Number(process.env.BENCH_IMPORT_MB ?? 1024);
const dir = await mkdtemp(join(tmpdir(), "caplab-bench-import-"));
try {
  console.log(`Import benchmark: generating ${megabytes} MB of ALB access log…`);
  const big = join(dir, "big.log");
  const small = join(dir, "small.log");
  await writeAlbLog(big, megabytes);
  await writeAlbLog(small, Math.max(1, Math.round(megabytes / 10)));
  const bigBytes = (await stat(big)).size;

  const runs = Math.max(1, Number(process.env.BENCH_IMPORT_RUNS ?? 3));
  // The peer: requests per minute of request_creation_time (field 22), as the import counts.
  const columns = Array.from({ length: 30 }, (_, k) => {
    const name = `c${String(k).padStart(2, "0")}`;
    return `${name}: '${k === 21 ? "TIMESTAMPTZ" : "VARCHAR"}'`;
  }).join(", ");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const duckSql = `SELECT floor(epoch(c21) / 60) AS minute, count(*) AS requests FROM read_csv('${big.replaceAll("'", "''")}', delim = ' ', quote = '"', escape = '"', header = false, columns = {${columns}}) GROUP BY minute`;
  const wcRuns = [];
  const importRuns = [];
  const duckRuns = [];
  // BENCH_IMPORT_BASELINE: another build's dist folder (e.g. main's), timed beside this one.
  const baselineDist = process.env.BENCH_IMPORT_BASELINE;
  const baselineRuns = [];
  // CPU seconds (user + system, every thread): on a machine other work shares, the work each
  // path does, whatever its wall time.
  const importCpu = [];
  const baselineCpu = [];
  const duckCpu = [];
  let baseline;
  let run;
  let duckRequests = 0;
  for (let r = 0; r < runs; r++) {
    wcRuns.push(timed("wc", ["-l", big]));
    run = importInChild(big);
    importRuns.push(run.seconds);
    importCpu.push(run.cpuSeconds);
    if (baselineDist !== undefined) {
      baseline = importInChild(big, baselineDist);
      baselineRuns.push(baseline.seconds);
      baselineCpu.push(baseline.cpuSeconds);
      if (baseline.requests !== run.requests)
        throw new Error(
          `the baseline counted ${baseline.requests} requests, this build ${run.requests}`,
        );
    }
    const started = performance.now();
    const cpu = process.cpuUsage(); // DuckDB's threads are this process's
    const reader = await connection.runAndReadAll(duckSql);
    duckRuns.push((performance.now() - started) / 1000);
    const used = process.cpuUsage(cpu);
    duckCpu.push((used.user + used.system) / 1e6);
    duckRequests = reader.getRowObjects().reduce((a, row) => a + Number(row.requests), 0);
  }
  connection.closeSync?.();
  const wc = { seconds: median(wcRuns.map((w) => w.seconds)), stdout: wcRuns[0].stdout };
  const wcLines = Number(wc.stdout.trim().split(/\s+/)[0]);
  const runSmall = importInChild(small);
  if (run.lines !== wcLines) throw new Error(`import read ${run.lines} lines, wc -l ${wcLines}`);
  if (run.badLines !== 0) throw new Error(`${run.badLines} generated lines did not parse`);
  if (duckRequests !== run.requests)
    throw new Error(`DuckDB counted ${duckRequests} requests, the import ${run.requests}`);
  const seconds = median(importRuns);
  const duckSeconds = median(duckRuns);
  const mbps = bigBytes / MB / seconds;
  const wcMbps = bigBytes / MB / wc.seconds;
  const duckMbps = bigBytes / MB / duckSeconds;
  const list = (xs) => xs.map((x) => x.toFixed(2)).join(", ");
  console.log(
    `  file: ${(bigBytes / MB).toFixed(0)} MB, ${wcLines.toLocaleString("en-US")} lines; ${runs} runs each, medians (seconds of each run in brackets)`,
  );
  console.log(`  wc -l:               ${wc.seconds.toFixed(2)} s (${wcMbps.toFixed(0)} MB/s)`);
  console.log(
    `  caplab import (alb): ${seconds.toFixed(2)} s (${mbps.toFixed(0)} MB/s) [${list(importRuns)}], ${run.requests.toLocaleString("en-US")} requests`,
  );
  if (baseline !== undefined) {
    const b = median(baselineRuns);
    console.log(
      `  baseline import:     ${b.toFixed(2)} s (${(bigBytes / MB / b).toFixed(0)} MB/s) [${list(baselineRuns)}], ${baselineDist}; this build ${(b / seconds).toFixed(2)}× as fast; its peak RSS ${baseline.maxRssMB.toFixed(0)} MB`,
    );
  }
  console.log(
    `  DuckDB read_csv:     ${duckSeconds.toFixed(2)} s (${duckMbps.toFixed(0)} MB/s) [${list(duckRuns)}], requests per minute, same count`,
  );
  console.log(
    `  ratio import / DuckDB read_csv: ${(mbps / duckMbps).toFixed(2)}×; import / wc -l: ${(mbps / wcMbps).toFixed(3)}×`,
  );
  const cpuLine = (name, xs) =>
    `${name} ${median(xs).toFixed(2)} CPU s (${(bigBytes / MB / median(xs)).toFixed(0)} MB per CPU s)`;
  console.log(
    `  CPU time, medians: ${[
      cpuLine("import", importCpu),
      ...(baselineDist === undefined ? [] : [cpuLine("baseline", baselineCpu)]),
      cpuLine("DuckDB", duckCpu),
    ].join("; ")}; import / DuckDB per CPU s: ${(median(duckCpu) / median(importCpu)).toFixed(2)}×`,
  );
  console.log(
    `  peak RSS: ${run.maxRssMB.toFixed(0)} MB on ${(bigBytes / MB).toFixed(0)} MB, ${runSmall.maxRssMB.toFixed(0)} MB on a tenth of it (${(run.maxRssMB / runSmall.maxRssMB).toFixed(2)}×)`,
  );

  if (process.env.BENCH_IMPORT_GZIP === "1") {
    // The same log gzipped (as ALB writes to S3): read on one thread, gunzip on Node's thread
    // pool; DuckDB read_csv reads the .gz too. MB/s of the log's uncompressed bytes.
    const gz = `${big}.gz`;
    await pipeline(createReadStream(big), createGzip(), createWriteStream(gz));
    const gzBytes = (await stat(gz)).size;
    const gzSql = duckSql.replace(big.replaceAll("'", "''"), gz.replaceAll("'", "''"));
    const timesOf = { import: [], baseline: [], duck: [] };
    const cpuOf = { import: [], baseline: [], duck: [] };
    const gzConnection = await instance.connect();
    for (let r = 0; r < runs; r++) {
      const ours = importInChild(gz);
      timesOf.import.push(ours.seconds);
      cpuOf.import.push(ours.cpuSeconds);
      if (ours.requests !== run.requests) throw new Error("the gzipped import counted otherwise");
      if (baselineDist !== undefined) {
        const theirs = importInChild(gz, baselineDist);
        timesOf.baseline.push(theirs.seconds);
        cpuOf.baseline.push(theirs.cpuSeconds);
      }
      const started = performance.now();
      const cpu = process.cpuUsage();
      const reader = await gzConnection.runAndReadAll(gzSql);
      timesOf.duck.push((performance.now() - started) / 1000);
      const used = process.cpuUsage(cpu);
      cpuOf.duck.push((used.user + used.system) / 1e6);
      const counted = reader.getRowObjects().reduce((a, row) => a + Number(row.requests), 0);
      if (counted !== run.requests) throw new Error(`DuckDB counted ${counted} gzipped requests`);
    }
    gzConnection.closeSync?.();
    const line = (name, key) =>
      `  ${name}${median(timesOf[key]).toFixed(2)} s (${(bigBytes / MB / median(timesOf[key])).toFixed(0)} MB/s) [${list(timesOf[key])}], ${median(cpuOf[key]).toFixed(2)} CPU s`;
    console.log(
      `  gzipped (${(gzBytes / MB).toFixed(0)} MB), MB/s of the log's ${(bigBytes / MB).toFixed(0)} MB:`,
    );
    console.log(line("caplab import (alb): ", "import"));
    if (baselineDist !== undefined) console.log(line("baseline import:     ", "baseline"));
    console.log(line("DuckDB read_csv:     ", "duck"));
    const ratio = (a, b) => (median(timesOf[b]) / median(timesOf[a])).toFixed(2);
    console.log(
      `  ratio import / DuckDB read_csv, gzipped: ${ratio("import", "duck")}×${baselineDist === undefined ? "" : `; this build / baseline: ${ratio("import", "baseline")}×`}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

// GetMetricData calls for 14 days of every metric, against the theoretical minimum.
const scope = {
  clusterName: "prod",
  serviceName: "api",
  loadBalancer: "app/bench/50dc6c495c0c9188",
  targetGroup: "targetgroup/bench/73e2d6bc24d8a067",
};
const service = metricQueries(scope);
const tasks = Array.from({ length: 10 }, (_, i) => {
  const taskId = `task${i}`.padEnd(32, "0");
  const dimensions = [
    { Name: "ClusterName", Value: "prod" },
    { Name: "TaskDefinitionFamily", Value: "api" },
    { Name: "TaskId", Value: taskId },
  ];
  return {
    taskId,
    dimensions,
    containers: ["app", "envoy"].map((name) => ({
      name,
      dimensions: [...dimensions, { Name: "ContainerName", Value: name }],
    })),
  };
});
const perTask = taskMetricQueries(tasks, service.length, new Set(service.map((q) => q.seriesId)));
const days = 14;
const points = (days * 86_400) / 60;
console.log(`GetMetricData calls for ${days} days at 60 s (the collector's plan vs the minimum):`);
for (const [label, queries] of [
  [`${service.length} service and ALB series`, service],
  [
    `+ per-task/container series of 10 tasks × 2 containers (${perTask.length})`,
    [...service, ...perTask],
  ],
]) {
  const chunks = planChunks(
    queries.map((q) => q.queryId),
    0,
    days * 86_400_000,
    60,
  );
  console.log(
    `  ${label}: ${chunks.length} calls, minimum ${minimumCalls(queries.length, points)}`,
  );
}
const hi = highResolutionQueries(scope, ["CPUUtilization", "MemoryUtilization"]);
const all = [...service, ...hi];
const twoHours = planChunks(
  all.map((q) => q.queryId),
  0,
  2 * 3_600_000,
  60,
  undefined,
  all.map((q) => 60 / (q.periodSeconds ?? 60)),
);
const minimum = Math.ceil((service.length * 120 + hi.length * 360) / 100_800);
console.log(
  `  a 2-hour run window with the 4 series at 20 s as well: ${twoHours.length} call, minimum ${minimum}`,
);
