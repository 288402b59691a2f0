/**
 * Files caplab reads whole (a config, a `--thresholds` or `--summary-export` JSON, a run's
 * `--plan`) are checked before they are opened: opening a FIFO blocks until something writes
 * to it (forever, if nothing does), a device such as `/dev/zero` never ends, and a file of
 * gigabytes would be read into memory (or fail with Node's ERR_FS_FILE_TOO_LARGE, a message
 * about nothing the user did).
 */
import { stat } from "node:fs/promises";
import { UsageError } from "../../../sim/vocab/errors.js";
import { specialFileKind } from "./bundle-files.js";

/** The largest file caplab reads whole, in bytes: 64 MiB, far above any config. @default 67108864 */
export const MAX_WHOLE_FILE_BYTES = 64 * 1024 * 1024;

/** A size in words: "3.0 GiB", "65 MiB", "812 bytes". */
function sizeText(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)} MiB`;
  return `${bytes} bytes`;
}

/**
 * Refuses `path` when it is a device, FIFO or socket, or larger than `maxBytes`; `what` names
 * it in the sentence (`config file`, `--thresholds`). A path that does not exist or is a
 * folder passes: the caller's own read says so in its words.
 *
 * @throws UsageError naming the path and what to give instead.
 */
export async function checkWholeFile(
  path: string,
  what: string,
  maxBytes: number = MAX_WHOLE_FILE_BYTES,
): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return;
  }
  const special = specialFileKind(info);
  if (special !== null)
    throw new UsageError(
      `${what} ${path} is ${special}, not a regular file; caplab reads only regular files (a device never ends, a pipe may never start), so save it to a file first.`,
      "not-a-file",
    );
  if (info.isFile() && info.size > maxBytes)
    throw new UsageError(
      `${what} ${path} is ${sizeText(info.size)}, more than the ${sizeText(maxBytes)} caplab reads of such a file (MAX_WHOLE_FILE_BYTES); check the path.`,
      "file-too-large",
    );
}
