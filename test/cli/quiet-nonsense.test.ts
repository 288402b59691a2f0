/**
 * Issue #11, row 12: input that k6 or a counter cannot have produced is refused or counted
 * as a bad line with its file and line number, never silently taken in (1e300 requests,
 * negative durations) and never a TypeError (`"data": null`).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { HISTORY_ENV } from "../../analysis/io/history/history-db.js";
import { captureIo } from "../helpers/io.js";
import { k6Lines, writeRunBundle } from "../fixtures/runs/make-run-bundle.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-nonsense-"));
  process.env[HISTORY_ENV] = join(dir, "history.duckdb");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const TIME = "2026-03-02T06:00:00.5Z";
const point = (metric: string, value: string | number) =>
  `{"metric":"${metric}","type":"Point","data":{"time":"${TIME}","value":${value},"tags":null}}`;
/** Lines 1–2 are fine; 3–7 are not k6 output. */
const BAD_K6 = [
  point("http_reqs", 1),
  point("http_req_duration", 120),
  '{"type":"Point","metric":"http_reqs","data":null}',
  point("http_req_duration", -5),
  point("http_reqs", "1e300"),
  point("http_reqs", "1e400"),
  "null",
];

describe("k6 output", () => {
  it("import --format k6 counts bad lines, names them with file and line, and keeps the count finite", async () => {
    const path = join(dir, "bad.ndjson");
    await writeFile(path, `${BAD_K6.join("\n")}\n`);
    const io = captureIo();
    const code = await main(
      ["import", path, "--format", "k6", "--step", "1", "--out", join(dir, "k6b")],
      io,
    );
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(/^Imported 1 request from 1 input \(7 lines, 5 bad\)/);
    const err = io.stderr();
    expect(err).not.toMatch(/Cannot read properties|Infinity requests/);
    expect(err).toContain(
      `${path} line 3 is not k6 JSON (the http_reqs line's data is null, not an object); the line was skipped.`,
    );
    expect(err).toContain(
      `${path} line 4 is refused: http_req_duration -5 ms is negative, which a duration cannot be; the line was skipped.`,
    );
    expect(err).toMatch(/line 5 is refused: http_reqs count 1e\+300 is above 2\^53 − 1/);
    expect(err).toMatch(/line 6 is refused: http_reqs value Infinity is not a finite number/);
    const requests = await readFile(join(dir, "k6b", "trace", "series", "requests.csv"), "utf8");
    expect(requests.trim().split("\n").slice(1)).toEqual(["2026-03-02T06:00:00.000Z,1"]);
  });

  it("report and gate read a run bundle with bad k6 lines, counting them in warnings", async () => {
    const bundle = await writeRunBundle(join(dir, "run"), { seed: 2, seconds: 10 });
    const lines = k6Lines({ seed: 2, seconds: 10 });
    await writeFile(
      join(bundle, "k6.json.gz"),
      gzipSync(`${[...lines, ...BAD_K6.slice(2)].join("\n")}\n`),
    );
    const first = lines.length + 1;
    const report = captureIo();
    expect(
      await main(["report", bundle, "--format", "md,json", "--out", join(dir, "rep")], report),
    ).toBe(0);
    expect(report.stderr()).toContain(
      `line ${first} is not k6 JSON ("the http_reqs line's data is null, not an object"); the line was skipped.`,
    );
    expect(report.stderr()).toContain(`line ${first + 1} is refused: http_req_duration -5 ms`);
    const json = JSON.parse(await readFile(join(dir, "rep", "report.json"), "utf8")) as {
      requests: number;
      latency: { minMs: number };
      warnings: { code: string }[];
    };
    expect(json.requests).toBe(400);
    expect(json.warnings.filter((w) => w.code === "bad-k6-line")).toHaveLength(5);
    const gate = captureIo();
    // Judged (0 pass or 1 fail), not refused (2).
    expect([0, 1]).toContain(
      await main(["gate", bundle, "--no-record", "--out", join(dir, "gate")], gate),
    );
    expect(gate.stderr()).toContain(`line ${first} is not k6 JSON`);
  });
});

describe("trace CSV", () => {
  const csv = (rows: string[]) => `timestamp,requests\n${rows.join("\n")}\n`;
  const rows = Array.from(
    { length: 10 },
    (_, i) => `2026-01-01T00:${String(i).padStart(2, "0")}:00Z,${i + 1}`,
  );

  it.each([
    ["1e300", /line 4: 1e300 in column "requests" is above 2\^53 − 1/],
    ["1e400", /line 4: 1e400 in column "requests" is above 2\^53 − 1/],
    ["-3", /line 4: "-3" in column "requests" is negative/],
    ["NaN", /line 4: "NaN" in column "requests" is not a number/],
    ["Infinity", /line 4: "Infinity" in column "requests" is not a number/],
  ])(
    "a trace file with a count of %s is one sentence naming the line, exit 2",
    async (value, message) => {
      const trace = join(dir, `count-${value}.csv`);
      const bad = [...rows];
      bad[2] = `2026-01-01T00:02:00Z,${value}`;
      await writeFile(trace, csv(bad));
      const config = join(dir, `sim-${value}.yaml`);
      await writeFile(
        config,
        [
          `trace: { file: ${JSON.stringify(trace)} }`,
          "service: { cpuMsPerRequest: 5, memoryMiB: { base: 100 } }",
          'task: { cpu: "256", memory: "512" }',
          "scaling: { MinCapacity: 1, MaxCapacity: 4 }",
        ].join("\n"),
      );
      const io = captureIo();
      expect(await main(["simulate", config, "--out", join(dir, `sim-${value}`)], io)).toBe(2);
      expect(io.stderr().trim().split("\n")).toHaveLength(1);
      expect(io.stderr()).toMatch(message);
    },
  );

  it("a trace.scale that lifts a count past 2^53 − 1 is one sentence, not NaN % errors", async () => {
    const trace = join(dir, "scale.csv");
    await writeFile(trace, csv(rows));
    const config = join(dir, "scale.yaml");
    await writeFile(
      config,
      [
        `trace: { file: ${JSON.stringify(trace)}, scale: 1e308 }`,
        "service: { cpuMsPerRequest: 5, memoryMiB: { base: 100 } }",
        'task: { cpu: "256", memory: "512" }',
        "scaling: { MinCapacity: 1, MaxCapacity: 4 }",
      ].join("\n"),
    );
    const io = captureIo();
    expect(await main(["simulate", config, "--out", join(dir, "scaled")], io)).toBe(2);
    expect(io.stderr()).toBe(
      "caplab: trace.scale 1e+308 makes the step at 2026-01-01T00:00:00.000Z hold 1e+308 requests, above 2^53 − 1; use a smaller scale.\n",
    );
  });

  it("import --format csv counts a 1e300 count and a time out of range as bad lines", async () => {
    const bad = [...rows];
    bad[2] = "2026-01-01T00:02:00Z,1e300";
    bad[5] = "1e300,4";
    const path = join(dir, "import.csv");
    await writeFile(path, csv(bad));
    const io = captureIo();
    expect(await main(["import", path, "--format", "csv", "--out", join(dir, "csvb")], io)).toBe(0);
    expect(io.stderr()).toMatch(/import\.csv line 4 1e300 in column "requests" is above 2\^53/);
    expect(io.stderr()).toMatch(/import\.csv line 7 "1e300" in column "timestamp" is not a time/);
  });
});
