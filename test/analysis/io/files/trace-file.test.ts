import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toTrace } from "../../../../analysis/trace.js";
import { UsageError } from "../../../../sim/vocab/errors.js";
import {
  loadTrace,
  parseTimeCell,
  readTraceCsv,
} from "../../../../analysis/io/files/trace-file.js";
import { TraceSourceSchema, type Trace, type Warning } from "../../../../sim/vocab/index.js";

const TRACES = fileURLToPath(new URL("../../../../../shared/data/traces/", import.meta.url));

async function load(
  file: string,
  valueColumn?: string,
): Promise<{ trace: Trace; warnings: Warning[] }> {
  const warnings: Warning[] = [];
  const raw = await readTraceCsv(join(TRACES, file), {
    ...(valueColumn === undefined ? {} : { valueColumn }),
    warn: (w) => warnings.push(w),
  });
  const trace = toTrace(raw, {}, (w) => warnings.push(w));
  return { trace, warnings };
}

const sum = (xs: ArrayLike<number>) => {
  let total = 0;
  for (let i = 0; i < xs.length; i++) total += xs[i]!;
  return total;
};
const count = (xs: ArrayLike<number>, f: (x: number, i: number) => boolean) => {
  let n = 0;
  for (let i = 0; i < xs.length; i++) if (f(xs[i]!, i)) n++;
  return n;
};
const max = (xs: ArrayLike<number>) => {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i]! > m) m = xs[i]!;
  return m;
};
const stepAt = (t: Trace, iso: string) => (Date.parse(iso) - t.startMs) / (t.stepSeconds * 1000);

/** Figures from shared/data/README.md §1, checked against the files. */
describe("the shared traces load as they are", () => {
  it("NASA per minute: 60-s steps, the Jul 28–Aug 1 hole as gaps, the outage kept as zeros", async () => {
    const { trace, warnings } = await load("nasa-http-1995-requests-per-minute.csv");
    expect(trace.stepSeconds).toBe(60);
    expect(trace.startMs).toBe(Date.parse("1995-07-01T00:00:00-04:00"));
    expect(trace.requests).toHaveLength(84_334 + 4_947);
    expect(sum(trace.requests)).toBe(3_461_610);
    // No data from 1995-07-28 13:33 (the July log ends at 13:32:25) to 1995-08-01 00:00 local.
    expect(sum(trace.gap)).toBe(4_947);
    const gaps = warnings.filter((w) => w.code === "gap-in-series");
    expect(gaps).toHaveLength(1);
    expect(gaps[0]!.message).toContain("1995-07-28T17:33:00.000Z");
    expect(gaps[0]!.message).toContain("1995-08-01T04:00:00.000Z");
    expect(trace.gap[stepAt(trace, "1995-07-28T13:32:00-04:00")]).toBe(0);
    expect(trace.gap[stepAt(trace, "1995-07-28T13:33:00-04:00")]).toBe(1);
    expect(trace.gap[stepAt(trace, "1995-08-01T00:00:00-04:00")]).toBe(0);
    // The Hurricane Erin outage (Aug 1 14:52 – Aug 3 04:36 local) is data: zeros, not gaps.
    const outage = stepAt(trace, "1995-08-02T12:00:00-04:00");
    expect(trace.requests[outage]).toBe(0);
    expect(trace.gap[outage]).toBe(0);
    expect(count(trace.requests, (v, i) => v === 0 && trace.gap[i] === 0)).toBe(2_937);
    // The STS-70 launch spike: 405 requests at 09:49 local on 1995-07-13, the maximum.
    expect(max(trace.requests)).toBe(405);
    expect(trace.requests[stepAt(trace, "1995-07-13T09:49:00-04:00")]).toBe(405);
  });

  it("NASA per second: 1-s steps, 2 days, 195,535 requests, max 15", async () => {
    const { trace, warnings } = await load("nasa-http-1995-07-05_06-requests-per-second.csv");
    expect(trace.stepSeconds).toBe(1);
    expect(trace.startMs).toBe(Date.parse("1995-07-05T00:00:00-04:00"));
    expect(trace.requests).toHaveLength(172_800);
    expect(sum(trace.requests)).toBe(195_535);
    expect(max(trace.requests)).toBe(15);
    expect(sum(trace.gap)).toBe(0);
    expect(warnings).toEqual([]);
  });

  it("World Cup 98: GMT times, 1,352,804,107 requests, peak 229,426 at 1998-07-07 21:41", async () => {
    const { trace, warnings } = await load("wc98-requests-per-minute.csv");
    expect(trace.stepSeconds).toBe(60);
    expect(trace.startMs).toBe(Date.parse("1998-04-30T21:30:00Z"));
    expect(trace.requests).toHaveLength(125_310);
    expect(sum(trace.requests)).toBe(1_352_804_107);
    expect(max(trace.requests)).toBe(229_426);
    expect(trace.requests[stepAt(trace, "1998-07-07T21:41:00Z")]).toBe(229_426);
    // 10 minutes are missing from the file (quiet nights in May), in 7 runs.
    expect(sum(trace.gap)).toBe(10);
    expect(warnings.filter((w) => w.code === "gap-in-series")).toHaveLength(7);
  });

  it("NAB ELB RequestCount: 5-min steps with 8 missing points", async () => {
    const { trace, warnings } = await load("nab-elb_request_count_8c0756.csv");
    expect(trace.stepSeconds).toBe(300);
    expect(trace.startMs).toBe(Date.parse("2014-04-10T00:00:00Z")); // first point 00:04, floored
    expect(trace.requests).toHaveLength(4_032 + 8);
    expect(sum(trace.gap)).toBe(8);
    expect(warnings.filter((w) => w.code === "gap-in-series")).toHaveLength(8);
    expect(trace.gap[stepAt(trace, "2014-04-10T11:30:00Z")]).toBe(1);
    expect(sum(trace.requests)).toBe(249_327);
  });

  it("NAB ASG CPU: refused as requests; read when the column is named, with two warnings", async () => {
    const name = "nab-cpu_utilization_asg_misconfiguration.csv";
    const error = await load(name).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe("not-requests");
    expect((error as UsageError).message).toContain(
      `${join(TRACES, name)}: column "value" holds fractional values, all between 0 and 100 (17,340 of 18,050 rows not whole numbers), and the file's name says cpu`,
    );
    const { trace, warnings } = await load(name, "value");
    expect(trace.stepSeconds).toBe(300);
    expect(trace.requests).toHaveLength(18_050);
    expect(sum(trace.gap)).toBe(0);
    expect(warnings.map((w) => w.code)).toEqual(["fractional-counts", "utilization-file-name"]);
  });

  it("reads a gzipped copy as the file itself", async () => {
    const { readFile } = await import("node:fs/promises");
    const { gzipSync } = await import("node:zlib");
    const dir = await mkdtemp(join(tmpdir(), "caplab-gz-"));
    try {
      const name = "nab-cpu_utilization_asg_misconfiguration.csv";
      const gz = join(dir, `${name}.gz`);
      await writeFile(gz, gzipSync(await readFile(join(TRACES, name))));
      const plain = await readTraceCsv(join(TRACES, name), { valueColumn: "value" });
      const zipped = await readTraceCsv(gz, { valueColumn: "value" });
      expect(zipped.times).toEqual(plain.times);
      expect(zipped.values).toEqual(plain.values);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("NAB NYC taxi: 30-min counts spread over 5-min steps, total kept", async () => {
    const { trace, warnings } = await load("nab-nyc_taxi.csv");
    expect(trace.stepSeconds).toBe(300);
    expect(trace.requests).toHaveLength(10_320 * 6);
    expect(sum(trace.requests)).toBeCloseTo(156_219_716, 3);
    expect(sum(trace.gap)).toBe(0);
    expect(warnings.map((w) => w.code)).toEqual(["coarse-series"]);
    expect(trace.requests[0]).toBeCloseTo(10_844 / 6, 9);
  });

  it("NAB Twitter AMZN: 5-min steps starting at :42:53, floored to :40", async () => {
    const { trace } = await load("nab-Twitter_volume_AMZN.csv");
    expect(trace.stepSeconds).toBe(300);
    expect(trace.startMs).toBe(Date.parse("2015-02-26T21:40:00Z"));
    expect(trace.requests).toHaveLength(15_831);
    expect(sum(trace.requests)).toBe(843_768);
    expect(sum(trace.gap)).toBe(0);
  });
});

describe("parseTimeCell", () => {
  it.each([
    ["804916800", Date.parse("1995-07-05T04:00:00Z")],
    ["804916800000", Date.parse("1995-07-05T04:00:00Z")],
    ["1995-07-01T00:00:00-04:00", Date.parse("1995-07-01T04:00:00Z")],
    ["1995-07-01T00:00:00", Date.parse("1995-07-01T00:00:00Z")],
    ["1998-04-30 21:30:00", Date.parse("1998-04-30T21:30:00Z")],
  ])("reads %s", (text, ms) => {
    expect(parseTimeCell(text)).toBe(ms);
  });
});

describe("readTraceCsv on small files", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "caplab-trace-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const write = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  it("fails with one sentence naming the file and the line of a value that is not a number", async () => {
    const lines = ["timestamp,requests"];
    for (let i = 0; i < 20; i++) lines.push(`2026-01-01T00:${String(i).padStart(2, "0")}:00Z,${i}`);
    lines[16] = "2026-01-01T00:15:00Z,abc"; // line 17 of the file
    lines[19] = "2026-01-01T00:18:00Z,";
    const path = await write("trace.csv", lines.join("\n") + "\n");
    const error = await readTraceCsv(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).code).toBe("bad-trace-line");
    expect((error as Error).message).toBe(
      `${path} line 17: "abc" in column "requests" is not a number (and 1 more bad line); fix the line or name the column with --value-column (valueColumn in a config).`,
    );
  });

  it("names the line of a time it cannot read", async () => {
    const path = await write("badtime.csv", "time,count\n1700000000,1\nyesterday,2\n");
    await expect(readTraceCsv(path)).rejects.toThrow(
      `${path} line 3: "yesterday" in column "time" is not a time (ISO 8601 or unix seconds/milliseconds); fix the line or name the column with --time-column (timeColumn in a config).`,
    );
  });

  it("counts lines across blank lines and a BOM", async () => {
    const path = await write(
      "blank.csv",
      "\uFEFFtimestamp,value\n\n2026-01-01 00:00:00,1\n\n2026-01-01 00:01:00,x\n",
    );
    await expect(readTraceCsv(path)).rejects.toThrow(`${path} line 5: "x" in column "value"`);
  });

  it("reads unix milliseconds, a header-less file, and columns chosen by option", async () => {
    const ms = await readTraceCsv(
      await write("ms.csv", "t,host,n\n1700000000000,a,3\n1700000060000,b,4\n"),
    );
    expect(ms.times).toEqual([1_700_000_000_000, 1_700_000_060_000]);
    expect(ms.values).toEqual([3, 4]);
    const bare = await readTraceCsv(await write("bare.csv", "1700000000,5\n1700000060,6\n"));
    expect(bare.times).toEqual([1_700_000_000_000, 1_700_000_060_000]);
    expect(bare.values).toEqual([5, 6]);
    const chosen = await readTraceCsv(
      await write(
        "two.csv",
        "when,errors,hits\n2026-01-01T00:00:00Z,1,10\n2026-01-01T00:01:00Z,2,20\n",
      ),
      { timeColumn: "when", valueColumn: "hits" },
    );
    expect(chosen.values).toEqual([10, 20]);
    const guessed = await readTraceCsv(
      await write("guess.csv", "when,hits\n2026-01-01T00:00:00Z,10\n"),
    );
    expect(guessed.values).toEqual([10]);
  });

  it("says which columns there are when a named column is missing", async () => {
    const path = await write("cols.csv", "timestamp,value\n2026-01-01T00:00:00Z,1\n");
    await expect(readTraceCsv(path, { valueColumn: "requests" })).rejects.toThrow(
      `${path} has no column "requests" (it has "timestamp", "value"); fix --value-column (valueColumn in a config).`,
    );
  });

  it("reports a missing file and an empty one", async () => {
    await expect(readTraceCsv(join(dir, "nope.csv"))).rejects.toThrow(
      /nope\.csv does not exist; check the path/,
    );
    await expect(readTraceCsv(await write("empty.csv", "timestamp,requests\n"))).rejects.toThrow(
      /has no data rows/,
    );
  });

  it("reports a CSV quoting error with its line", async () => {
    const path = await write(
      "quote.csv",
      'timestamp,requests\n2026-01-01T00:00:00Z,1\n"2026-01-01T00:01:00Z,2\n',
    );
    const error = await readTraceCsv(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(
      /quote\.csv line 3: a quoted field is never closed; fix the file there\.$/,
    );
  });
});

describe("loadTrace", () => {
  const base = fileURLToPath(new URL("../../../../", import.meta.url));

  it("loads the example config's NASA week, scaled", async () => {
    const source = TraceSourceSchema.parse({
      file: "../shared/data/traces/nasa-http-1995-requests-per-minute.csv",
      scale: 20,
      from: "1995-07-03T00:00:00-04:00",
      to: "1995-07-10T00:00:00-04:00",
    });
    const warnings: Warning[] = [];
    const trace = await loadTrace(source, base, (w) => warnings.push(w));
    expect(trace.startMs).toBe(Date.parse("1995-07-03T04:00:00Z"));
    expect(trace.stepSeconds).toBe(60);
    expect(trace.requests).toHaveLength(7 * 1440);
    expect(sum(trace.requests) % 20).toBe(0);
    expect(warnings).toEqual([]);
  });

  it("generates the default week", async () => {
    const trace = await loadTrace(
      TraceSourceSchema.parse({ generate: "default-week", seed: 3 }),
      base,
      () => {},
    );
    expect(trace.requests).toHaveLength(10_080);
    expect(trace.startMs).toBe(Date.parse("2026-11-02T00:00:00Z"));
    expect(trace.source).toContain("seed 3");
  });

  it("turns an empty window and a bad time into usage errors", async () => {
    const file = "../shared/data/traces/nab-elb_request_count_8c0756.csv";
    const empty = TraceSourceSchema.parse({ file, from: "2020-01-01T00:00:00Z" });
    await expect(loadTrace(empty, base, () => {})).rejects.toThrow(UsageError);
    await expect(loadTrace(empty, base, () => {})).rejects.toThrow(
      /has no observations between 2020-01-01T00:00:00.000Z and the end/,
    );
    const bad = TraceSourceSchema.parse({ file, to: "next tuesday" });
    await expect(loadTrace(bad, base, () => {})).rejects.toThrow(
      'trace.to "next tuesday" is not an ISO 8601 time',
    );
    const backwards = TraceSourceSchema.parse({
      file,
      from: "2014-04-12T00:00:00Z",
      to: "2014-04-11T00:00:00Z",
    });
    await expect(loadTrace(backwards, base, () => {})).rejects.toThrow(/is not before trace\.to/);
  });
});
