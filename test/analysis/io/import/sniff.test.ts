/**
 * The sniff of `caplab import` without --format, over real files: how much of a file it reads
 * (bounded, also for gzip that un-gzips to far more), and what it makes of files, folders and
 * S3 prefixes together.
 */
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import {
  MAX_SNIFFED_FOLDER_FILES,
  readHead,
  sniffSources,
  spread,
} from "../../../../analysis/io/import/sniff.js";
import { sharedData } from "../../../helpers/shared-data.js";

const NAWAB = sharedData("alb/nawab312-real-alb.log");
const K6 = sharedData("k6/out-json.k6-docs-example.ndjson");
const SUMMARY = sharedData("k6/summary-export.k6-html-reporter-dev.json");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-sniff-"));
});

describe("readHead: a bounded read", () => {
  it("reads 64 KiB of a large plain file and a few 64 KiB pieces of a gzip that un-gzips to 100 MB", async () => {
    const line = `${"a".repeat(99)}\n`;
    const plain = join(dir, "big.log");
    await writeFile(plain, line.repeat(50_000)); // 5 MB
    const bomb = join(dir, "bomb.log.gz");
    await writeFile(bomb, gzipSync(Buffer.from(line.repeat(1_000_000)))); // 100 MB inside
    for (const path of [plain, bomb]) {
      const head = await readHead(path);
      expect(head.complete, path).toBe(false);
      expect(head.text.length).toBe(64 * 1024);
      expect(head.text.startsWith(line)).toBe(true);
      // gunzip and the stream buffers read ahead a piece or two (128 or 192 KiB measured).
      expect(head.bytesRead).toBeLessThanOrEqual(4 * 64 * 1024);
    }
    expect((await readHead(plain)).bytesRead).toBe(64 * 1024);
  });

  it("reads a small file whole, gzip or not", async () => {
    const gz = join(dir, "nawab.log.gz");
    const text = "x\n".repeat(10);
    await writeFile(gz, gzipSync(Buffer.from(text)));
    expect(await readHead(gz)).toMatchObject({ text, complete: true });
  });
});

describe("sniffSources", () => {
  it("names the format, and says so in one line, for files of one format", async () => {
    expect(await sniffSources([NAWAB])).toEqual({
      ok: true,
      format: "alb",
      notice: `Read ${NAWAB} as an ALB access log (sniffed from its 3 lines; pass --format alb to say so).`,
    });
    const two = await sniffSources([NAWAB, sharedData("alb/aws-docs-alb-examples.log")]);
    expect(two).toMatchObject({ ok: true, format: "alb" });
    expect(two.ok && two.notice).toMatch(
      /^Read .*nawab312-real-alb\.log and .*aws-docs-alb-examples\.log, each file as an ALB access log/,
    );
  });

  it("reads a folder whose files are all one format, and a gzip among them", async () => {
    const folder = join(dir, "alb-logs");
    await mkdir(join(folder, "2025"), { recursive: true });
    await copyFile(NAWAB, join(folder, "a.log"));
    await writeFile(join(folder, "2025", "b.log.gz"), gzipSync(await readFile(NAWAB)));
    await writeFile(join(folder, "README.md"), "# not a log\n");
    expect(await sniffSources([folder])).toMatchObject({
      ok: true,
      format: "alb",
      notice: `Read ${folder} (2 files), each file as an ALB access log (sniffed from the head of each; pass --format alb to say so).`,
    });
  });

  it("refuses sources of two formats, naming each and what it reads as", async () => {
    expect(await sniffSources([NAWAB, K6])).toEqual({
      ok: false,
      message: `caplab import needs --format (alb, nginx, csv, k6, cloudwatch): ${NAWAB} reads as an ALB access log, ${K6} reads as k6 --out json output; sources of different formats import one --format at a time.`,
    });
    expect(await sniffSources([K6, SUMMARY])).toMatchObject({
      ok: false,
      message: expect.stringMatching(
        /; give the k6 summary as --summary-export FILE, with --format k6\.$/,
      ),
    });
    expect(await sniffSources([SUMMARY, SUMMARY])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/imports alone, as the only SOURCE file\.$/),
    });
  });

  it("refuses a folder of two formats, of a k6 summary, or of more files than it sniffs", async () => {
    const mixed = join(dir, "mixed");
    await mkdir(mixed);
    await copyFile(NAWAB, join(mixed, "a.log"));
    await copyFile(
      sharedData("nginx/nginx_logs.elastic-examples.first14575.log"),
      join(mixed, "b.log"),
    );
    expect(await sniffSources([mixed])).toMatchObject({
      ok: false,
      message: `caplab import needs --format (alb, nginx, csv, k6, cloudwatch): ${mixed} (2 files) holds ${join(mixed, "a.log")}, which reads as an ALB access log, and ${join(mixed, "b.log")}, which reads as an nginx or Apache access log in combined format; add --format.`,
    });
    const summaries = join(dir, "summaries");
    await mkdir(summaries);
    await copyFile(SUMMARY, join(summaries, "s.json"));
    expect(await sniffSources([summaries])).toMatchObject({
      ok: false,
      message: expect.stringMatching(
        /a k6 end-of-test summary, which imports alone as the only SOURCE file; add --format\.$/,
      ),
    });
  });

  it("looks at 16 files of a bigger folder, spread over their names, and the others' names", async () => {
    const many = join(dir, "many");
    await mkdir(many);
    const names = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(2, "0")}.log`);
    for (const name of names) await copyFile(NAWAB, join(many, name));
    expect(await sniffSources([many])).toEqual({
      ok: true,
      format: "alb",
      notice: `Read ${many} (40 files), each file as an ALB access log (sniffed from the head of each file looked at: 16 of the 40 in ${many}, spread over their names, the others by name; pass --format alb to say so).`,
    });
    // The last file is among those looked at: an nginx log there is found.
    await copyFile(
      sharedData("nginx/nginx_logs.elastic-examples.first14575.log"),
      join(many, "39.log"),
    );
    expect(await sniffSources([many])).toMatchObject({
      ok: false,
      message: expect.stringMatching(
        /\(40 files\) holds .*00\.log, which reads as an ALB access log, and .*39\.log, which reads as an nginx/,
      ),
    });
    // A file not looked at but named as another format's files are is refused by its name.
    await copyFile(NAWAB, join(many, "39.log"));
    await writeFile(join(many, "17.json"), "[]");
    expect(await sniffSources([many])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/17\.json, which is not named as --format alb files are/),
    });
  });

  it("spreads the files it looks at from the first to the last", () => {
    expect(spread(["a", "b", "c", "d", "e"], 3)).toEqual(["a", "c", "e"]);
    expect(spread(["a", "b"], 16)).toEqual(["a", "b"]);
    const picked = spread(
      Array.from({ length: 1000 }, (_, i) => i),
      MAX_SNIFFED_FOLDER_FILES,
    );
    expect(picked).toHaveLength(16);
    expect(new Set(picked).size).toBe(16);
    expect([picked[0], picked.at(-1)]).toEqual([0, 999]);
  });

  it("leaves the --queries file out, as --format cloudwatch does, in a folder or as a SOURCE", async () => {
    const folder = sharedData("cloudwatch");
    const queries = sharedData("cloudwatch/get-metric-data.awscli-example1-queries.json");
    expect(await sniffSources([folder])).toMatchObject({
      ok: false,
      message: expect.stringMatching(
        /^\S+cloudwatch holds \S+queries\.json, a --metric-data-queries file \(the queries aws cloudwatch get-metric-data ran\), not data to import: give it as --queries \S+queries\.json \(it may stay in the folder\)\.$/,
      ),
    });
    expect(await sniffSources([folder], { queries: `file://${queries}` })).toMatchObject({
      ok: true,
      format: "cloudwatch",
      notice: expect.stringMatching(
        /^Read .*cloudwatch \(5 files\), each file as saved CloudWatch JSON/,
      ),
    });
    const gmd = sharedData("cloudwatch/get-metric-data.awscli-example1-metric-math.json");
    expect(await sniffSources([gmd, queries], { queries })).toMatchObject({
      ok: true,
      format: "cloudwatch",
    });
  });

  it("never sniffs an S3 prefix, and says a missing path is missing", async () => {
    expect(await sniffSources(["s3://my-logs/alb/", NAWAB])).toMatchObject({
      ok: false,
      message: expect.stringMatching(
        /: s3:\/\/my-logs\/alb\/ is an S3 prefix, which caplab does not sniff .*; add --format\.$/,
      ),
    });
    await expect(sniffSources([join(dir, "nope.log")])).rejects.toThrow(
      /nope\.log does not exist; give a log file/,
    );
    expect(await sniffSources([])).toEqual({
      ok: false,
      message: "caplab import needs --format (alb, nginx, csv, k6, cloudwatch).",
    });
  });
});
