/**
 * Test helper run as a child process by output.test.ts: replaces the caplab output folder
 * argv[2] and kills itself with SIGKILL (kill -9) right after the swap step argv[3].
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { prepareOutputFolder } from "../../../../analysis/io/files/output.js";

const [out, step] = process.argv.slice(2) as [string, string];
const folder = await prepareOutputFolder(out, {
  command: "test",
  onStep: (at) => {
    if (at === step) process.kill(process.pid, "SIGKILL");
  },
});
await folder.write(async (dir) => {
  await mkdir(join(dir, "series"));
  await writeFile(join(dir, "new.json"), "new");
  await writeFile(join(dir, "series", "a.csv"), "new");
});
