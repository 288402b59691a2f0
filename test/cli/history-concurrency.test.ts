/**
 * The run history under concurrency and when it cannot be used: real caplab processes (the
 * CLI from the sources, test/helpers/caplab-cli.ts) on one DuckDB file, a real process that
 * holds DuckDB's file lock, and folder, corrupt and truncated history paths.
 */
import {
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  stat,
  truncate,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { runGateCommand } from "../../cli/gate-command.js";
import { runRunCommand } from "../../cli/run-command.js";
import { recordRun } from "../../analysis/io/history/history-db.js";
import { HISTORY_EXIT_CODE } from "../../sim/vocab/errors.js";
import { writeRunBundle } from "../fixtures/runs/make-run-bundle.js";
import { runDataOf } from "../fixtures/runs/run-data.js";
import { captureIo, cliContext } from "../helpers/io.js";
import { holdDuckDbLock, startCaplab } from "../helpers/processes.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-history-concurrency-"));
});

/** Rows of `sql` in the database at `path` (opened after every writer is done). */
async function rows(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path);
  try {
    const c = await instance.connect();
    try {
      return (await c.runAndReadAll(sql)).getRowObjectsJS();
    } finally {
      c.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** A small plan: two hours of a real trace, one candidate. */
async function smallPlanConfig(): Promise<string> {
  const csv = ["time,requests"];
  for (let m = 0; m < 120; m++)
    csv.push(
      `${new Date(Date.UTC(2026, 0, 5, 9, m)).toISOString()},${600 + 300 * Math.sin(m / 9)}`,
    );
  await writeFile(join(dir, "trace.csv"), `${csv.join("\n")}\n`);
  const config = join(dir, "plan.yaml");
  await writeFile(
    config,
    [
      "trace: { file: trace.csv }",
      "service: { cpuMsPerRequest: 10, latencyMs: 20, memoryMiB: { base: 300, perInflightRequest: 0.5 } }",
      'space: { taskSizes: [{ cpu: "1024", memory: "2048" }], metrics: [ECSServiceAverageCPUUtilization], utilizationTargets: [50], MinCapacity: [1], ScaleOutCooldown: [300] }',
      "robustness: { topK: 1, maxChecked: 1 }",
    ].join("\n"),
  );
  return config;
}

const stackLine = /^\s+at /m;

describe("eight caplab processes at once on one history", () => {
  it("all finish normally and every gate's run and verdict, and every plan, is recorded", async () => {
    const history = join(dir, "shared", "history.duckdb");
    await mkdir(join(dir, "shared"));
    const config = await smallPlanConfig();
    const bundles = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        writeRunBundle(join(dir, `run-${i}`), {
          seed: i,
          seconds: 20,
          runId: `concurrent-${i}`,
          startMs: Date.UTC(2026, 2, i, 6),
        }),
      ),
    );
    // Another process holds the file while the eight start, so every one of them meets
    // DuckDB's lock; it lets go once the plans have swept and are about to record.
    await rows(history, "SELECT 1"); // creates the file
    const holder = holdDuckDbLock(history);
    await holder.locked;
    const env = { CAPLAB_HISTORY: history };
    const gates = bundles.map((b) =>
      startCaplab(["gate", b, "--baseline-from-history", "3"], { env }),
    );
    const plans = [1, 2, 3, 4].map((i) =>
      startCaplab(
        [
          "plan",
          config,
          "--out",
          join(dir, `plan-${i}`),
          "--workers",
          "0",
          "--quiet",
          "--allow-short-trace",
        ],
        {
          env,
        },
      ),
    );
    await Promise.all(plans.map((p) => p.stderrMatches(/Swept \d+ candidates? in/)));
    await holder.release();
    const finished = await Promise.all([...gates, ...plans].map((p) => p.finished));

    for (const [i, f] of finished.entries()) {
      const expected = i < gates.length ? [0, 1] : [0, 3];
      expect(expected, `process ${i}: ${f.stderr}`).toContain(f.code);
      expect(f.stderr).not.toMatch(/IO Error|lock|not recorded/i);
    }
    const runs = await rows(history, "SELECT run_id FROM runs ORDER BY run_id");
    expect(runs.map((r) => r.run_id)).toEqual(bundles.map((_, i) => `concurrent-${i + 1}`));
    const verdicts = await rows(history, "SELECT run_id, verdict FROM gates ORDER BY run_id");
    expect(verdicts.map((r) => r.run_id)).toEqual(runs.map((r) => r.run_id));
    const plansRecorded = await rows(history, "SELECT out FROM plans ORDER BY out");
    expect(plansRecorded.map((r) => r.out)).toEqual(
      [1, 2, 3, 4].map((i) => join(dir, `plan-${i}`)),
    );
  }, 240_000);
});

describe("a history another process keeps locked", () => {
  it("gate still prints and writes its verdict, then exits 74 with one sentence naming the path; a failed gate stays 1", async () => {
    const history = join(dir, "locked", "history.duckdb");
    await mkdir(join(dir, "locked"));
    await rows(history, "SELECT 1");
    const holder = holdDuckDbLock(history);
    try {
      await holder.locked;
      const env = { CAPLAB_HISTORY_LOCK_TIMEOUT: "0.3" };
      const pass = await writeRunBundle(join(dir, "locked-pass"), {
        seed: 5,
        seconds: 20,
        errorRate: 0,
      });
      const io = captureIo();
      expect(await runGateCommand(pass, { history }, cliContext(io, { env }))).toBe(
        HISTORY_EXIT_CODE,
      );
      expect(io.stdout()).toMatch(/caplab gate: PASSED/);
      expect(JSON.parse(await readFile(join(pass, "gate.json"), "utf8")).verdict).toBe("pass");
      const message = io.stderr().trim().split("\n");
      expect(message).toHaveLength(1);
      expect(message[0]).toContain(history);
      expect(message[0]).toMatch(/stayed locked by another process \(PID \d+\) for 0\.3 s/);
      expect(message[0]).toMatch(/CAPLAB_HISTORY_LOCK_TIMEOUT/);

      const failing = await writeRunBundle(join(dir, "locked-fail"), {
        seed: 6,
        seconds: 20,
        slo: { latencyP95Ms: 10, errorRatePercent: 0.1 },
      });
      const io2 = captureIo();
      expect(await runGateCommand(failing, { history }, cliContext(io2, { env }))).toBe(1);
      expect(io2.stdout()).toMatch(/caplab gate: FAILED/);
      expect(io2.stderr()).toMatch(/not recorded: the history .* stayed locked/);
    } finally {
      await holder.release();
    }
  });
});

describe("a history path that is not a usable database", () => {
  async function truncatedHistory(): Promise<string> {
    const path = join(dir, "truncated.duckdb");
    for (let i = 0; i < 3; i++)
      await recordRun(path, runDataOf({ seed: i, seconds: 30, runId: `t-${i}` }));
    // The tables sit in the first quarter of the file (the rest is free blocks): cut into them.
    await truncate(path, Math.floor((await stat(path)).size / 10));
    return path;
  }

  const cases: [string, () => Promise<string>, RegExp][] = [
    [
      "a folder",
      async () => {
        const p = join(dir, "a-folder.duckdb");
        await mkdir(p, { recursive: true });
        return p;
      },
      /is a folder, not a database file; point --history \(or CAPLAB_HISTORY\) at a file/,
    ],
    [
      "not DuckDB",
      async () => {
        const p = join(dir, "notes.duckdb");
        await writeFile(p, "these are my notes, not a database\n");
        return p;
      },
      /is not a DuckDB database caplab can read \(.*not a valid DuckDB database file.*\); move it aside/,
    ],
    [
      "truncated",
      truncatedHistory,
      /is not a DuckDB database caplab can read \(.*\); move it aside/,
    ],
    [
      "under a file",
      async () => {
        await writeFile(join(dir, "plain-file"), "x");
        return join(dir, "plain-file", "history.duckdb");
      },
      /cannot write the history .* make it writable or point --history/,
    ],
  ];

  for (const [what, make, sentence] of cases)
    it(`${what}: gate, history and history export say so in one sentence and exit 74`, async () => {
      const history = await make();
      const before = (await stat(history).catch(() => null))?.size;
      const bundle = await writeRunBundle(join(dir, `bad-${what.replace(/ /g, "-")}`), {
        seed: 9,
        seconds: 20,
        errorRate: 0,
      });
      for (const args of [
        ["gate", bundle, "--history", history],
        ["gate", bundle, "--history", history, "--baseline-from-history", "5"],
        ["history", "--history", history],
        ["history", "export", "--parquet", join(dir, "parquet"), "--history", history],
      ]) {
        const io = captureIo();
        expect(await main(args, io), args.join(" ")).toBe(HISTORY_EXIT_CODE);
        expect(io.stderr(), args.join(" ")).toMatch(sentence);
        expect(io.stderr()).toContain(history);
        expect(io.stderr()).not.toMatch(stackLine);
        expect(io.stderr().trim().split("\n")).toHaveLength(1);
        if (args[0] === "gate") expect(io.stdout()).toMatch(/caplab gate: PASSED/);
      }
      // Nothing was done to the file the user pointed at.
      expect((await stat(history).catch(() => null))?.size).toBe(before);
    });
});

describe("plan and run with a history they cannot write", () => {
  /** A stand-in for k6 that writes a real k6 output (copied from FAKE_K6_OUTPUT) and exits FAKE_K6_EXIT. */
  const FAKE_K6 = `#!${process.execPath}
const fs = require("node:fs");
const args = process.argv.slice(2);
if (args[0] === "version") { console.log("k6 v2.3.0 (fake)"); process.exit(0); }
fs.copyFileSync(process.env.FAKE_K6_OUTPUT, args[args.indexOf("--out") + 1].slice("json=".length));
fs.writeFileSync(args[args.indexOf("--summary-export") + 1], "{}");
process.exit(Number(process.env.FAKE_K6_EXIT ?? 0));
`;

  it("plan writes its outputs, says why it was not recorded and exits 74", async () => {
    const history = join(dir, "plan-history-folder");
    await mkdir(history);
    const config = await smallPlanConfig();
    const out = join(dir, "plan-not-recorded");
    const saved = process.env.CAPLAB_HISTORY;
    process.env.CAPLAB_HISTORY = history;
    const io = captureIo();
    try {
      expect(
        await main(
          ["plan", config, "--out", out, "--workers", "0", "--quiet", "--allow-short-trace"],
          io,
        ),
      ).toBe(HISTORY_EXIT_CODE);
    } finally {
      process.env.CAPLAB_HISTORY = saved;
    }
    expect(await readdir(out)).toContain("recommendation.json");
    expect(io.stdout()).toMatch(/Recommendation/);
    expect(io.stderr()).toMatch(
      new RegExp(`the plan was written but not recorded: the history ${history} is a folder`),
    );
  });

  it("run keeps its bundle and exits 74 when k6 passed, k6's own code when it did not", async () => {
    const history = join(dir, "run-history-folder");
    await mkdir(history);
    const fake = join(dir, "fake-k6");
    await writeFile(fake, FAKE_K6);
    await chmod(fake, 0o755);
    const source = await writeRunBundle(join(dir, "k6-source"), { seed: 11, seconds: 20 });
    for (const [k6Exit, expected] of [
      ["0", HISTORY_EXIT_CODE],
      ["99", 99],
    ] as const) {
      const out = join(dir, `run-not-recorded-${k6Exit}`);
      const io = captureIo();
      const env = {
        PATH: "",
        K6_BIN: fake,
        CAPLAB_HISTORY: history,
        FAKE_K6_OUTPUT: join(source, "k6.json.gz"),
        FAKE_K6_EXIT: k6Exit,
      };
      const code = await runRunCommand(
        "smoke",
        { target: "https://svc.example.com", out },
        cliContext(io, { env }),
      );
      expect(code).toBe(expected);
      expect(await readdir(out)).toEqual(
        expect.arrayContaining(["k6.json.gz", "manifest.json", "summary.json"]),
      );
      expect(io.stderr()).toMatch(
        new RegExp(
          `the run bundle is complete but not recorded: the history ${history} is a folder`,
        ),
      );
    }
  });
});
