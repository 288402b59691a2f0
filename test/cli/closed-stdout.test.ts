/**
 * A reader that stops reading (`caplab … | head`) closes caplab's stdout: the command still
 * finishes, its files whole and its exit code kept, without a crash and a stack.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../helpers/caplab-cli.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** `caplab ARGS` with its stdout closed before it writes anything; its exit code and stderr. */
function withClosedStdout(args: readonly string[], cwd: string) {
  const child = spawn(process.execPath, ["--import", TSX, CLI, ...args], {
    cwd,
    env: { ...process.env, CAPLAB_HISTORY: join(cwd, "history.duckdb") },
  });
  child.stdout.destroy();
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("a closed stdout", () => {
  it("ends help with exit 0 and no stack", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-epipe-"));
    const { code, stderr } = await withClosedStdout(["import", "--help"], dir);
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at /);
    expect(code).toBe(0);
  });

  it("lets a command finish writing its outputs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-epipe-"));
    const out = join(dir, "sim");
    const config = fileURLToPath(new URL("../../examples/simulate-nasa.yaml", import.meta.url));
    const { code, stderr } = await withClosedStdout(["simulate", config, "--out", out], dir);
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(
      [".caplab-output.json", "events.json", "summary.json", "timeline.csv"].sort(),
    );
  });
});
