/**
 * 20-s AWS/ECS CPU and memory: which metrics a service publishes at 20 s, which part of the
 * window CloudWatch still keeps at 20 s, and the collection over the wire (the real SDK against
 * the loopback fake), packed with the 60-s series or in chunks of their own.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeScalingActivitiesCommand } from "@aws-sdk/client-application-auto-scaling";
import { DescribeServiceRevisionsCommand } from "@aws-sdk/client-ecs";
import { afterEach, describe, expect, it } from "vitest";
import { readBundleManifest } from "../../../../analysis/io/files/bundle.js";
import {
  collect,
  type CollectDeps,
  type CollectRequest,
} from "../../../../analysis/io/aws/collect.js";
import {
  highResolutionMetricsOf,
  highResolutionWindow,
} from "../../../../analysis/io/aws/high-resolution.js";
import { planChunks } from "../../../../analysis/io/aws/packing.js";
import type { RetryOptions } from "../../../../analysis/io/aws/retry.js";
import type { Warning } from "../../../../sim/vocab/index.js";
import {
  startFakeAws,
  syntheticValue,
  syntheticValue20,
  type FakeAws,
  type FakeAwsOptions,
  wireClients,
} from "./fake-aws-server.js";
import {
  CPU_POLICY,
  HIGH_RESOLUTION_REVISION,
  REQUEST_POLICY,
  SERVICE_REVISION,
} from "./fixtures.js";
import { clients, mockAws } from "./mock-aws.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
/** Half a minute past noon: the minute now is in has no datapoint yet. */
const NOW = Date.UTC(2026, 10, 28, 12, 0, 30);
const NOON = Date.UTC(2026, 10, 28, 12);
const retry: RetryOptions = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
const BOTH = ["CPUUtilization", "MemoryUtilization"];

describe("highResolutionMetricsOf", () => {
  it("reads the revision's monitoring configuration, and ignores 60-s entries", () => {
    expect(highResolutionMetricsOf([HIGH_RESOLUTION_REVISION], [])).toEqual(BOTH);
    expect(highResolutionMetricsOf([SERVICE_REVISION], [REQUEST_POLICY, CPU_POLICY])).toEqual([]);
    const sixty = {
      ...SERVICE_REVISION,
      monitoring: { metricConfigurations: [{ metricNames: BOTH, resolutionSeconds: 60 }] },
    };
    expect(highResolutionMetricsOf([sixty], [])).toEqual([]);
  });

  it("takes a …HighResolution target-tracking policy as proof of 20-s metrics", () => {
    const policy = {
      ...REQUEST_POLICY,
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 70,
        PredefinedMetricSpecification: {
          PredefinedMetricType: "ECSServiceAverageMemoryUtilizationHighResolution" as const,
        },
      },
    };
    expect(highResolutionMetricsOf([], [policy])).toEqual(["MemoryUtilization"]);
  });
});

describe("highResolutionWindow", () => {
  it("keeps a window under 3 hours old whole", () => {
    expect(highResolutionWindow(NOON - 2 * HOUR, NOON, NOW)).toEqual({
      fromMs: NOON - 2 * HOUR,
      toMs: NOON,
    });
  });

  it("cuts an older start to 3 h minus the margin, on the 20-s grid", () => {
    const w = highResolutionWindow(NOON - 5 * HOUR, NOON, NOW, 300)!;
    // now − 2 h 55 min = 09:05:30, up to the 20-s grid: 09:05:40.
    expect(new Date(w.fromMs).toISOString()).toBe("2026-11-28T09:05:40.000Z");
    expect(w.toMs).toBe(NOON);
    expect(w.fromMs % 20_000).toBe(0);
  });

  it("is null for a window older than 3 hours", () => {
    expect(highResolutionWindow(NOON - 30 * HOUR, NOON - 24 * HOUR, NOW)).toBeNull();
  });
});

describe("planChunks with weights", () => {
  it("counts a 20-s query as 3 datapoints per minute", () => {
    const ids = Array.from({ length: 30 }, (_, i) => `q${i}`);
    const weights = ids.map((_, i) => (i < 26 ? 1 : 3));
    // 26 + 4 × 3 = 38 points a minute; 1,200 per call → 31 minutes a chunk → 4 chunks for 2 h.
    const chunks = planChunks(
      ids,
      0,
      120 * MIN,
      60,
      { maxQueries: 500, maxDatapoints: 1200 },
      weights,
    );
    expect(chunks).toHaveLength(4);
    for (const c of chunks) expect(((c.endMs - c.startMs) / MIN) * 38).toBeLessThanOrEqual(1200);
  });
});

let servers: FakeAws[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function server(options: FakeAwsOptions): Promise<FakeAws> {
  const s = await startFakeAws({ pageSize: 1000, ...options });
  servers.push(s);
  return s;
}

function deps(s: FakeAws, warnings: Warning[] = [], extra: Partial<CollectDeps> = {}): CollectDeps {
  return {
    ...wireClients(s),
    caplabVersion: "test",
    now: () => NOW,
    retry,
    warn: (w) => warnings.push(w),
    ...extra,
  };
}

async function request(
  fromMs: number,
  extra: Partial<CollectRequest> = {},
): Promise<CollectRequest> {
  const out = join(await mkdtemp(join(tmpdir(), "caplab-hires-")), "bundle");
  return {
    cluster: "prod",
    service: "api",
    fromMs,
    toMs: NOW,
    periodSeconds: 60,
    out,
    where: "local",
    ...extra,
  };
}

/** The rows of one series file, `[time ms, value or null]`. */
async function rows(dir: string, file: string): Promise<[number, number | null][]> {
  const text = await readFile(join(dir, file), "utf8");
  return text
    .trim()
    .split("\n")
    .slice(1)
    .map((row) => {
      const [time, value] = row.split(",");
      return [Date.parse(time!), value === "" ? null : Number(value)];
    });
}

describe("collect with 20-s metrics over the wire (127.0.0.1)", () => {
  it("collects a recent window's 20-s series in the same calls as the 60-s ones", async () => {
    const s = await server({ revision: HIGH_RESOLUTION_REVISION, highResolution: BOTH });
    const req = await request(NOON - 2 * HOUR);
    const result = await collect(req, deps(s));

    expect(result.periodSeconds).toBe(60);
    expect(result.highResolution).toEqual({ metrics: BOTH, fromMs: NOON - 2 * HOUR, toMs: NOON });
    // 26 × 120 + 4 × 360 = 4,560 datapoints: one call.
    expect(result.chunks).toBe(1);
    expect(result.getMetricDataCalls).toBe(1);

    const manifest = await readBundleManifest(req.out);
    const hi = manifest.series.filter((x) => x.id.endsWith(".20s"));
    expect(hi.map((x) => x.id)).toEqual([
      "ecs.CPUUtilization.Average.20s",
      "ecs.CPUUtilization.Maximum.20s",
      "ecs.MemoryUtilization.Average.20s",
      "ecs.MemoryUtilization.Maximum.20s",
    ]);
    for (const entry of hi) {
      expect(entry.periodSeconds).toBe(20);
      const key = `${entry.metricName}|${entry.stat}|${JSON.stringify(entry.dimensions)}`;
      const data = await rows(req.out, entry.file);
      expect(data).toHaveLength(360);
      data.forEach(([t, v], i) => {
        expect(t).toBe(NOON - 2 * HOUR + i * 20_000);
        expect(v).toBe(syntheticValue20(key, t / 1000));
      });
    }
    // The 60-s series beside them are untouched.
    const cpu = manifest.series.find((x) => x.id === "ecs.CPUUtilization.Average")!;
    expect(cpu.periodSeconds).toBe(60);
    const cpuRows = await rows(req.out, cpu.file);
    expect(cpuRows).toHaveLength(120);
    const cpuKey = `CPUUtilization|Average|${JSON.stringify(cpu.dimensions)}`;
    for (const [t, v] of cpuRows) expect(v).toBe(syntheticValue(cpuKey, t / 1000));
    expect(manifest.notes.join("\n")).toMatch(/also at 20 s/);
    const service = JSON.parse(await readFile(join(req.out, "service.json"), "utf8")) as {
      serviceRevisions: unknown[];
    };
    expect(service.serviceRevisions).toHaveLength(1);
  });

  it("collects only the last 3 hours at 20 s, in chunks of their own, and resumes the rest", async () => {
    const fromMs = NOON - 5 * HOUR;
    const failing = await server({
      revision: HIGH_RESOLUTION_REVISION,
      highResolution: BOTH,
      failAfterPages: 1,
    });
    const req = await request(fromMs, { toMs: NOON });
    await expect(collect(req, deps(failing))).rejects.toThrow();

    // A minute later (the 20-s window has moved): the 60-s chunk is read back, the 20-s one fetched.
    const s = await server({ revision: HIGH_RESOLUTION_REVISION, highResolution: BOTH });
    const later = NOW + MIN;
    const result = await collect(req, deps(s, [], { now: () => later }));
    expect(result.chunks).toBe(2);
    expect(result.resumedChunks).toBe(1);
    expect(result.getMetricDataCalls).toBe(1);
    const expectedFrom = Math.ceil((later - (3 * HOUR - 5 * MIN)) / 20_000) * 20_000;
    expect(result.highResolution).toMatchObject({ fromMs: expectedFrom, toMs: NOON });

    const manifest = await readBundleManifest(req.out);
    const entry = manifest.series.find((x) => x.id === "ecs.CPUUtilization.Average.20s")!;
    const data = await rows(req.out, entry.file);
    expect(data).toHaveLength((NOON - expectedFrom) / 20_000);
    expect(data[0]![0]).toBe(expectedFrom);
    expect(manifest.notes.join("\n")).toMatch(/earlier part of the window has 60-s data only/);
    const requests = manifest.series.find((x) => x.id === "requests")!;
    expect(await rows(req.out, requests.file)).toHaveLength(300);
  });

  it("raises --period 20 to 60 for a service without 20-s metrics, and writes no 20-s series", async () => {
    const s = await server({});
    const warnings: Warning[] = [];
    const req = await request(NOON - HOUR, { periodSeconds: 20 });
    const result = await collect(req, deps(s, warnings));
    expect(result.periodSeconds).toBe(60);
    expect(result.highResolution).toBeNull();
    expect(warnings.map((w) => w.code)).toContain("period-raised");
    const manifest = await readBundleManifest(req.out);
    expect(manifest.series.some((x) => x.periodSeconds !== 60)).toBe(false);
    // With 60-s publishing, a 20-s query would have come back with two gaps in three slots.
    const requests = manifest.series.find((x) => x.id === "requests")!;
    const data = await rows(req.out, requests.file);
    expect(data.filter(([, v]) => v === null).length).toBeLessThan(3);
  });

  it("warns when the service has 20-s metrics but the window is older than 3 hours", async () => {
    const s = await server({ revision: HIGH_RESOLUTION_REVISION, highResolution: BOTH });
    const warnings: Warning[] = [];
    const req = await request(NOON - 30 * HOUR, { toMs: NOON - 24 * HOUR });
    const result = await collect(req, deps(s, warnings));
    expect(result.highResolution).toBeNull();
    expect(warnings.map((w) => w.code)).toContain("high-resolution-expired");
  });

  it("skips the 20-s series when asked (--no-high-resolution)", async () => {
    const s = await server({ revision: HIGH_RESOLUTION_REVISION, highResolution: BOTH });
    const req = await request(NOON - HOUR, { highResolution: false });
    const result = await collect(req, deps(s));
    expect(result.highResolution).toBeNull();
    expect(result.series).toBe(26);
  });
});

describe("collect when DescribeServiceRevisions is denied", () => {
  it("warns, names the IAM action, and still writes the bundle", async () => {
    const aws = mockAws();
    try {
      aws.ecs
        .on(DescribeServiceRevisionsCommand)
        .rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));
      const warnings: Warning[] = [];
      const req = await request(NOON - HOUR);
      const result = await collect(req, {
        ...clients(),
        caplabVersion: "test",
        now: () => NOW,
        retry,
        warn: (w) => warnings.push(w),
      });
      expect(result.series).toBe(26);
      const w = warnings.find((x) => x.code === "service-revisions-unreadable");
      expect(w?.message).toMatch(/ecs:DescribeServiceRevisions/);
    } finally {
      aws.restore();
    }
  });
});

describe("collect when DescribeScalingActivities fails", () => {
  it("warns, names the IAM action, and still writes the bundle without activities", async () => {
    const aws = mockAws();
    try {
      // moto 5.2 answers this call with HTTP 500 (not implemented).
      aws.aas
        .on(DescribeScalingActivitiesCommand)
        .rejects(Object.assign(new Error("not implemented"), { name: "InternalFailure" }));
      const warnings: Warning[] = [];
      const req = await request(NOON - HOUR);
      const result = await collect(req, {
        ...clients(),
        caplabVersion: "test",
        now: () => NOW,
        retry,
        warn: (w) => warnings.push(w),
      });
      expect(result.series).toBe(26);
      const w = warnings.find((x) => x.code === "scaling-activities-unreadable");
      expect(w?.message).toMatch(/application-autoscaling:DescribeScalingActivities/);
    } finally {
      aws.restore();
    }
  });
});
