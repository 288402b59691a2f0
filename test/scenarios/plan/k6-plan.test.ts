/** scenarios/plan/k6-plan.ts: shapes → executor options, thresholds from the SLO, trace → stages, segments. */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  PLAN_DEFAULTS,
  buildRequest,
  defaultPlan,
  executionSegments,
  k6Options,
  parsePlan,
  pickEndpoint,
  plannedIterations,
  runSummary,
  targetFromEnv,
  traceToStages,
  type ScenarioPlan,
} from "../../../scenarios/plan/k6-plan.js";
import { loadTraceSource } from "../../../analysis/io/files/trace-file.js";
import { SLO_DEFAULTS, type TraceSource } from "../../../sim/vocab/index.js";

const traces = fileURLToPath(new URL("../../../../shared/data/traces/", import.meta.url));

describe("defaults", () => {
  it("pins the shape defaults and keeps the SLO in step with vocab's SLO_DEFAULTS", () => {
    expect(PLAN_DEFAULTS.slo).toEqual({
      latencyP95Ms: SLO_DEFAULTS.latencyP95Ms,
      errorRatePercent: SLO_DEFAULTS.errorRatePercent,
    });
    expect(PLAN_DEFAULTS.smoke).toEqual({ kind: "smoke", rate: 1, durationSeconds: 30 });
    expect(PLAN_DEFAULTS.breakpoint).toEqual({
      kind: "breakpoint",
      startRate: 10,
      stepRate: 10,
      stepSeconds: 60,
      steps: 20,
    });
  });
});

describe("shapes produce executor options", () => {
  it("smoke and constant: constant-arrival-rate with VUs from Little's law", () => {
    const options = k6Options(defaultPlan("constant"));
    expect(options.scenarios).toEqual({
      constant: {
        executor: "constant-arrival-rate",
        rate: 10,
        timeUnit: "1s",
        duration: "300s",
        preAllocatedVUs: 6, // 10/s × 0.3 s × 2
        maxVUs: 30,
        tags: { shape: "constant" },
      },
    });
    expect(options.summaryTrendStats).toContain("p(99)");
  });

  it("breakpoint: instant steps and holds, abortOnFail thresholds delayed by one step", () => {
    const plan: ScenarioPlan = {
      ...defaultPlan("breakpoint"),
      shape: { kind: "breakpoint", startRate: 5, stepRate: 5, stepSeconds: 30, steps: 3 },
    };
    const options = k6Options(plan);
    expect(options.scenarios.breakpoint).toMatchObject({
      executor: "ramping-arrival-rate",
      startRate: 5,
      stages: [
        { duration: "0s", target: 5 },
        { duration: "30s", target: 5 },
        { duration: "0s", target: 10 },
        { duration: "30s", target: 10 },
        { duration: "0s", target: 15 },
        { duration: "30s", target: 15 },
      ],
    });
    expect(options.thresholds.http_req_duration).toEqual([
      { threshold: "p(95)<300", abortOnFail: true, delayAbortEval: "30s" },
    ]);
    expect(plannedIterations(plan.shape)).toBe(30 * (5 + 10 + 15));
  });

  it("spike ramps up and back; soak ramps, holds and drains", () => {
    expect(k6Options(defaultPlan("spike")).scenarios.spike).toMatchObject({
      executor: "ramping-arrival-rate",
      startRate: 10,
      stages: [
        { duration: "60s", target: 10 },
        { duration: "10s", target: 100 },
        { duration: "60s", target: 100 },
        { duration: "10s", target: 10 },
        { duration: "60s", target: 10 },
      ],
      preAllocatedVUs: 60,
    });
    expect(k6Options(defaultPlan("soak")).scenarios.soak).toMatchObject({
      startRate: 0,
      stages: [
        { duration: "300s", target: 10 },
        { duration: "3600s", target: 10 },
        { duration: "300s", target: 0 },
      ],
    });
  });
});

describe("thresholds from the SLO", () => {
  it("p95/p99, error rate, per endpoint sub-metrics and a dropped-iterations budget", () => {
    const plan: ScenarioPlan = {
      shape: { kind: "constant", rate: 100, durationSeconds: 60 },
      mix: {
        endpoints: [
          { name: "home", method: "GET", path: "/", weight: 1 },
          { name: "search", method: "GET", path: "/s?q=x", weight: 1, latencyP95Ms: 800 },
        ],
        thinkTimeSeconds: 0,
      },
      slo: { latencyP95Ms: 300, latencyP99Ms: 1000, errorRatePercent: 0.1 },
    };
    expect(k6Options(plan).thresholds).toEqual({
      http_req_duration: ["p(95)<300", "p(99)<1000"],
      http_req_failed: ["rate<0.001"],
      dropped_iterations: ["count<=60"],
      "http_req_duration{endpoint:home}": ["p(95)<300"],
      "http_req_failed{endpoint:home}": ["rate<0.001"],
      "http_req_duration{endpoint:search}": ["p(95)<800"],
      "http_req_failed{endpoint:search}": ["rate<0.001"],
    });
  });
});

describe("request mix and target", () => {
  const mix = {
    endpoints: [
      { name: "a", method: "GET", path: "/a", weight: 3 },
      { name: "b", method: "GET", path: "/b", weight: 1 },
    ],
    thinkTimeSeconds: 0,
  } as const;

  it("picks endpoints in proportion to their weights", () => {
    expect(pickEndpoint(mix, 0).name).toBe("a");
    expect(pickEndpoint(mix, 0.7499).name).toBe("a");
    expect(pickEndpoint(mix, 0.75).name).toBe("b");
    expect(pickEndpoint(mix, 0.9999999).name).toBe("b");
  });

  it("reads target, token and headers from the environment and keeps them out of tags", () => {
    const t = targetFromEnv({
      CAPLAB_TARGET: "https://alb.example.com/",
      CAPLAB_TOKEN: "tok",
      CAPLAB_TOKEN_HEADER: "X-Api-Key",
      CAPLAB_HEADER_X_TEAM_NAME: "core",
    });
    expect(t).toEqual({
      ok: true,
      value: {
        baseUrl: "https://alb.example.com",
        headers: { "X-Team-Name": "core", "X-Api-Key": "tok" },
      },
    });
    if (!t.ok) return;
    const r = buildRequest(mix.endpoints[0], t.value);
    expect(r.params.tags).toEqual({ endpoint: "a", name: "a" });
    expect(targetFromEnv({})).toMatchObject({
      ok: false,
      error: expect.stringMatching(/CAPLAB_TARGET/),
    });
    expect(targetFromEnv({ CAPLAB_TARGET: "https://h/?key=1" })).toMatchObject({ ok: false });
  });

  it("validates plans and fills defaults", () => {
    expect(parsePlan({ shape: { kind: "spike", spikeRate: 500 } })).toMatchObject({
      ok: true,
      value: { shape: { kind: "spike", spikeRate: 500, baseRate: 10 }, slo: { latencyP95Ms: 300 } },
    });
    expect(parsePlan({ shape: { kind: "nope" } })).toMatchObject({ ok: false });
    expect(parsePlan({ shape: { kind: "smoke", rate: -1 } })).toMatchObject({
      ok: false,
      error: "plan.shape.rate is missing or out of range for smoke.",
    });
    expect(
      parsePlan({
        shape: { kind: "smoke" },
        mix: { endpoints: [{ name: "a b", method: "GET", path: "/", weight: 1 }] },
      }),
    ).toMatchObject({ ok: false, error: expect.stringMatching(/name/) });
  });
});

describe("trace-to-stages on the real traces (request totals within 1 %)", () => {
  const files = readdirSync(traces).filter((f) => f.endsWith(".csv"));
  it.each(files)("%s", async (file) => {
    // The NAB CPU series is no traffic, and is refused as requests unless its column is named:
    // named, it still tests the stages on a fractional series.
    const named = file.includes("cpu_utilization") ? { valueColumn: "value" } : {};
    const { trace } = await loadTraceSource(
      { file, scale: 1, seed: 1, ...named } as TraceSource,
      traces,
      () => {},
    );
    const total = trace.requests.reduce((a, b) => a + b, 0);
    for (const [scale, compress] of [
      [1, 1],
      [2.5, 60],
      [0.1, 3600],
    ] as const) {
      const shape = traceToStages(trace, { scale, compress });
      expect(shape.stages.length).toBeLessThanOrEqual(2000);
      expect(shape.stages.every((s) => Number.isInteger(s.target) && s.target >= 0)).toBe(true);
      const replayed = plannedIterations(shape);
      expect(Math.abs(replayed - total * scale) / (total * scale)).toBeLessThan(0.01);
      const seconds = shape.stages.reduce((a, s) => a + s.durationSeconds, 0);
      expect(seconds).toBeCloseTo((trace.requests.length * trace.stepSeconds) / compress, 3);
    }
  });

  it("keeps each step's requests: a small exact example", () => {
    const shape = traceToStages({ stepSeconds: 60, requests: [600, 1200] }, { compress: 2 });
    expect(shape).toEqual({
      kind: "trace-replay",
      startRate: 20,
      timeUnit: "1s",
      stages: [
        { durationSeconds: 0, target: 20 },
        { durationSeconds: 30, target: 20 },
        { durationSeconds: 0, target: 40 },
        { durationSeconds: 30, target: 40 },
      ],
    });
    expect(plannedIterations(shape)).toBe(1800);
  });
});

describe("execution segments", () => {
  it("cuts N equal segments with one shared sequence", () => {
    expect(executionSegments(3)).toEqual([
      { index: 0, segment: "0:1/3", sequence: "0,1/3,2/3,1" },
      { index: 1, segment: "1/3:2/3", sequence: "0,1/3,2/3,1" },
      { index: 2, segment: "2/3:1", sequence: "0,1/3,2/3,1" },
    ]);
    expect(executionSegments(4).map((s) => s.segment)).toEqual([
      "0:1/4",
      "1/4:1/2",
      "1/2:3/4",
      "3/4:1",
    ]);
    expect(executionSegments(1)).toEqual([{ index: 0, segment: "0:1", sequence: "0,1" }]);
  });
});

describe("run summary", () => {
  it("reports the knee of a breakpoint run that aborted", () => {
    const s = runSummary(defaultPlan("breakpoint"), {
      metrics: {
        http_req_duration: {
          type: "trend",
          values: { "p(95)": 450 },
          thresholds: { "p(95)<300": { ok: false } },
        },
      },
      state: { testRunDurationMs: 5.5 * 60_000 },
    });
    expect(s.knee).toEqual({ aborted: true, stepAtEnd: 5, rateAtEnd: 60, lastGoodRate: 50 });
  });
});
