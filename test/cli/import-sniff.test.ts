/**
 * `caplab import FILE --out DIR` without --format, on the real files of ../shared/data: a file
 * that reads unambiguously as one format imports into the very bundle `--format` gives (the
 * manifest the same but for its creation time and run id), with one line first saying how it
 * was read; anything else is refused with one sentence and nothing written; --format, given,
 * is used as before.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCaplab } from "../helpers/io.js";
import { sharedData } from "../helpers/shared-data.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-import-sniff-"));
});

/** Every file of a bundle folder, the manifest without what differs from run to run. */
async function bundleFiles(folder: string): Promise<Record<string, unknown>> {
  const files: Record<string, unknown> = {};
  for (const e of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || e.name === ".caplab-output.json") continue;
    const path = join(e.parentPath, e.name);
    const text = await readFile(path, "utf8");
    const name = path.slice(folder.length + 1);
    if (e.name !== "manifest.json") files[name] = text;
    else {
      const { createdAt: _c, runId: _r, ...rest } = JSON.parse(text) as Record<string, unknown>;
      files[name] = rest;
    }
  }
  return files;
}

describe("caplab import without --format", () => {
  const cases = [
    ["alb/nawab312-real-alb.log", "alb", "an ALB access log (sniffed from its 3 lines"],
    [
      "nginx/nginx_logs.elastic-examples.first14575.log",
      "nginx",
      "an nginx or Apache access log in combined format (sniffed from its first 20 lines",
    ],
    [
      "k6/out-json.xk6-dashboard-result.ndjson",
      "k6",
      "k6 --out json output (sniffed from its first 20 lines",
    ],
    [
      "k6/summary-export-legacy.k6-test-fixture.json",
      "k6",
      "a k6 end-of-test summary (sniffed from its JSON",
    ],
    [
      "cloudwatch/get-metric-statistics.awscli-example-cpu.json",
      "cloudwatch",
      "saved CloudWatch JSON (sniffed from its get-metric-statistics JSON",
    ],
    [
      "cloudwatch/ecs-container-insights-performance-events.aws-docs.jsonl",
      "cloudwatch",
      "saved CloudWatch JSON (sniffed from its 4 lines",
    ],
    [
      "traces/nab-elb_request_count_8c0756.csv",
      "csv",
      "a CSV file (sniffed from its header and first 19 rows",
    ],
  ] as const;

  it.each(cases)("imports %s as --format %s does, saying so first", async (name, format, read) => {
    const file = sharedData(name);
    const k6 = format === "k6" ? ["--no-record"] : [];
    const sniffed = join(dir, `${format}-${cases.findIndex((c) => c[0] === name)}-sniffed`);
    const given = join(dir, `${format}-${cases.findIndex((c) => c[0] === name)}-given`);
    const a = await runCaplab(["import", file, "--out", sniffed, ...k6]);
    expect(a.code, a.err).toBe(0);
    expect(a.err.split("\n")[0]).toBe(
      `caplab: Read ${file} as ${read}; pass --format ${format} to say so).`,
    );
    const b = await runCaplab(["import", file, "--format", format, "--out", given, ...k6]);
    expect(b.code, b.err).toBe(0);
    expect(b.err).not.toContain("Read ");
    expect(await bundleFiles(sniffed)).toEqual(await bundleFiles(given));
    // The same summary and warnings, but for the line that says how the file was read.
    expect(a.err.split("\n").slice(1).join("\n")).toBe(b.err);
  });

  it("refuses what it cannot tell, in one sentence, and writes nothing", async () => {
    const csv = sharedData("k6/csv-output.k6-test-fixture.csv");
    const alb = sharedData("alb/nawab312-real-alb.log");
    const k6 = sharedData("k6/out-json.k6-docs-example.ndjson");
    const refusals: [string[], RegExp][] = [
      [
        [csv, k6],
        /reads as k6 --out csv output, .*reads as k6 --out json output; sources of different formats import one --format at a time\.$/,
      ],
      [
        [alb, k6],
        /reads as an ALB access log, .*reads as k6 --out json output; sources of different formats import one --format at a time\.$/,
      ],
    ];
    for (const [sources, message] of refusals) {
      const out = join(dir, "refused");
      const r = await runCaplab(["import", ...sources, "--out", out]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(
        /^caplab: caplab import needs --format \(alb, nginx, csv, k6, cloudwatch\): [^\n]*\n$/,
      );
      expect(r.err.trimEnd()).toMatch(message);
      expect(r.out).toBe("");
      expect(existsSync(out)).toBe(false);
    }
  });

  it("says what a --metric-data-queries file given as SOURCE is and where it goes, not that --format is missing", async () => {
    // It read "caplab import needs --format (alb, nginx, csv, k6, cloudwatch): … is not a source
    // but a --metric-data-queries file …": no --format imports it, so --format was not what
    // was wrong.
    const queries = sharedData("cloudwatch/get-metric-data.awscli-example1-queries.json");
    const folder = sharedData("cloudwatch");
    const asSource = `caplab: ${queries} is a --metric-data-queries file (the queries aws cloudwatch get-metric-data ran), not data to import: give it as --queries ${queries}, and the get-metric-data output it produced as SOURCE.\n`;
    const cases: [string[], string][] = [
      [[queries], asSource],
      [[queries, "--format", "cloudwatch"], asSource],
      [
        [sharedData("cloudwatch/get-metric-data.awscli-example1-metric-math.json"), queries],
        asSource,
      ],
      [
        [folder],
        `caplab: ${folder} holds ${queries}, a --metric-data-queries file (the queries aws cloudwatch get-metric-data ran), not data to import: give it as --queries ${queries} (it may stay in the folder).\n`,
      ],
    ];
    for (const [args, message] of cases) {
      const out = join(dir, "queries-refused");
      const r = await runCaplab(["import", ...args, "--out", out]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(message);
      expect(existsSync(out)).toBe(false);
    }
    // Given as it is meant to be, it imports.
    const ok = await runCaplab([
      "import",
      sharedData("cloudwatch/get-metric-data.awscli-example1-metric-math.json"),
      "--queries",
      queries,
      "--requests",
      "m3",
      "--out",
      join(dir, "queries-ok"),
    ]);
    expect(ok.code, ok.err).toBe(0);
  });

  it("names the sniffed format when a flag belongs to another", async () => {
    const alb = sharedData("alb/nawab312-real-alb.log");
    const r = await runCaplab(["import", alb, "--time-column", "t", "--out", join(dir, "x")]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `caplab: ${alb} reads as --format alb (sniffed; no --format given), and --time-column and --value-column go with --format csv only.\n`,
    );
  });

  it("leaves --format as it was: a file of another kind is refused, not sniffed over", async () => {
    const alb = sharedData("alb/nawab312-real-alb.log");
    const r = await runCaplab(["import", alb, "--format", "nginx", "--out", join(dir, "y")]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `caplab: ${alb} is an ALB access log, not --format nginx input; import it with --format alb.\n`,
    );
  });
});
