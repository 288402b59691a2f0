/**
 * Issue #11, rows 9 and 11: every bad flag value is one sentence and exit 2, before any
 * work starts (no ZodError, no stack, no NaN carried into a command); --workers is capped at
 * the cores with a warning.
 */
import { availableParallelism } from "node:os";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { captureIo } from "../helpers/io.js";
import { writeObservedBundle } from "../fixtures/bundles/make-observed-bundle.js";

let dir: string;
let bundle: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-usage-"));
  bundle = join(dir, "observed");
  await writeObservedBundle(bundle, { seed: 3, hours: 2 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs caplab and expects exit 2 with one line on stderr that matches `message`. */
async function expectOneSentence(argv: readonly string[], message: RegExp): Promise<void> {
  const io = captureIo();
  const code = await main(argv, io);
  expect(code, argv.join(" ")).toBe(2);
  const lines = io.stderr().trim().split("\n");
  expect(lines, io.stderr()).toHaveLength(1);
  expect(lines[0]).toMatch(/^caplab: .*\.$/);
  expect(lines[0]).toMatch(message);
  expect(io.stderr()).not.toMatch(/ZodError|at .*\(.*:\d+:\d+\)|NaN/);
}

describe("flag values", () => {
  const cases: [string, readonly string[], RegExp][] = [
    [
      "rightsize --slo-p95 0",
      ["rightsize", "B", "--slo-p95", "0"],
      /--slo-p95 takes a number of milliseconds above 0, not "0"/,
    ],
    ["rightsize --slo-p95 -1", ["rightsize", "B", "--slo-p95", "-1"], /--slo-p95 takes/],
    ["rightsize --slo-p95 abc", ["rightsize", "B", "--slo-p95", "abc"], /--slo-p95 takes/],
    [
      "rightsize --headroom -50",
      ["rightsize", "B", "--headroom", "-50"],
      /--headroom takes a number of percent of 0 or more/,
    ],
    [
      "rightsize --headroom Infinity",
      ["rightsize", "B", "--headroom", "Infinity"],
      /--headroom takes/,
    ],
    ["calibrate --slo-p95 abc", ["calibrate", "B", "--slo-p95", "abc"], /--slo-p95 takes/],
    [
      "plan --workers abc",
      ["plan", "--default", "--workers", "abc"],
      /--workers takes a whole number of threads \(0 or more\), not "abc"/,
    ],
    ["plan --workers 1.5", ["plan", "--default", "--workers", "1.5"], /--workers takes/],
    ["plan --workers ''", ["plan", "--default", "--workers", ""], /--workers takes/],
    ["plan --workers -2", ["plan", "--default", "--workers", "-2"], /--workers takes/],
    [
      "run --scale -1",
      ["run", "smoke", "--target", "https://x.example", "--scale", "-1"],
      /--scale takes a number above 0/,
    ],
    [
      "run --compress 0",
      ["run", "smoke", "--target", "https://x.example", "--compress", "0"],
      /--compress takes a number above 0/,
    ],
    [
      "run --segments 0",
      ["run", "smoke", "--target", "https://x.example", "--segments", "0"],
      /--segments takes a whole number \(1 or more\)/,
    ],
    [
      "run --sync-port 70000",
      ["run", "smoke", "--target", "https://x.example", "--sync-port", "70000"],
      /--sync-port takes a whole number \(from 1 to 65535\)/,
    ],
    [
      "run --sync-timeout 0",
      ["run", "smoke", "--target", "https://x.example", "--sync-timeout", "0"],
      /--sync-timeout takes/,
    ],
    [
      "history --last 0",
      ["history", "--last", "0"],
      /--last takes a whole number of runs \(1 or more\)/,
    ],
    [
      "gate --baseline-from-history x",
      ["gate", "B", "--baseline-from-history", "x"],
      /--baseline-from-history takes/,
    ],
    [
      "collect --period 0",
      [
        "collect",
        "--cluster",
        "c",
        "--service",
        "s",
        "--from",
        "now-1h",
        "--to",
        "now",
        "--out",
        "O",
        "--period",
        "0",
      ],
      /--period takes a whole number of seconds \(1 or more\)/,
    ],
    [
      "collect --max-tasks 2.5",
      [
        "collect",
        "--cluster",
        "c",
        "--service",
        "s",
        "--from",
        "now-1h",
        "--to",
        "now",
        "--out",
        "O",
        "--max-tasks",
        "2.5",
      ],
      /--max-tasks takes/,
    ],
    [
      "import --step 7",
      ["import", "x.csv", "--format", "csv", "--step", "7", "--out", "O"],
      /--step 7 is not one of/,
    ],
  ];
  for (const [name, argv, message] of cases)
    it(name, async () => {
      const real = argv.map((a) => (a === "B" ? bundle : a === "O" ? join(dir, "out") : a));
      await expectOneSentence(real, message);
    });
});

describe("--workers", () => {
  it("is capped at the cores, with a warning, and the plan still runs", async () => {
    const config = join(dir, "plan.yaml");
    await writeFile(
      config,
      [
        "trace: { generate: default-week, seed: 3 }",
        "service: { cpuMsPerRequest: 8, latencyMs: 25, memoryMiB: { base: 350 } }",
        "space:",
        '  taskSizes: [{ cpu: "1024", memory: "2048" }]',
        "  metrics: [ECSServiceAverageCPUUtilization]",
        "  utilizationTargets: [40, 60]",
        "  MinCapacity: [2]",
        "  ScaleOutCooldown: [300]",
        "robustness: { topK: 1, minPassed: 0, maxChecked: 1 }",
      ].join("\n"),
    );
    const cores = availableParallelism();
    const io = captureIo();
    const code = await main(
      ["plan", config, "--out", join(dir, "plan"), "--workers", "100", "--allow-short-trace"],
      io,
    );
    expect([0, 3]).toContain(code);
    expect(io.stderr()).toContain(
      `warning: --workers 100 is more than the ${cores} cores here; using ${cores}`,
    );
    expect(io.stderr()).toMatch(new RegExp(`on ${cores} (workers|thread)…`));
  });
});
