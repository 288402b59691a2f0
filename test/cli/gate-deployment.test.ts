/**
 * gate.yaml's `deployment` check (issue #16 item 4): a release whose deployment would break the
 * SLO at the planned hour fails the gate; one that keeps it passes.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGateCommand } from "../../cli/gate-command.js";
import type { Io } from "../../cli/main.js";
import { writeRunBundle } from "../fixtures/runs/make-run-bundle.js";
import { cliContext } from "../helpers/io.js";

function io(): Io & { text: () => string } {
  let out = "";
  return { out: (t) => (out += t), err: (t) => (out += t), isTty: false, text: () => out };
}

let dir = "";
let run = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-gate-deploy-"));
  run = await writeRunBundle(join(dir, "run"), { seconds: 40, seed: 1, runId: "r1" });
  // Two days of minutes: four tasks at 85 % CPU from 09:00 to 17:00, 20 % at night.
  const rows = ["time,requests"];
  for (let i = 0; i < 2 * 1440; i++) {
    const hour = Math.floor(i / 60) % 24;
    const t = new Date(Date.UTC(2026, 0, 5) + i * 60_000).toISOString();
    rows.push(`${t},${(hour >= 9 && hour < 17 ? 0.85 : 0.2) * 4 * 6000}`);
  }
  await writeFile(join(dir, "trace.csv"), `${rows.join("\n")}\n`);
  await writeFile(
    join(dir, "service.yaml"),
    [
      "trace: { file: trace.csv }",
      "service: { cpuMsPerRequest: 10, idleCpuPercent: 0, memoryMiB: { base: 256 } }",
      'task: { cpu: "1024", memory: "2048" }',
      "scaling: { MinCapacity: 4, MaxCapacity: 4, DesiredCount: 4 }",
      "",
    ].join("\n"),
  );
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function gate(deployment: string): Promise<{ code: number; text: string; json: string }> {
  const config = join(dir, "gate.yaml");
  await writeFile(config, `deployment:\n${deployment}`);
  const out = io();
  const code = await runGateCommand(
    run,
    { config, out: join(dir, "out"), history: join(dir, "h.duckdb"), record: false, force: true },
    cliContext(out),
  );
  return { code, text: out.text(), json: await readFile(join(dir, "out", "gate.json"), "utf8") };
}

describe("gate.yaml deployment", () => {
  it("fails a 50 % / 100 % rolling deployment at noon, which overloads the other half", async () => {
    const r = await gate(
      "  simulate: service.yaml\n  at: 2026-01-05T12:00:00Z\n  minimumHealthyPercent: 50\n  maximumPercent: 100\n",
    );
    expect(r.code).toBe(1);
    const check = JSON.parse(r.json).checks.find((c: { id: string }) => c.id === "deployment-slo");
    expect(check.verdict).toBe("fail");
    expect(check.numbers.addedSloMinutes).toBeGreaterThan(0);
    expect(check.detail).toMatch(
      /rolling deployment at 2026-01-05T12:00:00Z completes .* adds [1-9]/,
    );
  });

  it("passes the same deployment at 03:00, and ECS's defaults at noon", async () => {
    const night = await gate(
      "  simulate: service.yaml\n  at: 2026-01-05T03:00:00Z\n  minimumHealthyPercent: 50\n  maximumPercent: 100\n",
    );
    const noon = await gate("  simulate: service.yaml\n  at: 2026-01-05T12:00:00Z\n");
    for (const r of [night, noon]) {
      const check = JSON.parse(r.json).checks.find(
        (c: { id: string }) => c.id === "deployment-slo",
      );
      expect(check.verdict).toBe("pass");
      expect(check.numbers.addedSloMinutes).toBe(0);
    }
  });

  it("fails a release whose new revision does not fit in the task's memory, and says when the circuit breaker tripped", async () => {
    const r = await gate(
      "  simulate: service.yaml\n  at: 2026-01-05T12:00:00Z\n  deploymentCircuitBreaker: { enable: true, rollback: true }\n  newRevision: { memoryMiB: { base: 4096 } }\n",
    );
    expect(r.code).toBe(1);
    const check = JSON.parse(r.json).checks.find((c: { id: string }) => c.id === "deployment-slo");
    expect(check.verdict).toBe("fail");
    expect(check.detail).toMatch(
      /ends rolled-back in \d+ min: the circuit breaker tripped at minute [0-9.]+ and the rollback completed; it adds/,
    );
  });

  it("names the field when the planned time is outside the simulate config's trace (exit 2)", async () => {
    await expect(gate("  simulate: service.yaml\n  at: 2027-01-01T00:00:00Z\n")).rejects.toThrow(
      /gate\.yaml: deployment\.at 2027-01-01T00:00:00Z is outside the trace/,
    );
  });
});
