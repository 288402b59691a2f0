import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { TIMELINE_COLUMN_DESCRIPTIONS, TIMELINE_COLUMNS } from "../../sim/vocab/index.js";
import { captureIo } from "../helpers/io.js";
import { tinyPlanYaml } from "./tiny-plan.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const shared = fileURLToPath(new URL("../../../shared/data/traces", import.meta.url));

const capture = captureIo;

describe("caplab", () => {
  it("lists every command with a one-line purpose", async () => {
    const io = capture();
    expect(await main(["--help"], io)).toBe(0);
    for (const command of ["simulate", "plan", "run", "schema"])
      expect(io.stdout()).toMatch(new RegExp(`\\n  ${command}\\b.*\\S`));
  });

  it("prints the config's JSON Schema", async () => {
    const io = capture();
    expect(await main(["schema"], io)).toBe(0);
    const schema = JSON.parse(io.stdout());
    expect(schema.properties.scaling.properties.MinCapacity.type).toBe("integer");
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["trace", "service", "task", "scaling", "platform", "slo"]),
    );
  });

  it("prints timeline.csv's columns with what each holds, counts as means over the step", async () => {
    const io = capture();
    expect(await main(["schema", "--timeline"], io)).toBe(0);
    const schema = JSON.parse(io.stdout());
    expect(Object.keys(schema.properties)).toEqual(["time", ...TIMELINE_COLUMNS]);
    for (const column of TIMELINE_COLUMNS) {
      expect(schema.properties[column]).toMatchObject({ type: "number" });
      expect(schema.properties[column].description).toBe(TIMELINE_COLUMN_DESCRIPTIONS[column]);
    }
    expect(schema.description).toContain("mean over the step");
    for (const count of ["runningCount", "healthyCount", "drainingCount", "pendingCount"])
      expect(schema.properties[count].description).toContain("mean over the step");
  });

  it.skipIf(!existsSync(shared))(
    "simulates the NASA example and writes timeline, events and summary",
    async () => {
      const out = await mkdtemp(join(tmpdir(), "caplab-sim-"));
      const io = capture();
      const code = await main(
        ["simulate", join(repo, "examples/simulate-nasa.yaml"), "--out", out, "--json"],
        io,
      );
      expect(code).toBe(0);
      const summary = JSON.parse(io.stdout());
      expect(summary.minutes).toBe(7 * 24 * 60);
      expect(summary.costUsd).toBeGreaterThan(0);
      const csv = await readFile(join(out, "timeline.csv"), "utf8");
      const header = csv.split("\n")[0]!.split(",");
      for (const column of [
        "time",
        "requests",
        "desiredCount",
        "runningCount",
        "healthyCount",
        "cpuUtilization",
        "memoryUtilization",
        "requestCountPerTarget",
        "latencyP95Ms",
        "failedRequests",
        "costUsd",
      ]) {
        expect(header).toContain(column);
      }
      expect(csv.trim().split("\n")).toHaveLength(7 * 24 * 60 + 1);
      const events = JSON.parse(await readFile(join(out, "events.json"), "utf8"));
      expect(events.some((e: { kind: string }) => e.kind === "scale-out")).toBe(true);
      const written = JSON.parse(await readFile(join(out, "summary.json"), "utf8"));
      for (const key of [
        "costUsd",
        "sloViolationMinutes",
        "errorRatePercent",
        "maxTasks",
        "scalingActions",
      ])
        expect(written).toHaveProperty(key);
      expect((await readdir(out)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    },
  );

  it("answers a bad config with one sentence naming the field, exit 2", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-bad-"));
    const path = join(dir, "bad.yaml");
    await writeFile(
      path,
      [
        "trace: { generate: default-week }",
        "service: { cpuMsPerRequest: 5, memoryMiB: { base: 100 } }",
        'task: { cpu: "256", memory: "4096" }',
        "scaling: { MinCapacity: 1, MaxCapacity: 4 }",
      ].join("\n"),
    );
    const io = capture();
    expect(await main(["simulate", path], io)).toBe(2);
    expect(io.stderr()).toMatch(/task\.memory/);
    expect(io.stderr()).toMatch(/use one of 512, 1024, 2048/);
    expect(io.stderr().trim().split("\n")).toHaveLength(1);
    const io2 = capture();
    expect(await main(["plan"], io2)).toBe(2);
    expect(io2.stderr()).toMatch(/--default/);
    const io3 = capture();
    expect(await main(["simulate", join(dir, "missing.yaml")], io3)).toBe(2);
    const io4 = capture();
    expect(await main(["frobnicate"], io4)).toBe(2);
  });

  it("plans a small space and writes every output", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-plan-"));
    const config = join(dir, "plan.yaml");
    await writeFile(config, tinyPlanYaml("{ topK: 2 }", 'service_name: "shop\\"<script>"'));
    const out = join(dir, "out");
    const io = capture();
    const code = await main(
      ["plan", config, "--out", out, "--workers", "0", "--allow-short-trace"],
      io,
    );
    expect([0, 3]).toContain(code);
    const files = await readdir(out);
    for (const f of [
      "recommendation.json",
      "candidates.csv",
      "pareto.json",
      "report.html",
      "report.md",
    ])
      expect(files).toContain(f);
    const csv = await readFile(join(out, "candidates.csv"), "utf8");
    expect(csv.trim().split("\n")).toHaveLength(1 + 4);
    if (code === 0) {
      const rec = JSON.parse(await readFile(join(out, "recommendation.json"), "utf8"));
      expect(rec.recommendation.scalableTarget.ResourceId).toBe('service/my-cluster/shop"<script>');
      expect(
        rec.recommendation.targetTrackingScalingPolicyConfiguration[0].TargetValue,
      ).toBeGreaterThan(0);
      expect(io.stdout()).toMatch(/Recommendation/);
      expect(await readdir(join(out, "snippets"))).toEqual([
        "aws-cli.sh",
        "cloudformation.yaml",
        "terraform.tf",
      ]);
    }
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html).not.toContain('shop"<script>');
  });
});
