/**
 * k6's end-of-test summary alone (a CI job that keeps `--summary-export` or handleSummary's
 * data, not the `--out json` output) reaches a report and a verdict: `import --format k6` →
 * `report` → `gate` → `history`, on the real summaries in ../shared/data/k6. The gate judges
 * the SLO on k6's own run-wide figures and never on a figure the summary does not give (a 0 in
 * its place would pass any limit). k6's third shape, the versioned machine-readable summary
 * (schema 1.0.0), takes the same path: our fixture test/fixtures/k6-machine-readable.ts, as k6
 * writes it.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCaplab } from "../helpers/io.js";
import { sharedData } from "../helpers/shared-data.js";
import { k6Written, MR_RUN, withPassed } from "../fixtures/k6-machine-readable.js";

/** handleSummary data: 878 requests, 349 failed, p(95) 30.0257 ms, p(99) 39.6 ms. */
const SIMPLE = sharedData("k6/handleSummary-data.k6-reporter-simple.json");
/** A --summary-export of k6 before v0.31: 29 requests, no http_req_failed, no p(99). */
const PERF = sharedData("k6/summary-export.k6-html-reporter-perf.json");
/** gRPC: no http_reqs at all; one of two k6 thresholds failed. */
const GRPC = sharedData("k6/handleSummary-data.k6-reporter-grpc.json");

let dir = "";
let history = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-k6-summary-"));
  history = join(dir, "history.duckdb");
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const caplab = runCaplab;

async function gateYaml(name: string, slo: Record<string, number>): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    `slo:\n${Object.entries(slo)
      .map(([k, v]) => `  ${k}: ${v}\n`)
      .join("")}`,
  );
  return path;
}

async function importSummary(file: string, out: string, asFlag = false) {
  const args = asFlag
    ? ["import", "--format", "k6", "--summary-export", file]
    : ["import", file, "--format", "k6"];
  return caplab([...args, "--history", history, "--run-id", out, "--out", join(dir, out)]);
}

describe("a k6 end-of-test summary alone → report → gate → history", () => {
  it("imports as the only SOURCE or as --summary-export alone, with k6's verdicts", async () => {
    const a = await importSummary(SIMPLE, "simple");
    expect(a.code, a.err).toBe(0);
    expect(a.out).toMatch(
      /^Imported k6's end-of-test summary into .*simple \(run simple, scenario k6\): 878 requests in 24\.4 s/,
    );
    expect(a.out).toContain("✓ http_req_duration p(95)<1000: passed (30.0257 ms)");
    const bundle = join(dir, "simple");
    expect(existsSync(join(bundle, "summary.json"))).toBe(true);
    expect(existsSync(join(bundle, "k6.json"))).toBe(false);
    const manifest = JSON.parse(await readFile(join(bundle, "manifest.json"), "utf8"));
    expect(manifest.files).toEqual({
      summaryExport: "summary.json",
      thresholds: "thresholds.json",
    });

    const b = await importSummary(GRPC, "grpc", true);
    expect(b.code, b.err).toBe(0);
    expect(b.out).toContain("thresholds 1 passed, 1 failed (k6's verdicts)");
  });

  it("a gRPC test's summary: no HTTP figure shown as 0, k6's thresholds the verdict", async () => {
    // (imported as "grpc" by the first test of this block)
    const r = await caplab([
      "report",
      join(dir, "grpc"),
      "--format",
      "md",
      "--out",
      join(dir, "grpc-report"),
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(/no k6 JSON output/);
    const md = await readFile(join(dir, "grpc-report", "report.md"), "utf8");
    expect(md).toMatch(
      /\| Latency p50 \/ p90 \/ p95 \/ p99 \| — \/ — \/ — \/ — ms \(—: k6's end-of-test summary has no HTTP metrics \(http_reqs, http_req_duration\): the test made no HTTP requests\) \|/,
    );
    expect(md).toContain("| grpc_req_duration | med <= 2 | 0.758751 ms | ✅ held |");
    const g = await caplab([
      "gate",
      join(dir, "grpc"),
      "--config",
      await gateYaml("grpc.yaml", { latencyP95Ms: 500, errorRatePercent: 1 }),
      "--no-record",
    ]);
    expect(g.code, g.out + g.err).toBe(1);
    expect(g.out).toContain(
      "- SLO p95 latency: skipped: k6's end-of-test summary has no HTTP metrics (http_reqs, http_req_duration): the test made no HTTP requests.",
    );
    expect(g.out).toContain(
      "✗ k6 threshold fake_rate: rate >= 0.8: FAILED (0.499844; k6's verdict).",
    );
    expect(g.out).toContain(
      "✓ k6 threshold grpc_req_duration: med <= 2: passed (0.758751 ms; k6's verdict).",
    );
  });

  it("reports k6's run-wide figures and says what a summary cannot give", async () => {
    await importSummary(PERF, "perf");
    const r = await caplab([
      "report",
      join(dir, "perf"),
      "--format",
      "md",
      "--out",
      join(dir, "perf-report"),
    ]);
    expect(r.code, r.err).toBe(0);
    const md = await readFile(join(dir, "perf-report", "report.md"), "utf8");
    expect(md).toMatch(/\| Requests \| 29 in 10\.9 s \(2\.7\/s\), from k6's end-of-test summary/);
    expect(md).toMatch(/\| Latency p50 \/ p90 \/ p95 \/ p99 \| 45\.7 \/ 55\.1 \/ 60\.3 \/ — ms/);
    expect(md).toMatch(/\| Failed requests \| —: k6's end-of-test summary has no http_req_failed/);
    expect(md).toMatch(/\| 5xx responses \| —: k6's end-of-test summary counts no status codes/);
    expect(md).toContain("No charts: k6's end-of-test summary has no per-second series");
    // Nothing claims there were no errors: the summary does not count them.
    expect(md).not.toMatch(/No errors/);
  });

  it("gates the SLO on k6's own p95 and p99, and the error rate on http_req_failed", async () => {
    const pass = await caplab([
      "gate",
      join(dir, "simple"),
      "--config",
      await gateYaml("loose.yaml", { latencyP95Ms: 500, latencyP99Ms: 100, errorRatePercent: 50 }),
      "--history",
      history,
    ]);
    expect(pass.code, pass.out + pass.err).toBe(0);
    expect(pass.out).toContain("✓ SLO p95 latency: 30 ms ≤ limit 500 ms.");
    expect(pass.out).toContain("✓ SLO p99 latency: 39.6 ms ≤ limit 100 ms.");
    expect(pass.out).toContain("✓ SLO error rate: 39.749 % ≤ limit 50 %.");
    expect(pass.out).toContain(
      "- 5xx responses: skipped: k6's end-of-test summary counts no status codes",
    );

    const fail = await caplab([
      "gate",
      join(dir, "simple"),
      "--config",
      await gateYaml("tight.yaml", { latencyP95Ms: 20, errorRatePercent: 1 }),
      "--history",
      history,
    ]);
    expect(fail.code).toBe(1);
    expect(fail.out).toContain("✗ SLO p95 latency: 30 ms > limit 20 ms.");
    expect(fail.out).toContain("✗ SLO error rate: 39.749 % > limit 1 %.");
  });

  it("never judges a figure the summary lacks: no p(99), no http_req_failed → skipped, not passed on 0", async () => {
    const r = await caplab([
      "gate",
      join(dir, "perf"),
      "--config",
      await gateYaml("p99.yaml", { latencyP95Ms: 1000, latencyP99Ms: 1, errorRatePercent: 0.001 }),
      "--history",
      history,
    ]);
    // Its p95 rests on 29 requests, fewer than the 59 a p95's pass needs: not judged either.
    expect(r.out).toContain(
      "- SLO p95 latency: not judged: 60.3 ms ≤ limit 1000 ms, but on 29 requests only: a pass needs 59",
    );
    expect(r.out).toMatch(
      /- SLO p99 latency: skipped: k6's end-of-test summary has no p\(99\) of http_req_duration; add "p\(99\)" to k6's summaryTrendStats option/,
    );
    expect(r.out).toMatch(
      /- SLO error rate: skipped: k6's end-of-test summary has no http_req_failed/,
    );
    expect(r.code, r.out).toBe(1);
    // Taken on its 29 requests (gate.yaml latencySampleConfidence: 0), the p95 passes.
    const lax = await gateYaml("p99-lax.yaml", { latencyP95Ms: 1000, latencyP99Ms: 1 });
    await writeFile(lax, `${await readFile(lax, "utf8")}latencySampleConfidence: 0\n`);
    const taken = await caplab(["gate", join(dir, "perf"), "--config", lax, "--history", history]);
    expect(taken.out).toContain("✓ SLO p95 latency: 60.3 ms ≤ limit 1000 ms.");
    expect(taken.code, taken.out).toBe(0);

    // Without a p95 either, nothing of latency is judged: inconclusive, not a pass.
    const noP95 = join(dir, "no-p95.json");
    const json = JSON.parse(await readFile(PERF, "utf8"));
    delete json.metrics.http_req_duration["p(95)"];
    await writeFile(noP95, JSON.stringify(json));
    await importSummary(noP95, "no-p95");
    const g = await caplab([
      "gate",
      join(dir, "no-p95"),
      "--config",
      await gateYaml("p95.yaml", { latencyP95Ms: 1, errorRatePercent: 0.001 }),
      "--history",
      history,
    ]);
    expect(g.code, g.out).toBe(1);
    expect(g.out).toMatch(/caplab gate: INCONCLUSIVE/);
  });

  it("a summary-only baseline from the history does not dilute the error rate", async () => {
    // perf has no failed-request count: the pooled baseline's error test says so.
    const g = await caplab([
      "gate",
      join(dir, "simple"),
      "--baseline",
      join(dir, "perf"),
      "--config",
      await gateYaml("base.yaml", { latencyP95Ms: 500 }),
      "--history",
      history,
    ]);
    expect(g.out).toMatch(
      /- error-rate regression \(two-proportion test\): skipped: k6's end-of-test summary has no http_req_failed/,
    );
    expect(g.out).toMatch(
      /- p95 regression \(bootstrap CI\): skipped: k6's end-of-test summary has no per-second latencies/,
    );
    const list = await caplab(["history", "--history", history]);
    expect(list.code, list.err).toBe(0);
    // perf's error rate is unknown: shown as "—", not 0.
    expect(list.out).toMatch(/ perf +\S+ +—/);
  });

  it("refuses what cannot apply to a summary, before writing anything", async () => {
    for (const [flag, value, message] of [
      ["--thresholds", PERF, /--thresholds needs the run's k6 --out json output as SOURCE/],
      ["--from", "2024-01-01T00:00:00Z", /--from cannot apply to a k6 summary alone/],
    ] as const) {
      const out = join(dir, `refused-${flag.slice(2)}`);
      const r = await caplab(["import", SIMPLE, "--format", "k6", flag, value, "--out", out]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
    const none = await caplab(["import", "--format", "k6", "--out", join(dir, "none")]);
    expect(none.code).toBe(2);
    expect(none.err).toContain("or --summary-export FILE alone for k6's end-of-test summary");
  });
});

describe("k6's machine-readable summary (schema 1.0.0) alone → report → gate", () => {
  let file = "";
  beforeAll(async () => {
    file = join(dir, "machine-readable.json");
    await writeFile(file, JSON.stringify(k6Written(), null, 4));
  });

  it("imports as the only SOURCE and as --summary-export alone, with its run time in seconds", async () => {
    for (const [out, asFlag] of [
      ["mr", false],
      ["mr-flag", true],
    ] as const) {
      const r = await importSummary(file, out, asFlag);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(
        /^Imported k6's end-of-test summary into .*mr(-flag)? \(run mr(-flag)?, scenario k6\): 200 requests in 30\.5 s/,
      );
      expect(r.out).toMatch(/missing {2}5xx counts: /);
      expect(r.out).toMatch(/ p99: k6's machine-readable summary has no p\(99\)/);
      expect(r.out).toMatch(/ k6's threshold verdicts: .*holds no thresholds/);
      // p(95) is there (k6 writes it as p95).
      expect(r.out).not.toMatch(/ p95: /);
    }
    const manifest = JSON.parse(await readFile(join(dir, "mr", "manifest.json"), "utf8"));
    expect(manifest.k6Version).toBe("2.2.0");
    expect(manifest.files).toEqual({
      summaryExport: "summary.json",
      thresholds: "thresholds.json",
    });
  });

  it("beside --out json output, gives the counters its run time in seconds and k6's version", async () => {
    const out = join(dir, "mr-beside");
    const r = await caplab([
      "import",
      sharedData("k6/out-json.xk6-dashboard-result.ndjson"),
      "--format",
      "k6",
      "--summary-export",
      file,
      "--no-record",
      "--out",
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(
      "thresholds none (k6's machine-readable summary holds none; give --thresholds FILE)",
    );
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest.k6Version).toBe("2.2.0");
    // config.duration is seconds: 30.5 s, not 0.0305 s.
    expect(manifest.notes).toContain(
      "counter rates divide by the test's run time from the summary export: 30.5 s",
    );
  });

  it("without --format, imports it as the only SOURCE and says how it read it", async () => {
    const out = join(dir, "mr-no-format");
    const r = await caplab(["import", file, "--out", out, "--no-record"]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      `caplab: Read ${file} as a k6 end-of-test summary (sniffed from its JSON; pass --format k6 to say so).`,
    );
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest.k6Version).toBe("2.2.0");
  });

  it("reports k6's run-wide figures, p(99) and thresholds named as not in this shape", async () => {
    const r = await caplab([
      "report",
      join(dir, "mr"),
      "--format",
      "md",
      "--out",
      join(dir, "mr-report"),
    ]);
    expect(r.code, r.err).toBe(0);
    const md = await readFile(join(dir, "mr-report", "report.md"), "utf8");
    expect(md).toMatch(/\| Requests \| 200 in 30\.5 s \(6\.6\/s\), from k6's end-of-test summary/);
    expect(md).toMatch(/\| Failed requests \| 10 \(5\.000 %\) \|/);
    expect(md).toMatch(
      /\| Latency p50 \/ p90 \/ p95 \/ p99 \| 35\.0 \/ 80\.0 \/ 120\.0 \/ — ms \(—: k6's machine-readable summary has no p\(99\)/,
    );
    expect(md).toMatch(
      /No k6 thresholds: k6's machine-readable summary \(schema 1\.0\.0\) holds no thresholds/,
    );
  });

  it("gates the SLO on its p95 and error rate; p(99) and k6's thresholds skipped with why", async () => {
    const g = await caplab([
      "gate",
      join(dir, "mr"),
      "--config",
      await gateYaml("mr.yaml", { latencyP95Ms: 100, latencyP99Ms: 1, errorRatePercent: 10 }),
      "--history",
      history,
    ]);
    expect(g.code, g.out + g.err).toBe(1);
    expect(g.out).toContain(`✗ SLO p95 latency: ${MR_RUN.trend["p(95)"]} ms > limit 100 ms.`);
    expect(g.out).toMatch(
      /- SLO p99 latency: skipped: k6's machine-readable summary has no p\(99\).*k6 issue #5736/,
    );
    expect(g.out).toContain("✓ SLO error rate: 5 % ≤ limit 10 %.");
    expect(g.out).toMatch(
      /- k6 thresholds: skipped: k6's machine-readable summary \(schema 1\.0\.0\) holds no thresholds/,
    );

    const pass = await caplab([
      "gate",
      join(dir, "mr"),
      "--config",
      await gateYaml("mr-pass.yaml", { latencyP95Ms: 500, errorRatePercent: 10 }),
      "--history",
      history,
    ]);
    expect(pass.code, pass.out + pass.err).toBe(0);
  });
});

describe("k6's verdict on the test (results.passed, schema 1.0.0 as revised) → report → gate", () => {
  it("is the gate's k6-thresholds check and the report's verdict: passed, failed", async () => {
    const slo = await gateYaml("passed.yaml", { latencyP95Ms: 500, errorRatePercent: 10 });
    for (const passed of [true, false]) {
      const file = join(dir, `mr-passed-${passed}.json`);
      await writeFile(file, JSON.stringify(withPassed(k6Written(), passed), null, 4));
      const name = `mr-passed-${passed}`;
      const imported = await importSummary(file, name);
      expect(imported.code, imported.err).toBe(0);
      expect(imported.out).toMatch(
        new RegExp(`only k6's verdict on the whole test, results\\.passed: ${passed}`),
      );

      const r = await caplab([
        "report",
        join(dir, name),
        "--format",
        "md",
        "--out",
        join(dir, `${name}-report`),
      ]);
      expect(r.code, r.err).toBe(0);
      const md = await readFile(join(dir, `${name}-report`, "report.md"), "utf8");
      expect(md).toContain(
        passed
          ? "**PASS: k6 said the test passed (results.passed in its summary); k6's exit code is unknown.**"
          : "**FAIL: k6 said the test failed (results.passed in its summary); k6's exit code is unknown.**",
      );

      const g = await caplab(["gate", join(dir, name), "--config", slo, "--no-record"]);
      expect(g.code, g.out + g.err).toBe(passed ? 0 : 1);
      expect(g.out).toContain(
        passed
          ? "✓ k6 thresholds (k6's verdict on the test): passed: k6 said the test passed (results.passed: true in its summary), so its thresholds held."
          : "✗ k6 thresholds (k6's verdict on the test): FAILED: k6 said the test failed (results.passed: false in its summary): its thresholds failed, or another of k6's criteria did",
      );
    }
  });
});

describe("a k6 summary that cannot be read, given as SOURCE", () => {
  it("is named by its path, not as --summary-export, which was not given", async () => {
    // A summary whose opening reads as one (so it is sniffed as a summary) but whose JSON is
    // cut short past the 64 KiB the sniff reads. Its message began "--summary-export FILE is
    // not JSON" though no --summary-export was given (readJsonInput named the flag always).
    const whole = JSON.stringify(JSON.parse(await readFile(SIMPLE, "utf8")));
    const cut = join(dir, "summary-cut.json");
    await writeFile(cut, `${whole.slice(0, -1)}, "padding": "${"x".repeat(70_000)}"`);
    for (const format of [[], ["--format", "k6"]]) {
      const r = await caplab(["import", cut, ...format, "--out", join(dir, "cut-out")]);
      expect(r.code).toBe(2);
      const last = r.err.trimEnd().split("\n").at(-1)!;
      expect(last).toMatch(
        new RegExp(
          `^caplab: ${cut.replaceAll("/", "\\/")} is not JSON: not valid JSON at line 1, column \\d+ .*; it opens as a k6 summary, so give the whole file k6 --summary-export or handleSummary wrote\\.$`,
        ),
      );
      expect(r.err).not.toContain("--summary-export " + cut);
      expect(existsSync(join(dir, "cut-out"))).toBe(false);
    }
    // Given with --summary-export, the flag is named.
    const r = await caplab([
      "import",
      "--format",
      "k6",
      "--summary-export",
      cut,
      "--out",
      join(dir, "cut-flag"),
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`caplab: --summary-export ${cut} is not JSON: `);
  });
});
