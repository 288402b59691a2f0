import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBacktestCommand } from "../../cli/backtest-command.js";
import { runRightsizeCommand } from "../../cli/rightsize-command.js";
import {
  KNOWN_SCALING,
  KNOWN_SERVICE,
  KNOWN_TASK,
  writeObservedBundle,
} from "../fixtures/bundles/make-observed-bundle.js";
import { captureIo, cliContext } from "../helpers/io.js";

/** A simulate config with the fixture's task size and scaling and the given service model. */
async function writeConfig(path: string, cpuMsPerRequest: number): Promise<string> {
  const config = {
    trace: { file: "ignored.csv" },
    service: { ...KNOWN_SERVICE, cpuMsPerRequest },
    task: KNOWN_TASK,
    scaling: KNOWN_SCALING,
  };
  await writeFile(path, JSON.stringify(config));
  return path;
}

const meanMape = async (bundle: string): Promise<number> =>
  (
    JSON.parse(await readFile(join(bundle, "backtest.json"), "utf8")) as {
      fidelity: { meanMapePercent: number };
    }
  ).fidelity.meanMapePercent;

describe("caplab backtest and rightsize", () => {
  it("scores the simulator: small errors with the calibrated or the true model, larger with a wrong one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-btcmd-"));
    try {
      const b = join(dir, "b");
      await writeObservedBundle(b, { seed: 3, hours: 4 });
      const io = captureIo();
      expect(await runBacktestCommand(b, undefined, {}, cliContext(io))).toBe(0);
      expect(io.stdout()).toMatch(/fidelity score \(mean MAPE\)/);
      // The bundle is the simulator's own output with 2 % noise: calibrated from it, the
      // model replays it within a few percent.
      const calibrated = await meanMape(b);
      expect(calibrated).toBeLessThan(5);

      const truth = await writeConfig(join(dir, "true.json"), KNOWN_SERVICE.cpuMsPerRequest);
      expect(await runBacktestCommand(b, truth, {}, cliContext(captureIo()))).toBe(0);
      const exact = await meanMape(b);
      expect(exact).toBeLessThan(3);

      const wrong = await writeConfig(join(dir, "wrong.json"), KNOWN_SERVICE.cpuMsPerRequest * 2);
      expect(await runBacktestCommand(b, wrong, {}, cliContext(captureIo()))).toBe(0);
      const off = await meanMape(b);
      expect(off).toBeGreaterThan(10);
      expect(off).toBeGreaterThan(3 * exact);

      const out = captureIo();
      expect(await runRightsizeCommand(b, { sloP95: 300 }, cliContext(out))).toBe(0);
      expect(out.stdout()).toMatch(/Recommended: /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("takes today's configuration from CONFIG when the bundle records none, without asking for one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-btcmd-"));
    try {
      const b = join(dir, "b");
      await writeObservedBundle(b, { seed: 3, hours: 4, recordCurrent: false });
      const truth = await writeConfig(join(dir, "true.json"), KNOWN_SERVICE.cpuMsPerRequest);
      const io = captureIo();
      expect(await runBacktestCommand(b, truth, {}, cliContext(io))).toBe(0);
      expect(io.stderr()).not.toMatch(/records no task size|give a config|--config/);
      expect(await meanMape(b)).toBeLessThan(3);
      // Without it, backtest says what to give.
      await expect(runBacktestCommand(b, undefined, {}, cliContext(captureIo()))).rejects.toThrow(
        /records no task size and scaling; give a CONFIG/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("caplab backtest and rightsize on too little data", () => {
  const REASON = "too little to rest a decision on (a plan needs 24 h: guardrails.minTraceHours)";

  it("qualify a score and a recommendation on 4 hours, and say nothing on 26", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-btthin-"));
    try {
      const short = join(dir, "short");
      await writeObservedBundle(short, { seed: 3, hours: 4 });
      const bt = captureIo();
      expect(await runBacktestCommand(short, undefined, {}, cliContext(bt))).toBe(0);
      expect(bt.stdout()).toContain(`  data: 4 h of trace data (240 steps of 60 s): ${REASON}\n`);
      expect(bt.stderr()).toMatch(
        /^warning: The trace holds 4 h of data; a plan needs at least 24 h/m,
      );
      const json = JSON.parse(await readFile(join(short, "backtest.json"), "utf8"));
      expect(json).toMatchObject({ thinData: true, coverage: { short: true, coveredHours: 4 } });
      const rs = captureIo();
      expect(await runRightsizeCommand(short, { sloP95: 300 }, cliContext(rs))).toBe(0);
      expect(rs.stdout()).toMatch(
        new RegExp(
          `Recommended: .*\\n(.*\\n)*On 4 h of trace data \\(240 steps of 60 s\\): too little`,
        ),
      );
      const rsJson = captureIo();
      expect(
        await runRightsizeCommand(short, { sloP95: 300, json: true }, cliContext(rsJson)),
      ).toBe(0);
      expect(JSON.parse(rsJson.stdout())).toMatchObject({ thinData: true });

      const day = join(dir, "day");
      await writeObservedBundle(day, { seed: 3, hours: 26 });
      const btDay = captureIo();
      expect(await runBacktestCommand(day, undefined, {}, cliContext(btDay))).toBe(0);
      expect(btDay.stdout()).not.toContain("data:");
      expect(btDay.stderr()).not.toContain("a plan needs");
      expect(JSON.parse(await readFile(join(day, "backtest.json"), "utf8")).thinData).toBe(false);
      const rsDay = captureIo();
      expect(await runRightsizeCommand(day, { sloP95: 300 }, cliContext(rsDay))).toBe(0);
      expect(rsDay.stdout()).not.toContain("too little");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
