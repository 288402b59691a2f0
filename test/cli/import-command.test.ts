import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readBundleManifest, readBundleSeries } from "../../analysis/io/files/bundle.js";
import { runImportCommand } from "../../cli/import-command.js";
import { main } from "../../cli/main.js";
import { loadTraceSource } from "../../analysis/io/files/trace-file.js";
import { TraceSourceSchema } from "../../sim/vocab/index.js";
import { albObjects, startFakeS3, type FakeS3 } from "../analysis/io/import/s3-server.js";
import { captureIo, cliContext } from "../helpers/io.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const data = (name: string): string =>
  fileURLToPath(new URL(`../../../shared/data/${name}`, import.meta.url));

const capture = captureIo;

const now = (): Date => new Date("2026-11-29T00:00:00Z");

async function totalRequests(bundle: string): Promise<number> {
  const { trace } = await loadTraceSource(TraceSourceSchema.parse({ file: bundle }), "/", () => {});
  let sum = 0;
  for (const v of trace.requests) sum += v;
  return sum;
}

describe("caplab import (runImportCommand)", () => {
  it("counts a CSV's bad rows, reports them with their line, and keeps importing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-import-csv-"));
    const csv = [
      "time,requests",
      "2026-01-01T00:00:00Z,10",
      "2026-01-01T00:01:00Z,oops",
      "2026-01-01T00:02:00Z,30",
      "bad-time,5",
      "2026-01-01T00:03:00Z,40",
    ].join("\n");
    await writeFile(join(dir, "r.csv"), csv);
    const out = join(dir, "bundle");
    const io = capture();
    expect(
      await runImportCommand([join(dir, "r.csv")], { format: "csv", out }, cliContext(io, { now })),
    ).toBe(0);
    expect(io.stderr()).toMatch(/r\.csv line 3 "oops"/);
    expect(io.stderr()).toMatch(/r\.csv line 5/);
    expect(await totalRequests(out)).toBe(80);
    expect((await readBundleManifest(out)).notes.join(" ")).toMatch(/2 bad lines skipped/);
  });

  it("writes a bundle from an ALB log folder that loadTraceSource reads back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-import-cli-"));
    await mkdir(join(dir, "logs", "a"), { recursive: true });
    await copyFile(data("alb/dmastrop-tomcat-alb-50-targets.log"), join(dir, "logs", "a", "x.log"));
    await copyFile(data("alb/nawab312-real-alb.log"), join(dir, "logs", "y.log"));
    const out = join(dir, "bundle");
    const io = capture();
    const code = await runImportCommand(
      [join(dir, "logs")],
      { format: "alb", out },
      cliContext(io, { now }),
    );
    expect(code).toBe(0);
    // Two load balancers: the one with more lines is --out, the other sits beside it.
    expect(io.stdout()).toMatch(
      /^Imported 23 requests of app\/tomcat-load-balancer\/d12d886025a14d3f from 2 inputs \(26 lines, 0 bad\)/,
    );
    expect(io.stdout()).toMatch(
      /\nImported 1 request of app\/MyALB1\/240dbdc5244653c9 .* into .*bundle-MyALB1\n {2}and 2 requests that reached no target \(redirects, fixed responses, refusals: series requests-without-target, not in requests\)\n/,
    );
    // Every request of the tomcat one reached a target: no such line for it.
    expect(io.stdout()).not.toMatch(/bundle\n {2}and /);
    expect(io.stderr()).toMatch(
      /^warning: the logs hold 2 load balancers; each has its own bundle \(app\/tomcat-load-balancer\/d12d886025a14d3f → .*bundle, app\/MyALB1\/240dbdc5244653c9 → .*bundle-MyALB1\)/,
    );

    const manifest = await readBundleManifest(out);
    expect(manifest.source.kind).toBe("alb-access-logs");
    expect(manifest.source.detail).toMatch(
      /load balancer app\/tomcat-load-balancer\/d12d886025a14d3f$/,
    );
    expect(manifest.stepSeconds).toBe(60);
    expect(manifest.createdAt).toBe("2026-11-29T00:00:00.000Z");
    expect(manifest.window).toEqual({
      from: "2025-04-08T00:42:00.000Z",
      to: "2025-04-08T00:43:00.000Z",
    });
    expect(manifest.series.map((s) => s.id)).toEqual([
      "requests",
      "requests-without-target",
      "elb-5xx",
      "target-5xx",
      "target-response-time-average",
      "target-response-time-p95",
    ]);
    expect(manifest.notes[0]).toMatch(
      /^read 26 lines from 2 inputs: 23 of load balancer app\/tomcat-load-balancer\/d12d886025a14d3f, 23 requests in the window, 0 bad lines/,
    );
    expect(await readFile(join(out, "series", "requests.csv"), "utf8")).toBe(
      "time,value\n2025-04-08T00:42:00.000Z,23\n",
    );
    expect(await totalRequests(out)).toBe(23);

    // requests is CloudWatch's RequestCount: only the line that reached a target counts.
    const other = `${out}-MyALB1`;
    expect(await totalRequests(other)).toBe(1);
    expect(await readFile(join(other, "series", "requests-without-target.csv"), "utf8")).toBe(
      "time,value\n2025-03-01T10:03:00.000Z,2\n",
    );
    expect((await readBundleManifest(other)).notes.join(" ")).toMatch(
      /2 of the 3 requests reached no target .* in requests-without-target, not in requests/,
    );
  });

  it("imports the seven-year ALB folder (five load balancers) in seconds into small bundles", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-import-cli-"));
    const out = join(dir, "alb");
    const io = capture();
    expect(
      await runImportCommand([data("alb")], { format: "alb", out }, cliContext(io, { now })),
    ).toBe(0);
    const folders = (await readdir(dir)).sort();
    expect(folders).toEqual([
      "alb",
      "alb-MyALB1",
      "alb-admin-LoadB-1EGHQRJIOLMFR",
      "alb-internal-service-alb",
      "alb-my-loadbalancer",
    ]);
    let bytes = 0;
    let requests = 0;
    for (const f of folders) {
      for (const file of await readdir(join(dir, f, "series")))
        bytes += (await stat(join(dir, f, "series", file))).size;
      requests += await totalRequests(join(dir, f));
    }
    expect(bytes).toBeLessThan(20_000);
    expect(requests).toBe(23 + 1 + 8 + 0 + 0); // the lines that reached a target
    expect(io.stderr()).toMatch(
      /load balancer app\/my-loadbalancer\/50dc6c495c0c9188 holds requests in 2 stretches/,
    );
    // Counts read as the summary's do, digits grouped.
    expect(io.stderr()).toMatch(/the bundle keeps 2 of the \d{1,3}(,\d{3})+ steps between/);

    // One load balancer alone: no folder beside --out.
    const one = join(dir, "one");
    expect(
      await runImportCommand(
        [data("alb")],
        { format: "alb", out: one, loadBalancer: "MyALB1", quiet: true },
        cliContext(capture(), { now }),
      ),
    ).toBe(0);
    expect((await readdir(dir)).filter((f) => f.startsWith("one"))).toEqual(["one"]);
    await expect(
      runImportCommand(
        [data("alb")],
        { format: "nginx", out: one, loadBalancer: "x" },
        cliContext(capture(), { now }),
      ),
    ).rejects.toThrow(/--load-balancer goes with --format alb only/);
  });

  it("imports nginx with a bad line: warns with the line number and still writes the bundle", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-import-cli-"));
    const out = join(dir, "bundle");
    const io = capture();
    const code = await runImportCommand(
      [data("nginx/apache_logs.elastic-examples.combined.log")],
      { format: "nginx", out, quiet: true },
      cliContext(io, { now }),
    );
    expect(code).toBe(0);
    expect(io.stdout()).toBe("");
    expect(io.stderr()).toMatch(
      /^warning: .*combined\.log line 8899 has a quoted field that is not closed/,
    );
    expect(await totalRequests(out)).toBe(9999);
    expect((await readBundleManifest(out)).notes.join("\n")).toMatch(/1 bad line skipped/);
  });

  it("imports k6 NDJSON into a run bundle whose trace/ simulate and plan read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-import-cli-"));
    const out = join(dir, "bundle");
    await runImportCommand(
      [data("k6/out-json.xk6-dashboard-result.ndjson")],
      { format: "k6", out, step: "5", quiet: true, record: false },
      cliContext(capture(), { now }),
    );
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ format: "caplab-run-bundle/1", on: "import" });
    expect((await readBundleManifest(join(out, "trace"))).source.kind).toBe("k6-json");
    expect(await totalRequests(join(out, "trace"))).toBe(322);
  });

  it("refuses bad flags with one sentence", async () => {
    const run = (opts: Record<string, string>): Promise<number> =>
      runImportCommand(
        [data("alb")],
        { out: "/tmp/never", ...opts },
        cliContext(capture(), { now }),
      );
    // Without --format, a source that is not one format throughout is refused.
    await expect(
      runImportCommand(
        [data("alb/nawab312-real-alb.log"), data("k6/out-json.k6-docs-example.ndjson")],
        { out: "/tmp/never" },
        cliContext(capture(), { now }),
      ),
    ).rejects.toThrow(/needs --format .*sources of different formats import one --format/);
    await expect(run({ format: "elb" })).rejects.toThrow(
      /--format elb is not one of alb, nginx, csv, k6/,
    );
    await expect(run({ format: "alb", step: "45" })).rejects.toThrow(/--step 45 is not one of/);
    await expect(run({ format: "alb", from: "monday" })).rejects.toThrow(
      /--from "monday" is not a time/,
    );
    await expect(
      run({ format: "alb", from: "2025-01-02T00:00:00Z", to: "2025-01-01T00:00:00Z" }),
    ).rejects.toThrow(/is not before --to/);
    await expect(run({ format: "alb", timeColumn: "t" })).rejects.toThrow(/--format csv only/);
    await expect(run({ format: "nginx" })).rejects.toThrow(
      /none of its 36 lines read as --format nginx/,
    );
  });
});

describe("caplab import s3:// --endpoint-url", () => {
  let s3: FakeS3;
  beforeAll(async () => {
    s3 = await startFakeS3("alb-logs", albObjects(), 2);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await s3.close();
  });

  it("reads through the real S3 client built from the flags", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDTEST");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test");
    vi.stubEnv("AWS_PROFILE", "");
    const dir = await mkdtemp(join(tmpdir(), "caplab-import-cli-"));
    const out = join(dir, "bundle");
    const io = capture();
    const code = await runImportCommand(
      ["s3://alb-logs/logs/"],
      { format: "alb", out, endpointUrl: s3.endpoint, region: "us-east-1" },
      cliContext(io, { now }),
    );
    expect(code).toBe(0);
    expect(await totalRequests(out)).toBe(23);
    expect(await totalRequests(`${out}-MyALB1`)).toBe(1);
    expect(s3.requests.filter((r) => r.includes("list-type=2"))).toHaveLength(3);
  }, 15_000);
});

describe("caplab import --format cloudwatch", () => {
  const cloudwatch = data("cloudwatch");
  const queries = data("cloudwatch/get-metric-data.awscli-example1-queries.json");
  const TASK_ID = "7ac4dfba69214411b4783a3b8189c9ba";

  it("imports every sample of shared/data/cloudwatch with --requests, and the bundle reader reads it back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-import-cw-"));
    const out = join(dir, "bundle");
    const io = capture();
    const code = await runImportCommand(
      [cloudwatch],
      { format: "cloudwatch", queries, requests: "m3", out },
      cliContext(io, { now }),
    );
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(
      /^Imported 15 series from 5 inputs \(31 datapoints and events, 0 bad\) into .*\n {2}requests m3 \(Avg Total IOPS\): 96\.85 in the window\n {2}window {3}2024-09-29T22:10:00\.000Z \.\. 2024-09-29T22:15:00\.000Z \(1 step of 300 s\)/,
    );
    // The billing example's m1 is not the query file's m1: said, not hidden.
    expect(io.stderr()).toMatch(
      /^warning: .*billing\.json: result m1 is labelled "EstimatedCharges", but m1 was "EBSReadOps" before/,
    );

    const manifest = await readBundleManifest(out);
    expect(manifest.source.kind).toBe("cloudwatch");
    expect(manifest.stepSeconds).toBe(300);
    expect(manifest.window).toEqual({
      from: "2024-09-29T22:10:00.000Z",
      to: "2024-09-29T22:15:00.000Z",
    });
    expect(manifest.series.map((s) => s.id)).toEqual([
      "requests",
      "m1",
      "CPUUtilization.Maximum",
      "ci.RunningTaskCount.Average",
      "ci.DesiredTaskCount.Average",
      "ci.PendingTaskCount.Average",
      "ci.DeploymentCount.Average",
      "ci.TaskSetCount.Average",
      `task.${TASK_ID}.CpuUtilized.Average`,
      `task.${TASK_ID}.MemoryUtilized.Average`,
      `container.${TASK_ID}.sleep.CpuUtilized.Average`,
      `container.${TASK_ID}.sleep.MemoryUtilized.Average`,
      "cluster.myCICluster.TaskCount.Average",
      "cluster.myCICluster.ContainerInstanceCount.Average",
      "cluster.myCICluster.ServiceCount.Average",
    ]);
    expect(manifest.notes).toContain("m3 is metric math: (m1+m2)/300");
    const entry = (id: string) => manifest.series.find((s) => s.id === id)!;
    expect(entry("requests")).toEqual({
      id: "requests",
      file: "series/requests.csv",
      metricName: "Avg Total IOPS",
      dimensions: [],
      periodSeconds: 300,
    });
    expect(entry("m1")).toMatchObject({
      namespace: "AWS/EC2",
      metricName: "EBSReadOps",
      stat: "Sum",
      unit: "Count",
      dimensions: [{ Name: "InstanceId", Value: "i-abcdef" }],
    });
    expect(entry(`task.${TASK_ID}.CpuUtilized.Average`)).toMatchObject({
      namespace: "ECS/ContainerInsights",
      stat: "Average",
      unit: "None",
      periodSeconds: 60,
    });

    const read = async (id: string) => readBundleSeries(out, entry(id));
    expect(await read("requests")).toMatchObject({
      times: [Date.parse("2024-09-29T22:10:00Z")],
      values: [96.85],
    });
    const cpu = await read("CPUUtilization.Maximum");
    expect(cpu.times).toHaveLength(21);
    expect(new Date(cpu.times[0]!).toISOString()).toBe("2014-02-18T23:18:00.000Z");
    expect(new Date(cpu.times[20]!).toISOString()).toBe("2014-02-19T19:18:00.000Z");
    // 23:18, 00:18, 01:18, 02:18, 03:18 (the file lists them out of order).
    expect(cpu.values.slice(0, 5)).toEqual([0.67, 0.33, 0.34, 0.34, 99.67]);
    expect(await read("ci.RunningTaskCount.Average")).toMatchObject({
      times: [1561586460000],
      values: [2],
    });
    expect((await read(`container.${TASK_ID}.sleep.MemoryUtilized.Average`)).values).toEqual([0]);
    expect((await read("cluster.myCICluster.TaskCount.Average")).values).toEqual([5]);
  });

  it("writes a bundle without requests when no series counts them, and says what reads it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-import-cw-"));
    const io = captureIo();
    const events = data("cloudwatch/ecs-container-insights-performance-events.aws-docs.jsonl");
    expect(
      await main(["import", events, "--format", "cloudwatch", "--out", join(dir, "b")], io),
    ).toBe(0);
    expect(io.stderr()).toMatch(
      /^warning: no series is an AWS\/ApplicationELB RequestCount, so the bundle has no requests series: report and rightsize read its other series, calibrate with --config .*; .*--requests names the series that counts requests\)\.\n$/,
    );
    expect(io.stdout()).toMatch(/\n {2}requests none: no series counts requests/);
    expect(io.stdout()).toMatch(
      /\n {2}use it {3}caplab report .*b, caplab rightsize .*b, caplab calibrate .*b --config YOUR\.yaml \(it keeps the config's values where the data cannot fit them\); simulate and plan need a requests series \(--requests\)\n/,
    );
    const manifest = await readBundleManifest(join(dir, "b"));
    expect(manifest.series.map((s) => s.id)).not.toContain("requests");
    expect(manifest.stepSeconds).toBe(60);
    // simulate and plan refuse it with one sentence that says what to do.
    await expect(totalRequests(join(dir, "b"))).rejects.toThrow(
      /has no requests series .*re-import it with --requests/,
    );
  });

  it("sends every bundle of the bundled samples where its summary says: each command it names reads it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-import-cw-"));
    const sample = (name: string) => data(`cloudwatch/${name}`);
    const events = sample("ecs-container-insights-performance-events.aws-docs.json");
    const cases: string[][] = [
      [events],
      [sample("ecs-container-insights-performance-events.aws-docs.jsonl")],
      [
        sample("get-metric-statistics.awscli-example-cpu.json"),
        events,
        "--requests",
        "CPUUtilization.Maximum",
      ],
      [sample("get-metric-data.awscli-example1-metric-math.json"), "--queries", queries],
      [sample("get-metric-data.awscli-example2-billing.json")],
      [cloudwatch, "--queries", queries, "--requests", "m3"],
    ];
    const ran: string[] = [];
    for (const [i, args] of cases.entries()) {
      const out = join(dir, `b${i}`);
      const io = captureIo();
      expect(await main(["import", ...args, "--format", "cloudwatch", "--out", out], io)).toBe(0);
      // "  use it   caplab report DIR, caplab rightsize DIR; …" and the line after it.
      const uses = io.stdout().slice(io.stdout().indexOf("  use it"));
      const commands = [...uses.matchAll(/caplab (\w+) ([^\s,;]+)( --config YOUR\.yaml)?/g)].map(
        (m): [string, string, string[]] => [
          m[1]!,
          m[2]!,
          // YOUR.yaml: today's simulate config; the NASA example stands in for it.
          m[3] === undefined ? [] : ["--config", join(repoRoot, "examples/simulate-nasa.yaml")],
        ],
      );
      expect(commands.length, args.join(" ")).toBeGreaterThan(0);
      for (const [command, bundle, flags] of commands) {
        expect(bundle).toBe(out);
        const run = captureIo();
        expect(
          await main([command, bundle, ...flags], run),
          `${command} after import ${args.join(" ")}: ${run.stderr()}`,
        ).toBe(0);
        ran.push(command);
      }
    }
    expect(new Set(ran)).toEqual(new Set(["report", "rightsize", "calibrate"]));
  });

  it("exits 2 with one sentence when a file is none of the shapes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-import-cw-"));
    await writeFile(
      join(dir, "list-metrics.json"),
      '{\n  "Metrics": [],\n  "NextToken": null\n}\n',
    );
    const io2 = captureIo();
    expect(
      await main(
        [
          "import",
          join(dir, "list-metrics.json"),
          "--format",
          "cloudwatch",
          "--out",
          join(dir, "b"),
        ],
        io2,
      ),
    ).toBe(2);
    expect(io2.stderr()).toMatch(
      /^caplab: .*list-metrics\.json is none of the CloudWatch shapes: it holds an object with "Metrics", "NextToken"; --format cloudwatch reads `aws cloudwatch get-metric-data` output .*get-metric-statistics.*Container Insights.*filter-log-events.*\.\n$/,
    );
    expect(existsSync(join(dir, "b"))).toBe(false);
  });

  it("refuses cloudwatch flags with other formats and a --step CloudWatch does not take", async () => {
    const run = (opts: Record<string, string>): Promise<number> =>
      runImportCommand(
        [cloudwatch],
        { out: "/tmp/never", ...opts },
        cliContext(capture(), { now }),
      );
    await expect(run({ format: "alb", requests: "m1" })).rejects.toThrow(
      "--queries and --requests go with --format cloudwatch only.",
    );
    await expect(run({ format: "cloudwatch", step: "45" })).rejects.toThrow(
      "--step 45 is not a CloudWatch period; give 1, 5, 10, 20, 30 or a multiple of 60 (seconds).",
    );
  });

  it("explains the format and its flags in caplab import --help", async () => {
    const io = captureIo();
    expect(await main(["import", "--help"], io)).toBe(0);
    const help = io.stdout();
    expect(help).toMatch(/--format cloudwatch reads saved AWS CLI JSON/);
    expect(help).toMatch(/get-metric-statistics output: one series per statistic/);
    expect(help).toMatch(/filter-log-events/);
    expect(help).toMatch(/--queries <file>/);
    expect(help).toMatch(/--requests <name>/);
    expect(help).toMatch(/"cloudwatch"/);
    expect(help).toMatch(/at most 64 MiB/);
  });
});

describe("caplab import: request counts", () => {
  const taxi = data("traces/nab-nyc_taxi.csv");
  it.skipIf(!existsSync(taxi))(
    "are printed and noted as whole numbers, also when coarse values were spread over the steps",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "caplab-import-taxi-"));
      const out = join(dir, "taxi");
      const io = captureIo();
      expect(await main(["import", taxi, "--format", "csv", "--out", out], { io })).toBe(0);
      // 1800-s observations spread evenly over 60-s steps: the sum is not a whole number in
      // floating point (156219716.00000674), the requests are.
      expect(io.stdout()).toMatch(
        /^Imported 156,219,716 requests from 1 input \(10,320 lines, 0 bad\)/,
      );
      const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8")) as {
        notes: string[];
      };
      expect(manifest.notes.join(" ")).toMatch(
        /read 10,320 rows from 1 CSV file: 156,219,716 requests in the window/,
      );
    },
  );
});
