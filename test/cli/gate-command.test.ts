import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../sim/vocab/errors.js";
import { loadGateConfig, runGateCommand } from "../../cli/gate-command.js";
import { listRuns } from "../../analysis/io/history/history-db.js";
import { writeRunBundle } from "../fixtures/runs/make-run-bundle.js";
import { checkXml } from "../fixtures/runs/xml-check.js";
import { captureIo, cliContext } from "../helpers/io.js";

const io = captureIo;

let dir = "";
let config = "";
const SERVER = { tasks: 2, cpuPercent: 50, memoryPercent: 40, maxCapacity: 10 };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-gate-"));
  config = join(dir, "gate.yaml");
  await writeFile(config, "absolute:\n  max5xxPercent: 2\nregression:\n  resamples: 400\n");
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const bundle = (name: string, o: Parameters<typeof writeRunBundle>[1]) =>
  writeRunBundle(join(dir, name), { seconds: 40, server: SERVER, ...o });

describe("caplab gate", () => {
  it("passes noise (exit 0), fails a +40 % p95 regression (exit 1), writes JUnit and Markdown", async () => {
    const base = await bundle("base", { seed: 1, runId: "base" });
    const same = await bundle("same", { seed: 2, runId: "same" });
    const slow = await bundle("slow", { seed: 3, runId: "slow", medianMs: 140 });
    const history = join(dir, "h1.duckdb");
    expect(
      await runGateCommand(
        same,
        { baseline: base, config, history },
        cliContext(io(), { env: {} }),
      ),
    ).toBe(0);
    const out = io();
    expect(
      await runGateCommand(slow, { baseline: base, config, history }, cliContext(out, { env: {} })),
    ).toBe(1);
    expect(out.text()).toContain("✗ p95 regression (bootstrap CI)");
    const xml = await readFile(join(slow, "gate-junit.xml"), "utf8");
    expect(checkXml(xml).testcase).toBeGreaterThan(8);
    expect(await readFile(join(slow, "gate.md"), "utf8")).toContain("❌ FAILED");
    // Both gated runs were recorded.
    expect((await listRuns(history)).map((r) => r.runId).sort()).toEqual(["same", "slow"]);
  });

  it("exits 1 on an inconclusive gate: fewer checks judged than gate.yaml's minJudgedChecks", async () => {
    const run = await bundle("few", { seed: 4, runId: "few" });
    const strict = join(dir, "strict.yaml");
    await writeFile(strict, "absolute:\n  max5xxPercent: 2\nminJudgedChecks: 40\n");
    const history = join(dir, "h-few.duckdb");
    const out = io();
    expect(
      await runGateCommand(run, { config: strict, history }, cliContext(out, { env: {} })),
    ).toBe(1);
    const gate = JSON.parse(await readFile(join(run, "gate.json"), "utf8"));
    expect(gate).toMatchObject({ verdict: "inconclusive", minJudged: 40 });
    expect(gate.checks.some((c: { verdict: string }) => c.verdict === "fail")).toBe(false);
    expect(out.text()).toContain(
      `caplab gate: INCONCLUSIVE (${gate.judged} of ${gate.checks.length} checks judged, ${gate.checks.length - gate.judged} skipped, at least 40 needed by gate.yaml's minJudgedChecks;`,
    );
    expect(await readFile(join(run, "gate.md"), "utf8")).toContain("⚠️ INCONCLUSIVE");
    // The same run passes with the default (at least one judged check).
    expect(await runGateCommand(run, { config, history }, cliContext(io(), { env: {} }))).toBe(0);
  });

  it("takes the baseline from the last N runs of the scenario in history", async () => {
    const history = join(dir, "h2.duckdb");
    for (let i = 0; i < 3; i++) {
      const b = await bundle(`hist-${i}`, {
        seed: 10 + i,
        runId: `hist-${i}`,
        startMs: Date.UTC(2026, 2, 1 + i),
      });
      await runGateCommand(
        b,
        { baselineFromHistory: 10, config, history },
        cliContext(io(), { env: {} }),
      );
    }
    const slow = await bundle("hist-slow", {
      seed: 20,
      runId: "hist-slow",
      medianMs: 140,
      startMs: Date.UTC(2026, 2, 5),
    });
    const out = io();
    expect(
      await runGateCommand(
        slow,
        { baselineFromHistory: 2, config, history, out: join(dir, "o") },
        cliContext(out, { env: {} }),
      ),
    ).toBe(1);
    const md = await readFile(join(dir, "o", "gate.md"), "utf8");
    // It says which runs it pooled: the last two before this one, oldest first.
    expect(md).toContain("the last 2 constant runs in history: hist-1, hist-2");
    expect(out.text()).toContain(
      `Baseline: the last 2 constant runs in history: hist-1, hist-2 (${history})`,
    );
  });

  it("is a usage error (exit 2) for conflicting flags, a missing run or a bad gate.yaml", async () => {
    const base = await bundle("u", { seed: 1 });
    const expectUsage = async (p: Promise<unknown>, message: RegExp) => {
      const error = await p.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(2);
      expect((error as UsageError).message).toMatch(message);
    };
    await expectUsage(
      runGateCommand(
        base,
        { baseline: base, baselineFromHistory: 3 },
        cliContext(io(), { env: {} }),
      ),
      /not both/,
    );
    await expectUsage(
      runGateCommand(join(dir, "nope"), {}, cliContext(io(), { env: {} })),
      /does not exist/,
    );
    const bad = join(dir, "bad.yaml");
    await writeFile(bad, "regression:\n  p95Margin: 5\n");
    await expectUsage(loadGateConfig(bad), /bad\.yaml: regression/);
    // The same YAML reader as every other config: an alias bomb is one sentence.
    const bomb = join(dir, "bomb.yaml");
    const levels = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let k = 1; k <= 6; k++)
      levels.push(`a${k}: &a${k} [${`*a${k - 1}, `.repeat(8)}*a${k - 1}]`);
    await writeFile(bomb, levels.join("\n"));
    await expectUsage(
      loadGateConfig(bomb),
      /bomb\.yaml: its YAML aliases \(\*name\) expand to more/,
    );
  });
});
