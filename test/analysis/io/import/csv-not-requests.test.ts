/**
 * A CSV of CPU or memory utilization (CloudWatch's CPUUtilization, in Percent; Container
 * Insights' CpuUtilized …) is refused by `caplab import --format csv` with one sentence naming
 * the file and the column, not imported as requests: the CSV reader takes the first numeric
 * column when none is named `requests`, `count`, `value` …, so `Timestamp,Maximum,Unit` (the
 * get-metric-statistics sample as CSV) imported its 21 hourly CPU percentages as 126 requests.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importTrace } from "../../../../analysis/io/import/import.js";
import type { Warning } from "../../../../sim/vocab/index.js";
import { main } from "../../../../cli/main.js";
import { captureIo, cliContext } from "../../../helpers/io.js";
import { csvImportRefusal, writeCsvLines } from "../../../helpers/csv-import.js";
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

const csv = (name: string, lines: readonly string[]): Promise<string> =>
  writeCsvLines(dir, name, lines);
const refusal = csvImportRefusal;

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

/**
 * A `timestamp,value` CSV says nothing of what it holds but its file name and its values: NAB's
 * `cpu_utilization_asg_misconfiguration.csv` imported its fractional CPU percents as 691,004
 * requests without a word. Requests per step (RequestCount Sum, an access log, a counter) are
 * whole numbers.
 */
describe("a CSV whose values or name say utilization", () => {
  const importWith = async (path: string, valueColumn?: string) => {
    const seen: Warning[] = [];
    const result = await importTrace(
      { format: "csv", sources: [path], ...(valueColumn === undefined ? {} : { valueColumn }) },
      (w) => seen.push(w),
    );
    return { result, codes: seen.map((w) => w.code) };
  };

  it("is refused when caplab picked a column of fractional percents in a file named for CPU (NAB)", async () => {
    const path = sharedData("traces/nab-cpu_utilization_asg_misconfiguration.csv");
    const error = await refusal(path);
    expect(error.code).toBe("not-requests");
    expect(error.message).toBe(
      `${path}: column "value" holds fractional values, all between 0 and 100 (17,340 of 18,050 rows not whole numbers), and the file's name says cpu, as a CPU or memory utilization in percent does, not a count of requests; a CSV trace holds requests per step, so import utilization from CloudWatch JSON with --format cloudwatch, or, if the column does hold requests, name it with --value-column (valueColumn in a config).`,
    );
    // Named by the user: read, with both doubts said, in the output and the bundle's notes.
    const { result, codes } = await importWith(path, "value");
    expect(result.stats.lines).toBe(18_050);
    expect(codes).toEqual(expect.arrayContaining(["fractional-counts", "utilization-file-name"]));
    expect(result.notes.some((n) => n.includes("holds fractional values"))).toBe(true);
  });

  it("only warns on one sign alone: a per-second rate (fractional, 0 to 100), a name", async () => {
    const rate = await csv("rate.csv", [
      "timestamp,value",
      "2026-01-01T00:00:00Z,12.5",
      "2026-01-01T00:01:00Z,13.25",
      "2026-01-01T00:02:00Z,11",
    ]);
    const a = await importWith(rate);
    expect(a.result.stats.requests).toBe(36.75);
    expect(a.codes).toContain("fractional-counts");
    expect(a.codes).not.toContain("utilization-file-name");
    const named = await csv("memory-service.csv", [
      "timestamp,value",
      "2026-01-01T00:00:00Z,512",
      "2026-01-01T00:01:00Z,498",
    ]);
    const b = await importWith(named);
    expect(b.result.stats.requests).toBe(1010);
    expect(b.codes).toEqual(["utilization-file-name"]);
    // Fractional values above 100 are no percentage.
    const big = await csv("cpu-big.csv", [
      "timestamp,value",
      "2026-01-01T00:00:00Z,120.5",
      "2026-01-01T00:01:00Z,130.5",
    ]);
    expect((await importWith(big)).codes).toEqual(["utilization-file-name"]);
  });

  it("leaves every request trace of ../shared/data without a word of it", async () => {
    for (const file of [
      "nab-elb_request_count_8c0756.csv",
      "nab-nyc_taxi.csv",
      "nab-Twitter_volume_AMZN.csv",
      "nasa-http-1995-requests-per-minute.csv",
      "nasa-http-1995-07-05_06-requests-per-second.csv",
      "wc98-requests-per-minute.csv",
    ]) {
      const { codes } = await importWith(sharedData(`traces/${file}`));
      expect(
        codes.filter((c) => c === "fractional-counts" || c === "utilization-file-name"),
        file,
      ).toEqual([]);
    }
  });
});
