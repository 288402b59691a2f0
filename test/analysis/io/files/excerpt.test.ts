/** Quoting file content in messages: short, escaped (issue #11 row 3). */
import { isAbsolute, relative, resolve } from "node:path";
import { tmpdir } from "node:os";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { excerpt, jsonErrorReason } from "../../../../analysis/io/files/excerpt.js";
import { bundlePathProblem } from "../../../../sim/vocab/index.js";

describe("bundlePathProblem (the text of a manifest path)", () => {
  it("lets through only paths that stay inside the bundle folder", () => {
    const root = resolve(tmpdir(), "some-bundle");
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (path) => {
        if (bundlePathProblem(path) !== null) return;
        const rel = relative(root, resolve(root, path));
        expect(isAbsolute(rel) || rel === ".." || rel.startsWith("../")).toBe(false);
      }),
      { numRuns: 2000 },
    );
    expect(bundlePathProblem("series/requests.csv")).toBeNull();
    expect(bundlePathProblem("a..b/c.csv")).toBeNull();
  });
});

describe("excerpt and jsonErrorReason", () => {
  it("escape control characters and cut to the limit", () => {
    expect(excerpt('a,"b"\u001b[2J\n')).toBe('"a,\\"b\\"\\u001b[2J\\n"');
    expect(excerpt("x".repeat(100), 3)).toBe('"xxx"…');
    expect(excerpt("\u202eevil")).toBe('"\\u202eevil"');
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        const e = excerpt(text);
        // eslint-disable-next-line no-control-regex -- the point of the test
        expect(e).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
        expect(e.length).toBeLessThanOrEqual(2 + 6 * 80 + 1);
      }),
    );
  });

  it("say where JSON breaks without Node's own quote of the input", () => {
    const text = '{"a": 1,\n "b": }';
    let error: unknown;
    try {
      JSON.parse(text);
    } catch (e) {
      error = e;
    }
    expect(jsonErrorReason(text, error)).toMatch(
      /^not valid JSON (at line 2, column \d+ \(near "|\(it starts ")/,
    );
    expect(jsonErrorReason("", new SyntaxError("Unexpected end of JSON input"))).toBe(
      'not valid JSON at line 1, column 1 (near "")',
    );
  });
});
