/**
 * k6 `--out csv` rows read as the Points k6 `--out json` writes for the same samples. The time
 * cases are k6's own (grafana/k6 `internal/output/csv/output_test.go`, TestSampleToRow: one
 * sample at time.Unix(1562324644, ns) written in each K6_CSV_TIME_FORMAT).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { k6CsvHeader, k6CsvPoint, k6CsvTime, type K6CsvHeader } from "../../analysis/k6-csv.js";
import { parseK6Line } from "../../analysis/k6-results.js";

const HEADER = [
  "metric_name",
  "timestamp",
  "metric_value",
  "check",
  "error",
  "extra_tags",
  "metadata",
];

function header(cells: readonly string[] = HEADER): K6CsvHeader {
  const h = k6CsvHeader(cells);
  if ("error" in h) throw new Error(h.error);
  return h;
}

describe("k6CsvTime: k6's time formats", () => {
  it("reads each K6_CSV_TIME_FORMAT of k6's own test", () => {
    // time.Unix(1562324644, 0) as unix; (…, 25) as unix_nano; (…, 2125) as unix_micro;
    // (…, 6_000_000) as unix_milli.
    expect(k6CsvTime("1562324644")).toBe("2019-07-05T11:04:04Z");
    expect(k6CsvTime("1562324644000000025")).toBe("2019-07-05T11:04:04.000000025Z");
    expect(k6CsvTime("1562324644000002")).toBe("2019-07-05T11:04:04.000002Z");
    expect(k6CsvTime("1562324644006")).toBe("2019-07-05T11:04:04.006Z");
    expect(k6CsvTime("2019-07-05T11:04:04Z")).toBe("2019-07-05T11:04:04Z");
    expect(k6CsvTime("2019-07-05T13:04:04.000000025+02:00")).toBe(
      "2019-07-05T13:04:04.000000025+02:00",
    );
  });

  it("names the same instant in every numeric format", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }), fc.nat(999), (s, ms) => {
        const at = Date.parse(k6CsvTime(String(s))!);
        expect(at).toBe(s * 1000);
        const milli = `${s}${String(ms).padStart(3, "0")}`;
        expect(Date.parse(k6CsvTime(milli)!)).toBe(s * 1000 + ms);
        expect(Date.parse(k6CsvTime(`${milli}000`)!)).toBe(s * 1000 + ms);
        expect(Date.parse(k6CsvTime(`${milli}000000`)!)).toBe(s * 1000 + ms);
      }),
    );
  });

  it("refuses what is no k6 time", () => {
    for (const cell of [
      "",
      "abc",
      "-1562324644",
      "1562324644.5",
      "2019-07-05 11:04:04",
      "9".repeat(21),
    ])
      expect(k6CsvTime(cell), cell).toBe(null);
  });
});

describe("k6CsvHeader", () => {
  it("finds the tag columns between metric_value and extra_tags", () => {
    expect(header()).toEqual({
      tags: [
        { index: 3, name: "check" },
        { index: 4, name: "error" },
      ],
      extraTags: 5,
      columns: 7,
    });
  });

  it("says what is wrong with a header that is not k6's", () => {
    expect(k6CsvHeader(["time", "value"])).toEqual({
      error: "its header does not start with metric_name,timestamp,metric_value",
    });
    expect(k6CsvHeader(["metric_name", "timestamp", "metric_value", "status"])).toEqual({
      error: "its header does not end with extra_tags,metadata",
    });
  });
});

describe("k6CsvPoint", () => {
  it("reads k6's own CSV test rows as the Points they came from", () => {
    // grafana/k6 output_test.go, the first outputContent case (../shared/data/k6/csv-output.k6-test-fixture.csv).
    const rows = [
      ["my_metric", "1562324643", "1.000000", "val1", "val3", "url=val2", ""],
      ["my_metric", "1562324644", "1.000000", "val1", "val3", "tag4=val4&url=val2&vu=1", ""],
    ];
    const points = rows.map((r) => {
      const p = k6CsvPoint(header(), r);
      if (!("line" in p)) throw new Error(p.error);
      return parseK6Line(p.line);
    });
    expect(points).toEqual([
      {
        type: "Point",
        metric: "my_metric",
        time: "2019-07-05T11:04:03Z",
        value: 1,
        tags: { check: "val1", error: "val3", url: "val2" },
      },
      {
        type: "Point",
        metric: "my_metric",
        time: "2019-07-05T11:04:04Z",
        value: 1,
        tags: { check: "val1", error: "val3", tag4: "val4", url: "val2", vu: "1" },
      },
    ]);
  });

  it("leaves out empty tag columns and keeps a tag named __proto__ as a tag", () => {
    const p = k6CsvPoint(header(), ["m", "1562324643", "2.5", "", "x", "__proto__=y", "vu=1"]);
    expect("line" in p && parseK6Line(p.line)).toMatchObject({
      tags: { error: "x", __proto__: "y" },
    });
    expect("line" in p && Object.keys(JSON.parse(p.line).data.tags)).toEqual([
      "error",
      "__proto__",
    ]);
  });

  it("says why a row is not one, with the cell at fault", () => {
    const h = header();
    expect(k6CsvPoint(h, ["m", "1562324643", "1"])).toEqual({
      error: "has 3 fields where the header has 7",
      cell: null,
    });
    expect(k6CsvPoint(h, ["m", "yesterday", "1", "", "", "", ""])).toMatchObject({
      cell: "yesterday",
    });
    for (const v of ["NaN", "+Inf", "", "1,5"])
      expect(k6CsvPoint(h, ["m", "1562324643", v, "", "", "", ""]), v).toEqual({
        error: "has a metric_value that is not a finite number",
        cell: v,
      });
  });

  it("round-trips any sample as k6 writes it (Go's %f values, unix_nano times)", () => {
    const tagValue = fc.string({ maxLength: 8 }).filter((s) => !/[&=]/.test(s) && s !== "");
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z_][a-z0-9_]{0,12}$/),
        fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), tagValue, { maxKeys: 4 }),
        (metric, seconds, nanos, raw, extra) => {
          const value = raw.toFixed(6);
          const extraCell = Object.entries(extra)
            .filter(([k]) => k !== "check" && k !== "error")
            .map(([k, v]) => `${k}=${v}`)
            .join("&");
          const nano = `${seconds}${String(nanos).padStart(9, "0")}`;
          const p = k6CsvPoint(header(), [metric, nano, value, "ok", "", extraCell, ""]);
          if (!("line" in p)) throw new Error(p.error);
          const point = parseK6Line(p.line);
          expect(point).toMatchObject({ type: "Point", metric, value: Number(value) + 0 });
          if (point?.type !== "Point") throw new Error("not a Point");
          expect(Date.parse(point.time)).toBe(seconds * 1000 + Math.floor(nanos / 1e6));
          expect(point.time).toMatch(new RegExp(`\\.${String(nanos).padStart(9, "0")}Z$`));
          const want: Record<string, string> = { check: "ok" };
          for (const [k, v] of Object.entries(extra))
            if (k !== "check" && k !== "error") want[k] = v;
          expect(point.tags).toEqual(want);
        },
      ),
    );
  });
});
