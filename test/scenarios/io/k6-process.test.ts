/**
 * k6's own output passed through by `caplab run` (scenarios/io/k6-process.ts runProcess): the
 * header lines `k6 run --http-debug` logs (k6 `lib/netext/httpext/httpdebug_transport.go`)
 * come out with their credentials taken out, in each form k6 writes them (at a terminal, in
 * logfmt when piped, as JSON with --log-format json), even when the process's output arrives
 * cut in the middle of a header.
 */
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redactedLines, runProcess } from "../../../scenarios/io/k6-process.js";
import { captureIo } from "../../helpers/io.js";

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.Zq9SECRET-jwt.sig";
const COOKIE = "Zq9SECRETcookie";
const KEY = "Zq9SECRETkey";
const SET = "Zq9SECRETset";

/** The request dump of `k6 run --http-debug` (headers only), LF-separated as k6 logs it. */
const DUMP = [
  "GET /api/orders?page=2 HTTP/1.1",
  "Host: svc.example.com",
  "User-Agent: k6/1.4.0 (https://k6.io/)",
  `Authorization: Bearer ${TOKEN}`,
  `Cookie: session=${COOKIE}; theme=dark`,
  `X-Api-Key: ${KEY}`,
  "Accept-Encoding: gzip",
  "",
  "",
].join("\n");
const RESPONSE = [
  "HTTP/1.1 200 OK",
  "Content-Type: application/json",
  `Set-Cookie: sid=${SET}; HttpOnly`,
  "",
  "",
].join("\n");

/** What k6's logger writes for the dump: at a terminal, in logfmt when piped, and as JSON. */
const FORMS = {
  terminal: `INFO[0001] Request:\n${DUMP}\n  group= iter=0 request_id=8d3f scenario=default source=http-debug vu=1\n`,
  logfmt: `time="2026-12-05T07:30:01Z" level=info msg=${JSON.stringify(`Request:\n${DUMP}\n`)} group= iter=0 request_id=8d3f scenario=default source=http-debug vu=1\ntime="2026-12-05T07:30:01Z" level=info msg=${JSON.stringify(`Response:\n${RESPONSE}\n`)} source=http-debug\n`,
  json: `${JSON.stringify({ level: "info", msg: `Request:\n${DUMP}\n`, request_id: "8d3f", source: "http-debug", time: "2026-12-05T07:30:01Z", vu: 1 })}\n`,
};

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-k6-process-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function expectRedacted(text: string): void {
  for (const secret of [TOKEN, COOKIE, KEY, SET]) expect(text).not.toContain(secret);
  expect(text).toContain("Authorization: Bearer ***");
  expect(text).toContain("Cookie: ***");
  expect(text).toContain("X-Api-Key: ***");
  // The rest stays: the request line, the other headers, k6's fields.
  expect(text).toContain("GET /api/orders?page=2 HTTP/1.1");
  expect(text).toContain("Host: svc.example.com");
  expect(text).toContain("Accept-Encoding: gzip");
  expect(text).toMatch(/source=http-debug|"source":"http-debug"/);
}

describe("k6's output passed through by runProcess", () => {
  for (const [form, text] of Object.entries(FORMS))
    it(`takes the credentials out of --http-debug's headers in its ${form} form, cut anywhere`, async () => {
      // A stand-in for k6 writing the log to stderr (and stdout) in 7-byte pieces.
      const script = join(dir, `k6-${form}`);
      await writeFile(
        script,
        `#!${process.execPath}
const text = ${JSON.stringify(text)};
(async () => {
  for (const stream of [process.stderr, process.stdout])
    for (let i = 0; i < text.length; i += 7) {
      await new Promise((r) => stream.write(text.slice(i, i + 7), r));
      await new Promise((r) => setImmediate(r));
    }
})();
`,
      );
      await chmod(script, 0o755);
      const io = captureIo();
      const { code } = await runProcess(script, [], { PATH: "" }, io);
      expect(code).toBe(0);
      expectRedacted(io.stderr());
      expectRedacted(io.stdout());
      if (form === "logfmt") expect(io.stderr()).toContain("Set-Cookie: ***");
      // Nothing else changed: the text with the four values put back is k6's.
      const back = (t: string) =>
        t
          .replace("Bearer ***", `Bearer ${TOKEN}`)
          .replace("Cookie: ***", `Cookie: session=${COOKIE}; theme=dark`)
          .replace("X-Api-Key: ***", `X-Api-Key: ${KEY}`)
          .replace("Set-Cookie: ***", `Set-Cookie: sid=${SET}; HttpOnly`);
      expect(back(io.stderr())).toBe(text);
    });

  it("holds a line back until it ends, and writes a line longer than the limit as it comes", () => {
    const written: string[] = [];
    const lines = redactedLines((t) => written.push(t));
    lines.add("Authorization: Bea");
    expect(written).toEqual([]);
    lines.add(`rer ${TOKEN}\nHost: h\nCookie: a`);
    expect(written).toEqual(["Authorization: Bearer ***\nHost: h\n"]);
    lines.end();
    expect(written).toEqual(["Authorization: Bearer ***\nHost: h\n", "Cookie: ***"]);
    const long = redactedLines((t) => written.push(t));
    long.add("x".repeat(70_000));
    expect(written.at(-1)).toHaveLength(70_000);
  });
});
