/** Real child processes for the tests: the caplab CLI, and a process that holds a DuckDB file. */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const CLI = fileURLToPath(new URL("./caplab-cli.ts", import.meta.url));
const require = createRequire(import.meta.url);
const TSX = pathToFileURL(require.resolve("tsx")).href;
const DUCKDB = pathToFileURL(require.resolve("@duckdb/node-api")).href;

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Running {
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly finished: Promise<Finished>;
  /** Resolves when stderr has contained a line matching `pattern`. */
  readonly stderrMatches: (pattern: RegExp) => Promise<void>;
}

function track(child: ChildProcess): Running {
  let stdout = "";
  let stderr = "";
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout?.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
    for (const w of waiters.splice(0)) {
      if (w.pattern.test(stderr)) w.resolve();
      else waiters.push(w);
    }
  });
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      for (const w of waiters.splice(0)) w.resolve();
      resolve({ code, stdout, stderr });
    });
  });
  return {
    child,
    finished,
    stderrMatches: (pattern) =>
      pattern.test(stderr)
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ pattern, resolve })),
  };
}

/** `caplab ARGS` from the sources, in a process of its own. */
export function startCaplab(
  args: readonly string[],
  options: { readonly env?: Readonly<Record<string, string>>; readonly cwd?: string } = {},
): Running {
  return track(
    spawn(process.execPath, ["--import", TSX, CLI, ...args], {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
}

/**
 * A process that opens the DuckDB database `path` (taking its file lock, as a writer does) and
 * holds it until `release()`; `locked` resolves once it holds the lock.
 */
export function holdDuckDbLock(path: string): {
  readonly locked: Promise<void>;
  readonly release: () => Promise<Finished>;
} {
  const script = `
    const { DuckDBInstance } = await import(${JSON.stringify(DUCKDB)});
    const instance = await DuckDBInstance.create(${JSON.stringify(path)});
    process.stdout.write("locked\\n");
    process.stdin.resume();
    process.stdin.on("end", () => { instance.closeSync(); process.exit(0); });
  `;
  const running = track(
    spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["pipe", "pipe", "pipe"],
    }),
  );
  const locked = new Promise<void>((resolve, reject) => {
    running.child.stdout?.on("data", (c: Buffer) => {
      if (c.toString().includes("locked")) resolve();
    });
    void running.finished.then((f) =>
      reject(new Error(`the lock holder exited early (${f.code}): ${f.stderr}`)),
    );
  });
  return {
    locked,
    release: () => {
      running.child.stdin?.end();
      return running.finished;
    },
  };
}
