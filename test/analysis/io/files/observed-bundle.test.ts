import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calibrate, CalibrationError } from "../../../../analysis/calibrate.js";
import { writeBundle, type FixedSeries } from "../../../../analysis/io/files/bundle.js";
import { loadObservedBundle, resample } from "../../../../analysis/io/files/observed-bundle.js";
import { readTodaysConfig } from "../../../../analysis/io/files/todays-config.js";
import { rightsizeFromUsage } from "../../../../analysis/rightsize.js";
import {
  BUNDLE_FORMAT,
  resolvePrices,
  ServiceModelSchema,
  type BundleSeries,
  type Warning,
} from "../../../../sim/vocab/index.js";
import { UsageError } from "../../../../sim/vocab/errors.js";
import { main } from "../../../../cli/main.js";
import { captureIo, cliContext } from "../../../helpers/io.js";
import { sharedData } from "../../../helpers/shared-data.js";

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const MIN = 60_000;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-observed-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A trace bundle as `caplab import --format cloudwatch` writes it: each series at its own period and start. */
async function bundle(
  name: string,
  series: Record<string, { period: number; stat?: string; startMs?: number; values: number[] }>,
): Promise<string> {
  const path = join(dir, name);
  const defs: BundleSeries[] = Object.entries(series).map(([id, s]) => ({
    id,
    file: `series/${id}.csv`,
    metricName: id,
    ...(s.stat === undefined ? {} : { stat: s.stat }),
    dimensions: [],
    periodSeconds: s.period,
  }));
  const data = new Map<string, FixedSeries>(
    Object.entries(series).map(([id, s]) => [
      id,
      { startMs: s.startMs ?? T0, stepSeconds: s.period, values: s.values },
    ]),
  );
  const requests = series.requests;
  const span = requests ?? Object.values(series)[0]!;
  await writeBundle(
    path,
    {
      format: BUNDLE_FORMAT,
      caplabVersion: "test",
      createdAt: new Date(T0).toISOString(),
      source: { kind: "cloudwatch", detail: "" },
      window: {
        from: new Date(span.startMs ?? T0).toISOString(),
        to: new Date((span.startMs ?? T0) + span.values.length * span.period * 1000).toISOString(),
      },
      stepSeconds: span.period,
      series: defs,
      files: {},
      notes: [],
    },
    data,
  );
  return path;
}

describe("resample", () => {
  const grid = { startMs: 0, stepSeconds: 60, length: 4 };
  it("averages finer datapoints, holds coarser ones, divides a Sum over the steps it covers", () => {
    const raw = (times: number[], values: number[]) => ({ source: "s", times, values });
    expect(
      Array.from(
        resample(raw([0, 20_000, 40_000, 60_000], [1, 2, 3, 8]), { periodSeconds: 20 }, grid)!,
      ),
    ).toEqual([2, 8, NaN, NaN]);
    expect(Array.from(resample(raw([0, 120_000], [5, 7]), { periodSeconds: 120 }, grid)!)).toEqual([
      5, 5, 7, 7,
    ]);
    expect(
      Array.from(resample(raw([0, 120_000], [10, 30]), { periodSeconds: 120, stat: "Sum" }, grid)!),
    ).toEqual([5, 5, 15, 15]);
    expect(
      Array.from(resample(raw([0, 20_000], [1, 2]), { periodSeconds: 20, stat: "Sum" }, grid)!),
    ).toEqual([3, NaN, NaN, NaN]);
    expect(resample(raw([600_000], [1]), { periodSeconds: 60 }, grid)).toBeNull();
  });
});

describe("loadObservedBundle on imported bundles", () => {
  it("takes per-task Container Insights series when the service-level ones are absent", async () => {
    // Task a runs all 6 minutes; task b starts at minute 3 (a scale-out).
    const b = await bundle("per-task", {
      requests: { period: 60, stat: "Sum", values: [600, 600, 600, 1200, 1200, 1200] },
      "task.a.CpuUtilized.Average": { period: 60, values: [100, 110, 100, 110, 100, 110] },
      "task.b.CpuUtilized.Average": {
        period: 60,
        startMs: T0 + 3 * MIN,
        values: [130, 120, 130],
      },
      "task.a.MemoryUtilized.Average": { period: 60, values: [400, 400, 400, 400, 400, 400] },
    });
    const w: Warning[] = [];
    const { observed, hasRequests } = await loadObservedBundle(b, (x) => w.push(x), {
      task: { cpu: "512", memory: "1024", architecture: "X86_64", capacityProvider: "FARGATE" },
    });
    expect(hasRequests).toBe(true);
    expect(Array.from(observed.runningTasks!)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(Array.from(observed.cpuUnitsPerTask!)).toEqual([100, 110, 100, 120, 110, 120]);
    expect(Array.from(observed.memoryMiBPerTask!)).toEqual([400, 400, 400, 400, 400, 400]);
    // Every task's datapoints size a task, not their means.
    expect(Array.from(observed.usage!.cpuUnits!).sort()).toEqual(
      [100, 100, 100, 110, 110, 110, 120, 130, 130].sort(),
    );
    expect(observed.task.cpu).toBe("512");
    expect(w).toEqual([]);
  });

  it("says rightsize still reads a series outside the requests' window only when it sizes a task", async () => {
    const b = await bundle("outside", {
      requests: { period: 60, stat: "Sum", values: [100, 100, 100] },
      "ci.RunningTaskCount.Average": {
        period: 60,
        startMs: T0 - 365 * 24 * 60 * MIN,
        values: [2],
      },
    });
    const w: Warning[] = [];
    await loadObservedBundle(b, (x) => w.push(x), {
      task: { cpu: "512", memory: "1024", architecture: "X86_64", capacityProvider: "FARGATE" },
    });
    const outside = w.filter((x) => x.code === "series-outside-window");
    expect(outside.map((x) => x.message)).toEqual([
      expect.stringMatching(/ci\.RunningTaskCount\.Average .*not compared with them\.$/),
    ]);
  });

  it("replays hourly requests at 5-minute steps and says which series were put on them", async () => {
    const b = await bundle("hourly", {
      requests: { period: 3600, stat: "Sum", values: [1200, 2400] },
      "ci.RunningTaskCount.Average": { period: 60, values: new Array<number>(120).fill(2) },
      "ci.CpuUtilized.Average": {
        period: 60,
        startMs: T0 - 365 * 24 * 60 * MIN,
        values: [300],
      },
    });
    const w: Warning[] = [];
    const { observed } = await loadObservedBundle(b, (x) => w.push(x));
    expect(observed.stepSeconds).toBe(300);
    expect(observed.length).toBe(24);
    expect(observed.requests[0]).toBe(100);
    expect(observed.requests[23]).toBe(200);
    expect(observed.runningTasks![5]).toBe(2);
    // The CPU is a year older than the requests: it sizes a task but is not compared with them.
    expect(observed.cpuUnitsPerTask).toBeNull();
    expect(Array.from(observed.usage!.cpuUnits!)).toEqual([300]);
    expect(w.map((x) => x.code)).toEqual([
      "coarse-series",
      "series-outside-window",
      "series-resampled",
      "no-current-config",
    ]);
    // It says rightsize still reads the CPU, which sizes a task.
    expect(w[1]!.message).toMatch(
      /ci\.CpuUtilized\.Average has 1 datapoint .*not compared with them \(rightsize still sizes a task from it\)\.$/,
    );
    // calibrate says why it cannot fit CPU, and never asks for Container Insights…
    const refusal = (() => {
      try {
        calibrate(observed);
      } catch (error) {
        return error as Error;
      }
    })();
    expect(refusal).toBeInstanceOf(CalibrationError);
    expect(refusal!.message).toMatch(
      /cannot be calibrated: the bundle has no CPU on the requests' steps .*give --config/,
    );
    expect(refusal!.message).not.toMatch(/Container Insights on/);
    // …and with today's model keeps its values, each named.
    const prior = ServiceModelSchema.parse({
      cpuMsPerRequest: 12,
      latencyMs: 7,
      memoryMiB: { base: 300, perInflightRequest: 1 },
    });
    const kept: Warning[] = [];
    const c = calibrate(observed, { prior }, (x) => kept.push(x));
    expect(c.service).toMatchObject({ cpuMsPerRequest: 12, latencyMs: 7 });
    expect(c.fits.cpu).toBeNull();
    expect(kept.map((x) => x.message)).toContain(
      "cpuMsPerRequest and idleCpuPercent could not be fitted (the bundle has no CPU on the requests' steps (ci.CpuUtilized.Average, task.<TaskId>.CpuUtilized.Average or ecs.CPUUtilization.Average for the same time as the requests)); they keep --config's values.",
    );
  });

  it("reads a bundle without requests: an empty grid, and its usage sizes a task", async () => {
    const b = await bundle("usage-only", {
      "task.a.CpuUtilized.Average": { period: 60, values: [300, 700, 400] },
      "task.a.MemoryUtilized.Average": { period: 60, values: [900, 950, 1000] },
    });
    const w: Warning[] = [];
    const { observed, hasRequests } = await loadObservedBundle(b, (x) => w.push(x));
    expect(hasRequests).toBe(false);
    expect(observed.length).toBe(0);
    const r = rightsizeFromUsage(observed, observed.task, resolvePrices(), "no traffic", {
      headroomPercent: 20,
    });
    // p95 of 300, 400, 700 (linear) = 670; × 1.2 = 804 CPU units → 1 vCPU. p99 memory 999 × 1.2.
    expect(r.need.cpuUnits).toBeCloseTo(804, 6);
    expect(r.recommended?.task).toMatchObject({ cpu: "1024", memory: "2048" });
    expect(r.simulated).toBe(false);
    expect(r.rows.every((row) => row.kpis === null && row.taskMonthlyCostUsd > 0)).toBe(true);
    expect(r.reasons.at(-1)).toBe("Not checked by simulation: no traffic.");
    expect(() => calibrate(observed)).toThrow(/the bundle has no requests series/);
  });
});

describe("loadObservedBundle on an ALB import", () => {
  it("reads the import's TargetResponseTime series (target-response-time-average, -p95) in ms", async () => {
    // dmastrop: 23 requests in one minute; target_processing_time 0.001 to 0.003 s (mean 2.17 ms).
    const out = join(dir, "alb-import");
    const io = captureIo();
    const code = await main(
      [
        "import",
        sharedData("alb/dmastrop-tomcat-alb-50-targets.log"),
        "--format",
        "alb",
        "--out",
        out,
      ],
      cliContext(io),
    );
    expect(code, io.text()).toBe(0);
    const w: Warning[] = [];
    const { observed } = await loadObservedBundle(out, (x) => w.push(x));
    expect(observed.length).toBe(1);
    expect(observed.requests[0]).toBe(23);
    const mean = observed.responseTimeMeanMs?.[0];
    const p95 = observed.responseTimeP95Ms?.[0];
    expect(mean).toBeCloseTo(50 / 23, 6);
    expect(p95).toBeGreaterThanOrEqual(mean!);
    expect(p95).toBeLessThan(3.1);
  });
});

describe("readTodaysConfig", () => {
  it("takes the task flags over the config's task, and names a flag that is wrong or alone", async () => {
    expect(await readTodaysConfig({})).toEqual({ config: null });
    expect((await readTodaysConfig({ taskCpu: "512", taskMemory: "1024" })).task).toMatchObject({
      cpu: "512",
      memory: "1024",
    });
    const config = join(dir, "today.json");
    await writeFile(
      config,
      JSON.stringify({
        trace: { file: "x.csv" },
        service: { cpuMsPerRequest: 5, memoryMiB: { base: 100, perInflightRequest: 0 } },
        task: { cpu: "2048", memory: "4096" },
        scaling: { MinCapacity: 1, MaxCapacity: 4, policies: [] },
      }),
    );
    const today = await readTodaysConfig({ config, taskMemory: "16384" });
    expect(today.task).toMatchObject({ cpu: "2048", memory: "16384" });
    expect(today.config?.service.cpuMsPerRequest).toBe(5);
    await expect(readTodaysConfig({ taskCpu: "512" })).rejects.toThrow(
      "--task-cpu needs --task-memory too (the task definition's cpu and memory, e.g. --task-cpu 512 --task-memory 1024).",
    );
    await expect(readTodaysConfig({ taskCpu: "3000", taskMemory: "1024" })).rejects.toThrow(
      /^--task-cpu 3000 --task-memory 1024: cpu "3000" is not a Fargate CPU value; use one of 256, /,
    );
    await expect(readTodaysConfig({ taskCpu: "3000", taskMemory: "1024" })).rejects.toBeInstanceOf(
      UsageError,
    );
  });
});
