/**
 * Writing outputs so that nothing is ever half-written and nothing of the user's is lost.
 *
 *   prepareOutputFolder(--out)          at the start of simulate, plan, import, collect, run,
 *                                       history export: recover an interrupted swap, then refuse
 *                                       a file, the current folder (or one above it), the home
 *                                       folder, a folder holding the command's inputs, or
 *                                       (without --force) a folder caplab did not write
 *     ─▶ .write(fill)                   fill `.NAME.caplab-new-PID-HEX` beside --out, list its
 *                                       files in `.caplab-output.json`, then swap:
 *                                       NAME ─▶ `.NAME.caplab-old-PID-HEX`, new ─▶ NAME, and the
 *                                       old one is removed when caplab wrote all of it, else kept
 *                                       as `NAME.caplab-backup-TIME`
 *   prepareOutputFiles(DIR)             report, gate, backtest: files added to a folder (a
 *     ─▶ .write(fill)                   bundle): staged in `DIR/.caplab-new-PID-HEX`, then each
 *                                       renamed into place; a file of the same name caplab did
 *                                       not write is refused, or with --force kept as a backup
 *   prepareOutputFile(FILE)             calibrate --out: one file, the same rules
 *
 * Renames are atomic within a file system (rename(2): "newpath must either not exist, or it
 * must specify an empty directory", https://man7.org/linux/man-pages/man2/rename.2.html), but
 * a folder cannot replace a non-empty one in one call (Node has no renameat2 RENAME_EXCHANGE),
 * hence the three steps and the recovery: at the next start of a command writing that --out,
 * an old folder set aside with no new one in place is put back, one left beside a new output
 * is disposed of as above, and temporary folders of processes that are gone are removed. The
 * process id in every temporary name keeps a second caplab from touching a live one's.
 *
 * SIGINT and SIGTERM are caught from the start of the fill until the swap is done: the first
 * stops the command with `Interrupted` (exit 130 or 143) and the output as it was; a second
 * one is not caught (the default: exit at once; the next start cleans up).
 */
import { randomBytes } from "node:crypto";
import {
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  writeFile,
} from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { DEPLOYMENT_COLUMNS, TIMELINE_COLUMNS, type Timeline } from "../../../sim/vocab/index.js";
import { Interrupted, UsageError } from "../../../sim/vocab/errors.js";
import { caplabVersion } from "../../../sim/io/package-root.js";

/** The file that marks a folder as caplab's output and lists the files caplab wrote in it. */
export const OUTPUT_MARKER = ".caplab-output.json";

/** `format` of the marker. */
export const OUTPUT_MARKER_FORMAT = "caplab-output/1" as const;

/** What `.caplab-output.json` holds. */
export interface OutputMarker {
  readonly format: typeof OUTPUT_MARKER_FORMAT;
  /** The command that wrote the folder, e.g. "plan". */
  readonly command: string;
  readonly caplabVersion: string;
  readonly createdAt: string;
  /** Every file caplab wrote in the folder, relative, `/`-separated, sorted. */
  readonly files: readonly string[];
}

/** The steps of a swap, for tests that stop the process between two of them. */
export type SwapStep = "filled" | "aside" | "swapped";

export interface OutputOptions {
  /** The command writing, recorded in the marker ("plan", "import", …). */
  readonly command: string;
  /** The flag the path came from, for messages. @default "--out" */
  readonly flag?: string;
  /** Write even where caplab did not write what is there (it is kept as a backup). */
  readonly force?: boolean;
  /**
   * Files and folders the command reads (config, trace, logs, history): the output folder may
   * not be one of them or hold one, even with --force.
   */
  readonly inputs?: readonly string[];
  /** Told when something was moved to a backup or recovered. */
  readonly notify?: (message: string) => void;
  /** Tests: called after each step of the swap (a test process kills itself there). */
  readonly onStep?: (step: SwapStep) => void | Promise<void>;
}

/** What a fill does on the first SIGINT or SIGTERM. */
export type InterruptMode =
  /** The output is discarded and the command stops with `Interrupted`. @default */
  | "discard"
  /** The fill sees the abort signal, winds down and returns a whole output, which is swapped in. */
  | "finish";

export interface OutputFolder {
  /** The absolute path of the output folder. */
  readonly path: string;
  /**
   * Fills a fresh temporary folder and swaps it in place of `path`. On an error (or, by
   * default, an interrupt) the temporary folder is removed and `path` is left as it was.
   */
  write<T>(
    fill: (dir: string, signal: AbortSignal) => Promise<T>,
    options?: { readonly interrupt?: InterruptMode },
  ): Promise<T>;
}

/** Temporary folders of this process that are in use (never cleaned as leftovers). */
const active = new Set<string>();

/** `.NAME.caplab-new-PID-HEX`, `.NAME.caplab-old-…`, `.NAME.caplab-tmp-…`, `.caplab-new-…`. */
const TEMP_NAME = /^\.(?:(.+)\.)?caplab-(new|old|tmp)-(\d+)-[0-9a-f]{8}$/;

/** A temporary name of this process beside `path`: `.NAME.caplab-KIND-PID-HEX`. */
function tempBeside(path: string, kind: "new" | "old" | "tmp"): string {
  return join(
    dirname(path),
    `.${basename(path)}.caplab-${kind}-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
}

/** Whether a process with this id runs (EPERM: it does, as another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether `path` (named like a caplab temporary) is a leftover: not in use by a live process. */
function isLeftover(path: string): boolean {
  const m = TEMP_NAME.exec(basename(path));
  if (m === null || active.has(path)) return false;
  const pid = Number(m[3]);
  return pid === process.pid || !processAlive(pid);
}

function isTempName(name: string): boolean {
  return TEMP_NAME.test(name) || name === FILES_LOCK || LOCK_TAKEOVER.test(name);
}

async function lstatOrNull(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Whose files are these?

/** The largest marker or manifest read to tell whose a folder is, in bytes. @default 64 MiB */
const MAX_OWNER_FILE_BYTES = 64 * 1024 * 1024;

/**
 * The text of `path` when it is a regular file (not a link, FIFO or device) of at most
 * {@link MAX_OWNER_FILE_BYTES}; else null. caplab writes its markers and manifests as such
 * files, so anything else is not one of them, and reading it could block on a FIFO forever
 * or read a link to /dev/zero without end.
 */
async function readOwnerFile(path: string): Promise<string | null> {
  const st = await lstatOrNull(path);
  if (st === null || !st.isFile() || st.size > MAX_OWNER_FILE_BYTES) return null;
  return readFile(path, "utf8");
}

/** The first `bytes` bytes of the regular file `path`. */
async function readHead(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(bytes), 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The marker of `dir`, or null when it has none (or one caplab cannot read). */
export async function readOutputMarker(dir: string): Promise<OutputMarker | null> {
  try {
    const text = await readOwnerFile(join(dir, OUTPUT_MARKER));
    if (text === null) return null;
    const json = JSON.parse(text) as Partial<Record<keyof OutputMarker, unknown>>;
    if (
      json.format !== OUTPUT_MARKER_FORMAT ||
      !Array.isArray(json.files) ||
      !json.files.every((f) => typeof f === "string")
    )
      return null;
    return json as unknown as OutputMarker;
  } catch {
    return null;
  }
}

/**
 * Files caplab wrote before it marked its folders (0.1.0): a folder without a marker counts as
 * caplab's when one of LEGACY_SIGNATURES is there and every file matches one of these.
 */
const LEGACY_FILES: readonly RegExp[] = [
  // plan
  /^(recommendation|pareto|plan-result)\.json$/,
  /^candidates\.csv$/,
  /^snippets\/(cloudformation\.yaml|terraform\.tf|aws-cli\.sh)$/,
  // simulate
  /^(timeline\.csv|events\.json|summary\.json)$/,
  // trace bundles (import, collect; a run's server/)
  /^(server\/)?(manifest|service|scaling)\.json$/,
  /^(server\/)?series\/[^/]+\.csv$/,
  // run bundles
  /^(plan|caplab-summary|thresholds)\.json$/,
  /^k6\.json\.gz$/,
  /^testrun\.yaml$/,
  /^segments\/\d+\/[^/]+$/,
  // what report, gate and backtest add to a bundle or plan folder
  /^(server\/)?report\.(html|md|json)$/,
  /^(server\/)?(plan|run)-[A-Za-z0-9_-]+\.png$/,
  /^(server\/)?(gate\.(json|md)|gate-junit\.xml|backtest\.json)$/,
  // history export --parquet
  /^(runs|run_seconds|run_latency_sample|gates|plans)\.parquet$/,
];

/** Files that only caplab's outputs have (manifest.json: with a caplab format). */
const LEGACY_SIGNATURES = ["recommendation.json", "timeline.csv", "runs.parquet"] as const;

async function hasCaplabManifest(dir: string): Promise<boolean> {
  try {
    const text = await readOwnerFile(join(dir, "manifest.json"));
    if (text === null) return false;
    const format = (JSON.parse(text) as { format?: unknown }).format;
    return typeof format === "string" && /^caplab-(trace|run)-bundle\/\d+$/.test(format);
  } catch {
    return false;
  }
}

/** Every regular file under `root`, relative and `/`-separated, sorted; temporaries skipped. */
async function listFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (isTempName(entry.name)) continue;
      if (entry.isDirectory()) await visit(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  await visit("");
  return files.sort();
}

/** What is at an output path, and whether caplab wrote all of it. */
export type FolderState =
  | { readonly kind: "missing" }
  | { readonly kind: "not-a-folder" }
  /** No files (empty folders at most). */
  | { readonly kind: "empty" }
  /** Every file is caplab's: listed in a marker, or (no marker) an older caplab's layout. */
  | { readonly kind: "caplab"; readonly files: readonly string[] }
  /** `entry` (the first found, in name order) is not caplab's. */
  | { readonly kind: "foreign"; readonly entry: string };

/**
 * Whose files are in `dir`. A file is caplab's when the marker of `dir` (or of a sub-folder,
 * such as a run's `server/` collected later) lists it, or, in a folder without a marker that
 * has an older caplab's signature file, when its name is one that caplab wrote. Links, sockets
 * and the like are never caplab's, and links are not followed. The walk stops at the first
 * file that is not caplab's.
 */
export async function inspectOutput(dir: string): Promise<FolderState> {
  const st = await lstatOrNull(dir);
  if (st === null) return { kind: "missing" };
  if (!st.isDirectory()) return { kind: "not-a-folder" };
  const marker = await readOutputMarker(dir);
  const top = await readdir(dir);
  const legacy =
    marker === null &&
    (LEGACY_SIGNATURES.some((name) => top.includes(name)) ||
      (top.includes("manifest.json") && (await hasCaplabManifest(dir))));
  const owned = new Set([OUTPUT_MARKER, ...(marker?.files ?? [])]);
  const files: string[] = [];
  const visit = async (rel: string): Promise<string | null> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (isTempName(entry.name)) continue;
      if (entry.isDirectory()) {
        // A sub-folder with a marker of its own speaks for itself.
        const inner = await readOutputMarker(join(dir, path));
        if (inner !== null)
          for (const f of [OUTPUT_MARKER, ...inner.files]) owned.add(`${path}/${f}`);
        const found = await visit(path);
        if (found !== null) return found;
      } else if (
        entry.isFile() &&
        (owned.has(path) || (legacy && LEGACY_FILES.some((p) => p.test(path))))
      ) {
        files.push(path);
      } else {
        return path;
      }
    }
    return null;
  };
  const foreign = await visit("");
  if (foreign !== null) return { kind: "foreign", entry: foreign };
  return files.length === 0 ? { kind: "empty" } : { kind: "caplab", files: files.sort() };
}

// ---------------------------------------------------------------------------------------------
// Where an output may not go

/** Whether `inner` is `outer` or lies inside it. */
function within(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

async function realOrResolved(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Refuses, even with --force, an output folder that is `/`, the home folder, the current
 * folder or one above it, or that is or holds one of the command's inputs.
 */
async function refuseUnsafePlace(
  abs: string,
  shown: string,
  flag: string,
  inputs: readonly string[],
): Promise<void> {
  const cwd = await realOrResolved(process.cwd());
  const never = (what: string) =>
    new UsageError(
      `${flag} ${shown} is ${what}; give the outputs a folder of their own, such as caplab-out/NAME (--force does not change this).`,
      "unsafe-output",
    );
  if (dirname(abs) === abs) throw never("the root folder");
  if (abs === (await realOrResolved(homedir()))) throw never("your home folder");
  if (within(cwd, abs))
    throw never(abs === cwd ? "the current folder" : "a folder that holds the current folder");
  for (const input of inputs) {
    const real = await realOrResolved(input);
    if (within(real, abs))
      throw new UsageError(
        `${flag} ${shown} ${real === abs ? "is" : "holds"} ${input}, which this command reads; give the outputs another folder (--force does not change this).`,
        "unsafe-output",
      );
  }
}

/** `--out X` → where to write: X itself, or where X links to when it is a link to a folder. */
async function outputPath(path: string, flag: string): Promise<string> {
  const abs = resolve(path);
  const st = await lstatOrNull(abs);
  if (st?.isSymbolicLink()) {
    const target = await stat(abs).catch(() => null);
    if (target?.isDirectory()) return realpath(abs);
    throw new UsageError(
      `${flag} ${path} is a link to ${target === null ? "nothing" : "a file"}; give the path of a folder.`,
      "unsafe-output",
    );
  }
  if (st === null)
    for (let up = dirname(abs); ; up = dirname(up)) {
      const above = await stat(up).catch(() => null);
      if (above?.isDirectory()) break;
      if (above !== null)
        throw new UsageError(
          `${flag} ${path} lies under ${up}, which is a file; give a path inside a folder.`,
          "unsafe-output",
        );
      if (dirname(up) === up) break;
    }
  return abs;
}

// ---------------------------------------------------------------------------------------------
// Backups and leftovers

/** `PATH.caplab-backup-20261201T120000Z` (then `-2`, `-3`, … when taken). */
export async function backupPath(path: string, now: Date = new Date()): Promise<string> {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  for (let i = 1; ; i++) {
    const candidate = `${path}.caplab-backup-${stamp}${i === 1 ? "" : `-${i}`}`;
    if ((await lstatOrNull(candidate)) === null) return candidate;
  }
}

/**
 * An old output set aside by a swap: removed when caplab wrote all of it, else (it was
 * replaced with --force) renamed to `PATH.caplab-backup-TIME`, which `notify` is told.
 */
async function disposeOfOld(
  path: string,
  old: string,
  notify: (message: string) => void,
): Promise<void> {
  const state = await inspectOutput(old);
  if (state.kind === "foreign") {
    const backup = await backupPath(path);
    await rename(old, backup);
    notify(`what was in ${path} before (caplab did not write ${state.entry}) is now in ${backup}.`);
  } else {
    await rm(old, { recursive: true, force: true });
  }
}

/**
 * Cleans up after interrupted writes of `path`: temporary folders and files of processes that
 * are gone are removed (and the `.NAME.tmp-XXXXXXXX` folders caplab 0.1.0 left); an old output
 * set aside with nothing in its place is put back; one left beside a new output is disposed of.
 */
export async function recoverOutput(
  path: string,
  notify: (message: string) => void = () => {},
): Promise<void> {
  const parent = dirname(path);
  const name = basename(path);
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch {
    return;
  }
  const olds: string[] = [];
  for (const entry of entries.sort()) {
    const full = join(parent, entry);
    const m = TEMP_NAME.exec(entry);
    if (m !== null && m[1] === name && isLeftover(full)) {
      if (m[2] === "old") olds.push(full);
      else await rm(full, { recursive: true, force: true });
    } else if (
      entry.startsWith(`.${name}.tmp-`) &&
      /^[0-9a-f]{8}$/.test(entry.slice(name.length + 6))
    ) {
      await rm(full, { recursive: true, force: true });
    }
  }
  for (const old of olds) {
    if ((await lstatOrNull(path)) === null) {
      await rename(old, path);
      notify(`${path} was put back as it was before an interrupted write.`);
    } else {
      await disposeOfOld(path, old, notify);
    }
  }
}

/** Removes leftover temporaries inside `dir` (staging folders, temporary files). */
function removeLeftoversIn(dir: string): Promise<void> {
  return removeEntriesIn(dir, (entry) => isTempName(entry) && isLeftover(join(dir, entry)));
}

/** Removes the entries of `dir` that `match` names (folders with all they hold); none when `dir` cannot be read. */
export async function removeEntriesIn(
  dir: string,
  match: (entry: string) => boolean,
): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  for (const entry of entries)
    if (match(entry)) await rm(join(dir, entry), { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Signals

/**
 * Runs `body` with SIGINT and SIGTERM caught: the first aborts the signal `body` gets (its
 * reason: the `Interrupted` error to stop with); the listeners then go, so a second signal
 * exits as usual.
 */
async function withInterrupts<T>(
  path: string,
  body: (signal: AbortSignal, caught: () => "SIGINT" | "SIGTERM" | null) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let caught: "SIGINT" | "SIGTERM" | null = null;
  const onSignal = (signal: "SIGINT" | "SIGTERM") => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    caught = signal;
    controller.abort(interrupted(signal, path));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await body(controller.signal, () => caught);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function interrupted(signal: "SIGINT" | "SIGTERM", path: string): Interrupted {
  return new Interrupted(
    signal,
    `stopped (${signal === "SIGINT" ? "Ctrl-C" : "SIGTERM"}); ${path} was left as it was.`,
  );
}

// ---------------------------------------------------------------------------------------------
// Output folders

/** Writes the marker listing every file in `dir`. */
async function markFolder(dir: string, command: string, files?: readonly string[]): Promise<void> {
  const listed = files ?? (await listFiles(dir)).filter((f) => f !== OUTPUT_MARKER);
  const marker: OutputMarker = {
    format: OUTPUT_MARKER_FORMAT,
    command,
    caplabVersion: caplabVersion(),
    createdAt: new Date().toISOString(),
    files: [...new Set(listed)].sort(),
  };
  await writeJsonAtomic(join(dir, OUTPUT_MARKER), marker);
}

/**
 * Checks an output folder at the start of a command (before any slow work) and recovers an
 * interrupted write of it; `write` then fills and swaps it in.
 *
 * @throws UsageError when the path is a file, a link to one, the root, home or current folder
 *   (or one above it), or is or holds one of `options.inputs`; or, without `force`, a folder
 *   with a file caplab did not write.
 */
export async function prepareOutputFolder(
  path: string,
  options: OutputOptions,
): Promise<OutputFolder> {
  const flag = options.flag ?? "--out";
  const notify = options.notify ?? (() => {});
  const abs = await outputPath(path, flag);
  await refuseUnsafePlace(abs, path, flag, options.inputs ?? []);
  await recoverOutput(abs, notify);
  const state = await inspectOutput(abs);
  if (state.kind === "not-a-folder")
    throw new UsageError(
      `${flag} ${path} is a file, not a folder; give the path of a new or empty folder (caplab writes several files there).`,
      "unsafe-output",
    );
  if (state.kind === "foreign" && !options.force)
    throw new UsageError(
      `${flag} ${path} holds ${state.entry}, which caplab did not write; give a new or empty folder, or pass --force to move what is there to ${basename(abs)}.caplab-backup-TIME and write anyway.`,
      "unsafe-output",
    );
  return {
    path: abs,
    write: (fill, writeOptions = {}) =>
      writeFolder(abs, options, notify, fill, writeOptions.interrupt ?? "discard"),
  };
}

async function writeFolder<T>(
  path: string,
  options: OutputOptions,
  notify: (message: string) => void,
  fill: (dir: string, signal: AbortSignal) => Promise<T>,
  mode: InterruptMode,
): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempBeside(path, "new");
  active.add(tmp);
  try {
    await mkdir(tmp);
    return await withInterrupts(path, async (signal, caught) => {
      let value: T;
      try {
        value = await fill(tmp, signal);
      } catch (error) {
        const by = caught();
        if (by !== null && mode === "discard") throw interrupted(by, path);
        throw error;
      }
      const by = caught();
      if (by !== null && mode === "discard") throw interrupted(by, path);
      await markFolder(tmp, options.command);
      await options.onStep?.("filled");
      await swapIn(path, tmp, notify, options.onStep);
      return value;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
    active.delete(tmp);
  }
}

/** `path` ─▶ aside, `tmp` ─▶ `path`, the old one disposed of; put back when the second step fails. */
async function swapIn(
  path: string,
  tmp: string,
  notify: (message: string) => void,
  onStep: OutputOptions["onStep"],
): Promise<void> {
  const old = (await lstatOrNull(path)) === null ? null : tempBeside(path, "old");
  if (old !== null) {
    active.add(old);
    await rename(path, old);
  }
  try {
    await onStep?.("aside");
    try {
      await rename(tmp, path);
    } catch (error) {
      if (old !== null) await rename(old, path);
      throw error;
    }
    await onStep?.("swapped");
    if (old !== null) await disposeOfOld(path, old, notify);
  } finally {
    if (old !== null) active.delete(old);
  }
}

// ---------------------------------------------------------------------------------------------
// Files added to a folder (report, gate, backtest)

export interface OutputFiles {
  /** The absolute path of the folder. */
  readonly path: string;
  /**
   * Fills a staging folder inside `path`, then renames each file into place (each one whole;
   * the set is not one atomic step) and lists them in the folder's marker.
   */
  write<T>(fill: (dir: string, signal: AbortSignal) => Promise<T>): Promise<T>;
}

/**
 * A folder that files are added to: the folder itself is never replaced, and a file of the
 * same name is replaced only when caplab wrote it (else refused, or with --force kept as
 * `NAME.caplab-backup-TIME`).
 *
 * @throws UsageError when the path is a file or a link to one, the root folder or the home folder.
 */
export async function prepareOutputFiles(
  path: string,
  options: Omit<OutputOptions, "inputs" | "onStep">,
): Promise<OutputFiles> {
  const flag = options.flag ?? "--out";
  const abs = await outputPath(path, flag);
  const st = await lstatOrNull(abs);
  if (st !== null && !st.isDirectory())
    throw new UsageError(
      `${flag} ${path} is a file, not a folder; give the folder the files go in.`,
      "unsafe-output",
    );
  // Files are only added (the current folder, a CI workspace, is fine), but never to / or home.
  const place =
    dirname(abs) === abs
      ? "the root folder"
      : abs === (await realOrResolved(homedir()))
        ? "your home folder"
        : null;
  if (place !== null)
    throw new UsageError(
      `${flag} ${path} is ${place}; give the files a folder of their own, such as caplab-out/NAME (--force does not change this).`,
      "unsafe-output",
    );
  await recoverOutput(abs, options.notify);
  await removeLeftoversIn(abs);
  return {
    path: abs,
    write: (fill) => addFiles(abs, path, options, fill),
  };
}

/**
 * The lock that commands adding files to one folder take turns on (`report`, `gate` and
 * `backtest` on one bundle, two CI jobs gating one run): created with O_EXCL, holding the
 * holder's process id. Without it two of them read the folder's marker at once, each writes
 * it back with only its own new files, and the next run refuses the other's files as "not
 * written by caplab"; or one takes the other's fresh file for one caplab did not write.
 */
const FILES_LOCK = ".caplab-lock";
/** The marker of a takeover of a dead process's lock ({@link takeOverStaleLock}). */
const LOCK_TAKEOVER = /^\.caplab-lock\.takeover-\d+$/;

/** How long a command waits for another one's {@link FILES_LOCK}, in ms. @default 60000 */
export const FILES_LOCK_TIMEOUT_MS = 60_000;

/** Locks of this process that are held (so one left by a dead process of the same id is told apart). */
const heldLocks = new Set<string>();

/**
 * Removes `lock`, left by the dead process `holder`, when this process is the one that takes
 * it over. Several processes may find it at once; removing it each would let one remove the
 * fresh lock another just took, and both hold it. So a takeover is itself exclusive: only the
 * process that creates `LOCK.takeover-HOLDER` with O_EXCL may remove the lock, and only after
 * reading it again and finding `holder` still in it (a lock with a dead holder changes only by
 * such a takeover). The others go back to waiting for the lock. A takeover marker whose own
 * process died (kill -9 within those milliseconds) is removed by the next one to find it.
 */
async function takeOverStaleLock(lock: string, holder: number): Promise<void> {
  const marker = `${lock}.takeover-${holder}`;
  let handle;
  try {
    handle = await open(marker, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const by = Number(((await readOwnerFile(marker).catch(() => null)) ?? "").trim());
    if (Number.isInteger(by) && by > 0 && by !== process.pid && !processAlive(by))
      await rm(marker, { force: true });
    return;
  }
  try {
    try {
      await handle.writeFile(String(process.pid));
    } finally {
      await handle.close();
    }
    const now = Number(((await readOwnerFile(lock).catch(() => null)) ?? "").trim());
    if (now === holder) await rm(lock, { force: true });
  } finally {
    await rm(marker, { force: true });
  }
}

/**
 * Runs `body` holding `dir`'s {@link FILES_LOCK}. The lock is held for renames and the
 * marker only (milliseconds), so a busy lock is tried again after 5 ms, doubling to 200 ms,
 * each wait a random time in its upper half. A lock whose process no longer runs (kill -9
 * while holding it) is taken over, by one process at a time ({@link takeOverStaleLock}).
 * Exported for the tests' child processes.
 *
 * @throws UsageError when another live process has held it for {@link FILES_LOCK_TIMEOUT_MS}.
 */
export async function withFolderLock<T>(
  dir: string,
  shown: string,
  body: () => Promise<T>,
): Promise<T> {
  const lock = join(dir, FILES_LOCK);
  const deadline = Date.now() + FILES_LOCK_TIMEOUT_MS;
  for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
    try {
      const handle = await open(lock, "wx");
      heldLocks.add(lock);
      try {
        await handle.writeFile(String(process.pid));
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number(((await readOwnerFile(lock).catch(() => null)) ?? "").trim());
    const stale =
      Number.isInteger(holder) &&
      holder > 0 &&
      (holder === process.pid ? !heldLocks.has(lock) : !processAlive(holder));
    if (stale) {
      await takeOverStaleLock(lock, holder);
      continue;
    }
    if (Date.now() > deadline)
      throw new UsageError(
        `${shown} is locked by ${Number.isInteger(holder) && holder > 0 ? `process ${holder}` : "another caplab"} (${FILES_LOCK}), which has been adding files to it for ${FILES_LOCK_TIMEOUT_MS / 1000} s; run again when it is done, or remove ${lock} if no caplab runs.`,
        "output-locked",
      );
    await new Promise((r) => setTimeout(r, wait / 2 + (Math.random() * wait) / 2));
  }
  try {
    return await body();
  } finally {
    heldLocks.delete(lock);
    await rm(lock, { force: true });
  }
}

async function addFiles<T>(
  abs: string,
  shown: string,
  options: Omit<OutputOptions, "inputs" | "onStep">,
  fill: (dir: string, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  // A folder made here for the files is removed again when nothing ends up in it.
  const created = (await lstatOrNull(abs)) === null;
  await mkdir(abs, { recursive: true });
  const staging = join(abs, `.caplab-new-${process.pid}-${randomBytes(4).toString("hex")}`);
  active.add(staging);
  let done = false;
  try {
    await mkdir(staging);
    return await withInterrupts(abs, async (signal, caught) => {
      let value: T;
      try {
        value = await fill(staging, signal);
      } catch (error) {
        const by = caught();
        if (by !== null) throw interrupted(by, abs);
        throw error;
      }
      const by = caught();
      if (by !== null) throw interrupted(by, abs);
      const added = await listFiles(staging);
      // From reading the marker to writing it back, one command at a time.
      await withFolderLock(abs, shown, async () => {
        // The files of `abs` that caplab wrote: those its marker lists, or all of them when an
        // older caplab's layout says the folder is caplab's.
        const marker = await readOutputMarker(abs);
        const state = marker === null ? await inspectOutput(abs) : null;
        const listed = marker?.files ?? (state?.kind === "caplab" ? state.files : []);
        const clashes: string[] = [];
        for (const f of added) {
          const target = await lstatOrNull(join(abs, f));
          if (target !== null && !(target.isFile() && listed.includes(f))) clashes.push(f);
        }
        if (clashes.length > 0 && !options.force)
          throw new UsageError(
            `${options.flag ?? "--out"} ${shown} already holds ${clashes[0]}, which caplab did not write; give another folder, or pass --force to keep it as ${clashes[0]}.caplab-backup-TIME and write anyway.`,
            "unsafe-output",
          );
        for (const f of clashes) {
          const backup = await backupPath(join(abs, f));
          await rename(join(abs, f), backup);
          options.notify?.(`${join(abs, f)} (not written by caplab) is now ${backup}.`);
        }
        for (const f of added) {
          await mkdir(dirname(join(abs, f)), { recursive: true });
          await rename(join(staging, f), join(abs, f));
        }
        await markFolder(abs, marker?.command ?? options.command, [...listed, ...added]);
      });
      done = true;
      return value;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
    if (created && !done) await rmdir(abs).catch(() => undefined);
    active.delete(staging);
  }
}

// ---------------------------------------------------------------------------------------------
// One file (calibrate --out)

export interface OutputFile {
  readonly path: string;
  /** Writes the file atomically (an existing one kept as a backup when caplab did not write it). */
  write(content: string | Uint8Array): Promise<void>;
}

/**
 * A single output file. An existing file is replaced only when `written(head)` says caplab
 * wrote it (`head`: its first 4 KiB); else refused, or with --force kept as
 * `NAME.caplab-backup-TIME`.
 *
 * @throws UsageError when the path is a folder, or (without force) a file caplab did not write.
 */
export async function prepareOutputFile(
  path: string,
  options: Omit<OutputOptions, "onStep"> & { readonly written: (head: string) => boolean },
): Promise<OutputFile> {
  const flag = options.flag ?? "--out";
  const abs = resolve(path);
  await removeLeftoversBeside(abs);
  const st = await lstatOrNull(abs);
  if (st?.isDirectory())
    throw new UsageError(`${flag} ${path} is a folder; give a file name.`, "unsafe-output");
  if (st !== null)
    for (const input of options.inputs ?? [])
      if (within(await realOrResolved(abs), await realOrResolved(input)))
        throw new UsageError(
          `${flag} ${path} is ${(await realOrResolved(abs)) === (await realOrResolved(input)) ? "" : "in "}${input}, which this command reads; give another file (--force does not change this).`,
          "unsafe-output",
        );
  const ours = async () => {
    const now = await lstatOrNull(abs);
    if (now === null) return true;
    if (!now.isFile()) return false;
    return options.written((await readHead(abs, 4096)).toString("utf8"));
  };
  if (!(await ours()) && !options.force)
    throw new UsageError(
      `${flag} ${path} exists and caplab did not write it; give another file name, or pass --force to keep it as ${basename(abs)}.caplab-backup-TIME and write anyway.`,
      "unsafe-output",
    );
  return {
    path: abs,
    async write(content) {
      if (!(await ours())) {
        const backup = await backupPath(abs);
        await rename(abs, backup);
        options.notify?.(`${abs} (not written by caplab) is now ${backup}.`);
      }
      await writeFileAtomic(abs, content);
    },
  };
}

/** Removes leftover `.NAME.caplab-tmp-…` files beside `path`. */
async function removeLeftoversBeside(path: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dirname(path));
  } catch {
    return;
  }
  for (const entry of entries) {
    const m = TEMP_NAME.exec(entry);
    const full = join(dirname(path), entry);
    if (m !== null && m[1] === basename(path) && m[2] === "tmp" && isLeftover(full))
      await rm(full, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Single files inside an output being written

/** Writes `content` to `path` atomically (`.NAME.caplab-tmp-PID-HEX` beside it, then rename). */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempBeside(path, "tmp");
  active.add(tmp);
  try {
    await writeFile(tmp, content);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  } finally {
    active.delete(tmp);
  }
}

/** Writes JSON with two-space indentation and a final newline. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * The Timeline as CSV: `time` (ISO 8601 UTC) then every column. No cell ever needs quoting (a
 * time, numbers, empty for no value), so each row is one joined line: the cost is the text and
 * little else, a million steps (MAX_TRACE_STEPS) included.
 */
export function renderTimelineCsv(timeline: Timeline): string {
  const extra = timeline.deployment ? DEPLOYMENT_COLUMNS : [];
  const lines: string[] = [["time", ...TIMELINE_COLUMNS, ...extra].join(",")];
  const columns = [
    ...TIMELINE_COLUMNS.map((c) => timeline[c]),
    ...extra.map((c) => timeline.deployment![c]),
  ];
  const cells: string[] = new Array<string>(columns.length + 1);
  for (let i = 0; i < timeline.length; i++) {
    cells[0] = new Date(timeline.startMs + i * timeline.stepSeconds * 1000).toISOString();
    for (let j = 0; j < columns.length; j++) {
      const v = columns[j]![i] ?? NaN;
      cells[j + 1] = Number.isFinite(v) ? String(Number(v.toPrecision(8))) : "";
    }
    lines.push(cells.join(","));
  }
  lines.push("");
  return lines.join("\n");
}

/** What `--force` does, for each command's --help (README "Safety" says the same). */
export const FORCE_HELP = {
  folder:
    "write --out even if it holds files caplab did not write: they are moved to OUT.caplab-backup-TIME beside it, never deleted (still refused: a file, the current folder or one above it, the home folder, a folder holding this command's inputs)",
  files:
    "write even where --out holds files of the same names that caplab did not write (each is kept as NAME.caplab-backup-TIME)",
  file: "replace --out even if caplab did not write it (it is kept as FILE.caplab-backup-TIME)",
} as const;
