/**
 * The CloudWatch console's Download as .csv (graphed metrics › Actions, a dashboard widget):
 * header rows Id, StatusCode, Messages, Full label, Label, then `YYYY/MM/DD HH:MM:SS,value`
 * rows. The layout is the one of `data/cpu_real.csv` in its-Adarsh2003/AegisCloud-ML (commit
 * 05b9c5368c482e460f073c692a80293910ba83d6), a file saved from the console; the fixtures in
 * test/fixtures/cloudwatch-console are made in it. Before, every such file was refused with
 * "has no column that reads as a time", whatever it held, and --time-column could not help.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importTrace } from "../../../../analysis/io/import/import.js";
import { readTraceCsv } from "../../../../analysis/io/files/trace-file.js";
import {
  fullLabelMetric,
  parseConsoleTime,
  readsAsConsoleCsv,
} from "../../../../analysis/cloudwatch-console-csv.js";
import { sniffFormat } from "../../../../analysis/input-kind.js";
import type { Warning } from "../../../../sim/vocab/index.js";
import { main } from "../../../../cli/main.js";
import { captureIo, cliContext } from "../../../helpers/io.js";
import { csvImportRefusal, writeCsvLines } from "../../../helpers/csv-import.js";

const fixtures = join(import.meta.dirname, "../../../fixtures/cloudwatch-console");
const requestsCsv = join(fixtures, "request-count-sum.csv");
const cpuCsv = join(fixtures, "cpu-utilization.csv");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-cw-console-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const csv = (name: string, lines: readonly string[]): Promise<string> =>
  writeCsvLines(dir, name, lines);
const refusal = csvImportRefusal;

/** Two metrics in one download: one column each, as GetMetricData's results. */
const twoMetrics = [
  "Id,m1,m2",
  "StatusCode,Complete,Complete",
  "Messages,,",
  "Full label,us-east-1:AWS/ApplicationELB LoadBalancer:app/web/1 RequestCount Sum 60,us-east-1:AWS/ECS ClusterName:c ServiceName:s CPUUtilization Average 60",
  "Label,RequestCount,CPUUtilization",
  "2025/04/08 10:00:00,1180,41.5",
  "2025/04/08 10:01:00,1214,43.25",
];

describe("a CloudWatch console CSV", () => {
  it("of RequestCount Sum imports as a trace, its times read as UTC with a warning in the output and the notes", async () => {
    const seen: Warning[] = [];
    const result = await importTrace({ format: "csv", sources: [requestsCsv] }, (w) =>
      seen.push(w),
    );
    expect(result.stats.requests).toBe(1180 + 1214 + 1302 + 1250 + 1197);
    expect(result.window.fromMs).toBe(Date.UTC(2025, 3, 8, 10, 0));
    expect(result.stepSeconds).toBe(60);
    expect(seen.map((w) => w.code)).toEqual(["console-csv-time-zone"]);
    expect(result.notes).toContain(seen[0]!.message);
    // A config's trace.file reads it the same way.
    const raw = await readTraceCsv(requestsCsv);
    expect(raw.values).toEqual([1180, 1214, 1302, 1250, 1197]);
  });

  it("is sniffed as CSV without --format, and imports so", async () => {
    const head = await readFile(requestsCsv, "utf8");
    expect(sniffFormat(head, true)).toMatchObject({ ok: true, format: "csv" });
    const io = captureIo();
    const out = join(dir, "out-sniffed");
    expect(await main(["import", requestsCsv, "--out", out], cliContext(io))).toBe(0);
    expect(io.stderr()).toContain("sniffed from its CloudWatch console header rows");
    expect(io.stderr()).toContain("whose times carry no time zone; they were read as UTC");
  });

  it("of CPUUtilization is refused in one sentence naming the file and the column", async () => {
    const error = await refusal(cpuCsv);
    expect(error.code).toBe("not-requests");
    expect(error.message).toBe(
      `${cpuCsv}: column m2 of the CloudWatch console CSV holds CPUUtilization Average, a utilization, not a count of requests; a CSV trace holds requests per step, so graph the load balancer's or target group's RequestCount with the Sum statistic and download that, or name the column with --value-column (valueColumn in a config) to read it as requests anyway.`,
    );
    const io = captureIo();
    expect(await main(["import", cpuCsv, "--out", join(dir, "out-cpu")], cliContext(io))).toBe(2);
    expect(io.stderr()).toContain("column m2 of the CloudWatch console CSV holds CPUUtilization");
  });

  it("of RequestCount with another statistic, or RequestCountPerTarget, is refused", async () => {
    const lines = (await readFile(requestsCsv, "utf8")).trimEnd().split("\n");
    const average = await csv(
      "average.csv",
      lines.map((l) => l.replace("RequestCount Sum 60", "RequestCount Average 60")),
    );
    expect((await refusal(average)).message).toContain(
      "column m1 of the CloudWatch console CSV holds RequestCount Average, not Sum",
    );
    const perTarget = await csv(
      "per-target.csv",
      lines.map((l) => l.replace("RequestCount Sum", "RequestCountPerTarget Sum")),
    );
    expect((await refusal(perTarget)).message).toContain(
      "holds RequestCountPerTarget, requests per target, and the file does not say how many targets there were",
    );
  });

  it("of several metrics is refused unless --value-column names one by Id or Label", async () => {
    const path = await csv("two.csv", twoMetrics);
    const error = await refusal(path);
    expect(error.message).toBe(
      `${path} is a CloudWatch console CSV of 2 metrics, m1 (RequestCount Sum), m2 (CPUUtilization Average); name the one that holds RequestCount Sum with --value-column (valueColumn in a config), e.g. --value-column m1.`,
    );
    for (const name of ["m1", "RequestCount"]) {
      const result = await importTrace(
        { format: "csv", sources: [path], valueColumn: name },
        () => {},
      );
      expect(result.stats.requests).toBe(1180 + 1214);
    }
    expect((await refusal(path, "m3")).message).toContain(
      'none of them "m3"; fix --value-column (valueColumn in a config) to one of their Ids or Labels',
    );
  });

  it("reads an empty cell of its metric as no datapoint (a gap), not a bad line", async () => {
    const path = await csv("two-gap.csv", [
      ...twoMetrics,
      "2025/04/08 10:02:00,,44",
      "2025/04/08 10:03:00,1300,45",
    ]);
    const result = await importTrace(
      { format: "csv", sources: [path], valueColumn: "m1" },
      () => {},
    );
    expect(result.stats.requests).toBe(1180 + 1214 + 1300);
    expect(result.stats.badLines).toBe(0);
    expect(result.stats.lines).toBe(3);
  });

  it("of CPU named with --value-column is the user's: read, with a warning", async () => {
    const seen: Warning[] = [];
    const path = await csv("two-named.csv", twoMetrics);
    const result = await importTrace({ format: "csv", sources: [path], valueColumn: "m2" }, (w) =>
      seen.push(w),
    );
    expect(result.stats.requests).toBeCloseTo(84.75, 9);
    expect(seen.map((w) => w.code)).toContain("named-column-not-requests");
  });
});

describe("the console CSV's cells", () => {
  it("reads YYYY/MM/DD HH:MM:SS as UTC and nothing else", () => {
    expect(parseConsoleTime("2026/02/14 15:00:00")).toBe(Date.UTC(2026, 1, 14, 15));
    expect(parseConsoleTime("2026/02/30 15:00:00")).toBeNull();
    expect(parseConsoleTime("2026-02-14 15:00:00")).toBeNull();
    expect(parseConsoleTime("2026/02/14 24:00:00")).toBeNull();
  });

  it("takes the metric, statistic and period from the end of the Full label", () => {
    expect(
      fullLabelMetric(
        "us-east-1:AWS/EC2 InstanceId:i-052bbcbccf7277a40 CPUUtilization Average 300",
      ),
    ).toEqual({ name: "CPUUtilization", stat: "Average", periodSeconds: 300 });
    expect(fullLabelMetric("RequestCount")).toBeNull();
  });

  it("is told from a plain CSV by its header rows", () => {
    expect(readsAsConsoleCsv(twoMetrics)).toBe(true);
    expect(readsAsConsoleCsv(["timestamp,value", "2014-04-10 00:04:00,94.0"])).toBe(false);
    expect(readsAsConsoleCsv(["Id,m1", "2025/04/08 10:00:00,1"])).toBe(false);
  });
});
