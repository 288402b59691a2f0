/**
 * The scenario files with `k6/*` aliased to the shims in test/shims/k6: the options each
 * exports, the requests its default function issues, and its end-of-test summary.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  SHAPE_KINDS,
  type K6SummaryData,
  type ScenarioPlan,
} from "../../scenarios/plan/k6-plan.js";
import { recorder } from "../shims/k6/recorder.js";

// k6's modules exist only inside the binary: the scenarios get the shims (test/shims/k6).
vi.mock("k6", () => import("../shims/k6/index.js"));
vi.mock("k6/http", () => import("../shims/k6/http.js"));

interface ScenarioModule {
  options: {
    scenarios: Record<string, Record<string, unknown>>;
    thresholds: Record<string, unknown[]>;
  };
  default: () => void;
  handleSummary: (data: K6SummaryData) => Record<string, string>;
}

const SECRET = "s3cr3t-token-value";
const globals = globalThis as Record<string, unknown>;

/** Imports a scenario file fresh, with `env` as k6's __ENV (path kept out of tsc's sight). */
async function load(kind: string, env: Record<string, string>): Promise<ScenarioModule> {
  vi.resetModules();
  globals.__ENV = env;
  globals.open = (path: string) => readFileSync(path, "utf8");
  const file = fileURLToPath(new URL(`../../scenarios/${kind}.ts`, import.meta.url));
  return (await import(/* @vite-ignore */ file)) as ScenarioModule;
}

const mixPlan: ScenarioPlan = {
  shape: { kind: "constant", rate: 50, durationSeconds: 60 },
  mix: {
    endpoints: [
      { name: "home", method: "GET", path: "/", weight: 3 },
      {
        name: "checkout",
        method: "POST",
        path: "/api/checkout",
        weight: 1,
        body: '{"cart":1}',
        headers: { "Content-Type": "application/json" },
        tags: { tier: "api" },
      },
    ],
    thinkTimeSeconds: 0.5,
  },
  slo: { latencyP95Ms: 250, latencyP99Ms: 800, errorRatePercent: 0.5 },
};

beforeEach(() => recorder.reset());
afterEach(() => {
  delete globals.__ENV;
  delete globals.open;
  vi.restoreAllMocks();
});

describe("scenario files", () => {
  it.each(SHAPE_KINDS.filter((k) => k !== "trace-replay"))(
    "%s exports an open-model scenario and SLO thresholds by default",
    async (kind) => {
      const mod = await load(kind, { CAPLAB_TARGET: "http://127.0.0.1:8080" });
      const scenario = mod.options.scenarios[kind];
      expect(scenario?.executor).toMatch(/arrival-rate$/);
      expect(mod.options.thresholds.http_req_duration).toBeDefined();
      expect(mod.options.thresholds["http_req_duration{endpoint:root}"]).toEqual(["p(95)<300"]);
      mod.default();
      expect(recorder.http).toEqual([
        {
          method: "GET",
          url: "http://127.0.0.1:8080/",
          body: null,
          params: { headers: {}, tags: { endpoint: "root", name: "root" } },
        },
      ]);
    },
  );

  it("trace-replay refuses to start without a plan (k6 exit 107)", async () => {
    await expect(load("trace-replay", { CAPLAB_TARGET: "http://127.0.0.1:1" })).rejects.toThrow(
      /CAPLAB_PLAN/,
    );
  });

  it("issues the weighted mix with per-endpoint tags, think time and the token in headers only", async () => {
    const mod = await load("constant", {
      CAPLAB_TARGET: "https://svc.example.com/base/",
      CAPLAB_PLAN_JSON: JSON.stringify(mixPlan),
      CAPLAB_TOKEN: SECRET,
      CAPLAB_HEADER_X_TENANT: "acme",
    });
    const draws = [0.1, 0.8, 0.5, 0.74, 0.76];
    let i = 0;
    vi.spyOn(Math, "random").mockImplementation(() => draws[i++ % draws.length] ?? 0);
    for (let n = 0; n < draws.length; n++) mod.default();
    expect(recorder.http.map((c) => `${c.method} ${c.url}`)).toEqual([
      "GET https://svc.example.com/base/",
      "POST https://svc.example.com/base/api/checkout",
      "GET https://svc.example.com/base/",
      "GET https://svc.example.com/base/",
      "POST https://svc.example.com/base/api/checkout",
    ]);
    const post = recorder.http[1];
    expect(post?.body).toBe('{"cart":1}');
    expect(post?.params?.headers).toEqual({
      "Content-Type": "application/json",
      Authorization: `Bearer ${SECRET}`,
      "X-Tenant": "acme",
    });
    expect(post?.params?.tags).toEqual({ tier: "api", endpoint: "checkout", name: "checkout" });
    expect(recorder.sleeps).toEqual([0.5, 0.5, 0.5, 0.5, 0.5]);
    // The secret reaches headers and nothing else the run writes.
    for (const call of recorder.http)
      expect(JSON.stringify(call.params?.tags)).not.toContain(SECRET);
    expect(JSON.stringify(mod.options)).not.toContain(SECRET);
    const summary = mod.handleSummary({ metrics: {}, state: { testRunDurationMs: 1000 } });
    expect(JSON.stringify(summary)).not.toContain(SECRET);
  });

  it("reads the plan from a CAPLAB_PLAN file and writes caplab's summary to CAPLAB_SUMMARY", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-scn-"));
    const planPath = join(dir, "plan.json");
    await writeFile(planPath, JSON.stringify(mixPlan));
    const mod = await load("constant", {
      CAPLAB_TARGET: "http://127.0.0.1:9",
      CAPLAB_PLAN: planPath,
      CAPLAB_SUMMARY: join(dir, "caplab-summary.json"),
    });
    expect(mod.options.scenarios.constant).toMatchObject({
      executor: "constant-arrival-rate",
      rate: 50,
      duration: "60s",
    });
    expect(mod.options.thresholds.http_req_duration).toEqual(["p(95)<250", "p(99)<800"]);
    const out = mod.handleSummary({
      metrics: {
        iterations: { type: "counter", values: { count: 2900 } },
        dropped_iterations: { type: "counter", values: { count: 100 } },
        http_reqs: { type: "counter", values: { count: 2900 } },
        http_req_duration: {
          type: "trend",
          values: { "p(95)": 120, "p(99)": 300 },
          thresholds: { "p(95)<250": { ok: true }, "p(99)<800": { ok: true } },
        },
      },
      state: { testRunDurationMs: 60_000 },
    });
    expect(out.stdout).toMatch(/dropped_iterations 100 \(3\.33 % of planned\)/);
    const written = JSON.parse(out[join(dir, "caplab-summary.json")] ?? "{}");
    expect(written).toMatchObject({ plannedIterations: 3000, droppedIterations: 100 });
  });

  it("rejects a plan for another shape and a target with credentials", async () => {
    await expect(
      load("spike", { CAPLAB_TARGET: "http://h", CAPLAB_PLAN_JSON: JSON.stringify(mixPlan) }),
    ).rejects.toThrow(/spike scenario but the plan is a constant plan/);
    await expect(load("smoke", { CAPLAB_TARGET: "http://u:p@h" })).rejects.toThrow(/credentials/);
  });
});
