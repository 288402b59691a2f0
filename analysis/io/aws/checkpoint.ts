/**
 * Resuming an interrupted collection: every fetched chunk is written, atomically, to
 * `<out>.partial/chunk-NNNNN.json` with the key of the collection it belongs to (a hash of
 * everything that decides what is fetched: scope, window, period, queries, chunk bounds). A
 * rerun of the same command reads the chunks whose key and bounds match and fetches only the
 * rest; a different collection's checkpoints are discarded. The folder is removed once the
 * bundle is written.
 *
 * Only checkpoint files are ever removed (`plan.json`, `chunk-NNNNN.json` and caplab's
 * temporary files): a `<out>.partial` folder holding anything else was not written by caplab
 * and is refused at the start (checkCheckpointFolder), or with --force moved to a backup.
 */
import { createHash } from "node:crypto";
import { lstat, mkdir, readFile, readdir, rename, rmdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { UsageError } from "../../../sim/vocab/errors.js";
import { backupPath, removeEntriesIn, writeJsonAtomic } from "../files/output.js";
import { warnings, type WarningSink } from "../../../sim/vocab/index.js";
import type { ChunkData } from "./cloudwatch.js";
import type { Chunk } from "./packing.js";

/** The checkpoint folder of a bundle folder. */
export function partialDirFor(out: string): string {
  return `${out.replace(/[/\\]+$/, "")}.partial`;
}

/** The files a checkpoint folder holds: its plan, its chunks, and caplab's temporary files. */
const CHECKPOINT_FILE = /^(plan\.json|chunk-\d{5,}\.json|\..+\.caplab-tmp-\d+-[0-9a-f]{8})$/;

/**
 * Checks `<out>.partial` before a collection starts: a folder that holds anything but
 * checkpoint files (or is a file) is refused, or with `force` renamed to
 * `<out>.partial.caplab-backup-TIME`.
 *
 * @throws UsageError when it holds something else and `force` is not set.
 */
export async function checkCheckpointFolder(
  dir: string,
  options: { readonly force?: boolean; readonly notify?: (message: string) => void } = {},
): Promise<void> {
  let foreign: string | null = null;
  try {
    const st = await lstat(dir);
    if (!st.isDirectory()) foreign = basename(dir);
    else
      for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
        a.name.localeCompare(b.name),
      ))
        if (!entry.isFile() || !CHECKPOINT_FILE.test(entry.name)) {
          foreign = entry.name;
          break;
        }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (foreign === null) return;
  if (!options.force)
    throw new UsageError(
      `${dir} (where collect keeps its checkpoints) holds ${foreign}, which caplab did not write; move it away, or pass --force to keep it as ${basename(dir)}.caplab-backup-TIME.`,
      "unsafe-output",
    );
  const backup = await backupPath(dir);
  await rename(dir, backup);
  options.notify?.(`${dir} (not written by caplab) is now ${backup}.`);
}

/** Removes the checkpoint files of `dir`, then `dir` when that leaves it empty. */
async function removeCheckpointFiles(dir: string): Promise<void> {
  await removeEntriesIn(dir, (entry) => CHECKPOINT_FILE.test(entry));
  try {
    await rmdir(dir);
  } catch {
    // Not empty: what is left is not caplab's.
  }
}

/** A short stable hash of a JSON value. */
export function collectionKey(plan: unknown): string {
  return createHash("sha256").update(JSON.stringify(plan)).digest("hex").slice(0, 32);
}

interface PlanFile {
  readonly key: string;
  readonly chunks: number;
}

interface ChunkFile {
  readonly key: string;
  readonly data: ChunkData;
}

export interface Checkpoints {
  readonly dir: string;
  /** The saved data of `chunk`, or null when it still has to be fetched. */
  load(chunk: Chunk): Promise<ChunkData | null>;
  save(data: ChunkData): Promise<void>;
  /** Removes the folder. */
  remove(): Promise<void>;
}

function chunkPath(dir: string, index: number): string {
  return join(dir, `chunk-${String(index).padStart(5, "0")}.json`);
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch {
    return null;
  }
}

/** Opens (or starts) the checkpoint folder for the collection `key`. */
export async function openCheckpoints(
  dir: string,
  key: string,
  chunkCount: number,
  warn: WarningSink,
): Promise<Checkpoints> {
  const plan = await readJson<PlanFile>(join(dir, "plan.json"));
  if (plan && plan.key !== key) {
    warn(warnings.checkpointsDiscarded(dir));
    await removeCheckpointFiles(dir);
  }
  if (!plan || plan.key !== key) {
    await mkdir(dir, { recursive: true });
    await writeJsonAtomic(join(dir, "plan.json"), { key, chunks: chunkCount } satisfies PlanFile);
  }
  return {
    dir,
    async load(chunk) {
      const file = await readJson<ChunkFile>(chunkPath(dir, chunk.index));
      if (!file || file.key !== key) return null;
      const d = file.data;
      if (d.index !== chunk.index || d.startMs !== chunk.startMs || d.endMs !== chunk.endMs)
        return null;
      return d;
    },
    async save(data) {
      await writeJsonAtomic(chunkPath(dir, data.index), { key, data } satisfies ChunkFile);
    },
    async remove() {
      await removeCheckpointFiles(dir);
    },
  };
}

/** The chunk files in a checkpoint folder (tests, messages). */
export async function savedChunkCount(dir: string): Promise<number> {
  try {
    return (await readdir(dir)).filter((f) => /^chunk-\d+\.json$/.test(f)).length;
  } catch {
    return 0;
  }
}
