/**
 * The pieces of gathering segment outputs on their own: --results, S3 folders, log stream
 * names, task IPs, an upload that is not k6 JSON, and a merge that fails half-way.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { privateIpOf } from "../../../scenarios/io/ecs-segments.js";
import { mergeK6Outputs } from "../../../scenarios/io/k6-merge.js";
import {
  fetchS3Output,
  logStreamName,
  parseResultsFlag,
  runResultsUri,
  segmentResultsUri,
  taskIdOf,
} from "../../../scenarios/io/segment-outputs.js";
import { startFakeS3 } from "../../analysis/io/import/s3-server.js";

const data = fileURLToPath(new URL("../../../../shared/data/k6/", import.meta.url));

describe("--results", () => {
  it("takes s3://bucket[/prefix] or logs; a segment's folder is prefix/<run id>/<index>/", () => {
    const s3 = parseResultsFlag("s3://results/k6/load-tests/");
    expect(s3).toEqual({ kind: "s3", bucket: "results", prefix: "k6/load-tests" });
    if (s3.kind !== "s3") throw new Error("unreachable");
    expect(runResultsUri(s3, "caplab-1")).toBe("s3://results/k6/load-tests/caplab-1/");
    expect(segmentResultsUri(s3, "caplab-1", 2)).toBe("s3://results/k6/load-tests/caplab-1/2/");
    const root = parseResultsFlag("s3://results");
    if (root.kind !== "s3") throw new Error("unreachable");
    expect(segmentResultsUri(root, "caplab-1", 0)).toBe("s3://results/caplab-1/0/");
    expect(parseResultsFlag("logs")).toEqual({ kind: "logs" });
    for (const bad of ["s3://", "bucket/prefix", "cloudwatch", ""])
      expect(() => parseResultsFlag(bad)).toThrow(
        /--results takes s3:\/\/bucket\/prefix .* or logs/,
      );
  });
});

describe("task names and addresses", () => {
  it("the awslogs stream is prefix/container/taskId, for both task ARN formats", () => {
    const config = {
      taskDefinition: "k6:3",
      container: "k6",
      group: "/ecs/k6",
      streamPrefix: "load",
      region: null,
    };
    expect(taskIdOf("arn:aws:ecs:us-east-1:123456789012:task/load/0f1e2d3c4b5a")).toBe(
      "0f1e2d3c4b5a",
    );
    expect(logStreamName(config, "arn:aws:ecs:us-east-1:123456789012:task/9a8b7c")).toBe(
      "load/k6/9a8b7c",
    );
  });

  it("a task's private IP comes from its ENI attachment, else its container's interface", () => {
    expect(
      privateIpOf({
        attachments: [
          { type: "Other", details: [{ name: "privateIPv4Address", value: "192.0.2.1" }] },
          {
            type: "ElasticNetworkInterface",
            details: [
              { name: "subnetId", value: "subnet-1" },
              { name: "privateIPv4Address", value: "10.0.1.23" },
            ],
          },
        ],
        containers: [{ networkInterfaces: [{ privateIpv4Address: "10.9.9.9" }] }],
      }),
    ).toBe("10.0.1.23");
    expect(
      privateIpOf({ containers: [{ networkInterfaces: [{ privateIpv4Address: "10.0.1.24" }] }] }),
    ).toBe("10.0.1.24");
    expect(privateIpOf({ attachments: [{ type: "ElasticNetworkInterface", details: [] }] })).toBe(
      null,
    );
  });
});

describe("fetchS3Output", () => {
  it("an upload that is not k6 JSON is a missing output that says which line, and is not kept", async () => {
    const s3 = await startFakeS3(
      "results",
      new Map([["k6/r/0/k6.json.gz", gzipSync('{"type":"Point","metric":"x","data":{}}\n')]]),
    );
    try {
      const dir = await mkdtemp(join(tmpdir(), "caplab-fetch-"));
      const client = new S3Client({
        endpoint: s3.endpoint,
        forcePathStyle: true,
        region: "us-east-1",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      });
      const output = await fetchS3Output(() => client, "s3://results/k6/r/0/", dir, "0 (0:1)");
      expect(output).toEqual({
        found: false,
        source: "s3://results/k6/r/0/k6.json.gz",
        reason:
          "segment 0 (0:1): s3://results/k6/r/0/k6.json.gz is not k6 JSON output: line 1 is not k6 JSON (a x Point has no numeric value).",
      });
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await s3.close();
    }
  });
});

describe("mergeK6Outputs", () => {
  it("tags Points with the segment names given, and leaves no file when an input is not k6 JSON", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-merge-"));
    const good = join(data, "out-json.k6-repo-json_test-expected.ndjson");
    const result = await mergeK6Outputs([good, good], join(dir, "k6.json.gz"), {
      segmentTags: ["0", "2"],
    });
    expect(result.pointsPerInput).toEqual([5, 5]);
    expect(result.points).toBe(10);
    const bad = join(dir, "bad.ndjson");
    await writeFile(bad, '{"type":"Metric","metric":"m","data":{"type":"counter"}}\nnot json\n');
    await expect(mergeK6Outputs([good, bad], join(dir, "again.json.gz"))).rejects.toThrow(
      /bad\.ndjson line 2/,
    );
    expect(existsSync(join(dir, "again.json.gz"))).toBe(false);
    expect((await readdir(dir)).sort()).toEqual(["bad.ndjson", "k6.json.gz"]);
  });
});
