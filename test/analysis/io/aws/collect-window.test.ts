/**
 * Issue #11 row 6 for `collect`: a window of decades costs what CloudWatch keeps (455 days),
 * not what the window spans.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collect } from "../../../../analysis/io/aws/collect.js";
import { RETENTION_LIMIT_SECONDS, retainedFrom } from "../../../../analysis/io/aws/period.js";
import { UsageError } from "../../../../sim/vocab/errors.js";
import { readBundleManifest } from "../../../../analysis/io/files/bundle.js";
import { clients, mockAws } from "./mock-aws.js";

const NOW = Date.UTC(2026, 10, 28);
const YEAR_MS = 365 * 86_400_000;
const request = (fromMs: number, toMs: number, out: string) => ({
  cluster: "prod",
  service: "api",
  fromMs,
  toMs,
  periodSeconds: 60,
  out,
  where: "us-east-1",
});
const retry = { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} };

let aws: ReturnType<typeof mockAws>;
beforeEach(() => {
  aws = mockAws();
});
afterEach(() => aws.restore());

describe("collect over a window older than CloudWatch keeps", () => {
  it("starts the window at retention, with a warning, so 30 years cost 455 days", async () => {
    const out = join(await mkdtemp(join(tmpdir(), "caplab-collect-window-")), "bundle");
    const warnings: string[] = [];
    const result = await collect(request(NOW - 30 * YEAR_MS, NOW, out), {
      ...clients(),
      caplabVersion: "test",
      now: () => NOW,
      retry,
      warn: (w) => warnings.push(`${w.code}: ${w.message}`),
    });
    expect(result.periodSeconds).toBe(3600);
    expect(result.fromMs).toBe(retainedFrom(0, NOW, 3600));
    expect(result.fromMs).toBeGreaterThanOrEqual(NOW - RETENTION_LIMIT_SECONDS * 1000);
    expect((result.toMs - result.fromMs) / 3_600_000).toBeLessThanOrEqual(455 * 24);
    expect(warnings.join("\n")).toMatch(
      /beyond-retention: CloudWatch keeps metrics 455 days, so the window starts at .* instead of 1996-/,
    );
    // 26 series × 10,920 hours: three calls, not the hundreds 30 years would take.
    expect(aws.cw.commandCalls(GetMetricDataCommand).length).toBeLessThanOrEqual(3);
    const manifest = await readBundleManifest(out);
    expect(Date.parse(manifest.window.from)).toBe(result.fromMs);
  });

  it("refuses a window that ends before retention with one sentence", async () => {
    const out = join(await mkdtemp(join(tmpdir(), "caplab-collect-window-")), "bundle");
    const error = await collect(request(NOW - 30 * YEAR_MS, NOW - 20 * YEAR_MS, out), {
      ...clients(),
      caplabVersion: "test",
      now: () => NOW,
      retry,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(
      /^the window ends at 2006-.*, before the 455 days CloudWatch keeps metrics; nothing that old can be collected\.$/,
    );
    expect(aws.cw.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });
});
