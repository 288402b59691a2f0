/**
 * Ctrl-C or SIGTERM where no step of the command takes the signal itself (reading a trace,
 * drawing a report): caplab says it stopped and that nothing is half-written, then ends by the
 * signal (130 or 143 in a shell), where Node.js alone ended without a word; a step with its own
 * listener (a plan's sweep, an output being written) keeps the word (cli/context.ts
 * sayWhenStopped). A process of its own for each case, as bin/caplab.js runs.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const CONTEXT = pathToFileURL(fileURLToPath(new URL("../../cli/context.ts", import.meta.url))).href;

/** A process that calls sayWhenStopped (and `more`), says "ready", waits, and gets `signal`. */
function stopped(signal: NodeJS.Signals, more = "") {
  const script = `import { sayWhenStopped } from ${JSON.stringify(CONTEXT)};
sayWhenStopped();
${more}
process.stdout.write("ready\\n");
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--import", TSX, "--input-type=module", "-e", script]);
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
    if (stdout.includes("ready")) child.kill(signal);
  });
  return new Promise<{ code: number | null; signal: string | null; stderr: string }>(
    (resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, by) => resolve({ code, signal: by, stderr }));
    },
  );
}

describe("a signal no step of the command takes", () => {
  it("is said in one line, and the process ends by it", async () => {
    expect(await stopped("SIGINT")).toEqual({
      code: null,
      signal: "SIGINT",
      stderr:
        "caplab: stopped (Ctrl-C); nothing was left half-written: caplab replaces each file it writes whole, or not at all.\n",
    });
    expect(await stopped("SIGTERM")).toMatchObject({
      signal: "SIGTERM",
      stderr: expect.stringMatching(/^caplab: stopped \(SIGTERM\);/),
    });
  });

  it("is left to a step that listens for it", async () => {
    const theirs = `process.once("SIGINT", () => { process.stderr.write("Stopped (Ctrl-C); nothing was written.\\n"); process.exit(130); });`;
    expect(await stopped("SIGINT", theirs)).toEqual({
      code: 130,
      signal: null,
      stderr: "Stopped (Ctrl-C); nothing was written.\n",
    });
  });
});
