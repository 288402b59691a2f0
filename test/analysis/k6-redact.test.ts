import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mayHoldSecret, redactK6Document, redactK6OutputLine } from "../../analysis/k6-redact.js";
import { redactSecrets } from "../../sim/vocab/redact.js";

/** A k6 `--out json` Point line as k6 writes it (Go escapes `&` as \u0026). */
function point(url: string, value = 459.865729): string {
  const tags = JSON.stringify({ group: "", method: "GET", status: "200", url }).replace(
    /&/g,
    "\\u0026",
  );
  return `{"type":"Point","data":{"time":"2017-05-09T14:34:45.239531499+02:00","value":${value},"tags":${tags}},"metric":"http_req_duration"}`;
}

describe("redactK6OutputLine", () => {
  it("takes the value of a credential-named query parameter out of k6's url tag, \\u0026 or not", () => {
    const line = point("https://api.example.com/x?page=2&api_key=s3cr3t&X-Amz-Signature=abcdef");
    expect(line).toContain("\\u0026api_key=s3cr3t");
    const out = redactK6OutputLine(line);
    expect(out).not.toMatch(/s3cr3t|abcdef/);
    const parsed = JSON.parse(out) as { data: { tags: { url: string } } };
    expect(parsed.data.tags.url).toBe(
      "https://api.example.com/x?page=2&api_key=***&X-Amz-Signature=***",
    );
    // Everything else as it was.
    expect({ ...parsed, data: { ...parsed.data, tags: {} } }).toEqual({
      ...(JSON.parse(line) as object),
      data: { ...(JSON.parse(line) as { data: object }).data, tags: {} },
    });
  });

  it("takes userinfo out, and keeps a line without a secret as it is", () => {
    expect(JSON.parse(redactK6OutputLine(point("https://user:pw@h/x"))).data.tags.url).toBe(
      "https://***@h/x",
    );
    const plain = point("https://h/x?page=2&sort=asc");
    expect(redactK6OutputLine(plain)).toBe(plain);
    const metric =
      '{"type":"Metric","data":{"type":"trend","contains":"time","thresholds":["avg\\u003c1000"],"submetrics":null},"metric":"http_req_duration"}';
    expect(redactK6OutputLine(metric)).toBe(metric);
  });

  it("takes a secret out of a sub-metric's name (a Metric line)", () => {
    const line =
      '{"type":"Metric","data":{"name":"http_req_duration{url:https://h/?token=abc}","thresholds":["p(95)\\u003c500"]},"metric":"http_req_duration{url:https://h/?token=abc}"}';
    const out = JSON.parse(redactK6OutputLine(line)) as { metric: string };
    expect(out.metric).toBe("http_req_duration{url:https://h/?token=***}");
  });

  it("never changes a line whose strings hold no secret, and keeps every line JSON with the same keys (fast-check)", () => {
    const safe = fc.stringMatching(/^[a-z0-9/._:-]{0,20}$/);
    fc.assert(
      fc.property(safe, safe, fc.double({ noNaN: true, noDefaultInfinity: true }), (a, b, v) => {
        const line = point(`https://${a}/p?q=${b}`, Number.isFinite(v) ? v : 0);
        return redactK6OutputLine(line) === line;
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(safe, fc.string({ minLength: 1, maxLength: 20 }), (path, secret) => {
        // Encoded as URLSearchParams does (a raw `'` ends a value for redact.ts, as in text).
        const url = `https://h/${path}?a=1&${new URLSearchParams({ token: secret }).toString()}`;
        const out = redactK6OutputLine(point(url));
        const parsed = JSON.parse(out) as { data: { tags: { url: string } } };
        return (
          parsed.data.tags.url === `https://h/${path}?a=1&token=***` &&
          Object.keys(parsed.data.tags).join() === "group,method,status,url"
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe("redactK6Document", () => {
  it("redacts keys and values of a summary export, its layout kept; null without a secret", () => {
    const summary = {
      metrics: { "http_req_duration{url:https://h/?sig=zzz}": { "p(95)": 1.5e-7 } },
    };
    const text = JSON.stringify(summary, null, 4).replace("1.5e-7", "1.5e-07");
    expect(redactK6Document(text)).toBe(text.replace("sig=zzz", "sig=***"));
    expect(redactK6Document(JSON.stringify({ metrics: {} }))).toBeNull();
  });
});

describe("mayHoldSecret, the quick test before redactSecrets", () => {
  it("holds for every string redactSecrets changes, and for its JSON text (fast-check)", () => {
    const word = fc.constantFrom(
      "token",
      "api_key",
      "X-Amz-Signature",
      "sig",
      "password",
      "Authorization",
      "Cookie",
      "X-Api-Key",
      "session_id",
      "jwt",
      "page",
      "q",
      "name",
      "https",
      "user",
      "Bearer",
    );
    const piece = fc.oneof(
      word,
      fc.constantFrom("=", "&", "?", ":", ": ", "@", "/", "\n", "\r\n", " ", "\\"),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const text = parts.join("");
        if (redactSecrets(text) === text) return true;
        return mayHoldSecret(text) && mayHoldSecret(JSON.stringify(text));
      }),
      { numRuns: 5000 },
    );
  });
});
