/**
 * The one way to read a file of a bundle (a trace bundle, a run bundle, a plan folder):
 * confined to the bundle's folder, bounded in size, and without quoting what an outside file
 * holds.
 *
 *   bundle folder ──openBundle (realpath)──▶ BundleRoot
 *   manifest field or fixed name ──bundleFile──▶ the real path of a regular file inside it
 *     1. the text: relative, no `..`, not absolute (vocab bundlePathProblem)
 *     2. the real path, every symbolic link followed: inside the bundle's real path
 *     3. a regular file (or a folder, when a folder is asked for): no device, FIFO or socket
 *   ──readBundleJson──▶ the parsed JSON, at most MAX_BUNDLE_JSON_BYTES
 *
 * Every refusal is a {@link UsageError} (exit 2) whose one sentence names the bundle and the
 * manifest field (or the fixed file name) and never what any file holds.
 */
import type { Stats } from "node:fs";
import { readFile, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { bundlePathProblem } from "../../../sim/vocab/index.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import { excerpt, jsonErrorReason } from "./excerpt.js";
import { withoutByteOrderMark } from "./lines.js";

/** The largest JSON file of a bundle read whole (manifest, summary, plan, scaling). @default 64 MiB */
export const MAX_BUNDLE_JSON_BYTES = 64 << 20;

/** A bundle folder: as the user named it (for messages) and its real path (for checks). */
export interface BundleRoot {
  readonly dir: string;
  readonly real: string;
}

/**
 * The bundle at `dir`. The folder itself may be reached through a symbolic link; what is
 * confined is what lies below it.
 *
 * @throws UsageError when `dir` does not exist or is not a folder.
 */
export async function openBundle(dir: string): Promise<BundleRoot> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (error) {
    throw new UsageError(`${dir} does not exist; give the folder of a bundle.`, "missing-file", {
      cause: error,
    });
  }
  if (!(await stat(real)).isDirectory())
    throw new UsageError(`${dir} is not a folder; give the folder of a bundle.`, "bad-bundle");
  return { dir, real };
}

export interface BundleFileOptions {
  /** A missing file is null instead of an error. @default false */
  readonly optional?: boolean;
  /** A folder is wanted (e.g. a run bundle's `server/`), not a file. @default false */
  readonly folder?: boolean;
}

/**
 * The real path of `name` inside the bundle, checked as the module comment says. `field` is
 * the manifest field that named it (`series[0].file`, `files.summaryExport`), or null for a
 * fixed name (`plan.json`).
 *
 * @throws UsageError when the name or where it leads is not a file of the bundle, or when it
 *   is missing and not optional.
 */
export async function bundleFile(
  root: BundleRoot,
  name: unknown,
  field: string | null,
  options: { optional: true; folder?: boolean },
): Promise<string | null>;
export async function bundleFile(
  root: BundleRoot,
  name: unknown,
  field: string | null,
  options?: BundleFileOptions,
): Promise<string>;
export async function bundleFile(
  root: BundleRoot,
  name: unknown,
  field: string | null,
  options: BundleFileOptions = {},
): Promise<string | null> {
  const manifest = join(root.dir, "manifest.json");
  if (typeof name !== "string")
    throw new UsageError(
      `${manifest}: ${field ?? "a file name"} is not a file name; re-create the bundle.`,
      "bad-bundle",
    );
  const where =
    field === null ? `${join(root.dir, name)}` : `${manifest}: ${field} (${excerpt(name)})`;
  const problem = bundlePathProblem(name);
  if (problem !== null)
    throw new UsageError(`${where} is not a file of the bundle: ${problem}.`, "bundle-path");
  const full = resolve(root.real, name);
  if (!inside(root.real, full))
    throw new UsageError(`${where} leads out of the bundle; re-create the bundle.`, "bundle-path");

  let real: string;
  try {
    real = await realpath(full);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === "ENOENT" || code === "ENOTDIR") && options.optional === true) return null;
    throw new UsageError(
      code === "ENOENT" || code === "ENOTDIR"
        ? `${where} does not exist in the bundle ${root.dir}; re-create the bundle.`
        : code === "ELOOP"
          ? `${where} is a loop of symbolic links; re-create the bundle.`
          : `${where} cannot be read (${code ?? "unknown error"}); check its permissions.`,
      code === "ENOENT" || code === "ENOTDIR" ? "missing-file" : "bundle-path",
      { cause: error },
    );
  }
  if (!inside(root.real, real))
    throw new UsageError(
      `${where} is a symbolic link that leads out of the bundle ${root.dir}; a bundle's files must lie inside its folder: copy the file in or re-create the bundle.`,
      "bundle-path",
    );
  const info = await stat(real);
  if (options.folder === true) {
    if (!info.isDirectory())
      throw new UsageError(`${where} is not a folder; re-create the bundle.`, "bad-bundle");
  } else if (!info.isFile()) {
    throw new UsageError(
      info.isDirectory()
        ? `${where} is a folder, not a file; re-create the bundle.`
        : `${where} is ${specialFileKind(info) ?? "not a regular file"}, not a regular file, which caplab does not read; re-create the bundle.`,
      "bad-bundle",
    );
  }
  return real;
}

/**
 * What a path that is not a regular file or a folder is, in words; null for a regular file or
 * a folder. caplab reads regular files only: a device (`/dev/zero`, `/dev/urandom`) never
 * ends, and a FIFO or socket can block forever waiting for a writer.
 */
export function specialFileKind(info: Stats): string | null {
  if (info.isFile() || info.isDirectory()) return null;
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  if (info.isFIFO()) return "a FIFO (named pipe)";
  if (info.isSocket()) return "a socket";
  return "not a regular file";
}

/** Whether `path` is `root` or below it (both absolute, real). */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!isAbsolute(rel) && rel !== ".." && !rel.startsWith(`..${sep}`));
}

/**
 * A file of the bundle whose content cannot be read (not JSON, not CSV, too large): its path,
 * the line when known, and why, quoting at most a short escaped excerpt. A UsageError, which
 * a lenient reader (the run report) may turn into a warning.
 */
export class BundleContentError extends UsageError {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly line?: number,
  ) {
    super(
      `${path}${line === undefined ? "" : ` line ${line}`}: ${reason}; re-create the bundle.`,
      "bad-bundle",
    );
    this.name = "BundleContentError";
  }
}

/**
 * The JSON of a bundle file, read whole ({@link bundleFile} first); null when it is optional
 * and missing.
 *
 * @throws UsageError when the file is not confined (as {@link bundleFile}); BundleContentError
 *   when it is larger than `maxBytes` or not JSON.
 */
export async function readBundleJson(
  root: BundleRoot,
  name: unknown,
  field: string | null,
  options: {
    optional?: boolean;
    maxBytes?: number;
    reviver?: (this: unknown, key: string, value: unknown) => unknown;
  } = {},
): Promise<{ path: string; json: unknown } | null> {
  const real = await bundleFile(root, name, field, { optional: options.optional === true });
  if (real === null) return null;
  const path = join(root.dir, name as string);
  const maxBytes = options.maxBytes ?? MAX_BUNDLE_JSON_BYTES;
  const { size } = await stat(real);
  if (size > maxBytes)
    throw new BundleContentError(
      path,
      `it holds ${size} bytes, more than the ${maxBytes} caplab reads of a bundle's JSON file`,
    );
  const text = withoutByteOrderMark(await readFile(real, "utf8"));
  try {
    return { path, json: JSON.parse(text, options.reviver) as unknown };
  } catch (error) {
    throw new BundleContentError(path, jsonErrorReason(text, error));
  }
}
