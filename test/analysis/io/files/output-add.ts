/**
 * Test helper run as a child process by output.test.ts: adds the file argv[3] (content: its
 * name) to the folder argv[2], as report or gate adds theirs, and exits.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { prepareOutputFiles } from "../../../../analysis/io/files/output.js";

const [dir, name] = process.argv.slice(2) as [string, string];
const files = await prepareOutputFiles(dir, { command: "test" });
await files.write((staging) => writeFile(join(staging, name), name));
