import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "vega-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRunBundle } from "../../../analysis/io/files/run-bundle.js";
import { escapeHtml } from "../../../reports/format.js";
import {
  bucketSeconds,
  latencyOnLogScale,
  runCharts,
  serverUtilizationChart,
} from "../../../reports/run-charts.js";
import {
  serverSideFromSeries,
  thinSorted,
  thresholdVerdicts,
  type RunData,
} from "../../../reports/run-data.js";
import { renderRunHtml } from "../../../reports/run-html.js";
import { renderRunMarkdown, runReportJson, runVerdict } from "../../../reports/run-markdown.js";
import { writeRunReport } from "../../../reports/io/write-run-report.js";
import { HOSTILE_NAME, writeRunBundle } from "../../fixtures/runs/make-run-bundle.js";
import { runDataOf } from "../../fixtures/runs/run-data.js";

const RUNTIME = { vega: "/*vega*/", vegaLite: "/*vega-lite*/", vegaEmbed: "/*vega-embed*/" };
const SERVER = { tasks: 3, cpuPercent: 55, memoryPercent: 41, maxCapacity: 10 };

let dir = "";
let withServer: RunData;
let hostile: RunData;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-run-report-"));
  withServer = await loadRunBundle(
    await writeRunBundle(join(dir, "server"), {
      seed: 7,
      seconds: 30,
      droppedIterations: 4,
      server: SERVER,
      thresholds: {
        http_req_duration: { "p(95)<150": true, "p(99)<900": false },
        http_req_failed: { "rate<0.05": false },
      },
    }),
  );
  hostile = await loadRunBundle(
    await writeRunBundle(join(dir, "hostile"), {
      seed: 8,
      seconds: 20,
      scenario: HOSTILE_NAME,
      target: `https://x.example.com/${HOSTILE_NAME}`,
      runId: HOSTILE_NAME,
      thresholds: {
        [`http_req_duration{name:${HOSTILE_NAME}}`]: { [`p(95)<${HOSTILE_NAME}`]: true },
      },
    }),
  );
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("loadRunBundle", () => {
  it("reads the k6 NDJSON per second, the thresholds with summary-export polarity and the server side", () => {
    expect(withServer.requests).toBe(30 * 40);
    expect(withServer.seconds).toHaveLength(30);
    expect(withServer.seconds.every((s) => s.requests === 40)).toBe(true);
    expect(withServer.droppedIterations).toBe(4);
    expect(withServer.thresholds).toEqual([
      {
        metric: "http_req_duration",
        expression: "p(95)<150",
        ok: false,
        judgedBy: "k6",
        aggregation: "p(95)",
        observed: withServer.latency.p95Ms,
        contains: "time",
        samples: withServer.requests,
      },
      {
        metric: "http_req_duration",
        expression: "p(99)<900",
        ok: true,
        judgedBy: "k6",
        aggregation: "p(99)",
        observed: withServer.latency.p99Ms,
        contains: "time",
        samples: withServer.requests,
      },
      {
        metric: "http_req_failed",
        expression: "rate<0.05",
        ok: true,
        judgedBy: "k6",
        aggregation: "rate",
        observed: withServer.failedRequests / withServer.requests,
        contains: "default",
        samples: withServer.requests,
      },
    ]);
    expect(withServer.server?.maxCapacity).toBe(10);
    expect(withServer.server?.taskCount.map((p) => p.value)).toEqual([3]);
    // Invariants: p100 = max, p50 = median of the sample.
    expect(withServer.latency.maxMs).toBe(Math.max(...withServer.latencySample));
    expect(withServer.latency.p50Ms).toBeLessThan(withServer.latency.p95Ms);
  });

  it("reads thresholds in both polarities", () => {
    expect(thresholdVerdicts({ metrics: { m: { thresholds: { "rate<1": true } } } })).toEqual([
      { metric: "m", expression: "rate<1", ok: false, judgedBy: "k6" },
    ]);
    expect(
      thresholdVerdicts({ metrics: { m: { thresholds: { "rate<1": { ok: true } } } } }),
    ).toEqual([{ metric: "m", expression: "rate<1", ok: true, judgedBy: "k6" }]);
    expect(thresholdVerdicts(null)).toEqual([]);
  });

  it("thins a sorted sample by rank, keeping both ends", () => {
    expect(thinSorted([1, 2, 3, 4, 5], 3)).toEqual([1, 3, 5]);
    expect(thinSorted([1, 2], 5)).toEqual([1, 2]);
  });
});

describe("serverSideFromSeries", () => {
  it("takes the 60-s CPU series, whose times pair with the task count, over the 20-s one", () => {
    const at = (minutes: number[], value: number) =>
      minutes.map((m) => ({ timeMs: m * 60_000, value }));
    const server = serverSideFromSeries([
      { metricName: "RunningTaskCount", stat: "Average", periodSeconds: 60, points: at([0, 1], 2) },
      { metricName: "CPUUtilization", stat: "Average", periodSeconds: 20, points: at([0], 90) },
      { metricName: "CPUUtilization", stat: "Average", periodSeconds: 60, points: at([0, 1], 40) },
    ])!;
    expect(server.cpuUtilization).toEqual(at([0, 1], 40));
    expect(server.periodSeconds).toBe(60);
    // The 20-s series is kept beside it, and drawn as its own line.
    expect(server.cpuUtilization20s).toEqual(at([0], 90));
    const spec = serverUtilizationChart({ ...runDataOf({ seed: 1, seconds: 5 }), server });
    compile(spec);
    const domain = (spec as { encoding: { color: { scale: { domain: string[] } } } }).encoding.color
      .scale.domain;
    expect(domain).toEqual(["CPU %", "memory %", "CPU % (20 s)"]);
  });
});

describe("run charts", () => {
  it("compiles every spec with vega-lite (with and without a server side)", () => {
    const plain = runDataOf({
      seed: 3,
      seconds: 20,
      slo: { latencyP95Ms: 300, errorRatePercent: 1 },
    });
    for (const run of [withServer, plain, hostile]) {
      const charts = runCharts(run);
      expect(charts.length).toBe(run.server === null ? 3 : 6);
      for (const c of charts) {
        expect(() => compile(c.spec), c.id).not.toThrow();
        // As wide as the report's column (vega-lite sizes single and layered views only).
        expect((c.spec as { width?: unknown }).width, c.id).toBe("container");
        expect((c.spec as { vconcat?: unknown }).vconcat, c.id).toBeUndefined();
      }
    }
    expect(runCharts(withServer).map((c) => c.id)).toEqual([
      "chart-requests",
      "chart-latency",
      "chart-errors",
      "chart-server-tasks",
      "chart-server-rcpt",
      "chart-server-utilization",
    ]);
  });

  it("buckets long runs: sums counts, keeps the worst latency", () => {
    const rows = bucketSeconds(withServer.seconds, 10);
    expect(rows).toHaveLength(3);
    expect(rows[0]?.requests).toBe(400);
    const worst = Math.max(...withServer.seconds.slice(0, 10).map((s) => s.p95Ms ?? 0));
    expect(rows[0]?.p95Ms).toBe(worst);
  });

  it("draws latency on a log scale only when it spans ten times or more (SLO included)", () => {
    const narrow = runDataOf({ seed: 5, seconds: 20, sigma: 0.01, errorRate: 0 });
    expect(latencyOnLogScale(narrow)).toBe(false);
    const latency = runCharts(narrow).find((c) => c.id === "chart-latency");
    expect(JSON.stringify(latency?.spec)).not.toContain('"log"');
    expect(latency?.caption).not.toContain("log scale");
    const farSlo = { ...narrow, slo: { latencyP95Ms: 5000, errorRatePercent: 1 } };
    expect(latencyOnLogScale(farSlo)).toBe(true);
    expect(runCharts(farSlo).find((c) => c.id === "chart-latency")?.caption).toContain("log scale");
    expect(latencyOnLogScale(runDataOf({ seed: 5, seconds: 20, sigma: 1.5 }))).toBe(true);
  });

  it("puts nothing from outside into a spec but numbers", () => {
    const text = JSON.stringify(runCharts(hostile).map((c) => c.spec));
    expect(text).not.toContain("onerror");
  });
});

describe("run Markdown", () => {
  it("matches the golden", async () => {
    await expect(
      renderRunMarkdown(withServer, [{ title: "Request rate", file: "run-requests.png" }]),
    ).toMatchFileSnapshot("__snapshots__/run-report.md");
  });

  it("escapes hostile names", () => {
    const md = renderRunMarkdown(hostile);
    // Every < that could open a tag is backslash-escaped, so GitHub renders it as text.
    expect(md).not.toMatch(/(?<!\\)<[A-Za-z/!?]/);
    expect(md).toContain("\\<img src=x onerror=alert(1)>");
  });
});

describe("runVerdict", () => {
  const base = runDataOf({ seed: 7, seconds: 30 });
  const held = { metric: "http_req_duration", expression: "p(95)<400", ok: true };
  const crossed = { ...held, ok: false, observed: 621.049, contains: "time" as const };

  it("judges nothing when the bundle has neither thresholds nor k6's exit code (a trace bundle)", () => {
    const v = runVerdict({ ...base, thresholds: [], meta: { ...base.meta, k6ExitCode: null } });
    expect(v.pass).toBeNull();
    expect(v.headline).toMatch(/^NO VERDICT: /);
    const html = renderRunHtml(
      { ...base, thresholds: [], meta: { ...base.meta, k6ExitCode: null } },
      [],
      RUNTIME,
    );
    expect(html).toContain('<span class="badge risk-medium">NO VERDICT</span>');
    expect(html).not.toContain(">PASS<");
  });

  it("passes on held thresholds, fails on a crossed one with its observed value, and fails on k6's exit code alone", () => {
    const one = runVerdict({ ...base, thresholds: [held] });
    expect(one.pass).toBe(true);
    expect(one.headline).toMatch(/^PASS: its 1 threshold held/);
    expect(runVerdict({ ...base, thresholds: [held, held] }).headline).toMatch(
      /^PASS: all 2 thresholds held/,
    );
    const failed = runVerdict({ ...base, thresholds: [held, crossed] });
    expect(failed.pass).toBe(false);
    expect(failed.failing).toEqual(["http_req_duration p(95)<400: observed 621.049 ms"]);
    const exit = runVerdict({ ...base, thresholds: [], meta: { ...base.meta, k6ExitCode: 107 } });
    expect(exit.pass).toBe(false);
    expect(exit.headline).toContain("k6 exited 107");
  });

  it("says a latency threshold held on fewer samples than its percentile needs, as the gate does not judge it", () => {
    const few = { ...held, observed: 80, contains: "time" as const, samples: 12 };
    const v = runVerdict({ ...base, thresholds: [few] });
    expect(v).toMatchObject({ pass: true, thinData: true });
    expect(v.headline).toMatch(
      /^PASS: its 1 threshold held, but http_req_duration p\(95\)<400 on 12 samples only \(a pass needs 59, so caplab gate does not judge it\): too few to rest a decision on; /,
    );
    // Enough samples, a threshold that is no percentile (max), a count unknown: a plain pass.
    for (const t of [
      { ...few, samples: 59 },
      { ...few, expression: "max<400" },
      { ...held, contains: "time" as const },
    ]) {
      const plain = runVerdict({ ...base, thresholds: [t] });
      expect(plain.thinData).toBeUndefined();
      expect(plain.headline).toMatch(/^PASS: its 1 threshold held; /);
    }
    const html = renderRunHtml({ ...base, thresholds: [few] }, [], RUNTIME);
    expect(html).toContain("Verdict on too little data");
  });
});

describe("run HTML", () => {
  const outsideScripts = (html: string) =>
    html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, "<script></script>");

  it("escapes hostile names in the markup and keeps the five script elements", () => {
    const html = renderRunHtml(hostile, runCharts(hostile), RUNTIME);
    const markup = outsideScripts(html);
    expect(markup).not.toContain("<img");
    expect(markup).toContain(escapeHtml(HOSTILE_NAME.slice(0, 20)));
    expect(html.match(/<script\b/g)).toHaveLength(5);
    expect(html).toContain('<section id="thresholds">');
    expect(html).toContain('<section id="server"><h2>Server side</h2><p class="note">');
  });

  it("opens offline: no external URL is loaded", () => {
    const html = outsideScripts(renderRunHtml(withServer, runCharts(withServer), RUNTIME));
    expect(html).not.toMatch(/<[a-z][^>]*\s(src|href)=/i);
  });
});

describe("writeRunReport", () => {
  it("writes html, md and json; json carries the figures for machines", async () => {
    const out = join(dir, "report");
    const files = await writeRunReport(withServer, out, ["html", "md", "json"]);
    const json = JSON.parse(await readFile(files.json!, "utf8")) as ReturnType<
      typeof runReportJson
    > & {
      requests: number;
      capacity: { cpuSecondsPerRequest: number };
    };
    expect(json.requests).toBe(1200);
    // 3 tasks × 55 % of 1 vCPU × 60 s over 1200 requests.
    expect(json.capacity.cpuSecondsPerRequest).toBeCloseTo((3 * 0.55 * 60) / 1200, 10);
    const html = await readFile(files.html!, "utf8");
    expect(html).toContain('class="chart-fallback"><svg');
    expect(files.pngs).toEqual([]);
  });

  it("skips PNGs with a named warning when Chromium is missing", async () => {
    const files = await writeRunReport(withServer, join(dir, "png"), ["png", "md"], {
      chromiumPath: "/nonexistent/chromium",
    });
    expect(files.warnings.map((w) => w.code)).toEqual(["png-skipped"]);
    expect(await readFile(files.markdown!, "utf8")).not.toContain("![");
  });
});

describe("per-task usage and scaling activities", () => {
  const HOSTILE_CAUSE = `monitor alarm ${HOSTILE_NAME} in state ALARM triggered policy`;
  let run: RunData;
  beforeAll(async () => {
    run = await loadRunBundle(
      await writeRunBundle(join(dir, "per-task"), {
        seed: 9,
        seconds: 180,
        server: {
          ...SERVER,
          perTask: { taskIds: ["0a1b2c3d", "4e5f6a7b", "8c9d0e1f"], containers: ["app", "envoy"] },
          scalingActivities: [
            {
              atSecond: 30,
              description: "Setting desired count to 3.",
              cause: "monitor alarm TargetTracking-AlarmHigh in state ALARM triggered policy cpu",
            },
            { atSecond: 120, description: "Setting desired count to 4.", cause: HOSTILE_CAUSE },
          ],
        },
      }),
    );
  });

  it("reads per-task and per-container series by their dimensions, and the events in the window", () => {
    const server = run.server!;
    expect(server.tasks.map((t) => t.taskId)).toEqual(["0a1b2c3d", "4e5f6a7b", "8c9d0e1f"]);
    expect(server.tasks[1]?.cpuUnits.map((p) => p.value)).toEqual([150, 151, 152]);
    expect(server.tasks[1]?.containers.map((c) => c.name)).toEqual(["app", "envoy"]);
    expect(server.tasks[1]?.containers[0]?.memoryMiB.map((p) => p.value)).toEqual([
      160, 160.5, 161,
    ]);
    // The activity from the day before the run is outside the window.
    expect(server.scalingEvents.map((e) => e.description)).toEqual([
      "Setting desired count to 3.",
      "Setting desired count to 4.",
    ]);
    expect(server.scalingEvents[1]?.cause).toBe(HOSTILE_CAUSE);
    expect(server.scalingEvents[1]?.statusCode).toBe("Successful");
  });

  it("charts a line per task and per container; the specs compile", () => {
    const charts = runCharts(run);
    expect(charts.map((c) => c.id)).toEqual([
      "chart-requests",
      "chart-latency",
      "chart-errors",
      "chart-server-tasks",
      "chart-server-rcpt",
      "chart-server-utilization",
      "chart-server-task-cpu",
      "chart-server-container-cpu",
      "chart-server-task-memory",
      "chart-server-container-memory",
    ]);
    for (const c of charts) expect(() => compile(c.spec), c.id).not.toThrow();
    const values = (id: string) =>
      (
        charts.find((c) => c.id === id)!.spec as unknown as {
          data: { values: { task: string; container?: string }[] };
        }
      ).data.values;
    for (const metric of ["cpu", "memory"]) {
      expect(new Set(values(`chart-server-task-${metric}`).map((v) => v.task)).size).toBe(3);
      expect(
        new Set(values(`chart-server-container-${metric}`).map((v) => `${v.task}/${v.container}`))
          .size,
      ).toBe(6);
      // One line per task: the compiled Vega groups the line mark by the color field.
      const spec = charts.find((c) => c.id === `chart-server-task-${metric}`)!.spec;
      expect(JSON.stringify(compile(spec).spec)).toContain('"groupby":["task"]');
    }
  });

  it("marks the scaling activities on the task chart with their description and cause", () => {
    const spec = runCharts(run).find((c) => c.id === "chart-server-tasks")!.spec as unknown as {
      layer: { mark?: { type: string }; data: { values: Record<string, unknown>[] } }[];
    };
    const rules = spec.layer.filter((l) => l.mark?.type === "rule");
    const events = rules.flatMap((l) => l.data.values).filter((v) => "description" in v);
    expect(events.map((v) => v.description)).toEqual([
      "Setting desired count to 3.",
      "Setting desired count to 4.",
    ]);
    expect(events[1]?.cause).toBe(HOSTILE_CAUSE);
  });

  it("escapes the hostile cause in the HTML, in the markup and in the embedded chart JSON", () => {
    const html = renderRunHtml(run, runCharts(run), RUNTIME);
    expect(html).not.toContain(HOSTILE_NAME);
    expect(html).not.toContain("<img src=x");
    expect(html.match(/<script\b/g)).toHaveLength(5);
    expect(html).toContain("Setting desired count to 4.");
    expect(html).toContain(escapeHtml(HOSTILE_CAUSE));
  });

  it("leaves the per-task charts out without per-task series", () => {
    expect(runCharts(withServer).some((c) => c.id.startsWith("chart-server-task-"))).toBe(false);
    expect(withServer.server?.tasks).toEqual([]);
    expect(withServer.server?.scalingEvents).toEqual([]);
  });
});
