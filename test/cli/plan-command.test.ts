import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { captureIo } from "../helpers/io.js";
import { tinyPlanYaml } from "./tiny-plan.js";

const TINY_PLAN = tinyPlanYaml("{ topK: 2 }");

/** `caplab plan` with stderr on a terminal (a stream that keeps what the bars draw). */
async function planOnTerminal(extra: string[]): Promise<{ code: number; drawn: string }> {
  const dir = await mkdtemp(join(tmpdir(), "caplab-plan-bars-"));
  await writeFile(join(dir, "plan.yaml"), TINY_PLAN);
  // cli-progress draws only on a TTY, as wide as its columns.
  const terminal = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
  let drawn = "";
  terminal.on("data", (chunk: Buffer) => (drawn += chunk.toString()));
  const io = { ...captureIo(), isTty: true };
  const code = await main(
    ["plan", join(dir, "plan.yaml"), "--out", join(dir, "out"), "--workers", "0", ...extra],
    { io, terminal },
  );
  return { code, drawn };
}

describe("caplab plan on a terminal", () => {
  it("draws a progress bar for the sweep and one for the robustness runs", async () => {
    const { code, drawn } = await planOnTerminal([]);
    expect([0, 3]).toContain(code);
    expect(drawn).toMatch(/\| 4\/4 candidates \|/);
    // However many the pick needed, the bar ends full.
    expect(drawn).toMatch(/\| (\d+)\/\1 robustness runs \|/);
  });

  it("draws none with --quiet", async () => {
    const { drawn } = await planOnTerminal(["--quiet"]);
    expect(drawn).toBe("");
  });
});

describe("caplab plan stopped by a signal", () => {
  it("writes nothing and exits 128 + the signal's number (SIGTERM: 143)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-plan-stopped-"));
    await writeFile(join(dir, "plan.yaml"), TINY_PLAN);
    const io = captureIo();
    const code = await main(
      ["plan", join(dir, "plan.yaml"), "--out", join(dir, "out"), "--workers", "0", "--quiet"],
      {
        io,
        // The signal comes as soon as the command listens: the sweep is stopped before it ends.
        onInterrupt: (handler) => {
          handler("SIGTERM");
          return () => {};
        },
      },
    );
    expect(code).toBe(143);
    expect(io.stderr()).toContain("Stopped (Ctrl-C); nothing was written.");
    expect(existsSync(join(dir, "out"))).toBe(false);
  });
});
