/**
 * A path the file system refuses (a name too long, a folder under a file, a full disk) is one
 * sentence naming the path and what to do, never a stack (cli/file-errors.ts).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileError } from "../../cli/file-errors.js";
import { main } from "../../cli/main.js";
import { captureIo } from "../helpers/io.js";
import { writeObservedBundle } from "../fixtures/bundles/make-observed-bundle.js";

let dir: string;
let bundle: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-file-errors-"));
  bundle = join(dir, "observed");
  await writeObservedBundle(bundle, { seed: 5, hours: 2 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs caplab and returns its exit code and its one line on stderr (failing on more). */
async function oneLine(argv: readonly string[]): Promise<{ code: number; line: string }> {
  const io = captureIo();
  const code = await main(argv, io);
  const lines = io.stderr().trim().split("\n");
  expect(lines, io.stderr()).toHaveLength(1);
  expect(io.stderr()).not.toMatch(/at .*\(.*:\d+:\d+\)|errno:/);
  return { code, line: lines[0]! };
}

describe("file-system errors on the command line", () => {
  it("names an --out whose name is too long for the file system, and exits 2", async () => {
    const out = join(dir, "r".repeat(300));
    const { code, line } = await oneLine(["report", bundle, "--out", out]);
    expect(code).toBe(2);
    expect(line).toMatch(/^caplab: could not .* \/.*r{300}: a name in this path is too long/);
    expect(line).toMatch(/choose a shorter name \(ENAMETOOLONG\)\.$/);
  });

  it("names an --out under a file, and exits 2", async () => {
    const file = join(dir, "a-file");
    await writeFile(file, "not a folder\n");
    const { code, line } = await oneLine(["report", bundle, "--out", join(file, "report")]);
    expect(code).toBe(2);
    expect(line).toContain(file);
    expect(line).toMatch(/not a folder|a file/);
  });
});

describe("fileError", () => {
  const systemError = (code: string, syscall: string, path?: string) =>
    Object.assign(new Error(`${code}: ${syscall}`), { code, syscall, path });

  it("gives a full disk exit 74 (EX_IOERR) and a path the user can change exit 2", () => {
    expect(fileError(systemError("ENOSPC", "write", "/x/y"))).toEqual({
      message:
        "could not write /x/y: no space left on its device; free some space and run again (ENOSPC).",
      exitCode: 74,
    });
    expect(fileError(systemError("EACCES", "mkdir", "/x"))?.exitCode).toBe(2);
    expect(fileError(systemError("EROFS", "rename", "/x"))?.message).toMatch(
      /^could not rename \/x: on a read-only file system/,
    );
  });

  it("leaves alone what is not a known file-system error on a path (a bug keeps its stack)", () => {
    expect(fileError(systemError("ENOSPC", "write"))).toBeNull();
    expect(fileError(systemError("ECONNREFUSED", "connect", "/x"))).toBeNull();
    expect(fileError(new TypeError("x is undefined"))).toBeNull();
    expect(fileError("ENOSPC")).toBeNull();
  });
});
