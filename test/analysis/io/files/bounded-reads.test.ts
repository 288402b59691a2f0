/**
 * Issue #11 rows 6 and 8: bounded resources for any input. Every reader caps a record (a CSV
 * record, a k6 line), devices and pipes are refused, and a trace's steps are capped
 * (MAX_TRACE_STEPS) before anything of that size is allocated, so memory and time grow with
 * the data, not with the span it covers. Each ends with one sentence, exit 2.
 */
import { execFileSync } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { main } from "../../../../cli/main.js";
import { captureIo } from "../../../helpers/io.js";
import { writeRunBundle } from "../../../fixtures/runs/make-run-bundle.js";

const SIMULATE = `service: { cpuMsPerRequest: 10, latencyMs: 20, memoryMiB: { base: 300 } }
task: { cpu: "1024", memory: "2048" }
scaling:
  MinCapacity: 1
  MaxCapacity: 10
  policies:
    - TargetTrackingScalingPolicyConfiguration:
        TargetValue: 50
        PredefinedMetricSpecification: { PredefinedMetricType: ECSServiceAverageCPUUtilization }
`;

async function workDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "caplab-bounded-"));
}

/** Runs caplab; returns the exit code and stderr, checked to be one sentence without a stack. */
async function caplab(args: string[]): Promise<{ code: number; err: string }> {
  const io = captureIo();
  const code = await main(args, io);
  const err = io.stderr();
  if (code === 2) {
    expect(err.trim().split("\n"), err.slice(0, 300)).toHaveLength(1);
    expect(err.length).toBeLessThan(600);
    expect(err).not.toMatch(/\n\s+at /);
  }
  return { code, err };
}

async function simulateTrace(dir: string, file: string): Promise<{ code: number; err: string }> {
  await writeFile(join(dir, "sim.yaml"), `trace: { file: ${JSON.stringify(file)} }\n${SIMULATE}`);
  return caplab(["simulate", join(dir, "sim.yaml"), "--out", join(dir, "out")]);
}

/** A gzip file of `head`, then `size` bytes of "7" (a field without end), then a newline. */
async function gzipBomb(path: string, head: string, size: number): Promise<void> {
  const chunk = Buffer.alloc(1 << 20, "7");
  const parts = async function* () {
    yield Buffer.from(head);
    for (let left = size; left > 0; left -= chunk.length)
      yield left >= chunk.length ? chunk : chunk.subarray(0, left);
    yield Buffer.from("\n");
  };
  await pipeline(Readable.from(parts()), createGzip({ level: 1 }), createWriteStream(path));
}

const hasDevZero = existsSync("/dev/zero");

describe("devices and pipes are refused, never read", () => {
  it.runIf(hasDevZero)("trace: { file: /dev/zero } ends with one sentence", async () => {
    const dir = await workDir();
    const { code, err } = await simulateTrace(dir, "/dev/zero");
    expect(code).toBe(2);
    expect(err).toMatch(/\/dev\/zero is a character device, not a regular file/);
  });

  it.runIf(hasDevZero)("import /dev/zero --format csv ends with one sentence", async () => {
    const dir = await workDir();
    const { code, err } = await caplab([
      "import",
      "/dev/zero",
      "--format",
      "csv",
      "--out",
      join(dir, "b"),
    ]);
    expect(code).toBe(2);
    expect(err).toMatch(/\/dev\/zero is a character device, not a regular file/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("a FIFO is refused instead of waiting for a writer", async () => {
    const dir = await workDir();
    const fifo = join(dir, "pipe.log");
    try {
      execFileSync("mkfifo", [fifo]);
    } catch {
      return; // no mkfifo here
    }
    const { code, err } = await caplab([
      "import",
      fifo,
      "--format",
      "alb",
      "--out",
      join(dir, "b"),
    ]);
    expect(code).toBe(2);
    expect(err).toMatch(/pipe\.log is a FIFO \(named pipe\), not a regular file/);
  });

  it("a config, --thresholds, --summary-export, --plan, a scenario script or history that is a FIFO is refused, not waited on", async () => {
    const dir = await workDir();
    const fifo = join(dir, "pipe.json");
    try {
      execFileSync("mkfifo", [fifo]);
    } catch {
      return; // no mkfifo here
    }
    const run = await writeRunBundle(join(dir, "run"), { seed: 1 });
    const k6 = join(run, "k6.json.gz");
    const fifoSentence = /pipe\.json is a FIFO \(named pipe\), not a (regular file|database file)/;
    // Each of these waited for a writer forever before.
    for (const args of [
      ["simulate", fifo, "--out", join(dir, "s")],
      ["plan", fifo, "--out", join(dir, "p")],
      ["gate", run, "--config", fifo],
      ["import", k6, "--format", "k6", "--thresholds", fifo, "--out", join(dir, "k")],
      ["import", k6, "--format", "k6", "--summary-export", fifo, "--out", join(dir, "k")],
      [
        "run",
        "smoke",
        "--target",
        "https://alb.example.com",
        "--plan",
        fifo,
        "--out",
        join(dir, "r"),
      ],
      ["run", fifo, "--target", "https://alb.example.com", "--out", join(dir, "r")],
    ]) {
      const { code, err } = await caplab(args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(err).toMatch(fifoSentence);
    }
    const { code, err } = await caplab(["history", "--history", fifo]);
    expect(code).toBe(74);
    expect(err).toMatch(fifoSentence);
    expect((await readdir(dir)).sort()).toEqual(["pipe.json", "run"]);
  });

  it.runIf(hasDevZero)(
    "a config that is /dev/zero or a 3 GiB sparse file ends with one sentence",
    async () => {
      const dir = await workDir();
      const { code, err } = await caplab(["simulate", "/dev/zero", "--out", join(dir, "s")]);
      expect(code).toBe(2);
      expect(err).toMatch(/config file \/dev\/zero is a character device, not a regular file/);
      const big = join(dir, "big.yaml");
      execFileSync("truncate", ["-s", "3G", big]);
      const large = await caplab(["simulate", big, "--out", join(dir, "s")]);
      expect(large.code).toBe(2);
      // Before: "cannot be read (ERR_FS_FILE_TOO_LARGE); check its permissions".
      expect(large.err).toMatch(/big\.yaml is 3\.0 GiB, more than the 64 MiB caplab reads/);
    },
  );
});

describe("a record-size cap in every reader", () => {
  it("a CSV line without end stops at MAX_CSV_RECORD_CHARS, quoting none of it", async () => {
    const dir = await workDir();
    const path = join(dir, "long.csv");
    await writeFile(
      path,
      `time,requests\n2026-01-01T00:00:00Z,1\n2026-01-01T00:01:00Z,${"7".repeat(3 << 20)}\n`,
    );
    for (const run of [
      () => simulateTrace(dir, path),
      () => caplab(["import", path, "--format", "csv", "--out", join(dir, "b")]),
    ]) {
      const { code, err } = await run();
      expect(code).toBe(2);
      expect(err).toMatch(
        /long\.csv line 3: a record is longer than 1048576 characters \(MAX_CSV_RECORD_CHARS\)/,
      );
      expect(err).not.toContain("7777777777");
    }
  });

  it("a small gzip holding a 64 MiB CSV field ends with one sentence at bounded memory", async () => {
    const dir = await workDir();
    const path = join(dir, "bomb.csv.gz");
    await gzipBomb(path, "time,requests\n2026-01-01T00:00:00Z,", 64 << 20);
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    for (const run of [
      () => simulateTrace(dir, path),
      () => caplab(["import", path, "--format", "csv", "--out", join(dir, "b")]),
    ]) {
      const { code, err } = await run();
      expect(code).toBe(2);
      expect(err).toMatch(/bomb\.csv\.gz line 2: a record is longer than 1048576 characters/);
    }
    // A ceiling, not a measurement: the reader holds one record (1 MiB), never the field.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(256 << 20);
    expect(await readdir(dir)).toEqual(["bomb.csv.gz", "sim.yaml"]);
  });

  it("a k6.json.gz line without end stops the report at MAX_K6_LINE_CHARS", async () => {
    const dir = await workDir();
    const run = await writeRunBundle(join(dir, "run"), { seed: 3, seconds: 10 });
    await writeFile(
      join(run, "k6.json.gz"),
      gzipSync(`{"type":"Point","metric":"http_reqs","data":{"value":"${"x".repeat(4 << 20)}"}}\n`),
    );
    const { code, err } = await caplab(["report", run, "--out", join(dir, "out")]);
    expect(code).toBe(2);
    expect(err).toMatch(
      /k6\.json\.gz line 1 is longer than 1048576 bytes, so it is not k6 JSON output/,
    );
  });
});

describe("memory and time grow with the data, not the span (MAX_TRACE_STEPS)", () => {
  it("a 21-row CSV spanning ten years at 60 s is refused before allocating, with the limit and a hint", async () => {
    const dir = await workDir();
    const start = Date.UTC(2016, 0, 1);
    const rows = Array.from(
      { length: 20 },
      (_, i) => `${new Date(start + i * 60_000).toISOString()},100`,
    );
    rows.push(`${new Date(start + 3650 * 86_400_000).toISOString()},100`);
    await writeFile(join(dir, "ten-years.csv"), `time,requests\n${rows.join("\n")}\n`);
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    const { code, err } = await simulateTrace(dir, join(dir, "ten-years.csv"));
    expect(code).toBe(2);
    expect(err).toMatch(
      /ten-years\.csv spans 5256001 steps of 60 s \(2016-01-01T00:00:00\.000Z to .*\), more than the 1000000 a trace may hold \(MAX_TRACE_STEPS\); narrow the window .*trace\.from\/trace\.to/,
    );
    // A generous ceiling (a 5-million-step simulation takes gigabytes), not a timing.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(128 << 20);
    expect(await readdir(dir)).not.toContain("out");
  });

  it("two ALB lines 30 years apart are refused with the limit, --from/--to and --step named", async () => {
    const dir = await workDir();
    const line = (
      await readFile(
        new URL(
          "../../../../../shared/data/alb/dmastrop-tomcat-alb-50-targets.log",
          import.meta.url,
        ),
        "utf8",
      )
    ).split("\n")[0]!;
    await writeFile(
      join(dir, "two.log"),
      `${line}\n${line.replaceAll("2025-04-08T", "1995-04-08T")}\n`,
    );
    const { code, err } = await caplab([
      "import",
      join(dir, "two.log"),
      "--format",
      "alb",
      "--out",
      join(dir, "b"),
    ]);
    expect(code).toBe(2);
    expect(err).toMatch(
      /two\.log \(load balancer app\/tomcat-load-balancer\/d12d886025a14d3f\): the data spans 15779521 steps of 60 s .*MAX_TRACE_STEPS.*--from\/--to.*--step/,
    );
    expect(await readdir(dir)).toEqual(["two.log"]);
  });

  it("a run bundle whose k6 points lie 30 years apart is refused by report, gate and calibrate", async () => {
    const dir = await workDir();
    const run = await writeRunBundle(join(dir, "run"), {
      seed: 5,
      seconds: 5,
      server: { tasks: 2, cpuPercent: 40, memoryPercent: 30, maxCapacity: 10 },
    });
    const point = (time: string) =>
      JSON.stringify({
        type: "Point",
        metric: "http_reqs",
        data: { time, value: 1, tags: { status: "200", method: "GET" } },
      });
    await writeFile(
      join(run, "k6.json.gz"),
      gzipSync(`${point("1996-03-02T06:00:00Z")}\n${point("2026-03-02T06:00:00Z")}\n`),
    );
    for (const command of ["report", "gate", "calibrate"]) {
      const { code, err } = await caplab([
        command,
        run,
        ...(command === "calibrate" ? [] : ["--out", join(dir, "out")]),
      ]);
      expect(code, command).toBe(2);
      expect(err, command).toMatch(/the k6 output spans \d+ steps of 1 s .*MAX_TRACE_STEPS/);
    }
    expect(await readdir(dir)).toEqual(["run"]);
  });

  it("an ALB import with --from/--to decades wide is refused with the limit", async () => {
    const dir = await workDir();
    const log = new URL(
      "../../../../../shared/data/alb/dmastrop-tomcat-alb-50-targets.log",
      import.meta.url,
    );
    const { code, err } = await caplab([
      "import",
      log.pathname,
      "--format",
      "alb",
      "--from",
      "1990-01-01T00:00:00Z",
      "--to",
      "2030-01-01T00:00:00Z",
      "--out",
      join(dir, "b"),
    ]);
    expect(code).toBe(2);
    expect(err).toMatch(/spans 21038400 steps of 60 s .*MAX_TRACE_STEPS/);
    expect(await readdir(dir)).toEqual([]);
  });
});
