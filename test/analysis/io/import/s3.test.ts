/**
 * `s3://` input through the real @aws-sdk/client-s3 against a local S3 on 127.0.0.1:
 * ListObjectsV2 paging (2 keys a page) and GetObject streaming gzip bodies.
 */
import { gzipSync } from "node:zlib";
import type { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importTrace } from "../../../../analysis/io/import/import.js";
import type { Warning } from "../../../../sim/vocab/index.js";
import { albObjects, fakeS3Client, startFakeS3, type FakeS3 } from "./s3-server.js";

describe("importTrace from s3://", () => {
  let s3: FakeS3;
  let client: S3Client;

  beforeAll(async () => {
    s3 = await startFakeS3("alb-logs", albObjects(), 2);
    client = fakeS3Client(s3);
  });
  afterAll(async () => {
    client.destroy();
    await s3.close();
  });

  it("lists the prefix page by page and streams every object through gunzip", async () => {
    const warnings: Warning[] = [];
    const result = await importTrace(
      {
        format: "alb",
        sources: ["s3://alb-logs/logs/AWSLogs/"],
        stepSeconds: 60,
        s3: () => client,
      },
      (w) => warnings.push(w),
    );
    expect(warnings).toEqual([]);
    // 5 keys under the prefix: the test file is skipped, 4 logs read.
    // The tomcat load balancer's 23 lines and the nawab312 one's 3 are two bundles, not one.
    expect(result.stats).toMatchObject({ files: 4, lines: 26, requests: 23, badLines: 0 });
    expect(result.loadBalancer).toBe("app/tomcat-load-balancer/d12d886025a14d3f");
    expect(result.more?.map((r) => [r.loadBalancer, r.stats.requests])).toEqual([
      ["app/MyALB1/240dbdc5244653c9", 1],
    ]);
    const lists = s3.requests.filter((r) => r.includes("list-type=2"));
    expect(lists).toHaveLength(3);
    expect(lists[0]).not.toMatch(/continuation-token/);
    expect(lists[1]).toMatch(/continuation-token=2/);
    expect(lists[2]).toMatch(/continuation-token=4/);
    expect(s3.requests.filter((r) => r.startsWith("GET /alb-logs/logs/"))).toHaveLength(4);
    expect(s3.requests.some((r) => r.includes("ELBAccessLogTestFile"))).toBe(false);
    expect(result.detail).toMatch(/app\/tomcat-load-balancer\/d12d886025a14d3f/);
  }, 15_000);

  it("says when a prefix holds nothing", async () => {
    await expect(
      importTrace(
        {
          format: "alb",
          sources: ["s3://alb-logs/nothing-here/"],
          stepSeconds: 60,
          s3: () => client,
        },
        () => {},
      ),
    ).rejects.toThrow(/holds no objects/);
  }, 15_000);
});

describe("importTrace --format csv from s3://", () => {
  it("reads plain and gzipped CSV objects under a prefix, bad rows counted with the object's name", async () => {
    const csv = (from: number, rows: number, bad = false) =>
      [
        "time,requests",
        ...Array.from(
          { length: rows },
          (_, i) =>
            `${new Date(Date.UTC(2026, 10, 1) + (from + i) * 60_000).toISOString()},${10 + i}`,
        ),
        ...(bad ? ["not-a-time,3"] : []),
      ].join("\n");
    const objects = new Map<string, Buffer>([
      ["series/day-1.csv", Buffer.from(csv(0, 30))],
      ["series/day-2.csv.gz", gzipSync(csv(30, 30, true))],
      ["series/readme.txt", Buffer.from("not a csv")],
    ]);
    const s3 = await startFakeS3("traces", objects, 2);
    const client = fakeS3Client(s3);
    try {
      const warnings: Warning[] = [];
      const result = await importTrace(
        { format: "csv", sources: ["s3://traces/series/"], stepSeconds: 60, s3: () => client },
        (w) => warnings.push(w),
      );
      const requests = result.series[0]!.data;
      expect(Array.from(requests.values)).toEqual([
        ...Array.from({ length: 30 }, (_, i) => 10 + i),
        ...Array.from({ length: 30 }, (_, i) => 10 + i),
      ]);
      expect(requests.startMs).toBe(Date.UTC(2026, 10, 1));
      expect(warnings.map((w) => w.message).join("\n")).toMatch(
        /s3:\/\/traces\/series\/day-2\.csv\.gz line 32 .*not-a-time/,
      );
      expect(s3.requests.some((r) => r.includes("readme.txt"))).toBe(false);
    } finally {
      client.destroy();
      await s3.close();
    }
  }, 15_000);
});
