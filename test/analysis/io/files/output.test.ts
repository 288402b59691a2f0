/**
 * Output folders that never destroy (analysis/io/files/output.ts): refusals, --force backups, the swap,
 * recovery after a kill -9 at each step, interrupts, and a property over random folders.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Interrupted, UsageError } from "../../../../sim/vocab/errors.js";
import {
  OUTPUT_MARKER,
  backupPath,
  inspectOutput,
  prepareOutputFile,
  prepareOutputFiles,
  prepareOutputFolder,
  readOutputMarker,
  recoverOutput,
  writeFileAtomic,
} from "../../../../analysis/io/files/output.js";

const here = dirname(fileURLToPath(import.meta.url));

/** Every file under `dir` (hidden ones too) with its content; folders end with "/". */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const visit = async (rel: string) => {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        out[`${path}/`] = "";
        await visit(path);
      } else out[path] = e.isFile() ? await readFile(join(dir, path), "utf8") : "(link)";
    }
  };
  if (existsSync(dir)) await visit("");
  return out;
}

async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** Fills an output with `files` (each path: its content). */
function filler(files: Record<string, string>) {
  return async (dir: string) => writeTree(dir, files);
}

async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `caplab-out-${prefix}-`));
}

/** A caplab output written by the helper itself. */
async function caplabOutput(out: string, files: Record<string, string>): Promise<void> {
  await (await prepareOutputFolder(out, { command: "test" })).write(filler(files));
}

describe("output folders", () => {
  it("writes a new folder with a marker listing its files, and nothing beside it", async () => {
    const root = await tempDir("new");
    const out = join(root, "a", "out");
    const folder = await prepareOutputFolder(out, { command: "plan" });
    expect(folder.path).toBe(out);
    const value = await folder.write(async (dir) => {
      await writeTree(dir, { "x.json": "1", "snippets/y.sh": "2" });
      return 42;
    });
    expect(value).toBe(42);
    expect(await readdir(join(root, "a"))).toEqual(["out"]);
    const marker = await readOutputMarker(out);
    expect(marker).toMatchObject({ command: "plan", files: ["snippets/y.sh", "x.json"] });
    expect(await inspectOutput(out)).toEqual({
      kind: "caplab",
      files: [OUTPUT_MARKER, "snippets/y.sh", "x.json"],
    });
  });

  it("replaces its own earlier output whole: no old file stays, nothing is left beside it", async () => {
    const root = await tempDir("replace");
    const out = join(root, "out");
    await caplabOutput(out, { "old.json": "old", "sub/old.csv": "old" });
    await caplabOutput(out, { "new.json": "new" });
    expect(await snapshot(out)).toEqual({
      [OUTPUT_MARKER]: expect.any(String),
      "new.json": "new",
    });
    expect(await readdir(root)).toEqual(["out"]);
  });

  it("refuses an --out that is a file, even with --force, and leaves it as it was", async () => {
    const root = await tempDir("file");
    const file = join(root, "notes.txt");
    await writeFile(file, "mine");
    for (const force of [false, true]) {
      const error = await prepareOutputFolder(file, { command: "simulate", force }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toMatch(/notes\.txt is a file, not a folder/);
    }
    expect(await readFile(file, "utf8")).toBe("mine");
    await symlink(file, join(root, "link"));
    await expect(prepareOutputFolder(join(root, "link"), { command: "x" })).rejects.toThrow(
      /is a link to a file/,
    );
    await expect(prepareOutputFolder(join(file, "sub"), { command: "x" })).rejects.toThrow(
      /lies under .*notes\.txt, which is a file/,
    );
  });

  it("refuses a non-empty folder caplab did not write; --force keeps its files in a backup", async () => {
    const root = await tempDir("foreign");
    const out = join(root, "work");
    await writeTree(out, { "notes.md": "mine", "data/big.csv": "1,2" });
    const before = await snapshot(out);
    await expect(prepareOutputFolder(out, { command: "plan" })).rejects.toThrow(
      /work holds data\/big\.csv, which caplab did not write; .*--force/,
    );
    expect(await snapshot(out)).toEqual(before);

    const told: string[] = [];
    const folder = await prepareOutputFolder(out, {
      command: "plan",
      force: true,
      notify: (m) => told.push(m),
    });
    await folder.write(filler({ "recommendation.json": "{}" }));
    expect(await snapshot(out)).toEqual({
      [OUTPUT_MARKER]: expect.any(String),
      "recommendation.json": "{}",
    });
    const backups = (await readdir(root)).filter((n) => n.startsWith("work.caplab-backup-"));
    expect(backups).toHaveLength(1);
    expect(await snapshot(join(root, backups[0]!))).toEqual(before);
    expect(told.join("\n")).toContain(backups[0]);
  });

  it("a caplab folder the user added a file to is not caplab's any more", async () => {
    const root = await tempDir("added");
    const out = join(root, "out");
    await caplabOutput(out, { "report.md": "r" });
    await writeFile(join(out, "my-notes.txt"), "keep me");
    await expect(prepareOutputFolder(out, { command: "plan" })).rejects.toThrow(
      /holds my-notes\.txt/,
    );
    expect(await readFile(join(out, "my-notes.txt"), "utf8")).toBe("keep me");
  });

  it("takes a folder an older caplab wrote (no marker) by its layout, not a look-alike", async () => {
    const root = await tempDir("legacy");
    const plan = join(root, "plan");
    await writeTree(plan, {
      "recommendation.json": "{}",
      "candidates.csv": "id\n",
      "pareto.json": "[]",
      "plan-result.json": "{}",
      "report.html": "<html>",
      "report.md": "#",
      "snippets/aws-cli.sh": "aws",
    });
    expect((await inspectOutput(plan)).kind).toBe("caplab");
    const bundle = join(root, "bundle");
    await writeTree(bundle, {
      "manifest.json": JSON.stringify({ format: "caplab-trace-bundle/1" }),
      "series/requests.csv": "time,value\n",
      "gate.md": "#",
    });
    expect((await inspectOutput(bundle)).kind).toBe("caplab");
    // Same names, but no caplab signature (a summary.json of the user's), or a foreign manifest.
    const lookalike = join(root, "lookalike");
    await writeTree(lookalike, { "summary.json": "{}" });
    expect(await inspectOutput(lookalike)).toEqual({ kind: "foreign", entry: "summary.json" });
    const npm = join(root, "npm");
    await writeTree(npm, { "manifest.json": '{"name":"x"}' });
    expect((await inspectOutput(npm)).kind).toBe("foreign");
    await caplabOutput(plan, { "recommendation.json": "{}" });
    expect(await readdir(plan)).toEqual([OUTPUT_MARKER, "recommendation.json"]);
  });

  it("refuses, even with --force, the current folder, one above it, home, and a folder holding an input", async () => {
    const root = await tempDir("unsafe");
    await writeTree(root, { "plan.yaml": "trace: {}", "traces/t.csv": "t,c\n" });
    const cwd = process.cwd();
    process.chdir(root);
    try {
      for (const out of [".", "..", root])
        await expect(prepareOutputFolder(out, { command: "plan", force: true })).rejects.toThrow(
          /current folder.*--force does not change this/,
        );
    } finally {
      process.chdir(cwd);
    }
    await expect(
      prepareOutputFolder(join(root, "traces"), {
        command: "plan",
        force: true,
        inputs: [join(root, "traces", "t.csv")],
      }),
    ).rejects.toThrow(/traces holds .*t\.csv, which this command reads/);
    await expect(
      prepareOutputFolder(join(root, "traces"), {
        command: "import",
        force: true,
        inputs: [join(root, "traces")],
      }),
    ).rejects.toThrow(/traces is .*traces, which this command reads/);
    expect(Object.keys(await snapshot(root)).sort()).toEqual([
      "plan.yaml",
      "traces/",
      "traces/t.csv",
    ]);
  });

  it("an error in the fill leaves the old output and nothing beside it", async () => {
    const root = await tempDir("error");
    const out = join(root, "out");
    await caplabOutput(out, { "a.json": "old" });
    const before = await snapshot(out);
    const folder = await prepareOutputFolder(out, { command: "test" });
    await expect(
      folder.write(async (dir) => {
        await writeTree(dir, { "a.json": "half" });
        throw new Error("disk full");
      }),
    ).rejects.toThrow("disk full");
    expect(await snapshot(out)).toEqual(before);
    expect(await readdir(root)).toEqual(["out"]);
  });

  it("Ctrl-C during the fill stops with Interrupted (130) and the old output as it was", async () => {
    const root = await tempDir("sigint");
    const out = join(root, "out");
    await caplabOutput(out, { "a.json": "old" });
    const before = await snapshot(out);
    const folder = await prepareOutputFolder(out, { command: "test" });
    const error = await folder
      .write(async (dir) => {
        await writeTree(dir, { "a.json": "new" });
        process.emit("SIGINT", "SIGINT");
        await writeTree(dir, { "b.json": "new" });
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Interrupted);
    expect((error as Interrupted).exitCode).toBe(130);
    expect(await snapshot(out)).toEqual(before);
    expect(await readdir(root)).toEqual(["out"]);
    expect(process.listenerCount("SIGINT")).toBe(0);
    expect(process.listenerCount("SIGTERM")).toBe(0);
  });

  it('interrupt: "finish" lets the fill wind down and swaps its output in', async () => {
    const root = await tempDir("finish");
    const out = join(root, "out");
    const folder = await prepareOutputFolder(out, { command: "run" });
    await folder.write(
      async (dir, signal) => {
        process.emit("SIGTERM", "SIGTERM");
        await writeTree(dir, { "manifest.json": JSON.stringify({ interrupted: signal.aborted }) });
      },
      { interrupt: "finish" },
    );
    expect(JSON.parse(await readFile(join(out, "manifest.json"), "utf8"))).toEqual({
      interrupted: true,
    });
  });
});

/** Runs test/analysis/io/files/output-crash.ts in a child that kills itself (SIGKILL) after `step`. */
function crashAt(out: string, step: string): Promise<NodeJS.Signals | null> {
  return new Promise((done, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(here, "output-crash.ts"), out, step],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      signal === null ? reject(new Error(`exit ${code}: ${stderr}`)) : done(signal),
    );
  });
}

describe("backupPath", () => {
  it("names a backup by the second, then -2, -3, … when that name is taken (two --force in one second)", async () => {
    const root = await tempDir("backup-name");
    const path = join(root, "out");
    const now = new Date(Date.UTC(2026, 11, 4, 23, 30, 5, 678));
    const first = await backupPath(path, now);
    expect(first).toBe(`${path}.caplab-backup-20261204T233005Z`);
    await mkdir(first);
    expect(await backupPath(path, now)).toBe(`${first}-2`);
    // A file, a folder or a dangling link all take the name.
    await writeFile(`${first}-2`, "");
    await symlink(join(root, "nowhere"), `${first}-3`);
    expect(await backupPath(path, now)).toBe(`${first}-4`);
    // The next second starts again without a suffix.
    expect(await backupPath(path, new Date(now.getTime() + 1000))).toBe(
      `${path}.caplab-backup-20261204T233006Z`,
    );
  });
});

describe("a kill -9 between the steps of the swap", () => {
  const old = { "old.json": "old", "series/a.csv": "old", "series/b.csv": "old" };

  it("after the fill: the old output stays, the new one is removed at the next start", async () => {
    const root = await tempDir("kill-filled");
    const out = join(root, "out");
    await caplabOutput(out, old);
    const before = await snapshot(out);
    expect(await crashAt(out, "filled")).toBe("SIGKILL");
    expect((await readdir(root)).sort()).toEqual([
      expect.stringMatching(/^\.out\.caplab-new-\d+-[0-9a-f]{8}$/),
      "out",
    ]);
    await prepareOutputFolder(out, { command: "test" });
    expect(await readdir(root)).toEqual(["out"]);
    expect(await snapshot(out)).toEqual(before);
  });

  it("with the old output set aside and the new not in: the old one is put back", async () => {
    const root = await tempDir("kill-aside");
    const out = join(root, "out");
    await caplabOutput(out, old);
    const before = await snapshot(out);
    expect(await crashAt(out, "aside")).toBe("SIGKILL");
    const left = (await readdir(root)).sort();
    expect(left).not.toContain("out");
    expect(left).toEqual([
      expect.stringMatching(/^\.out\.caplab-new-\d+-[0-9a-f]{8}$/),
      expect.stringMatching(/^\.out\.caplab-old-\d+-[0-9a-f]{8}$/),
    ]);
    const told: string[] = [];
    await prepareOutputFolder(out, { command: "test", notify: (m) => told.push(m) });
    expect(await readdir(root)).toEqual(["out"]);
    expect(await snapshot(out)).toEqual(before);
    expect(told.join()).toMatch(/put back/);
  });

  it("with the new output in and the old not yet removed: the old one is removed", async () => {
    const root = await tempDir("kill-swapped");
    const out = join(root, "out");
    await caplabOutput(out, old);
    expect(await crashAt(out, "swapped")).toBe("SIGKILL");
    expect((await readdir(root)).sort()).toEqual([
      expect.stringMatching(/^\.out\.caplab-old-\d+-[0-9a-f]{8}$/),
      "out",
    ]);
    const after = await snapshot(out);
    expect(after["new.json"]).toBe("new");
    await recoverOutput(out);
    expect(await readdir(root)).toEqual(["out"]);
    expect(await snapshot(out)).toEqual(after);
  });

  it("an old folder left beside a forced output holds user files: it becomes a backup", async () => {
    const root = await tempDir("kill-forced");
    const out = join(root, "out");
    await caplabOutput(out, { "new.json": "new" });
    const aside = join(root, ".out.caplab-old-999999999-0badc0de");
    await writeTree(aside, { "thesis.tex": "mine" });
    await recoverOutput(out);
    const names = (await readdir(root)).sort();
    expect(names).toEqual(["out", expect.stringMatching(/^out\.caplab-backup-\d{8}T\d{6}Z$/)]);
    expect(await readFile(join(root, names[1]!, "thesis.tex"), "utf8")).toBe("mine");
  });

  it("leaves alone the temporary folders of a caplab that still runs, and removes 0.1.0's", async () => {
    const root = await tempDir("live");
    const out = join(root, "out");
    const live = join(root, `.out.caplab-new-${process.ppid}-0badc0de`);
    const legacy = join(root, ".out.tmp-0badc0de");
    await writeTree(live, { "x.json": "writing" });
    await writeTree(legacy, { "x.json": "stranded" });
    await prepareOutputFolder(out, { command: "test" });
    expect(existsSync(live)).toBe(true);
    expect(existsSync(legacy)).toBe(false);
  });
});

describe("files added to a folder (report, gate, backtest)", () => {
  it("refuses / and the home folder, even with --force, writing nothing there", async () => {
    const home = await tempDir("home");
    await writeTree(home, { ".bashrc": "x" });
    const was = process.env.HOME;
    process.env.HOME = home;
    try {
      for (const out of ["/", home])
        await expect(prepareOutputFiles(out, { command: "gate", force: true })).rejects.toThrow(
          /is (the root|your home) folder; give the files a folder of their own.*--force does not change this/,
        );
    } finally {
      process.env.HOME = was;
    }
    expect(await snapshot(home)).toEqual({ ".bashrc": "x" });
  });

  it("adds its files beside the user's, refuses to replace one caplab did not write, --force keeps it", async () => {
    const root = await tempDir("files");
    const dir = join(root, "ci");
    await writeTree(dir, { "build.log": "log", "gate.md": "my own gate notes" });
    const files = await prepareOutputFiles(dir, { command: "gate" });
    await expect(files.write(filler({ "gate.json": "{}", "gate.md": "# gate" }))).rejects.toThrow(
      /ci already holds gate\.md, which caplab did not write/,
    );
    expect(await snapshot(dir)).toEqual({ "build.log": "log", "gate.md": "my own gate notes" });

    const forced = await prepareOutputFiles(dir, { command: "gate", force: true });
    await forced.write(filler({ "gate.json": "{}", "gate.md": "# gate" }));
    const after = await snapshot(dir);
    expect(after["build.log"]).toBe("log");
    expect(after["gate.md"]).toBe("# gate");
    const backup = Object.keys(after).find((k) => k.startsWith("gate.md.caplab-backup-"));
    expect(after[backup!]).toBe("my own gate notes");
    expect((await readOutputMarker(dir))?.files).toEqual(["gate.json", "gate.md"]);
    // Now gate.md is caplab's: a second gate replaces it without --force.
    await (await prepareOutputFiles(dir, { command: "gate" })).write(filler({ "gate.md": "#2" }));
    expect(await readFile(join(dir, "gate.md"), "utf8")).toBe("#2");
  });

  it("puts back a bundle an interrupted run set aside before adding to it", async () => {
    const root = await tempDir("files-recover");
    const run = join(root, "run");
    await caplabOutput(run, { "manifest.json": "{}" });
    await rename(run, join(root, ".run.caplab-old-999999999-0badc0de"));
    await (await prepareOutputFiles(run, { command: "gate" })).write(filler({ "gate.md": "#" }));
    expect((await readdir(run)).sort()).toEqual([OUTPUT_MARKER, "gate.md", "manifest.json"]);
    expect(await readdir(root)).toEqual(["run"]);
  });

  it("adds to a run bundle's marker, so the bundle stays caplab's", async () => {
    const root = await tempDir("bundle-add");
    const run = join(root, "run");
    await caplabOutput(run, { "manifest.json": "{}", "k6.json.gz": "" });
    await (
      await prepareOutputFiles(run, { command: "report" })
    ).write(filler({ "report.html": "<html>" }));
    expect((await readOutputMarker(run))?.files).toEqual([
      "k6.json.gz",
      "manifest.json",
      "report.html",
    ]);
    expect((await inspectOutput(run)).kind).toBe("caplab");
  });
});

/** Runs test/analysis/io/files/output-add.ts: adds the file `name` to `dir` in a process of its own. */
function addInChild(dir: string, name: string): Promise<void> {
  return new Promise((done, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(here, "output-add.ts"), dir, name],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? done() : reject(new Error(`${name}: exit ${code}: ${stderr}`)),
    );
  });
}

/**
 * Runs test/analysis/io/files/output-lock.ts (child `id` of several, `rounds` rounds);
 * resolves with its exit code (3: it held `dir`'s lock while another process did).
 */
function lockInChild(
  dir: string,
  scratch: string,
  id: number,
  rounds: number,
): Promise<number | null> {
  return new Promise((done, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(here, "output-lock.ts"), dir, scratch, String(id), String(rounds)],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 || code === 3 ? done(code) : reject(new Error(stderr)),
    );
  });
}

describe("commands adding files to one folder at once (report and gate on one bundle)", () => {
  it("each lists its files in the marker, and none takes the other's for a stranger's", async () => {
    const root = await tempDir("files-race");
    const run = join(root, "run");
    await caplabOutput(run, { "manifest.json": "{}" });
    // Both read the marker before either writes it back: without a lock, the marker lost
    // report.html, and the next report refused it as a file caplab did not write.
    const [report, gate] = await Promise.all([
      prepareOutputFiles(run, { command: "report" }),
      prepareOutputFiles(run, { command: "gate" }),
    ]);
    await Promise.all([
      report.write(filler({ "report.html": "<html>" })),
      gate.write(filler({ "gate.json": "{}" })),
    ]);
    expect((await readOutputMarker(run))?.files).toEqual([
      "gate.json",
      "manifest.json",
      "report.html",
    ]);
    // Two gates on a fresh bundle: the second saw gate.json appear, unlisted, and refused it.
    const twice = await Promise.all([
      prepareOutputFiles(run, { command: "gate" }),
      prepareOutputFiles(run, { command: "gate" }),
    ]);
    await Promise.all(twice.map((g, i) => g.write(filler({ "gate.md": `#${i}` }))));
    await (
      await prepareOutputFiles(run, { command: "report" })
    ).write(filler({ "report.md": "#" }));
    expect((await inspectOutput(run)).kind).toBe("caplab");
    expect(await readdir(run)).not.toContain(".caplab-lock");
  });

  it("loses no file's listing when eight processes add to one folder together", async () => {
    const root = await tempDir("files-procs");
    const run = join(root, "run");
    await caplabOutput(run, { "manifest.json": "{}" });
    const names = Array.from({ length: 8 }, (_, i) => `added-${i}.json`);
    await Promise.all(names.map((n) => addInChild(run, n)));
    expect((await readOutputMarker(run))?.files).toEqual(["manifest.json", ...names].sort());
    for (const n of names) expect(await readFile(join(run, n), "utf8")).toBe(n);
  });

  it("lets one process at a time take over the lock of a dead one, however many find it at once", async () => {
    // Eight processes find the lock of a dead process together, round after round: before,
    // each removed it and took the lock, so one could remove another's fresh lock and both
    // held it.
    const root = await tempDir("files-takeover");
    const run = join(root, "run");
    const scratch = join(root, "scratch");
    await mkdir(scratch);
    await caplabOutput(run, { "manifest.json": "{}" });
    const n = 8;
    const rounds = 4;
    const children = Array.from({ length: n }, (_, id) => lockInChild(run, scratch, id, rounds));
    const all = async (prefix: string) => {
      for (;;) {
        const seen = (await readdir(scratch)).filter((f) => f.startsWith(prefix)).length;
        if (seen === n) return;
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    for (let round = 0; round < rounds; round++) {
      await writeFile(join(run, ".caplab-lock"), "999999999");
      await all(`ready-${round}-`);
      await writeFile(join(scratch, `go-${round}`), "");
      await all(`done-${round}-`);
      expect((await readdir(run)).filter((f) => f.startsWith(".caplab-lock"))).toEqual([]);
    }
    expect(await Promise.all(children)).toEqual(Array.from({ length: n }, () => 0));
  });

  it("takes over the lock of a process that died holding it (kill -9)", async () => {
    const root = await tempDir("files-stale");
    const run = join(root, "run");
    await caplabOutput(run, { "manifest.json": "{}" });
    await writeFile(join(run, ".caplab-lock"), "999999999");
    expect((await inspectOutput(run)).kind).toBe("caplab");
    await (await prepareOutputFiles(run, { command: "gate" })).write(filler({ "gate.md": "#" }));
    expect((await readdir(run)).sort()).toEqual([OUTPUT_MARKER, "gate.md", "manifest.json"]);
  });
});

describe("a marker, manifest or lock that is not a regular file", () => {
  it("is no marker: the folder is refused at once, never read (a FIFO waited forever, a link to /dev/zero read 600 MB)", async () => {
    const root = await tempDir("owner-files");
    const made: string[] = [];
    for (const name of [OUTPUT_MARKER, "manifest.json"]) {
      const fifo = join(root, `fifo-${name}`);
      await mkdir(fifo);
      try {
        execFileSync("mkfifo", [join(fifo, name)]);
      } catch {
        continue; // no mkfifo here
      }
      made.push(fifo);
      if (existsSync("/dev/zero")) {
        const zero = join(root, `zero-${name}`);
        await mkdir(zero);
        await symlink("/dev/zero", join(zero, name));
        made.push(zero);
      }
    }
    for (const dir of made) {
      expect(await readOutputMarker(dir)).toBeNull();
      expect((await inspectOutput(dir)).kind).toBe("foreign");
      await expect(prepareOutputFolder(dir, { command: "test" })).rejects.toThrow(
        /which caplab did not write/,
      );
    }
  });

  it("a lock left in a folder, even a FIFO, does not make it foreign", async () => {
    const root = await tempDir("lock-fifo");
    const run = join(root, "run");
    await caplabOutput(run, { "manifest.json": "{}" });
    try {
      execFileSync("mkfifo", [join(run, ".caplab-lock")]);
    } catch {
      return; // no mkfifo here
    }
    expect((await inspectOutput(run)).kind).toBe("caplab");
  });
});

describe("one output file (calibrate --out)", () => {
  const written = (head: string) => head.startsWith("# caplab calibrate ");

  it("replaces its own file, refuses another, --force keeps that as a backup", async () => {
    const root = await tempDir("file-out");
    const path = join(root, "model.yaml");
    await writeFile(path, "service: {}  # hand-tuned\n");
    await expect(prepareOutputFile(path, { command: "calibrate", written })).rejects.toThrow(
      /model\.yaml exists and caplab did not write it/,
    );
    expect(await readFile(path, "utf8")).toBe("service: {}  # hand-tuned\n");
    await (
      await prepareOutputFile(path, { command: "calibrate", written, force: true })
    ).write("# caplab calibrate b\n");
    const names = (await readdir(root)).sort();
    expect(names).toEqual(["model.yaml", expect.stringMatching(/^model\.yaml\.caplab-backup-/)]);
    expect(await readFile(join(root, names[1]!), "utf8")).toBe("service: {}  # hand-tuned\n");
    await (
      await prepareOutputFile(path, { command: "calibrate", written })
    ).write("# caplab calibrate c\n");
    expect(await readFile(path, "utf8")).toBe("# caplab calibrate c\n");
    await expect(prepareOutputFile(root, { command: "calibrate", written })).rejects.toThrow(
      /is a folder; give a file name/,
    );
  });

  it("names its temporary file after the output, and leaves none", async () => {
    const root = await tempDir("atomic");
    await writeFileAtomic(join(root, "a.json"), "{}");
    expect(await readdir(root)).toEqual(["a.json"]);
  });
});

describe("any folder that was there before", () => {
  /** File names that are never caplab's, and names caplab writes. */
  const userName = fc.constantFrom(
    "notes.md",
    "thesis.tex",
    "data/raw.bin",
    "plan.yaml",
    "a/b/c.txt",
  );
  const caplabName = fc.constantFrom(
    "recommendation.json",
    "candidates.csv",
    "report.html",
    "snippets/aws-cli.sh",
    "series/requests.csv",
  );
  const tree = fc.record({
    user: fc.uniqueArray(userName, { maxLength: 3 }),
    caplab: fc.uniqueArray(caplabName, { maxLength: 4 }),
    marker: fc.boolean(),
    force: fc.boolean(),
  });

  it("is either refused and unchanged, or replaced by a whole new output with every user file kept", async () => {
    const root = await tempDir("property");
    let n = 0;
    await fc.assert(
      fc.asyncProperty(tree, async ({ user, caplab, marker, force }) => {
        const base = join(root, String(n++));
        const out = join(base, "out");
        const files: Record<string, string> = {};
        for (const f of [...user, ...caplab]) files[f] = `content of ${f}`;
        await mkdir(out, { recursive: true });
        await writeTree(out, files);
        if (marker)
          await writeFile(
            join(out, OUTPUT_MARKER),
            JSON.stringify({ format: "caplab-output/1", command: "plan", files: caplab }),
          );
        const before = await snapshot(out);
        const fresh = { "recommendation.json": "new", "snippets/terraform.tf": "new" };
        let refused = false;
        try {
          await (await prepareOutputFolder(out, { command: "plan", force })).write(filler(fresh));
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          refused = true;
        }
        // Provably caplab's: a marker lists every file, or an older caplab's signature is there.
        const caplabs =
          user.length === 0 &&
          (marker || caplab.length === 0 || caplab.includes("recommendation.json"));
        expect(refused).toBe(!caplabs && !force);
        if (refused) {
          expect(await snapshot(out)).toEqual(before);
          expect(await readdir(base)).toEqual(["out"]);
          return;
        }
        const now = await snapshot(out);
        expect(now).toEqual({
          [OUTPUT_MARKER]: expect.any(String),
          "recommendation.json": "new",
          "snippets/": "",
          "snippets/terraform.tf": "new",
        });
        // Every user file is still somewhere beside it, with its content.
        const kept: Record<string, string> = {};
        for (const name of await readdir(base))
          if (name !== "out") Object.assign(kept, await snapshot(join(base, name)));
        for (const f of user) expect(kept[f]).toBe(`content of ${f}`);
        if (caplabs) expect(await readdir(base)).toEqual(["out"]);
      }),
      { numRuns: 60 },
    );
  });
});
