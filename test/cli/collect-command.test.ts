/** `caplab collect` end to end: flags → real SDK clients → a local wire-protocol server → a bundle. */
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readBundleManifest } from "../../analysis/io/files/bundle.js";
import {
  parseCollectTime,
  runCollectCommand,
  setupCollectCommand,
} from "../../cli/collect-command.js";
import { UsageError } from "../../sim/vocab/errors.js";
import { loadTraceSource } from "../../analysis/io/files/trace-file.js";
import {
  ScalingSchema,
  TaskSizeSchema,
  TraceSourceSchema,
  type Warning,
} from "../../sim/vocab/index.js";
import { startFakeAws, type FakeAws } from "../analysis/io/aws/fake-aws-server.js";
import { HIGH_RESOLUTION_REVISION, TARGET_GROUP_PLATFORM } from "../analysis/io/aws/fixtures.js";
import { captureIo, cliContext } from "../helpers/io.js";
import { main } from "../../cli/main.js";

const capture = captureIo;

/** `caplab collect` through commander: the service `api` in `prod`, from `url`, plus `args`. */
async function runCollectCli(url: string, args: string[]): Promise<{ code: number; text: string }> {
  const io = capture();
  let code = -1;
  const program = new Command("caplab").exitOverride();
  setupCollectCommand(program.command("collect"), cliContext(io), (c) => (code = c));
  await program.parseAsync(
    [
      "collect",
      ...["--cluster", "prod", "--service", "api", "--region", "us-east-1"],
      ...["--endpoint-url", url, ...args],
    ],
    { from: "user" },
  );
  return { code, text: io.text() };
}

let fake: FakeAws;
beforeEach(async () => {
  fake = await startFakeAws({ pageSize: 2000 });
  vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDTEST");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test-secret");
  vi.stubEnv("AWS_SESSION_TOKEN", "");
  vi.stubEnv("AWS_PROFILE", "");
  vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
  // The period rule depends on the data's age: pin "now" a day after the window.
  vi.useFakeTimers({ toFake: ["Date"], now: Date.UTC(2026, 10, 22) });
});
afterEach(async () => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  await fake.close();
});

describe("caplab collect", () => {
  it("writes a bundle that loadTraceSource reads, with a current configuration that parses", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-collect-cli-"));
    const out = join(dir, "api-week");
    const { code, text } = await runCollectCli(fake.url, [
      ...["--from", "2026-11-20T00:00:00Z", "--to", "2026-11-21T00:00:00Z", "--out", out],
    ]);
    expect(code).toBe(0);
    expect(text).toMatch(/Wrote .*api-week: 26 series over 1\.00 days at 60-s steps/);
    expect(text).toMatch(/Current configuration: 512 CPU \/ 1024 MiB, 2–10 tasks, 3 policies/);
    expect(text).not.toMatch(/test-secret|AKIDTEST/);
    expect((await readdir(dir)).sort()).toEqual(["api-week"]);

    const manifest = await readBundleManifest(out);
    expect(TaskSizeSchema.parse(manifest.current!.task)).toEqual(manifest.current!.task);
    expect(ScalingSchema.parse(manifest.current!.scaling)).toEqual(manifest.current!.scaling);
    expect(manifest.caplabVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.source.kind).toBe("cloudwatch");

    const warnings: Warning[] = [];
    const loaded = await loadTraceSource(TraceSourceSchema.parse({ file: out }), dir, (w) =>
      warnings.push(w),
    );
    expect(loaded.trace.stepSeconds).toBe(60);
    expect(loaded.trace.requests.length).toBe(1440);
    expect(loaded.current?.scaling.MaxCapacity).toBe(10);
    expect(loaded.platform).toEqual(TARGET_GROUP_PLATFORM);
  });

  it("records the target group's settings, says so, and simulate takes them unless the config's platform: sets them", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-collect-cli-"));
    const out = join(dir, "api-day");
    const { code, text } = await runCollectCli(fake.url, [
      ...["--from", "2026-11-20T00:00:00Z", "--to", "2026-11-21T00:00:00Z", "--out", out],
    ]);
    expect(code).toBe(0);
    expect(text).toContain(
      "Target group: health checks every 10 s, timeout 4 s, unhealthy after 2 failed checks, healthy after 3 passed, deregistration delay 45 s, slow start 60 s, least_outstanding_requests routing; simulate, plan and calibrate take these from the bundle unless a config's platform: sets them.",
    );
    // The real SDK parsed ELBv2's XML: one DescribeTargetGroups, one attributes call.
    expect(fake.stats.requests.DescribeTargetGroups).toBe(1);
    expect(fake.stats.requests.DescribeTargetGroupAttributes).toBe(1);
    const manifest = await readBundleManifest(out);
    const simulateWith = async (platform: string[]) => {
      const config = join(dir, `config-${platform.length}.yaml`);
      await writeFile(
        config,
        [
          "trace: { file: api-day }",
          "service: { cpuMsPerRequest: 10, latencyMs: 20, memoryMiB: { base: 300 } }",
          `task: ${JSON.stringify(manifest.current!.task)}`,
          `scaling: ${JSON.stringify(manifest.current!.scaling)}`,
          ...platform,
        ].join("\n"),
      );
      const io = capture();
      const result = await main(
        ["simulate", config, "--out", join(dir, `sim-${platform.length}`)],
        cliContext(io, { cwd: dir }),
      );
      expect(result, io.text()).toBe(0);
      return io.stderr();
    };
    expect(await simulateWith([])).toContain(
      "Platform from the bundle's target group (caplab collect): health checks every 10 s, timeout 4 s, unhealthy after 2 failed checks, healthy after 3 passed, deregistration delay 45 s, slow start 60 s, least_outstanding_requests routing; a config's platform: overrides them.\n",
    );
    expect(
      await simulateWith([
        "platform: { healthCheckIntervalSeconds: 30, loadBalancingAlgorithm: round_robin }",
      ]),
    ).toContain(
      "Platform from the bundle's target group (caplab collect): timeout 4 s, unhealthy after 2 failed checks, healthy after 3 passed, deregistration delay 45 s, slow start 60 s; a config's platform: overrides them.\n",
    );
  });

  it("collects 20-s CPU and memory for a recent window, says so, and --no-high-resolution skips them", async () => {
    await fake.close();
    fake = await startFakeAws({
      pageSize: 2000,
      revision: HIGH_RESOLUTION_REVISION,
      highResolution: ["CPUUtilization", "MemoryUtilization"],
    });
    const dir = await mkdtemp(join(tmpdir(), "caplab-collect-cli-"));
    const run = (out: string, extra: string[]) =>
      runCollectCli(fake.url, ["--from", "now-2h", "--to", "now", "--out", out, ...extra]);
    const hi = await run(join(dir, "hi"), []);
    expect(hi.code).toBe(0);
    expect(hi.text).toMatch(/30 series over 0\.08 days at 60-s steps/);
    expect(hi.text).toMatch(
      /20-s data: CPUUtilization and MemoryUtilization \(AWS\/ECS, series \*\.20s\) from 2026-11-21T22:00:00\.000Z to 2026-11-22T00:00:00\.000Z/,
    );
    const manifest = await readBundleManifest(join(dir, "hi"));
    expect(manifest.series.filter((s) => s.periodSeconds === 20)).toHaveLength(4);
    const loaded = await loadTraceSource(
      TraceSourceSchema.parse({ file: join(dir, "hi") }),
      dir,
      () => {},
    );
    expect(loaded.trace.requests.length).toBe(120);

    const plain = await run(join(dir, "plain"), ["--no-high-resolution"]);
    expect(plain.code).toBe(0);
    expect(plain.text).toMatch(/26 series/);
    expect(plain.text).not.toMatch(/20-s data/);
  });

  it("stops cleanly when interrupted before anything was fetched", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-collect-cli-"));
    const io = capture();
    const code = await runCollectCommand(
      {
        cluster: "prod",
        service: "api",
        from: "2026-11-20T00:00:00Z",
        to: "2026-11-21T00:00:00Z",
        region: "us-east-1",
        endpointUrl: fake.url,
        out: join(dir, "b"),
      },
      cliContext(io),
      { signal: AbortSignal.abort() },
    );
    expect(code).toBe(130);
    expect(io.text()).toMatch(/Stopped/);
  });

  it("rejects a window that is not a time, or backwards, in one sentence", async () => {
    const io = capture();
    const base = {
      cluster: "c",
      service: "s",
      out: "x",
      endpointUrl: fake.url,
      region: "us-east-1",
    };
    await expect(
      runCollectCommand({ ...base, from: "yesterday", to: "now" }, cliContext(io)),
    ).rejects.toThrow(/--from "yesterday" is not a time; give ISO 8601/);
    await expect(
      runCollectCommand({ ...base, from: "now", to: "now-1d" }, cliContext(io)),
    ).rejects.toThrow(UsageError);
  });

  it("--max-tasks caps the per-task series; without enhanced observability it warns", async () => {
    const tasksFake = await startFakeAws({
      pageSize: 2000,
      tasks: ["b2", "a1", "c3"].map((taskId) => ({
        cluster: "prod",
        family: "api",
        taskId,
        containers: ["app"],
      })),
    });
    try {
      const dir = await mkdtemp(join(tmpdir(), "caplab-collect-cli-"));
      const run = (url: string, out: string, extra: string[]) =>
        runCollectCli(url, [
          ...["--from", "2026-11-20T00:00:00Z", "--to", "2026-11-20T06:00:00Z"],
          ...["--out", join(dir, out), ...extra],
        ]);
      const capped = await run(tasksFake.url, "capped", ["--max-tasks", "2"]);
      expect(capped.code).toBe(0);
      // 26 + 2 tasks × (2 task + 2 container) series.
      expect(capped.text).toMatch(/Wrote .*capped: 34 series/);
      expect(capped.text).toMatch(/warning: ListMetrics found 3 tasks; .* first 2 by TaskId/);
      const manifest = await readBundleManifest(join(dir, "capped"));
      expect(manifest.series.map((x) => x.id)).toContain("container.a1.app.CpuUtilized.Average");
      expect(manifest.series.map((x) => x.id)).not.toContain("task.c3.CpuUtilized.Average");

      const off = await run(fake.url, "off", []);
      expect(off.code).toBe(0);
      expect(off.text).toMatch(/Wrote .*off: 26 series/);
      expect(off.text).toMatch(/warning: no per-task metrics \(enhanced observability off\)/);
      await expect(run(fake.url, "bad", ["--max-tasks", "many"])).rejects.toThrow(
        /--max-tasks takes a whole number/,
      );
    } finally {
      await tasksFake.close();
    }
  });

  it("reads ISO times, now and now-7d", () => {
    const now = Date.UTC(2026, 10, 29, 12);
    expect(parseCollectTime("--from", "now-7d", now)).toBe(now - 7 * 86_400_000);
    expect(parseCollectTime("--from", "now-90m", now)).toBe(now - 90 * 60_000);
    expect(parseCollectTime("--to", "now", now)).toBe(now);
    expect(parseCollectTime("--to", "2026-11-01T00:00:00Z", now)).toBe(Date.UTC(2026, 10, 1));
  });
});
