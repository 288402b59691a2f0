/**
 * A k6 end-of-test summary saved with a UTF-8 byte order mark (an editor on Windows, PowerShell's
 * Out-File): the sniff reads it as a summary (analysis/input-kind.ts drops the mark), and the
 * reader must too. It refused it: "--summary-export FILE is not JSON: not valid JSON (it starts
 * "{\n  \"metrics\"…)", exit 2, quoting a start that looks valid since the mark is invisible.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJsonInput } from "../../../../analysis/io/import/k6-run.js";
import { main } from "../../../../cli/main.js";
import { captureIo, cliContext } from "../../../helpers/io.js";
import { sharedData } from "../../../helpers/shared-data.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-k6-run-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SUMMARY = "k6/summary-export.k6-html-reporter-dev.json";

async function withBom(): Promise<string> {
  const path = join(dir, "summary-bom.json");
  await writeFile(path, "\uFEFF" + (await readFile(sharedData(SUMMARY), "utf8")));
  return path;
}

describe("readJsonInput", () => {
  it("reads a file with a byte order mark as the same JSON", async () => {
    expect(await readJsonInput("--summary-export", await withBom())).toEqual(
      await readJsonInput("--summary-export", sharedData(SUMMARY)),
    );
  });
});

describe("caplab import of a k6 summary with a byte order mark", () => {
  it("imports it as without the mark, sniffed or with --format k6", async () => {
    const path = await withBom();
    for (const format of [[], ["--format", "k6"]]) {
      const io = captureIo();
      const out = join(dir, `out-${format.length}`);
      const code = await main(
        ["import", path, ...format, "--no-record", "--out", out],
        cliContext(io),
      );
      expect(code, io.text()).toBe(0);
      expect(io.stdout()).toContain("88 requests in 10.7 s, k6's run-wide figures");
    }
  });
});
