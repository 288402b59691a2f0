// k6 ingestion benchmark (`npm run bench` runs it after bench/run.mjs; plain node on dist/).
//
// Generates a k6 `--out json` NDJSON of about BENCH_K6_MB megabytes (default 400) in the OS
// temp folder, in the shape k6 writes (Metric lines, then ~12 Point lines per request:
// http_req_* timings, http_reqs, http_req_failed, data_sent/received, iterations, vus), then
// measures, over the same file in the same run:
//   ours    ingestK6File: per-second series per endpoint + exact whole-run percentiles (pieces
//           of the file claimed by one thread per core), and the same on one thread (workers: 0)
//   DuckDB  SELECT count(*), quantile_cont(data.value, 0.95) FROM read_json(..., columns = {metric,
//           type, data: STRUCT(time, value)}) WHERE metric = 'http_req_duration' (all cores; the
//           explicit columns spare DuckDB its schema sampling, which only makes it faster)
// BENCH_K6_RUNS times each (default 3), interleaved and in a rotating order (the first
// measurement of a process runs cold JIT code: no path always gets it), and prints the
// median MB/s of each, next to each other with their ratios. The file is deleted afterwards.
// BENCH_K6_FILE=path reads that file instead (generated there first when missing, kept
// afterwards: several runs or builds on the same bytes). BENCH_K6_BASE=dist-folder also times
// another build's ingestK6File (e.g. main's, copied into a folder of this repo so it finds
// node_modules), threads and one thread, in the same rotation, and prints this build's ratio
// to it. Where the time goes: bench/README.md.
import { Buffer } from "node:buffer";
import { createWriteStream, existsSync } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { once } from "node:events";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { defaultK6Workers, ingestK6File } from "../dist/analysis/io/files/k6-stream.js";
import { createRandom } from "../dist/sim/math/random.js";
import { median } from "./workload.mjs";

const targetMb = Number(process.env.BENCH_K6_MB ?? 400);
const keep = process.env.BENCH_K6_FILE;
const path = keep ?? join(tmpdir(), `caplab-bench-k6-${process.pid}.ndjson`);
const baseDist = process.env.BENCH_K6_BASE;
const base =
  baseDist === undefined
    ? null
    : await import(pathToFileURL(join(resolve(baseDist), "analysis/io/files/k6-stream.js")).href);

async function generate() {
  const out = createWriteStream(path);
  const random = createRandom(7);
  const endpoints = ["home", "login", "items", "cart", "checkout"];
  const metric = (name, type, contains) =>
    JSON.stringify({
      type: "Metric",
      data: { name, type, contains, thresholds: [], submetrics: null },
      metric: name,
    });
  let text = "";
  for (const [n, t, c] of [
    ["http_reqs", "counter", "default"],
    ["http_req_duration", "trend", "time"],
    ["http_req_blocked", "trend", "time"],
    ["http_req_connecting", "trend", "time"],
    ["http_req_tls_handshaking", "trend", "time"],
    ["http_req_sending", "trend", "time"],
    ["http_req_waiting", "trend", "time"],
    ["http_req_receiving", "trend", "time"],
    ["http_req_failed", "rate", "default"],
    ["data_sent", "counter", "data"],
    ["data_received", "counter", "data"],
    ["iteration_duration", "trend", "time"],
    ["iterations", "counter", "default"],
    ["vus", "gauge", "default"],
  ])
    text += `${metric(n, t, c)}\n`;
  const start = Date.UTC(2026, 2, 2, 6, 0, 0);
  let bytes = 0;
  let requests = 0;
  const limit = targetMb * 1e6;
  for (let i = 0; bytes < limit; i++) {
    const ms = start + Math.floor(i / 2); // 2,000 requests per second
    const time = new Date(ms).toISOString().replace("Z", "417000+00:00");
    const ep = endpoints[i % endpoints.length];
    const failed = random.next() < 0.01;
    const status = failed ? "503" : "200";
    const tags = `{"expected_response":"${failed ? "false" : "true"}","group":"","method":"GET","name":"https://api.example.com/${ep}","proto":"HTTP/1.1","scenario":"ramp","status":"${status}","url":"https://api.example.com/${ep}"}`;
    const d = (40 * Math.exp(0.5 * random.normal())).toFixed(6);
    const p = (m, v) =>
      `{"metric":"${m}","type":"Point","data":{"time":"${time}","value":${v},"tags":${tags}}}\n`;
    text +=
      p("http_reqs", 1) +
      p("http_req_duration", d) +
      p("http_req_blocked", "0.002") +
      p("http_req_connecting", 0) +
      p("http_req_tls_handshaking", 0) +
      p("http_req_sending", "0.031") +
      p("http_req_waiting", d) +
      p("http_req_receiving", "0.12") +
      p("http_req_failed", failed ? 1 : 0) +
      p("data_sent", 120) +
      p("data_received", 2048) +
      p("iteration_duration", d) +
      p("iterations", 1);
    requests++;
    if (text.length > 1 << 20) {
      bytes += Buffer.byteLength(text);
      if (!out.write(text)) await once(out, "drain");
      text = "";
    }
  }
  bytes += Buffer.byteLength(text);
  out.end(text);
  await once(out, "close");
  return { bytes, requests };
}

try {
  const reuse = keep !== undefined && existsSync(path);
  if (!reuse)
    process.stdout.write(`k6 ingestion: generating ~${targetMb} MB of k6 NDJSON at ${path}…\n`);
  const requests = reuse ? null : (await generate()).requests;
  const mb = (await stat(path)).size / 1e6;

  const runs = Math.max(1, Number(process.env.BENCH_K6_RUNS ?? 3));
  const threads = Math.max(2, availableParallelism());
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const sql = `SELECT count(data.value) AS n, quantile_cont(data.value, 0.95) AS p95 FROM read_json('${path.replaceAll("'", "''")}', format='newline_delimited', columns={metric: 'VARCHAR', type: 'VARCHAR', data: 'STRUCT(time VARCHAR, value DOUBLE)'}) WHERE metric = 'http_req_duration'`;
  let ours = null;
  let single = null;
  let row = null;
  const paths = {
    parallel: async () => (ours = await ingestK6File(path, { workers: threads - 1 })),
    serial: async () => (single = await ingestK6File(path, { workers: 0 })),
    duckdb: async () => ([row] = (await connection.runAndReadAll(sql)).getRowObjects()),
  };
  let baseResults = [];
  if (base !== null) {
    paths.baseParallel = async () =>
      baseResults.push(await base.ingestK6File(path, { workers: threads - 1 }));
    paths.baseSerial = async () => baseResults.push(await base.ingestK6File(path, { workers: 0 }));
  }
  const names = Object.keys(paths);
  const seconds = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < runs; r++)
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length];
      const t = performance.now();
      await paths[name]();
      seconds[name].push((performance.now() - t) / 1000);
    }
  connection.closeSync?.();
  if (JSON.stringify(single.summary) !== JSON.stringify(ours.summary))
    throw new Error("k6 ingestion: one thread and all threads disagree");
  // Everything but the byte count, which is the same file's.
  const same = (a) => JSON.stringify({ ...a, bytes: 0 }) === JSON.stringify({ ...ours, bytes: 0 });
  if (!baseResults.every(same))
    throw new Error("k6 ingestion: this build and BENCH_K6_BASE disagree");
  baseResults = null;

  const mbs = (name) => mb / median(seconds[name]);
  const list = (name) => seconds[name].map((x) => x.toFixed(2)).join(", ");
  const p95 = ours.summary.http_req_duration["p(95)"];
  console.log(
    `  file: ${mb.toFixed(0)} MB, ${ours.lines.toLocaleString()} lines${requests === null ? "" : `, ${requests.toLocaleString()} requests`}; ${runs} runs each, medians (seconds of each run in brackets)`,
  );
  console.log(
    `  ours, ${threads} threads: ${mbs("parallel").toFixed(0)} MB/s [${list("parallel")}] (per-second series for ${Object.keys(ours.endpoints).length} endpoints; p95 ${p95.toFixed(3)} ms, count ${ours.summary.http_req_duration.count})`,
  );
  console.log(
    `  ours, one thread: ${mbs("serial").toFixed(0)} MB/s [${list("serial")}] (same results)`,
  );
  console.log(
    `  DuckDB read_json: ${mbs("duckdb").toFixed(0)} MB/s [${list("duckdb")}] (p95 ${Number(row.p95).toFixed(3)} ms, count ${row.n})`,
  );
  if (base !== null)
    console.log(
      `  BENCH_K6_BASE (${baseDist}), ${threads} threads: ${mbs("baseParallel").toFixed(0)} MB/s [${list("baseParallel")}]; one thread: ${mbs("baseSerial").toFixed(0)} MB/s [${list("baseSerial")}] (same results); this build / it: ${(mbs("parallel") / mbs("baseParallel")).toFixed(2)}× threads, ${(mbs("serial") / mbs("baseSerial")).toFixed(2)}× one thread`,
    );
  console.log(
    `  (by default, ingestK6File would use ${defaultK6Workers(Math.round(mb * 1e6))} worker threads here: file size and load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores)`,
  );
  console.log(
    `  ratios: ours (threads) / DuckDB ${(mbs("parallel") / mbs("duckdb")).toFixed(2)}×, ours (one thread) / DuckDB ${(mbs("serial") / mbs("duckdb")).toFixed(2)}×, threads / one thread ${(mbs("parallel") / mbs("serial")).toFixed(2)}×`,
  );
} finally {
  if (keep === undefined) await rm(path, { force: true });
}
