/**
 * Resuming an interrupted collection: every fetched chunk is written, atomically, to
 * `<out>.partial/chunk-NNNNN.json` with the key of the collection it belongs to (a hash of
 * everything that decides what is fetched: scope, window, period, queries, chunk bounds). A
 * rerun of the same command reads the chunks whose key and bounds match and fetches only the
 * rest; a different collection's checkpoints are discarded. The folder is removed once the
 * bundle is written.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeJsonAtomic } from "../io/output.js";
import type { WarningSink } from "../vocab/index.js";
import type { ChunkData } from "./cloudwatch.js";
import type { Chunk } from "./packing.js";

/** The checkpoint folder of a bundle folder. */
export function partialDirFor(out: string): string {
  return `${out.replace(/[/\\]+$/, "")}.partial`;
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
    warn({
      code: "checkpoints-discarded",
      message: `${dir} held checkpoints of a different collection (other window, period, service or metrics); they were discarded.`,
    });
    await rm(dir, { recursive: true, force: true });
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
      await rm(dir, { recursive: true, force: true });
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
