import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { runCalibrateCommand } from "../../cli/calibrate-command.js";
import { runImportCommand } from "../../cli/import-command.js";
import { UsageError } from "../../sim/vocab/errors.js";
import { PlatformSchema, ServiceModelSchema } from "../../sim/vocab/index.js";
import { writeObservedBundle } from "../fixtures/bundles/make-observed-bundle.js";
import { captureIo, cliContext } from "../helpers/io.js";

describe("caplab calibrate", () => {
  it("writes service: and platform: YAML that the config schemas accept", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-calcmd-"));
    try {
      await writeObservedBundle(join(dir, "b"), { seed: 3, hours: 4 });
      const o = captureIo();
      expect(
        await runCalibrateCommand(join(dir, "b"), { out: join(dir, "model.yaml") }, cliContext(o)),
      ).toBe(0);
      const text = await readFile(join(dir, "model.yaml"), "utf8");
      expect(text).toMatch(/# slope of vCPU on requests\/s per task: R²/);
      const doc = YAML.parse(text) as { service: unknown; platform: unknown };
      expect(ServiceModelSchema.safeParse(doc.service).success).toBe(true);
      expect(PlatformSchema.safeParse(doc.platform).success).toBe(true);
      expect(o.stderr()).toMatch(/warning: p95 never crossed/);
      await expect(
        runCalibrateCommand(join(dir, "nope"), {}, cliContext(o)),
      ).rejects.toBeInstanceOf(UsageError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("says why it fitted neither latency nor the knee on an ALB import (no CPU, no task count)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-calcmd-alb-"));
    try {
      const log = fileURLToPath(
        new URL("../../../shared/data/alb/dmastrop-tomcat-alb-50-targets.log", import.meta.url),
      );
      const bundle = join(dir, "b");
      expect(
        await runImportCommand([log], { format: "alb", out: bundle }, cliContext(captureIo())),
      ).toBe(0);
      const o = captureIo();
      const config = fileURLToPath(new URL("../../examples/simulate-nasa.yaml", import.meta.url));
      const out = join(dir, "model.yaml");
      expect(await runCalibrateCommand(bundle, { config, out }, cliContext(o))).toBe(0);
      // The bundle has response times: what latency lacks is the CPU fit's steps.
      expect(o.stderr()).toMatch(
        /latencyMs could not be fitted \(it is read on the steps the CPU fit uses, and the bundle has no CPU on the requests' steps\)/,
      );
      // It has a p95 series too: what the knee lacks is a task count.
      const text = await readFile(out, "utf8");
      expect(text).toContain(
        "# knee: not found (it needs a p95 series and a task count on the same steps: p95 against requests per task)",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
