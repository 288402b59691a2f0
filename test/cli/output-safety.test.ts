/**
 * Issue #11, rows 1 and 2, through `main` as a user runs it: --out never deletes the user's
 * files (the current folder, the folder of the inputs, a file, a folder caplab did not write),
 * --force keeps them in a backup, and single-file outputs follow the same rules.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { runCalibrateCommand, CALIBRATION_HEADER } from "../../cli/calibrate-command.js";
import { OUTPUT_MARKER } from "../../analysis/io/files/output.js";
import { writeObservedBundle } from "../fixtures/bundles/make-observed-bundle.js";
import { captureIo, cliContext } from "../helpers/io.js";

const shared = (name: string) =>
  fileURLToPath(new URL(`../../../shared/data/${name}`, import.meta.url));

/** Every file under `dir` with its content. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const visit = async (rel: string) => {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await visit(path);
      else out[path] = await readFile(join(dir, path), "utf8");
    }
  };
  await visit("");
  return out;
}

const TRACE_AND_SERVICE = [
  "trace: { generate: default-week, seed: 3 }",
  "service: { cpuMsPerRequest: 8, latencyMs: 25, memoryMiB: { base: 350, perInflightRequest: 0.05 } }",
];

/** A simulate config on the generated week. */
const SIM_YAML = [
  ...TRACE_AND_SERVICE,
  'task: { cpu: "1024", memory: "2048" }',
  "scaling: { MinCapacity: 2, MaxCapacity: 20 }",
].join("\n");

/** A plan config with a one-candidate space. */
const PLAN_YAML = [
  ...TRACE_AND_SERVICE,
  "space:",
  '  taskSizes: [{ cpu: "1024", memory: "2048" }]',
  "  metrics: [ECSServiceAverageCPUUtilization]",
  "  utilizationTargets: [50]",
  "  MinCapacity: [2]",
  "  ScaleOutCooldown: [300]",
  "robustness: { topK: 1, minPassed: 0 }",
].join("\n");

/** Runs `main` with the current folder set to `cwd`. */
async function inFolder(cwd: string, argv: string[]) {
  const io = captureIo();
  const before = process.cwd();
  process.chdir(cwd);
  try {
    return { code: await main(argv, io), io };
  } finally {
    process.chdir(before);
  }
}

describe("--out never deletes the user's files", () => {
  it("plan CONFIG --out . is refused, --force too: the config, notes and sub-folders stay", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-dot-"));
    await writeFile(join(dir, "plan.yaml"), PLAN_YAML);
    await writeFile(join(dir, "notes.md"), "my notes");
    await mkdir(join(dir, "traces"));
    await writeFile(join(dir, "traces", "week.csv"), "time,count\n");
    const before = await snapshot(dir);
    for (const extra of [[], ["--force"]]) {
      const { code, io } = await inFolder(dir, [
        "plan",
        "plan.yaml",
        "--out",
        ".",
        "--workers",
        "0",
        ...extra,
      ]);
      expect(code).toBe(2);
      expect(io.stderr()).toMatch(/^caplab: --out \. is the current folder; .*caplab-out/);
      expect(io.stderr().trim().split("\n")).toHaveLength(1);
    }
    expect(await snapshot(dir)).toEqual(before);
  });

  it("plan --out a folder holding its config is refused even with --force", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-cfgdir-"));
    await mkdir(join(dir, "conf"));
    await writeFile(join(dir, "conf", "plan.yaml"), PLAN_YAML);
    const io = captureIo();
    const args = ["plan", join(dir, "conf", "plan.yaml"), "--out", join(dir, "conf")];
    expect(await main([...args, "--force"], io)).toBe(2);
    expect(io.stderr()).toMatch(/holds .*plan\.yaml, which this command reads/);
    expect(await readdir(join(dir, "conf"))).toEqual(["plan.yaml"]);
  });

  it("import LOGS --out LOGS is refused: the source logs stay", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-logs-"));
    const logs = join(dir, "logs");
    await mkdir(logs);
    await copyFile(shared("alb/aws-docs-alb-examples.log"), join(logs, "a.log"));
    const before = await snapshot(logs);
    for (const extra of [[], ["--force"]]) {
      const io = captureIo();
      expect(await main(["import", logs, "--format", "alb", "--out", logs, ...extra], io)).toBe(2);
      expect(io.stderr()).toMatch(/--out .*logs is .*logs, which this command reads/);
    }
    expect(await snapshot(logs)).toEqual(before);
    expect(await readdir(dir)).toEqual(["logs"]);
  });

  it("simulate --out an existing file: one sentence, exit 2, the file as it was", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-outfile-"));
    await writeFile(join(dir, "sim.yaml"), SIM_YAML);
    await writeFile(join(dir, "results"), "not a folder");
    const io = captureIo();
    expect(await main(["simulate", join(dir, "sim.yaml"), "--out", join(dir, "results")], io)).toBe(
      2,
    );
    expect(io.stderr()).toMatch(/^caplab: --out .*results is a file, not a folder; /);
    expect(io.stderr().trim().split("\n")).toHaveLength(1);
    expect(await readFile(join(dir, "results"), "utf8")).toBe("not a folder");
  });

  it("collect --out a folder caplab did not write is refused before any AWS call", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-collect-"));
    const out = join(dir, "mine");
    await mkdir(out);
    await writeFile(join(out, "keep.txt"), "keep");
    const io = captureIo();
    const code = await main(
      [
        "collect",
        "--cluster",
        "c",
        "--service",
        "s",
        "--from",
        "2026-01-01T00:00:00Z",
        "--to",
        "2026-01-01T01:00:00Z",
        "--region",
        "us-east-1",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--out",
        out,
      ],
      io,
    );
    expect(code).toBe(2);
    expect(io.stderr()).toMatch(/holds keep\.txt, which caplab did not write/);
    expect(await snapshot(dir)).toEqual({ "mine/keep.txt": "keep" });
  });

  it("simulate into a folder caplab did not write: refused; --force writes and keeps the old files in a backup", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-force-"));
    await writeFile(join(dir, "sim.yaml"), SIM_YAML);
    const out = join(dir, "results");
    await mkdir(join(out, "2025"), { recursive: true });
    await writeFile(join(out, "2025", "q4.xlsx"), "numbers");
    const io = captureIo();
    expect(await main(["simulate", join(dir, "sim.yaml"), "--out", out], io)).toBe(2);
    expect(io.stderr()).toMatch(/holds 2025\/q4\.xlsx, which caplab did not write; .*--force/);
    expect(await snapshot(out)).toEqual({ "2025/q4.xlsx": "numbers" });

    const forced = captureIo();
    expect(await main(["simulate", join(dir, "sim.yaml"), "--out", out, "--force"], forced)).toBe(
      0,
    );
    expect((await readdir(out)).sort()).toEqual([
      OUTPUT_MARKER,
      "events.json",
      "summary.json",
      "timeline.csv",
    ]);
    const backup = (await readdir(dir)).find((n) => n.startsWith("results.caplab-backup-"));
    expect(await snapshot(join(dir, backup!))).toEqual({ "2025/q4.xlsx": "numbers" });
    expect(forced.stderr()).toContain(backup);
    // The folder is caplab's now: the next simulate replaces it without --force.
    expect(await main(["simulate", join(dir, "sim.yaml"), "--out", out], captureIo())).toBe(0);
  });

  it("history export --parquet the folder of the history is refused", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-hist-"));
    const history = join(dir, "h", "history.duckdb");
    await mkdir(join(dir, "h"));
    await writeFile(history, "");
    const io = captureIo();
    expect(
      await main(["history", "export", "--parquet", join(dir, "h"), "--history", history], io),
    ).toBe(2);
    expect(io.stderr()).toMatch(/--parquet .*h holds .*history\.duckdb, which this command reads/);
    expect(await readdir(join(dir, "h"))).toEqual(["history.duckdb"]);
  });
});

describe("calibrate --out FILE", () => {
  it("replaces a file it wrote, refuses one it did not, --force keeps that one as a backup", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-calout-"));
    await writeObservedBundle(join(dir, "b"), { seed: 3, hours: 4 });
    const model = join(dir, "model.yaml");
    await writeFile(model, "service: { cpuMsPerRequest: 7 }  # tuned by hand\n");
    const silent = captureIo();
    await expect(
      runCalibrateCommand(join(dir, "b"), { out: model }, cliContext(silent)),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/model\.yaml exists and caplab did not write it/),
    });
    expect(await readFile(model, "utf8")).toMatch(/tuned by hand/);
    expect(
      await runCalibrateCommand(join(dir, "b"), { out: model, force: true }, cliContext(silent)),
    ).toBe(0);
    expect((await readFile(model, "utf8")).startsWith(CALIBRATION_HEADER)).toBe(true);
    const backup = (await readdir(dir)).find((n) => n.startsWith("model.yaml.caplab-backup-"));
    expect(await readFile(join(dir, backup!), "utf8")).toMatch(/tuned by hand/);
    // Its own file is replaced without --force.
    expect(await runCalibrateCommand(join(dir, "b"), { out: model }, cliContext(silent))).toBe(0);
    await expect(
      runCalibrateCommand(
        join(dir, "b"),
        { out: join(dir, "b", "manifest.json"), force: true },
        cliContext(silent),
      ),
    ).rejects.toThrow(/which this command reads/);
    expect(existsSync(join(dir, "b", "manifest.json"))).toBe(true);
  });
});
