import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { runCalibrateCommand } from "../../cli/calibrate-command.js";
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
});
