/**
 * The real-k6 tier (STYLE.md point 6): runs every scenario with a real k6 binary against a
 * local HTTP server on 127.0.0.1 and checks exit codes: 0, and 99 with an impossible
 * threshold. Without k6 (K6_BIN or `k6` on PATH) the tests are reported as skipped, with the
 * reason; they never pass silently.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHAPE_KINDS, type ScenarioPlan, type Shape } from "../../scenarios/plan/k6-plan.js";

function findK6(): string | null {
  if (process.env.K6_BIN) return existsSync(process.env.K6_BIN) ? process.env.K6_BIN : null;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, "k6"))) return join(dir, "k6");
  }
  return null;
}

const k6 = findK6();
const SKIP_REASON = "no k6 binary (set K6_BIN or put k6 on PATH; npm's `k6` is a placeholder)";
if (k6 === null) console.warn(`real-k6 tier SKIPPED: ${SKIP_REASON}`);

/** A few seconds of each shape. */
const SHORT: Record<(typeof SHAPE_KINDS)[number], Shape> = {
  smoke: { kind: "smoke", rate: 2, durationSeconds: 2 },
  constant: { kind: "constant", rate: 5, durationSeconds: 2 },
  breakpoint: { kind: "breakpoint", startRate: 2, stepRate: 2, stepSeconds: 1, steps: 2 },
  spike: {
    kind: "spike",
    baseRate: 2,
    spikeRate: 6,
    baseSeconds: 1,
    rampSeconds: 1,
    spikeSeconds: 1,
  },
  soak: { kind: "soak", rate: 3, rampSeconds: 1, durationSeconds: 2 },
  "trace-replay": {
    kind: "trace-replay",
    startRate: 2,
    timeUnit: "1s",
    stages: [
      { durationSeconds: 0, target: 2 },
      { durationSeconds: 1, target: 2 },
      { durationSeconds: 0, target: 4 },
      { durationSeconds: 1, target: 4 },
    ],
  },
};

function plan(shape: Shape, latencyP95Ms: number): ScenarioPlan {
  return {
    shape,
    mix: {
      endpoints: [
        { name: "home", method: "GET", path: "/", weight: 2 },
        { name: "api", method: "POST", path: "/api", weight: 1, body: "{}" },
      ],
      thinkTimeSeconds: 0,
    },
    slo: { latencyP95Ms, errorRatePercent: 1 },
  };
}

function runK6(kind: string, p: ScenarioPlan, target: string): Promise<number> {
  const script = fileURLToPath(new URL(`../../scenarios/${kind}.ts`, import.meta.url));
  return new Promise((resolve) => {
    execFile(
      k6 as string,
      ["run", "--quiet", script],
      {
        timeout: 60_000,
        env: { ...process.env, CAPLAB_TARGET: target, CAPLAB_PLAN_JSON: JSON.stringify(p) },
      },
      (error) => resolve(error === null ? 0 : Number((error as { code?: number }).code ?? -1)),
    );
  });
}

describe.skipIf(k6 === null)(`real k6 (${k6 ?? SKIP_REASON})`, () => {
  let server: Server;
  let target = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.end("ok"));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it.each(SHAPE_KINDS)(
    "%s exits 0 within the SLO",
    async (kind) => {
      expect(await runK6(kind, plan(SHORT[kind], 5_000), target)).toBe(0);
    },
    90_000,
  );

  it.each(SHAPE_KINDS)(
    "%s exits 99 with an impossible threshold",
    async (kind) => {
      expect(await runK6(kind, plan(SHORT[kind], 0.000001), target)).toBe(99);
    },
    90_000,
  );
});
