/**
 * A tiny S3 on 127.0.0.1 for tests: ListObjectsV2 (XML, continuation tokens, a fixed page
 * size) and GetObject (the body streamed in small chunks), path-style URLs only. Records the
 * requests it served.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { S3Client } from "@aws-sdk/client-s3";

export interface FakeS3 {
  readonly endpoint: string;
  readonly requests: string[];
  close(): Promise<void>;
}

const xml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export async function startFakeS3(
  bucket: string,
  objects: ReadonlyMap<string, Buffer>,
  pageSize = 2,
): Promise<FakeS3> {
  const requests: string[] = [];
  const keys = [...objects.keys()].sort();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const path = decodeURIComponent(url.pathname);
    const isBucket = path === `/${bucket}` || path === `/${bucket}/`;
    if (req.method === "GET" && isBucket && url.searchParams.get("list-type") === "2") {
      const prefix = url.searchParams.get("prefix") ?? "";
      const token = url.searchParams.get("continuation-token");
      const matching = keys.filter((k) => k.startsWith(prefix));
      const start = token === null ? 0 : Number(token);
      const page = matching.slice(start, start + pageSize);
      const truncated = start + pageSize < matching.length;
      const body =
        `<?xml version="1.0" encoding="UTF-8"?>\n` +
        `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
        `<Name>${bucket}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount>` +
        `<MaxKeys>${pageSize}</MaxKeys><IsTruncated>${truncated}</IsTruncated>` +
        (token === null ? "" : `<ContinuationToken>${token}</ContinuationToken>`) +
        page
          .map(
            (k) =>
              `<Contents><Key>${xml(k)}</Key><LastModified>2025-04-08T00:45:00.000Z</LastModified>` +
              `<ETag>&quot;0&quot;</ETag><Size>${objects.get(k)!.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
          )
          .join("") +
        (truncated ? `<NextContinuationToken>${start + pageSize}</NextContinuationToken>` : "") +
        `</ListBucketResult>`;
      res.writeHead(200, { "content-type": "application/xml" });
      res.end(body);
      return;
    }
    const key = path.startsWith(`/${bucket}/`) ? path.slice(bucket.length + 2) : "";
    const object = objects.get(key);
    if (req.method === "GET" && object !== undefined) {
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-length": String(object.length),
        etag: '"0"',
      });
      // Stream in small chunks, as S3 does for a large object.
      let at = 0;
      const next = (): void => {
        if (at >= object.length) {
          res.end();
          return;
        }
        const chunk = object.subarray(at, at + 256);
        at += chunk.length;
        if (res.write(chunk)) setImmediate(next);
        else res.once("drain", next);
      };
      next();
      return;
    }
    res.writeHead(404, { "content-type": "application/xml" });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sample = (name: string): string =>
  readFileSync(new URL(`../../../../../shared/data/alb/${name}`, import.meta.url), "utf8");

const PREFIX = "logs/AWSLogs/590183769797/elasticloadbalancing/us-east-1/2025/04/08/";

/** The dmastrop log cut into three 5-minute files, plus the nawab312 lines, as ALB writes them. */
export function albObjects(): Map<string, Buffer> {
  const lines = sample("dmastrop-tomcat-alb-50-targets.log").trimEnd().split("\n");
  const file = (i: number): string =>
    `${PREFIX}590183769797_elasticloadbalancing_us-east-1_app.tomcat-load-balancer.d12d886025a14d3f_20250408T0045Z_10.0.0.${i}_x.log.gz`;
  return new Map([
    [file(1), gzipSync(lines.slice(0, 8).join("\n") + "\n")],
    [file(2), gzipSync(lines.slice(8, 16).join("\n") + "\n")],
    [file(3), gzipSync(lines.slice(16).join("\n") + "\n")],
    [`${PREFIX}nawab.log.gz`, gzipSync(sample("nawab312-real-alb.log"))],
    ["logs/AWSLogs/590183769797/ELBAccessLogTestFile", Buffer.from("Enable AccessLog for ELB: x")],
    ["other/unrelated.log.gz", gzipSync("not a log\n")],
  ]);
}

/** The real SDK's S3 client for a {@link startFakeS3} server: path-style, test keys, no retries. */
export function fakeS3Client(s3: FakeS3): S3Client {
  return new S3Client({
    region: "us-east-1",
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
    maxAttempts: 1,
  });
}
