/**
 * The copies of k6's output a bundle keeps lose their URL credentials: the file functions on
 * real files (gzipped and not), and `caplab import --format k6` end to end.
 */
import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  redactK6LineFile,
  redactK6OutputsIn,
} from "../../../../analysis/io/files/k6-redact-files.js";
import { main } from "../../../../cli/main.js";
import { captureIo } from "../../../helpers/io.js";

/** A k6 Point line of http_reqs at second `s` for `url` (Go escapes `&` as \u0026). */
function point(url: string, s: number, metric = "http_reqs", value = 1): string {
  const tags = JSON.stringify({ method: "GET", name: url, status: "200", url }).replace(
    /&/g,
    "\\u0026",
  );
  return `{"type":"Point","data":{"time":"2026-11-01T00:00:${String(s).padStart(2, "0")}.5Z","value":${value},"tags":${tags}},"metric":"${metric}"}`;
}

const SECRET_URL = "https://api.example.com/x?page=1&api_key=SUPERSECRET1&X-Amz-Signature=SIG2";
const PLAIN_URL = "https://api.example.com/health";

function k6Lines(): string[] {
  const lines = [
    '{"type":"Metric","data":{"name":"http_reqs","type":"counter","contains":"default","thresholds":[],"submetrics":null},"metric":"http_reqs"}',
    '{"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time","thresholds":["p(95)\\u003c500"],"submetrics":null},"metric":"http_req_duration"}',
  ];
  for (let s = 0; s < 10; s++) {
    const url = s % 2 === 0 ? SECRET_URL : PLAIN_URL;
    lines.push(point(url, s), point(url, s, "http_req_duration", 120 + s));
  }
  return lines;
}

describe("redactK6LineFile", () => {
  for (const gzipped of [true, false])
    it(`rewrites a ${gzipped ? "gzipped" : "plain"} k6 output: secrets out, every other line as it was`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "caplab-k6-redact-"));
      const name = gzipped ? "k6.json.gz" : "k6.json";
      const lines = k6Lines();
      const text = `${lines.join("\n")}\n`;
      await writeFile(join(dir, name), gzipped ? gzipSync(text) : text);
      expect(await redactK6LineFile(join(dir, name))).toBe(true);
      const raw = await readFile(join(dir, name));
      const out = (gzipped ? gunzipSync(raw) : raw).toString("utf8");
      expect(out).not.toMatch(/SUPERSECRET1|SIG2/);
      const outLines = out.split("\n");
      expect(outLines.at(-1)).toBe("");
      expect(outLines).toHaveLength(lines.length + 1);
      lines.forEach((line, i) => {
        if (!line.includes("api_key")) expect(outLines[i]).toBe(line);
        else
          expect(JSON.parse(outLines[i]!)).toEqual(
            JSON.parse(line.replace(/SUPERSECRET1/g, "***").replace(/SIG2/g, "***")),
          );
      });
      // No temporary file left beside it.
      expect(await readdir(dir)).toEqual([name]);
    });

  it("leaves a file without a secret untouched (same inode, same bytes)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-k6-redact-none-"));
    const text = `${[point(PLAIN_URL, 1), point(PLAIN_URL, 2)].join("\n")}\n`;
    await writeFile(join(dir, "k6.json.gz"), gzipSync(text));
    const before = await stat(join(dir, "k6.json.gz"));
    expect(await redactK6OutputsIn(dir)).toEqual([]);
    const after = await stat(join(dir, "k6.json.gz"));
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it("keeps the lines of a gzip cut short that read, redacted", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-k6-redact-cut-"));
    const whole = gzipSync(`${k6Lines().join("\n")}\n`);
    await writeFile(join(dir, "k6.json.gz"), whole.subarray(0, whole.length - 12));
    expect(await redactK6OutputsIn(dir)).toEqual(["k6.json.gz"]);
    const out = gunzipSync(await readFile(join(dir, "k6.json.gz"))).toString("utf8");
    expect(out).not.toMatch(/SUPERSECRET1|SIG2/);
    expect(out).toContain("api_key=***");
  });
});

describe("caplab import --format k6 keeps k6's output without URL credentials", () => {
  it("redacts the bundle's k6.json.gz and summary.json, and judges the run as before", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-k6-import-redact-"));
    await writeFile(join(dir, "run.json.gz"), gzipSync(`${k6Lines().join("\n")}\n`));
    const summary = {
      metrics: {
        http_reqs: { count: 20, rate: 2 },
        [`http_req_duration{url:${SECRET_URL}}`]: { "p(95)": 130, avg: 124 },
      },
    };
    await writeFile(join(dir, "summary.json"), JSON.stringify(summary, null, 4));
    const out = join(dir, "bundle");
    const io = captureIo();
    const code = await main(
      [
        "import",
        "--format",
        "k6",
        "--summary-export",
        join(dir, "summary.json"),
        "--no-record",
        "--out",
        out,
        join(dir, "run.json.gz"),
      ],
      io,
    );
    expect(io.stderr()).not.toMatch(/SUPERSECRET1|SIG2/);
    expect(code).toBe(0);
    const k6 = gunzipSync(await readFile(join(out, "k6.json.gz"))).toString("utf8");
    expect(k6).not.toMatch(/SUPERSECRET1|SIG2/);
    expect(k6.split("\n")).toHaveLength(k6Lines().length + 1);
    const kept = await readFile(join(out, "summary.json"), "utf8");
    expect(kept).not.toMatch(/SUPERSECRET1|SIG2/);
    expect(kept).toContain('    "metrics": {');
    // Nothing in the bundle holds the secret, and report reads the redacted bundle.
    for (const f of await readdir(out, { recursive: true }))
      if (!f.endsWith(".gz") && !f.endsWith(".png"))
        expect(await readFile(join(out, f)).catch(() => Buffer.from(""))).not.toContain(
          "SUPERSECRET1",
        );
    const report = captureIo();
    expect(await main(["report", out], report)).toBe(0);
  });
});
