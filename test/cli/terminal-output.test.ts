/**
 * Issue #11, row 10 (terminal side): control characters that come from outside (log fields,
 * scenario and threshold names, paths in errors) never reach the terminal raw. Everything a
 * command writes goes through printable(), which shows them as `\uXXXX`.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { captureIo } from "../helpers/io.js";
import { writeRunBundle } from "../fixtures/runs/make-run-bundle.js";

/** C0 but tab and newline, DEL, C1, bidi controls: what a terminal would act on. */
// eslint-disable-next-line no-control-regex -- control characters are what is looked for.
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const ESCAPES = "\u001b[2J\u001b]8;;http://e.example\u0007\u009b31m\r\u202e";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-terminal-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectClean(io: ReturnType<typeof captureIo>): void {
  expect(io.stdout()).not.toMatch(RAW_CONTROL);
  expect(io.stderr()).not.toMatch(RAW_CONTROL);
}

describe("terminal output", () => {
  it("import warnings quote log fields with their escapes made visible", async () => {
    const path = join(dir, "k6.ndjson");
    const time = JSON.stringify(`2026${ESCAPES}`);
    await writeFile(
      path,
      `{"metric":"http_reqs","type":"Point","data":{"time":${time},"value":1,"tags":null}}\n` +
        `{"metric":"http_reqs","type":"Point","data":{"time":"2026-03-02T06:00:00Z","value":1,"tags":null}}\n`,
    );
    const io = captureIo();
    expect(
      await main(["import", path, "--format", "k6", "--no-record", "--out", join(dir, "k6")], io),
    ).toBe(0);
    expect(io.stderr()).toContain("\\u001b[2J");
    expectClean(io);
  });

  it("gate and history print scenario and threshold names with their escapes made visible", async () => {
    const history = join(dir, "history.duckdb");
    const bundle = await writeRunBundle(join(dir, "run"), {
      seed: 3,
      seconds: 10,
      scenario: `smoke${ESCAPES}`,
      thresholds: { [`http_req_duration{x:${ESCAPES}}`]: { "p(95)<1": true } },
    });
    const gate = captureIo();
    expect(await main(["gate", bundle, "--history", history, "--out", join(dir, "g")], gate)).toBe(
      1,
    );
    expect(gate.stdout()).toContain("\\u001b[2J");
    expectClean(gate);
    const list = captureIo();
    expect(await main(["history", "--history", history], list)).toBe(0);
    expect(list.stdout()).toContain("smoke\\u001b[2J");
    expectClean(list);
  });

  it("an error that names a path shows the path's escapes", async () => {
    const io = captureIo();
    expect(await main(["simulate", join(dir, `x${ESCAPES}.yaml`)], io)).toBe(2);
    expect(io.stderr()).toMatch(/^caplab: config file .*x\\u001b\[2J.* does not exist/);
    expectClean(io);
  });
});
