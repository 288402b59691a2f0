import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBacktestCommand } from "../../cli/backtest-command.js";
import { runRightsizeCommand } from "../../cli/rightsize-command.js";
import { writeObservedBundle } from "../fixtures/bundles/make-observed-bundle.js";
import { captureIo, cliContext } from "../helpers/io.js";

describe("caplab backtest and rightsize", () => {
  it("write backtest.json and print summaries", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-btcmd-"));
    try {
      await writeObservedBundle(join(dir, "b"), { seed: 3, hours: 4 });
      let io = captureIo();
      expect(await runBacktestCommand(join(dir, "b"), undefined, {}, cliContext(io))).toBe(0);
      const report = JSON.parse(await readFile(join(dir, "b", "backtest.json"), "utf8")) as {
        fidelity: { meanMapePercent: number };
      };
      expect(report.fidelity.meanMapePercent).toBeGreaterThanOrEqual(0);
      expect(io.stdout()).toMatch(/fidelity score \(mean MAPE\)/);
      io = captureIo();
      expect(await runRightsizeCommand(join(dir, "b"), { sloP95: 300 }, cliContext(io))).toBe(0);
      expect(io.stdout()).toMatch(/Recommended: /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
