import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  isBundle,
  readBundleManifest,
  readBundleSeries,
  seriesFiles,
  writeBundle,
} from "../../../../analysis/io/files/bundle.js";
import { main, type Io } from "../../../../cli/main.js";
import { loadTraceSource } from "../../../../analysis/io/files/trace-file.js";
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  TraceBundleManifestSchema,
  bundleFormatFor,
} from "../../../../sim/vocab/index.js";
import { UsageError } from "../../../../sim/vocab/errors.js";
import { captureIo, cliContext } from "../../../helpers/io.js";

const silent: Io = { out: () => {}, err: () => {}, isTty: false };

async function sampleBundle(dir: string): Promise<string> {
  const path = join(dir, "bundle");
  const startMs = Date.UTC(2026, 10, 2);
  const values = Array.from({ length: 180 }, (_, i) => (i >= 60 && i < 65 ? NaN : 3000 + 10 * i));
  const manifest = TraceBundleManifestSchema.parse({
    format: BUNDLE_FORMAT,
    caplabVersion: "test",
    createdAt: "2026-11-29T00:00:00Z",
    source: { kind: "cloudwatch", detail: "test" },
    window: {
      from: new Date(startMs).toISOString(),
      to: new Date(startMs + 180 * 60_000).toISOString(),
    },
    stepSeconds: 60,
    series: [
      {
        id: "requests",
        file: "series/requests.csv",
        namespace: "AWS/ApplicationELB",
        metricName: "RequestCount",
        stat: "Sum",
        periodSeconds: 60,
      },
    ],
    current: {
      task: { cpu: "512", memory: "1024" },
      scaling: {
        MinCapacity: 2,
        MaxCapacity: 9,
        policies: [
          {
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: 60,
              PredefinedMetricSpecification: {
                PredefinedMetricType: "ECSServiceAverageCPUUtilization",
              },
            },
          },
        ],
      },
    },
  });
  await writeBundle(path, manifest, new Map([["requests", { startMs, stepSeconds: 60, values }]]), {
    "service.json": "{}\n",
  });
  return path;
}

describe("trace bundles", () => {
  it("round-trip: gaps stay gaps, the current configuration comes along", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-bundle-"));
    const path = await sampleBundle(dir);
    expect(await isBundle(path)).toBe(true);
    expect(await isBundle(join(path, "manifest.json"))).toBe(false);
    expect((await readdir(dir)).filter((f) => f.includes(".tmp"))).toEqual([]);
    const warnings: string[] = [];
    const { trace, current } = await loadTraceSource(
      { file: "bundle", scale: 1, seed: 1 },
      dir,
      (w) => warnings.push(w.code),
    );
    expect(trace.requests.length).toBe(180);
    expect(Array.from(trace.gap.slice(58, 67))).toEqual([0, 0, 1, 1, 1, 1, 1, 0, 0]);
    expect(trace.requests[0]).toBe(3000);
    expect(warnings.length).toBeGreaterThan(0);
    expect(current?.scaling.MaxCapacity).toBe(9);
    expect((await readBundleManifest(path)).series[0]?.metricName).toBe("RequestCount");
  });

  it("is accepted by simulate and plan wherever a trace file is", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-bundle-"));
    await sampleBundle(dir);
    await writeFile(
      join(dir, "sim.yaml"),
      'trace: { file: bundle }\nservice: { cpuMsPerRequest: 10, memoryMiB: { base: 200 } }\ntask: { cpu: "512", memory: "1024" }\nscaling: { MinCapacity: 1, MaxCapacity: 5 }\n',
    );
    expect(await main(["simulate", join(dir, "sim.yaml"), "--out", join(dir, "sim")], silent)).toBe(
      0,
    );
    const csv = await readFile(join(dir, "sim", "timeline.csv"), "utf8");
    expect(csv.trim().split("\n")).toHaveLength(181);
    await writeFile(
      join(dir, "plan.yaml"),
      'trace: { file: bundle }\nservice: { cpuMsPerRequest: 10, memoryMiB: { base: 200 } }\nspace: { taskSizes: [{ cpu: "512", memory: "1024" }], metrics: [ECSServiceAverageCPUUtilization], utilizationTargets: [50], MinCapacity: [1], ScaleOutCooldown: [300] }\nrobustness: { topK: 1 }\n',
    );
    const code = await main(
      [
        "plan",
        join(dir, "plan.yaml"),
        "--out",
        join(dir, "plan"),
        "--workers",
        "0",
        "--allow-short-trace",
      ],
      silent,
    );
    expect([0, 3]).toContain(code);
    const candidates = await readFile(join(dir, "plan", "candidates.csv"), "utf8");
    expect(candidates).toMatch(/current: 0\.5 vCPU/);
  });

  it("rejects a broken manifest with one sentence", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-bundle-"));
    const path = await sampleBundle(dir);
    await writeFile(join(path, "manifest.json"), JSON.stringify({ format: "something-else" }));
    await expect(readBundleManifest(path)).rejects.toThrow(/manifest\.json.*format/);
  });
});

/**
 * The manifest's format version: fields were added to format 1 (current.deployment,
 * current.platform) without a bump, so a caplab that did not know them said "current.platform
 * is not a known field; remove it or fix the spelling" of a newer caplab's bundle, as if the
 * bundle were wrong. Now a bundle is written at the lowest version that holds its fields, and a
 * manifest of a version above this caplab's says to upgrade.
 */
describe("the bundle format version", () => {
  const rewrite = async (path: string, change: (m: Record<string, unknown>) => void) => {
    const file = join(path, "manifest.json");
    const manifest = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    change(manifest);
    await writeFile(file, JSON.stringify(manifest));
  };
  const platform = { healthCheckIntervalSeconds: 10 };

  it("is written as the lowest version that holds the manifest's fields", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-bundle-"));
    const path = await sampleBundle(dir);
    expect((await readBundleManifest(path)).format).toBe("caplab-trace-bundle/1");
    const manifest = await readBundleManifest(path);
    const withPlatform = join(dir, "with-platform");
    await writeBundle(
      withPlatform,
      { ...manifest, current: { ...manifest.current!, platform } },
      new Map([["requests", { startMs: Date.UTC(2026, 10, 2), stepSeconds: 60, values: [1, 2] }]]),
    );
    expect((await readBundleManifest(withPlatform)).format).toBe("caplab-trace-bundle/2");
    expect(bundleFormatFor({ current: { deployment: {} } })).toBe("caplab-trace-bundle/2");
    expect(bundleFormatFor({})).toBe(BUNDLE_FORMAT);
    expect(BUNDLE_FORMAT_VERSION).toBe(2);
  });

  it("of an older bundle still reads, with the fields added to version 1 without a bump", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-bundle-"));
    const path = await sampleBundle(dir);
    await rewrite(path, (m) => {
      m.format = "caplab-trace-bundle/1";
      (m.current as Record<string, unknown>).platform = platform;
    });
    expect((await readBundleManifest(path)).current?.platform).toEqual(platform);
  });

  it("above this caplab's: an unknown field says to upgrade caplab; known fields read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-bundle-"));
    const path = await sampleBundle(dir);
    await rewrite(path, (m) => {
      m.format = "caplab-trace-bundle/3";
      (m.current as Record<string, unknown>).capacityProviders = ["FARGATE_SPOT"];
    });
    const error = await readBundleManifest(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe("newer-bundle");
    expect((error as UsageError).message).toBe(
      `${join(path, "manifest.json")} was written by a newer caplab (format 3; this one reads up to 2): upgrade caplab to read it.`,
    );
    const io = captureIo();
    const out = join(dir, "report");
    expect(await main(["report", path, "--out", out], cliContext(io))).toBe(2);
    expect(io.stderr()).toContain(
      "was written by a newer caplab (format 3; this one reads up to 2)",
    );
    await rewrite(path, (m) => {
      delete (m.current as Record<string, unknown>).capacityProviders;
    });
    expect((await readBundleManifest(path)).format).toBe("caplab-trace-bundle/3");
  });

  it("at or below this caplab's: an unknown field is a mistake to fix, as before", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-bundle-"));
    const path = await sampleBundle(dir);
    await rewrite(path, (m) => {
      m.format = "caplab-trace-bundle/2";
      (m.current as Record<string, unknown>).platfrom = platform;
    });
    await expect(readBundleManifest(path)).rejects.toThrow(
      "current.platfrom is not a known field; remove it or fix the spelling.",
    );
  });
});

describe("series file names from input", () => {
  /** A get-metric-data result of Id `id` with `value` at two minutes. */
  const result = (id: string, value: number) => ({
    Id: id,
    Label: "x",
    Timestamps: ["2026-01-01T00:01:00Z", "2026-01-01T00:00:00Z"],
    Values: [value, value],
    StatusCode: "Complete",
  });

  it("holds apart ids that differ only in case, and cuts an id too long for a file name", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-series-names-"));
    const long = `m${"x".repeat(300)}`;
    const results = [result("cpu", 1), result("cPU", 2), result(long, 3)];
    await writeFile(join(dir, "cw.json"), JSON.stringify({ MetricDataResults: results }));
    const out = join(dir, "bundle");
    const err: string[] = [];
    const io: Io = { out: () => {}, err: (t) => void err.push(t), isTty: false };
    // Before: ENAMETOOLONG with a stack (exit 1); and cpu.csv, cPU.csv one file on macOS.
    expect(
      await main(["import", "--format", "cloudwatch", "--out", out, join(dir, "cw.json")], io),
    ).toBe(0);
    const manifest = await readBundleManifest(out);
    const files = manifest.series.map((s) => s.file);
    expect(new Set(files.map((f) => f.toLowerCase())).size).toBe(3);
    for (const f of files)
      expect(Buffer.byteLength(f.slice("series/".length))).toBeLessThanOrEqual(128);
    expect(files).toContain("series/cpu.csv");
    expect(files.find((f) => f.startsWith("series/cPU-"))).toMatch(
      /^series\/cPU-[0-9a-f]{8}\.csv$/,
    );
    // Each series reads back with its own values.
    for (const [i, s] of manifest.series.entries()) {
      const values = (await readBundleSeries(out, s)).values;
      expect([...values]).toEqual([i + 1, i + 1]);
    }
    expect((await readdir(join(out, "series"))).length).toBe(3);
  });

  it("keeps ids that fit as they are (seriesFiles)", () => {
    const given = [
      { id: "requests", file: "series/requests.csv" },
      { id: "a.Sum", file: "series/a.Sum.csv" },
    ];
    expect(seriesFiles(given)).toEqual(given);
  });
});
