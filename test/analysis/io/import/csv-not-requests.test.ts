/**
 * A CSV of CPU or memory utilization (CloudWatch's CPUUtilization, in Percent; Container
 * Insights' CpuUtilized …) is refused by `caplab import --format csv` with one sentence naming
 * the file and the column, not imported as requests: the CSV reader takes the first numeric
 * column when none is named `requests`, `count`, `value` …, so `Timestamp,Maximum,Unit` (the
 * get-metric-statistics sample as CSV) imported its 21 hourly CPU percentages as 126 requests.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importTrace } from "../../../../analysis/io/import/import.js";
import { UsageError } from "../../../../sim/vocab/errors.js";
import { main } from "../../../../cli/main.js";
import { captureIo, cliContext } from "../../../helpers/io.js";
import { sharedData } from "../../../helpers/shared-data.js";

let dir: string;
let cpu: { Timestamp: string; Maximum: number; Unit: string }[];
let task: Record<string, number | string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-csv-cpu-"));
  cpu = (
    JSON.parse(
      await readFile(
        sharedData("cloudwatch/get-metric-statistics.awscli-example-cpu.json"),
        "utf8",
      ),
    ) as { Datapoints: typeof cpu }
  ).Datapoints.sort((a, b) => a.Timestamp.localeCompare(b.Timestamp));
  const events = JSON.parse(
    await readFile(
      sharedData("cloudwatch/ecs-container-insights-performance-events.aws-docs.json"),
      "utf8",
    ),
  ) as Record<string, number | string>[];
  task = events.find((e) => e.Type === "Task")!;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function csv(name: string, lines: readonly string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.join("\n") + "\n");
  return path;
}

async function refusal(path: string, valueColumn?: string): Promise<UsageError> {
  const error = await importTrace(
    { format: "csv", sources: [path], ...(valueColumn === undefined ? {} : { valueColumn }) },
    () => {},
  ).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

describe("a CSV of CPU or memory utilization", () => {
  it("is refused when its unit column says Percent (get-metric-statistics as CSV)", async () => {
    const path = await csv("cpu-stats.csv", [
      "Timestamp,Maximum,Unit",
      ...cpu.map((d) => `${d.Timestamp},${d.Maximum},${d.Unit}`),
    ]);
    const error = await refusal(path);
    expect(error.code).toBe("not-requests");
    expect(error.message).toBe(
      `${path}: column "Maximum" is in "Percent" (its unit column says so), not a count of requests, and a CSV trace holds requests only; import CPU and memory from CloudWatch JSON with --format cloudwatch (aws cloudwatch get-metric-statistics or get-metric-data output), or name the requests column with --value-column (valueColumn in a config).`,
    );
  });

  it("is refused when the column is named for the metric (CPUUtilization, CpuUtilized, MemoryReserved)", async () => {
    const byLabel = await csv("cpu-label.csv", [
      "timestamp,CPUUtilization",
      ...cpu.map((d) => `${d.Timestamp},${d.Maximum}`),
    ]);
    expect((await refusal(byLabel)).message).toMatch(
      /cpu-label\.csv: column "CPUUtilization" holds a utilization \(its name says so\)/,
    );
    const time = new Date(Number(task.Timestamp)).toISOString();
    for (const metric of ["CpuUtilized", "MemoryReserved"]) {
      const path = await csv(`ci-${metric}.csv`, [`time,${metric}`, `${time},${task[metric]}`]);
      expect((await refusal(path)).message).toContain(`column "${metric}" holds a utilization`);
    }
  });

  it("is refused when a metric-name column names it (long format), sniffed or not", async () => {
    const path = await csv("long.csv", [
      "MetricName,Timestamp,Value",
      ...cpu.map((d) => `CPUUtilization,${d.Timestamp},${d.Maximum}`),
    ]);
    expect((await refusal(path)).message).toContain(
      `column "Value" holds "CPUUtilization" (its metric-name column says so)`,
    );
    const io = captureIo();
    const code = await main(["import", path, "--out", join(dir, "out-long")], cliContext(io));
    expect(code).toBe(2);
    expect(io.stderr()).toContain(`${path}: column "Value" holds "CPUUtilization"`);
  });

  it("imports requests as before: a Count unit, the NAB ELB RequestCount, a column the user names", async () => {
    const counts = await csv("counts.csv", [
      "Timestamp,Sum,Unit",
      "2026-01-01T00:00:00Z,120,Count",
      "2026-01-01T00:01:00Z,130,Count",
    ]);
    const a = await importTrace({ format: "csv", sources: [counts] }, () => {});
    expect(a.stats.requests).toBe(250);
    const nab = await importTrace(
      { format: "csv", sources: [sharedData("traces/nab-elb_request_count_8c0756.csv")] },
      () => {},
    );
    expect(nab.stats.requests).toBeCloseTo(249_327, 3);
    // Named by the user: their word, not a guess.
    const both = await csv("both.csv", [
      "timestamp,CPUUtilization,requests",
      "2026-01-01T00:00:00Z,12.5,300",
    ]);
    const b = await importTrace({ format: "csv", sources: [both] }, () => {});
    expect(b.stats.requests).toBe(300);
    const cpuOnly = await csv("cpu-named.csv", [
      "timestamp,CPUUtilization",
      "2026-01-01T00:00:00Z,12.5",
    ]);
    const c = await importTrace(
      { format: "csv", sources: [cpuOnly], valueColumn: "CPUUtilization" },
      () => {},
    );
    expect(c.stats.requests).toBe(12.5);
  });
});
