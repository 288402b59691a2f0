/**
 * Memory stays flat: ~200 MB of ALB log lines, generated on the fly by a Readable (never
 * written to disk), stream through the same byte line splitter and ALB reader `importTrace` uses
 * (readAlbStream: gzipped and S3 inputs go this way).
 * Holding the lines would take over 200 MB of heap; the bound is 150 MB of growth.
 */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { albReader } from "../../../../analysis/io/import/formats.js";
import { readAlbStream } from "../../../../analysis/io/import/alb-file.js";
import { StepGrid } from "../../../../analysis/io/import/steps.js";

const TARGET_BYTES = 200 * 1024 * 1024;
const START_MS = Date.parse("2025-04-08T00:00:00Z");
/** One request every 50 ms: ~330,000 lines span about 4.6 hours. */
const SPACING_MS = 50;

function albLine(i: number): string {
  const created = new Date(START_MS + i * SPACING_MS);
  const time = new Date(created.getTime() + 3);
  const status = i % 997 === 0 ? 503 : 200;
  return (
    `https ${time.toISOString()} app/tomcat-load-balancer/d12d886025a14d3f 52.91.163.121:${40000 + (i % 20000)} ` +
    `172.31.87.${i % 250}:8080 0.001 ${(0.001 + (i % 300) / 1000).toFixed(3)} 0.000 ${status} ${status} 154 2118 ` +
    `"GET https://loadbalancer.example.com:443/items/${i} HTTP/1.1" "Wget/1.21.2" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ` +
    `arn:aws:elasticloadbalancing:us-east-1:590183769797:targetgroup/tomcat-target-group/21175dd5b85e97d7 ` +
    `"Root=1-67f470ea-440e2a275a742e0034a8b8c7" "loadbalancer.example.com" ` +
    `"arn:aws:acm:us-east-1:590183769797:certificate/6ab5d190-7f04-42a9-ba11-1e103388e7e3" 0 ${created.toISOString()} ` +
    `"forward" "-" "-" "172.31.87.99:8080" "${status}" "-" "-" TID_c058d0218cb28142a303b654f4f7c035\n`
  );
}

/** Lines until `bytes` have been produced, ~64 KB a chunk. */
function generatedLog(bytes: number): {
  stream: Readable;
  produced: () => { bytes: number; lines: number };
} {
  let sent = 0;
  let lines = 0;
  const stream = new Readable({
    read() {
      if (sent >= bytes) {
        this.push(null);
        return;
      }
      let chunk = "";
      while (chunk.length < 65536) chunk += albLine(lines++);
      sent += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, produced: () => ({ bytes: sent, lines }) };
}

describe("streaming import memory", () => {
  it("reads ~200 MB of generated ALB lines with flat heap", async () => {
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const grid = new StepGrid(60);
    const reader = albReader(grid);
    const { stream, produced } = generatedLog(TARGET_BYTES);
    let bad = 0;
    let lines = 0;
    let sampled = 0;
    const t0 = performance.now();
    await readAlbStream(
      stream,
      reader,
      () => bad++,
      (n) => {
        lines = n;
        if (n - sampled < 20_000) return;
        sampled = n;
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      },
    );
    const seconds = (performance.now() - t0) / 1000;
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    const growthMb = (peak - before) / 2 ** 20;
    const { bytes } = produced();
    console.log(
      `import memory: ${(bytes / 2 ** 20).toFixed(0)} MB, ${lines} lines in ${seconds.toFixed(1)} s ` +
        `(${(bytes / 2 ** 20 / seconds).toFixed(0)} MB/s), peak heap growth ${growthMb.toFixed(1)} MB`,
    );
    expect(bytes).toBeGreaterThanOrEqual(TARGET_BYTES);
    expect(bad).toBe(0);
    const [part, ...others] = reader.parts();
    expect(others).toEqual([]);
    expect(part!.seen.total()).toBe(lines);
    expect(growthMb).toBeLessThan(150);
    const span = part!.seen.span()!;
    const extent = grid.extent(span.first, span.last)!;
    const series = part!.finish(extent);
    const requests = Array.from(series[0]!.data.values);
    expect(requests.slice(1, -1).every((v) => v === 1200)).toBe(true); // 60 s / 50 ms
  }, 30_000);
});
