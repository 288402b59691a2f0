/**
 * Test helper run as a child process by output.test.ts (argv: folder, a scratch folder, this
 * child's id, rounds). Each round it says it is ready (`ready-ROUND-ID`), waits for `go-ROUND`
 * (so every child asks for the folder's lock at once), holds the lock for 20 ms while it owns
 * `inside` (made with O_EXCL: a second holder at the same time finds it there), and says it is
 * done (`done-ROUND-ID`). Exits 3 when it ever held the lock together with another process.
 */
import { existsSync } from "node:fs";
import { open, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { withFolderLock } from "../../../../analysis/io/files/output.js";

const [dir, scratch, id, rounds] = process.argv.slice(2) as [string, string, string, string];
const inside = join(scratch, "inside");
let overlap = false;
for (let round = 0; round < Number(rounds); round++) {
  await writeFile(join(scratch, `ready-${round}-${id}`), "");
  while (!existsSync(join(scratch, `go-${round}`))) await new Promise((r) => setTimeout(r, 1));
  await withFolderLock(dir, dir, async () => {
    try {
      await (await open(inside, "wx")).close();
    } catch {
      overlap = true;
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
    await rm(inside);
  });
  await writeFile(join(scratch, `done-${round}-${id}`), "");
}
process.exit(overlap ? 3 : 0);
