/**
 * `caplab rightsize` on a bundle with usage but no requests series (the Container Insights
 * sample of ../shared/data): the size is given, priced and not simulated, with how many
 * datapoints it rests on and a caution when they are too few; no trace coverage is claimed
 * for a trace that is not there.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runImportCommand } from "../../cli/import-command.js";
import { renderRightsize, runRightsizeCommand } from "../../cli/rightsize-command.js";
import { captureIo, cliContext } from "../helpers/io.js";
import { kpisWith } from "../helpers/sim.js";

const SAMPLE = fileURLToPath(
  new URL(
    "../../../shared/data/cloudwatch/ecs-container-insights-performance-events.aws-docs.json",
    import.meta.url,
  ),
);

let dir = "";
let bundle = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-rightsize-cmd-"));
  bundle = join(dir, "ci");
  const io = captureIo();
  expect(
    await runImportCommand([SAMPLE], { format: "cloudwatch", out: bundle }, cliContext(io)),
    io.stderr(),
  ).toBe(0);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("caplab rightsize on usage alone", () => {
  it("says what the size rests on, and claims no trace", async () => {
    const io = captureIo();
    const flags = { taskCpu: "1024", taskMemory: "2048" };
    expect(await runRightsizeCommand(bundle, flags, cliContext(io))).toBe(0);
    expect(io.stdout()).toContain("(p95 0 of 1 datapoint + headroom)");
    expect(io.stdout()).toContain(
      "Too few datapoints to size a task on: the CPU's p95 rests on 1 datapoint (it needs 59)",
    );
    expect(io.stdout()).toContain("Take the size as a floor, not an answer.");
    // There is no requests series, so no trace: nothing about "0 s of trace data".
    expect(io.stdout() + io.stderr()).not.toMatch(/0 s of (trace )?data|0 steps/);

    const json = captureIo();
    expect(await runRightsizeCommand(bundle, { ...flags, json: true }, cliContext(json))).toBe(0);
    expect(JSON.parse(json.stdout())).toMatchObject({
      thinData: true,
      coverage: null,
      need: { cpuSamples: 1, memorySamples: 1, caution: expect.stringMatching(/^Too few/) },
    });
  });
});

describe("renderRightsize", () => {
  const need = {
    cpuUnits: 300,
    memoryMiB: 600,
    cpuUnitsPercentile: 250,
    memoryMiBPercentile: 500,
    cpuSamples: 1000,
    memorySamples: 1000,
    caution: null,
  };
  const row = (label: string, oomKills: number) => ({
    task: {
      cpu: "512",
      memory: "1024",
      architecture: "X86_64",
      capacityProvider: "FARGATE",
    } as const,
    label,
    current: false,
    perTaskPick: false,
    taskMonthlyCostUsd: 18,
    kpis: kpisWith({}, { oomKills }),
    meetsSlo: oomKills === 0,
  });

  it("says under the table that a fractional OOM figure is an expected value, not a count", () => {
    const text = (kills: number) =>
      renderRightsize({
        need,
        rows: [row("0.5 vCPU / 1 GiB", kills), row("1 vCPU / 2 GiB", 0)],
        recommended: null,
        simulated: true,
        reasons: [],
      });
    expect(text(94.1)).toContain(
      "  (OOM: a fraction is an expected value of oomModel poisson, not a count of kills)",
    );
    expect(text(3)).not.toContain("expected value");
  });
});
