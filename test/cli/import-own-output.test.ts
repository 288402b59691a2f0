/**
 * `caplab import FOLDER --out FOLDER/bundle`, run again: the folder walk must not take the
 * bundle the first import wrote inside FOLDER (its series/requests.csv) for an input. It did:
 * the second import counted every request twice (249,327 → 498,654 on the NAB ELB trace), a
 * third three times, and without --format the sniff refused the folder for the bundle's
 * .caplab-output.json. A caplab output folder (one with .caplab-output.json) holds caplab's
 * own files, never a source.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { captureIo, cliContext } from "../helpers/io.js";
import { sharedData } from "../helpers/shared-data.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-import-own-output-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function caplab(argv: readonly string[]): Promise<{ code: number; text: string }> {
  const io = captureIo();
  const code = await main([...argv], cliContext(io, { cwd: dir }));
  return { code, text: io.text() };
}

/** The sum of a bundle's requests series. */
async function requestsIn(bundle: string): Promise<number> {
  const rows = (await readFile(join(dir, bundle, "series", "requests.csv"), "utf8"))
    .trim()
    .split("\n")
    .slice(1);
  return rows.reduce((sum, row) => sum + (Number(row.split(",")[1]) || 0), 0);
}

describe("import of a folder that holds an earlier import's bundle", () => {
  it("reads the folder's own files only, however often it runs, with or without --format", async () => {
    await mkdir(join(dir, "in"));
    await copyFile(
      sharedData("traces/nab-elb_request_count_8c0756.csv"),
      join(dir, "in", "nab-elb_request_count_8c0756.csv"),
    );
    const first = await caplab([
      "import",
      join(dir, "in"),
      "--format",
      "csv",
      "--out",
      join(dir, "in", "b"),
    ]);
    expect(first.code, first.text).toBe(0);
    const total = await requestsIn("in/b");
    expect(total).toBeCloseTo(249_327, 3);

    const again = await caplab([
      "import",
      join(dir, "in"),
      "--format",
      "csv",
      "--out",
      join(dir, "in", "b"),
    ]);
    expect(again.code, again.text).toBe(0);
    expect(again.text).toContain("from 1 input (4,032 lines, 0 bad)");
    expect(await requestsIn("in/b")).toBeCloseTo(total, 3);

    const sniffed = await caplab(["import", join(dir, "in"), "--out", join(dir, "in", "c")]);
    expect(sniffed.code, sniffed.text).toBe(0);
    expect(sniffed.text).toContain(`Read ${join(dir, "in")} (1 file)`);
    expect(await requestsIn("in/c")).toBeCloseTo(total, 3);
  });
});
