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
import { captureIo } from "../helpers/io.js";

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
      expect(await runBacktestCommand(b, undefined, {}, io)).toBe(0);
      expect(io.stdout()).toMatch(/fidelity score \(mean MAPE\)/);
      // The bundle is the simulator's own output with 2 % noise: calibrated from it, the
      // model replays it within a few percent.
      const calibrated = await meanMape(b);
      expect(calibrated).toBeLessThan(5);

      const truth = await writeConfig(join(dir, "true.json"), KNOWN_SERVICE.cpuMsPerRequest);
      expect(await runBacktestCommand(b, truth, {}, captureIo())).toBe(0);
      const exact = await meanMape(b);
      expect(exact).toBeLessThan(3);

      const wrong = await writeConfig(join(dir, "wrong.json"), KNOWN_SERVICE.cpuMsPerRequest * 2);
      expect(await runBacktestCommand(b, wrong, {}, captureIo())).toBe(0);
      const off = await meanMape(b);
      expect(off).toBeGreaterThan(10);
      expect(off).toBeGreaterThan(3 * exact);

      const out = captureIo();
      expect(await runRightsizeCommand(b, { sloP95: 300 }, out)).toBe(0);
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
      expect(await runBacktestCommand(b, truth, {}, io)).toBe(0);
      expect(io.stderr()).not.toMatch(/records no task size|give a config|--config/);
      expect(await meanMape(b)).toBeLessThan(3);
      // Without it, backtest says what to give.
      await expect(runBacktestCommand(b, undefined, {}, captureIo())).rejects.toThrow(
        /records no task size and scaling; give a CONFIG/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
