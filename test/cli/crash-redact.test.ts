/**
 * kill -9 while `caplab import --format k6` rewrites the bundle's k6.json.gz without its URL
 * credentials: --out keeps the old bundle, whole, and the next import cleans up and writes.
 * A real child process, real files, a real SIGKILL.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { captureIo } from "../helpers/io.js";

const CLI = fileURLToPath(new URL("../helpers/caplab-cli.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** k6 output of `n` requests, every URL with `?token=SECRET…` (Go writes & as \u0026). */
function k6Output(n: number, secret: string): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = new Date(Date.UTC(2026, 10, 1) + i * 10).toISOString();
    const tags = `{"method":"GET","status":"200","url":"https://api.example.com/x?page=${i}\\u0026token=${secret}"}`;
    lines.push(
      `{"type":"Point","data":{"time":"${t}","value":1,"tags":${tags}},"metric":"http_reqs"}`,
      `{"type":"Point","data":{"time":"${t}","value":${100 + (i % 50)},"tags":${tags}},"metric":"http_req_duration"}`,
    );
  }
  return gzipSync(`${lines.join("\n")}\n`, { level: 1 });
}

async function importK6(source: string, out: string) {
  const io = captureIo();
  const code = await main(["import", "--format", "k6", "--no-record", "--out", out, source], io);
  return { code, stderr: io.stderr() };
}

describe("kill -9 during the redaction of a bundle's k6 output", () => {
  it("leaves the old bundle whole; the next import removes the leftovers and writes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-crash-redact-"));
    const out = join(dir, "bundle");
    // The old bundle: a small run.
    await writeFile(join(dir, "old.json.gz"), k6Output(100, "OLDSECRET"));
    expect((await importK6(join(dir, "old.json.gz"), out)).code).toBe(0);
    const oldK6 = await readFile(join(out, "k6.json.gz"));
    const oldFiles = (await readdir(out, { recursive: true })).sort();

    // The new run is large enough for the rewrite to be caught mid-way.
    await writeFile(join(dir, "new.json.gz"), k6Output(60_000, "NEWSECRET"));
    const child = spawn(
      process.execPath,
      [
        "--import",
        TSX,
        CLI,
        "import",
        "--format",
        "k6",
        "--no-record",
        "--out",
        out,
        join(dir, "new.json.gz"),
      ],
      { cwd: dir, stdio: "ignore" },
    );
    const exited = new Promise<NodeJS.Signals | null>((done) =>
      child.on("close", (_code, signal) => done(signal)),
    );
    // Wait for the redaction's temporary file inside the new bundle being filled, then kill.
    let caught = false;
    for (let i = 0; i < 6000 && !caught; i++) {
      await new Promise((r) => setTimeout(r, 5));
      for (const entry of await readdir(dir)) {
        if (!entry.startsWith(".bundle.caplab-new-")) continue;
        const inside = await readdir(join(dir, entry)).catch(() => [] as string[]);
        if (inside.some((f) => f.startsWith(".k6.json.gz.caplab-tmp-"))) caught = true;
      }
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(caught).toBe(true);

    // The old bundle, as it was; the new one's temporary folder left beside it.
    expect((await readdir(out, { recursive: true })).sort()).toEqual(oldFiles);
    expect(await readFile(join(out, "k6.json.gz"))).toEqual(oldK6);
    expect((await readdir(dir)).some((e) => e.startsWith(".bundle.caplab-new-"))).toBe(true);

    // The next import cleans up after the dead process and writes a redacted bundle.
    const again = await importK6(join(dir, "new.json.gz"), out);
    expect(again.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(["bundle", "new.json.gz", "old.json.gz"]);
    const k6 = gunzipSync(await readFile(join(out, "k6.json.gz"))).toString("utf8");
    expect(k6).not.toContain("NEWSECRET");
    expect(k6.split("\n")).toHaveLength(120_001);
    expect((await readdir(out)).some((f) => f.includes("caplab-tmp"))).toBe(false);
  }, 120_000);
});
