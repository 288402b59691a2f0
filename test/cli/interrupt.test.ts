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
const CLI = fileURLToPath(new URL("../helpers/caplab-cli.ts", import.meta.url));
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

describe("a signal while the CLI loads", () => {
  // bin/caplab.js (here its twin for the sources, test/helpers/caplab-cli.ts) puts the listener in
  // before it imports the commands. A preload tells the test when a SIGINT listener goes in; the
  // signal goes then, while the rest of the CLI still loads (over a second from the sources).
  it("is said too: the listener goes in before the commands load", async () => {
    const preload = `data:text/javascript,${encodeURIComponent(
      `const on = process.on; process.on = function (event, listener) { const r = on.call(this, event, listener); if (event === "SIGINT") process.stderr.write("listening\\n"); return r; };`,
    )}`;
    const child = spawn(process.execPath, ["--import", preload, "--import", TSX, CLI, "--version"]);
    let stderr = "";
    let stdout = "";
    let sent = false;
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
      if (!sent && stderr.includes("listening\n")) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    const end = await new Promise<{ code: number | null; signal: string | null }>(
      (resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code, signal }));
      },
    );
    // Stopped before `--version` ran: nothing on stdout, the one line on stderr, ended by SIGINT.
    expect({ ...end, stdout, stderr }).toEqual({
      code: null,
      signal: "SIGINT",
      stdout: "",
      stderr:
        "listening\ncaplab: stopped (Ctrl-C); nothing was left half-written: caplab replaces each file it writes whole, or not at all.\n",
    });
  });

  it("puts in one listener per signal, however often sayWhenStopped is called", async () => {
    const script = `import { sayWhenStopped } from ${JSON.stringify(CONTEXT)};
sayWhenStopped();
sayWhenStopped();
process.stdout.write(JSON.stringify([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]));`;
    const child = spawn(process.execPath, ["--import", TSX, "--input-type=module", "-e", script]);
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    await new Promise((resolve) => child.on("close", resolve));
    expect(JSON.parse(stdout)).toEqual([1, 1]);
  });
});
