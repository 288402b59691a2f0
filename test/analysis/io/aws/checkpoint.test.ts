/** `<out>.partial`: only checkpoint files are ever removed; a folder of the user's is refused. */
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkCheckpointFolder, openCheckpoints } from "../../../../analysis/io/aws/checkpoint.js";

describe("collect checkpoints", () => {
  it("refuses a .partial folder holding files caplab did not write; --force keeps it as a backup", async () => {
    const root = await mkdtemp(join(tmpdir(), "caplab-ckpt-"));
    const partial = join(root, "week.partial");
    await mkdir(partial);
    await writeFile(join(partial, "plan.json"), "{}");
    await writeFile(join(partial, "todo.txt"), "mine");
    await expect(checkCheckpointFolder(partial)).rejects.toThrow(
      /week\.partial \(where collect keeps its checkpoints\) holds todo\.txt, which caplab did not write/,
    );
    expect((await readdir(partial)).sort()).toEqual(["plan.json", "todo.txt"]);
    await checkCheckpointFolder(partial, { force: true });
    const names = (await readdir(root)).sort();
    expect(names).toEqual([expect.stringMatching(/^week\.partial\.caplab-backup-/)]);
    expect(await readFile(join(root, names[0]!, "todo.txt"), "utf8")).toBe("mine");
    await checkCheckpointFolder(join(root, "missing.partial"));
  });

  it("removes its checkpoint files and nothing else", async () => {
    const root = await mkdtemp(join(tmpdir(), "caplab-ckpt-"));
    const partial = join(root, "week.partial");
    const checkpoints = await openCheckpoints(partial, "k1", 2, () => {});
    await writeFile(join(partial, "chunk-00000.json"), "{}");
    await writeFile(join(partial, "later.txt"), "added by hand");
    // Another collection's key: its checkpoints are discarded, the file of the user's stays.
    await openCheckpoints(partial, "k2", 2, () => {});
    expect((await readdir(partial)).sort()).toEqual(["later.txt", "plan.json"]);
    await checkpoints.remove();
    expect(await readdir(partial)).toEqual(["later.txt"]);
  });
});
