/**
 * What the file system said no to, in one sentence. A Node.js system error (`ENAMETOOLONG`,
 * `EACCES`, `ENOSPC`, …; https://nodejs.org/api/errors.html#common-system-errors) that no
 * command turned into a UsageError of its own reaches `main` with its `code`, `syscall` and
 * `path`: it names the path and what to do instead of showing a stack, since it is about the
 * user's disk, not a bug in caplab.
 */
import { EX_IOERR } from "../sim/vocab/errors.js";

/** What each code means for the path, and what to do (after "PATH: "). */
const FILE_ERRORS: Readonly<Record<string, { readonly says: string; readonly io?: true }>> = {
  ENAMETOOLONG: {
    says: "a name in this path is too long for the file system (most allow 255 bytes a name); choose a shorter name",
  },
  EACCES: { says: "permission denied; choose a path you may use, or change its permissions" },
  EPERM: { says: "operation not permitted; choose a path you may use, or change its permissions" },
  EROFS: { says: "on a read-only file system; choose a path on a writable one" },
  ENOTDIR: { says: "a part of this path is a file, not a folder; choose another path" },
  EISDIR: { says: "is a folder where a file was expected; name a file" },
  ENOENT: { says: "no such file or folder; check the path" },
  ELOOP: { says: "too many symbolic links in this path; name the file itself" },
  ENOSPC: { says: "no space left on its device; free some space and run again", io: true },
  EDQUOT: { says: "the disk quota is used up; free some space and run again", io: true },
  EIO: { says: "an input/output error on its device; check the disk and run again", io: true },
  EMFILE: { says: "too many files open; raise the limit (ulimit -n) and run again", io: true },
  ENFILE: { says: "too many files open on this system; run again later", io: true },
};

/** The verbs of the system calls, for "could not VERB". */
const VERBS: Readonly<Record<string, string>> = {
  open: "open",
  read: "read",
  write: "write",
  mkdir: "create the folder",
  rename: "rename",
  rm: "remove",
  rmdir: "remove the folder",
  unlink: "remove",
  lstat: "look at",
  stat: "look at",
  scandir: "list",
  opendir: "list",
  copyfile: "copy",
  symlink: "link",
  realpath: "resolve",
  access: "reach",
  utime: "touch",
  chmod: "change the mode of",
};

/** A file-system error `main` says in one sentence, with its exit code. */
export interface FileError {
  readonly message: string;
  /** 2 for a path the user can change (a usage error); 74 (`EX_IOERR`) for the device's state. */
  readonly exitCode: number;
}

/**
 * `error` as one sentence when it is a Node.js system error on a path with one of the codes
 * above; null for anything else (a bug: `main` shows its stack).
 *
 * @example fileError(Object.assign(new Error("…"), { code: "ENAMETOOLONG", syscall: "lstat", path: "/tmp/aaa…" }))
 *   // { message: "could not look at /tmp/aaa…: a name in this path is too long …", exitCode: 2 }
 */
export function fileError(error: unknown): FileError | null {
  if (!(error instanceof Error)) return null;
  const { code, syscall, path } = error as NodeJS.ErrnoException;
  if (typeof code !== "string" || typeof path !== "string") return null;
  const known = FILE_ERRORS[code];
  if (known === undefined) return null;
  const verb = (syscall !== undefined && VERBS[syscall]) || "use";
  return {
    message: `could not ${verb} ${path}: ${known.says} (${code}).`,
    exitCode: known.io ? EX_IOERR : 2,
  };
}
