/**
 * Issue #15, "Bring your own k6 results", end to end on the real k6 files in
 * ../shared/data/k6: `import --format k6` → `report` (exit 0) → `gate` against a second
 * import (exit 0 or 1, with the observed values) → `history` lists both. Also: a gzipped
 * output, thresholds k6 would refuse (exit 104, nothing written), and the run bundle as a
 * trace for simulate.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRunBundle } from "../../analysis/io/files/run-bundle.js";
import { runCaplab } from "../helpers/io.js";

const DATA = fileURLToPath(new URL("../../../shared/data/k6/", import.meta.url));
const NDJSON = join(DATA, "out-json.xk6-dashboard-result.ndjson");
const SUMMARY = join(DATA, "summary-export.k6-html-reporter-dev.json");

let dir = "";
let history = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-import-k6-"));
  history = join(dir, "history.duckdb");
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const caplab = runCaplab;

describe("caplab import --format k6 → report → gate → history, on the real files", () => {
  it("goes the whole way with k6's own verdicts and the values they were judged on", async () => {
    // 1. The run with its summary export: k6's verdict on p(90) < 400, with k6's 621 ms.
    const first = await caplab([
      "import",
      NDJSON,
      "--format",
      "k6",
      "--summary-export",
      SUMMARY,
      "--run-id",
      "nightly-1",
      "--history",
      history,
      "--out",
      join(dir, "run1"),
    ]);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/^Imported 322 requests from 1 input \(3,597 lines, 0 bad\)/);
    expect(first.out).toContain("✗ http_req_duration p(90) < 400: FAILED (621.049 ms)");

    // 2. A second run, judged by caplab on the points with the script's thresholds.
    const thresholds = join(dir, "thresholds.json");
    await writeFile(
      thresholds,
      JSON.stringify({
        thresholds: {
          http_req_duration: ["p(95)<125", "p(99)<200"],
          "http_req_duration{expected_response:true}": ["max<130"],
          http_req_failed: ["rate<0.01"],
        },
      }),
    );
    const second = await caplab([
      "import",
      NDJSON,
      "--format",
      "k6",
      "--thresholds",
      thresholds,
      "--run-id",
      "nightly-2",
      "--history",
      history,
      "--out",
      join(dir, "run2"),
    ]);
    expect(second.code, second.err).toBe(0);
    expect(second.out).toContain("✗ http_req_duration p(95)<125: FAILED (125.293 ms)");
    expect(second.out).toContain(
      "✓ http_req_duration{expected_response:true} max<130: passed (129.255 ms)",
    );

    // 3. report: exit 0, the thresholds with their observed values in report.json.
    const report = await caplab([
      "report",
      join(dir, "run2"),
      "--format",
      "md,json",
      "--out",
      join(dir, "report"),
    ]);
    expect(report.code, report.err).toBe(0);
    const json = JSON.parse(await readFile(join(dir, "report", "report.json"), "utf8")) as {
      requests: number;
      thresholds: { expression: string; ok: boolean; observed?: number }[];
    };
    expect(json.requests).toBe(322);
    // The target comes from the URLs k6 names its requests by (origins only), and the report
    // says why there is no exit code instead of "unknown".
    const manifest = JSON.parse(await readFile(join(dir, "run2", "manifest.json"), "utf8")) as {
      target: string | null;
    };
    expect(manifest.target).toBe("http://test.k6.io and 1 more");
    const md = await readFile(join(dir, "report", "report.md"), "utf8");
    expect(md).toContain(
      "| k6 exit code | not recorded: k6 ran elsewhere; caplab import --format k6 read its output |",
    );
    expect(json.thresholds.find((t) => t.expression === "p(95)<125")).toMatchObject({
      ok: false,
      observed: expect.closeTo(125.2926859, 6),
    });

    // 4. gate against the first import: 1 (a threshold failed), each with its value.
    const gate = await caplab([
      "gate",
      join(dir, "run2"),
      "--baseline",
      join(dir, "run1"),
      "--history",
      history,
      "--out",
      join(dir, "gate"),
    ]);
    expect([0, 1]).toContain(gate.code);
    expect(gate.code).toBe(1);
    expect(gate.out).toContain(
      "✗ k6 threshold http_req_duration: p(95)<125: FAILED (125.293 ms; judged by caplab on the k6 output, as k6 judges).",
    );
    expect(gate.out).toContain("✓ p95 regression (bootstrap CI)");
    // The verdict line says how many checks it rests on: those printed ✓ or ✗ against all.
    const lines = gate.out.split("\n");
    const judged = lines.filter((l) => /^[✓✗] /.test(l)).length;
    const all = judged + lines.filter((l) => l.startsWith("- ")).length;
    expect(judged).toBeGreaterThan(0);
    expect(gate.out).toContain(
      `caplab gate: FAILED (${judged} of ${all} checks judged, ${all - judged} skipped; `,
    );
    const gated = await caplab([
      "gate",
      join(dir, "run1"),
      "--baseline-from-history",
      "3",
      "--history",
      history,
      "--out",
      join(dir, "gate1"),
    ]);
    expect(gated.code).toBe(1);
    expect(gated.out).toContain(
      "✗ k6 threshold http_req_duration: p(90) < 400: FAILED (621.049 ms; k6's verdict).",
    );
    expect(gated.out).toContain(
      `Baseline: the last contacts run in history: nightly-2 (${history})`,
    );

    // 5. history lists both.
    const list = await caplab(["history", "--history", history]);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/contacts\s+nightly-1/);
    expect(list.out).toMatch(/contacts\s+nightly-2/);
  });

  it("reads a gzipped output, and its bundle is a trace for simulate", async () => {
    const gz = join(dir, "k6.json.gz");
    await writeFile(gz, gzipSync(await readFile(NDJSON)));
    const r = await caplab([
      "import",
      gz,
      "--format",
      "k6",
      "--step",
      "1",
      "--no-record",
      "--out",
      join(dir, "gz"),
    ]);
    expect(r.code, r.err).toBe(0);
    expect(existsSync(join(dir, "gz", "k6.json.gz"))).toBe(true);
    const run = await loadRunBundle(join(dir, "gz"));
    expect(run.requests).toBe(322);
    expect(run.seconds).toHaveLength(21); // 21:03:10.549 … 21:03:30.449
    const config = join(dir, "sim.yaml");
    await writeFile(
      config,
      [
        `trace: { file: ${JSON.stringify(join(dir, "gz"))} }`,
        "service: { cpuMsPerRequest: 5, memoryMiB: { base: 100 } }",
        'task: { cpu: "256", memory: "512" }',
        "scaling: { MinCapacity: 1, MaxCapacity: 4 }",
      ].join("\n"),
    );
    const sim = await caplab(["simulate", config, "--json", "--out", join(dir, "sim")]);
    expect(sim.code, sim.err).toBe(0);
    const timeline = await readFile(join(dir, "sim", "timeline.csv"), "utf8");
    const requests = timeline
      .trim()
      .split("\n")
      .slice(1)
      .reduce((a, row) => a + Number(row.split(",")[1]), 0);
    expect(requests).toBe(322);
  });

  it.each([
    [
      "non_existing_metric.js",
      { "non existing": ["rate>0"] },
      /no metric name "non existing" found/,
    ],
    ["malformed_expression.js", { http_reqs: ["foo&0"] }, /malformed threshold expression/],
    [
      "unsupported_aggregation_method.js",
      { http_reqs: ["value>0"] },
      /unsupported aggregation method value/,
    ],
    [
      "a malformed sub-metric",
      { "http_req_duration{easyas}": ["p(95)<1"] },
      /tag expression "easyas" is malformed/,
    ],
  ])("exits 104 as k6 does for %s, writing nothing", async (name, option, reason) => {
    const thresholds = join(dir, `bad-${name}.json`);
    await writeFile(thresholds, JSON.stringify({ thresholds: option }));
    const out = join(dir, `bad-${name}`);
    const r = await caplab([
      "import",
      NDJSON,
      "--format",
      "k6",
      "--thresholds",
      thresholds,
      "--no-record",
      "--out",
      out,
    ]);
    expect(r.code).toBe(104);
    expect(r.err).toMatch(/k6 would refuse this threshold before the test \(exit 104\)/);
    expect(r.err).toMatch(reason);
    expect(r.err.trim()).toMatch(new RegExp(`Fix the threshold in --thresholds ${thresholds}\\.$`));
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it("takes the thresholds k6 writes on the Metric lines, and flags that go with k6 only", async () => {
    const lines = (await readFile(join(DATA, "out-json.k6-repo-json_test-expected.ndjson"), "utf8"))
      .trim()
      .split("\n");
    const r = await caplab([
      "import",
      join(DATA, "out-json.k6-repo-json_test-expected.ndjson"),
      "--format",
      "k6",
      "--no-record",
      "--out",
      join(dir, "declared"),
    ]);
    // my_metric1 is a gauge whose Metric line declares rate<0.01 and p(99)<250: k6 refuses both.
    expect(lines[0]).toContain('"thresholds":["rate<0.01","p(99)<250"]');
    expect(r.code).toBe(104);
    expect(r.err).toMatch(/k6 would refuse these 2 thresholds before the test/);
    expect(r.err).toMatch(/unsupported aggregation method rate on metric of type gauge/);
    // They came from the output itself, not from a script or --thresholds: it says so.
    expect(r.err).toContain(
      `They are declared on the Metric lines of the k6 output ${join(DATA, "out-json.k6-repo-json_test-expected.ndjson")}, where k6 writes only thresholds it ran with`,
    );
    expect(r.err).not.toMatch(/in the script or in --thresholds/);
    const bad = await caplab([
      "import",
      NDJSON,
      "--format",
      "alb",
      "--summary-export",
      SUMMARY,
      "--out",
      join(dir, "never"),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--summary-export goes with --format k6 only.");
  });

  it("does not pass a gate that judged no latency: the output without thresholds, SLO or baseline", async () => {
    const bundle = join(dir, "no-latency");
    const imported = await caplab([
      "import",
      NDJSON,
      "--format",
      "k6",
      "--out",
      bundle,
      "--history",
      join(dir, "latency-history.duckdb"),
    ]);
    expect(imported.code, imported.err).toBe(0);
    const gate = (extra: string[]) =>
      caplab([
        "gate",
        bundle,
        "--history",
        join(dir, "latency-history.duckdb"),
        "--out",
        join(dir, `gate-${extra.length}`),
        "--force",
        ...extra,
      ]);
    // Only the 5xx check has data: INCONCLUSIVE, exit 1, and the terminal says what to add.
    const bare = await gate([]);
    expect(bare.code, bare.err).toBe(1);
    expect(bare.out).toContain("✓ 5xx responses: 0 of 322 responses were 5xx");
    expect(bare.out).toContain(
      "none of the 1 judged measures latency: set slo.latencyP95Ms in gate.yaml",
    );
    expect(bare.out).toMatch(
      /caplab gate: INCONCLUSIVE \(1 of 9 checks judged, 8 skipped, none of latency/,
    );
    const junit = await readFile(join(dir, "gate-0", "gate-junit.xml"), "utf8");
    expect(junit).toContain('type="inconclusive"');
    // An SLO on the p95 in gate.yaml judges latency: a pass. Opting out passes on 5xx alone.
    for (const [yaml, word] of [
      ["slo:\n  latencyP95Ms: 5000\n", "PASSED (2 of 9"],
      ["requireLatencyCheck: false\n", "PASSED (1 of 9"],
    ] as const) {
      const config = join(dir, `gate-${word.length}.yaml`);
      await writeFile(config, yaml);
      const r = await gate(["--config", config]);
      expect([r.code, r.out]).toEqual([0, expect.stringContaining(`caplab gate: ${word}`)]);
    }
  });
});
