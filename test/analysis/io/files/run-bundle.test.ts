/**
 * A summary-only run bundle (caplab import of k6's end-of-test summary alone) read back:
 * each threshold's observed value and unit come from k6's summary, in each shape it is written
 * in, with the metric types carried where the summary is parsed (analysis/k6-summary.ts
 * K6SummaryFile.types); and k6's verdict on the whole test (the machine-readable summary's
 * `results.passed`) reaches the run.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateGate, GateConfigSchema } from "../../../../analysis/gate.js";
import { loadRunBundle } from "../../../../analysis/io/files/run-bundle.js";
import { importK6Summary } from "../../../../analysis/io/import/k6-summary-run.js";
import { renderSummaryThreshold } from "../../../../analysis/io/import/summary.js";
import { gateRunOf, type ThresholdVerdict } from "../../../../reports/run-data.js";
import { k6Written, withPassed } from "../../../fixtures/k6-machine-readable.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-run-bundle-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A run of 100 requests: http_req_duration without p(99) (k6's default summaryTrendStats). */
const DURATION = { avg: 50, min: 5, med: 40, max: 300, "p(90)": 90, "p(95)": 120 };
/** A custom Trend of time (`new Trend("my_latency", true)`) and one of its sub-metrics. */
const MY_LATENCY = { ...DURATION, "p(95)": 350 };
const MY_LATENCY_X = { ...DURATION, "p(95)": 250 };

/** handleSummary's data (k6 `summarizeMetricsToObject`): type, contains, values, {ok}. */
function handleSummaryData(): unknown {
  const m = (type: string, contains: string, values: object, thresholds?: object) => ({
    type,
    contains,
    values,
    ...(thresholds === undefined ? {} : { thresholds }),
  });
  return {
    root_group: {
      name: "",
      path: "",
      id: "d41d8cd98f00b204e9800998ecf8427e",
      groups: [],
      checks: [],
    },
    options: { summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)"] },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 10_000 },
    metrics: {
      http_reqs: m("counter", "default", { count: 100, rate: 10 }),
      http_req_failed: m("rate", "default", { passes: 1, fails: 99, rate: 0.01 }),
      http_req_duration: m("trend", "time", DURATION, {
        "p(99)<500": { ok: true },
        "p(95)<200": { ok: true },
      }),
      my_latency: m("trend", "time", MY_LATENCY, { "p(95)<300": { ok: false } }),
      "my_latency{name:x}": m("trend", "time", MY_LATENCY_X, { "p(95)<300": { ok: true } }),
      my_counter: m("counter", "default", { count: 20, rate: 2 }, { "count>10": { ok: true } }),
    },
  };
}

/** The same run as --summary-export writes it (k6 `oldJSONSummary`): values alone, true = FAILED. */
function summaryExport(): unknown {
  const data = handleSummaryData() as {
    root_group: unknown;
    metrics: Record<string, { values: object; thresholds?: Record<string, { ok: boolean }> }>;
  };
  const metrics: Record<string, object> = {};
  for (const [name, m] of Object.entries(data.metrics))
    metrics[name] = {
      ...m.values,
      ...(m.thresholds === undefined
        ? {}
        : {
            thresholds: Object.fromEntries(
              Object.entries(m.thresholds).map(([e, t]) => [e, !t.ok]),
            ),
          }),
    };
  return { root_group: { ...(data.root_group as object), groups: {}, checks: {} }, metrics };
}

async function importOf(name: string, json: unknown) {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(json, null, 2));
  const out = join(dir, name);
  return {
    out,
    imported: await importK6Summary(
      { summaryExport: file, givenAs: "SOURCE", now: new Date(0) },
      out,
    ),
  };
}

async function bundleOf(name: string, json: unknown) {
  return loadRunBundle((await importOf(name, json)).out);
}

const find = (thresholds: readonly ThresholdVerdict[], metric: string, expression: string) =>
  thresholds.find((t) => t.metric === metric && t.expression === expression)!;

describe("a summary-only bundle's thresholds", () => {
  it("handleSummary data: k6's numbers, a custom Trend's unit from its contains", async () => {
    const run = await bundleOf("handle-summary", handleSummaryData());
    expect(find(run.thresholds, "my_latency", "p(95)<300")).toMatchObject({
      ok: false,
      observed: 350,
      contains: "time",
    });
    expect(find(run.thresholds, "my_latency{name:x}", "p(95)<300")).toMatchObject({
      ok: true,
      observed: 250,
      contains: "time",
    });
    expect(find(run.thresholds, "my_counter", "count>10")).toMatchObject({
      observed: 20,
      contains: "default",
    });
    // A time Trend's threshold is a latency check: the gate counts it as one.
    const gate = evaluateGate(gateRunOf(run), null, GateConfigSchema.parse({}));
    const mine = gate.checks.find((c) => c.name === "k6 threshold my_latency: p(95)<300")!;
    expect(mine).toMatchObject({ verdict: "fail", latency: true });
    expect(mine.detail).toBe("FAILED (350 ms; k6's verdict).");
  });

  it("never shows an aggregate the summary does not hold: no p(99), no empty sink's 0", async () => {
    for (const [name, json] of [
      ["no-p99-data", handleSummaryData()],
      ["no-p99-export", summaryExport()],
    ] as const) {
      const run = await bundleOf(name, json);
      const p99 = find(run.thresholds, "http_req_duration", "p(99)<500");
      expect(p99.ok).toBe(true);
      expect(p99.observed).toBeUndefined();
      expect(p99).toMatchObject({ aggregation: "p(99)", contains: "time" });
      expect(find(run.thresholds, "http_req_duration", "p(95)<200").observed).toBe(120);
    }
  });

  it("--summary-export: k6's numbers, each metric's type told from its values", async () => {
    const run = await bundleOf("summary-export", summaryExport());
    // k6 drops `contains` from this shape: a custom metric's unit is unknown, its value k6's.
    expect(find(run.thresholds, "my_latency", "p(95)<300")).toMatchObject({
      ok: false,
      observed: 350,
      contains: "default",
    });
    expect(find(run.thresholds, "my_counter", "count>10")).toMatchObject({ observed: 20 });
  });
});

describe("the import's own list of k6's verdicts", () => {
  it("says k6 judged a threshold whose value the summary lacks, never that k6 did not", async () => {
    const { imported } = await importOf("import-lines", handleSummaryData());
    const lines = imported.thresholds.map(renderSummaryThreshold);
    expect(lines).toContain(
      "http_req_duration p(99)<500: passed (k6's verdict; its summary holds no p(99))",
    );
    expect(lines).toContain("my_latency p(95)<300: FAILED (350 ms)");
    expect(lines.join("\n")).not.toMatch(/does not judge/);
    const p99 = imported.thresholds.find((t) => t.expression === "p(99)<500")!;
    expect(p99).not.toHaveProperty("observed");
    expect(p99).not.toHaveProperty("samples");
  });
});

describe("k6's verdict on the whole test", () => {
  it("reaches the run from the machine-readable summary's results.passed, and the gate", async () => {
    for (const passed of [true, false]) {
      const run = await bundleOf(`mr-${passed}`, withPassed(k6Written(), passed));
      expect(run.k6Passed).toBe(passed);
      expect(run.unmeasured.thresholds).toMatch(/only k6's verdict on the whole test/);
      const gate = evaluateGate(gateRunOf(run), null, GateConfigSchema.parse({}));
      expect(gate.checks.find((c) => c.id === "k6-threshold")!.verdict).toBe(
        passed ? "pass" : "fail",
      );
    }
    const without = await bundleOf("mr-none", k6Written());
    expect(without.k6Passed).toBeUndefined();
    expect(gateRunOf(without).k6Passed).toBeUndefined();
  });
});
