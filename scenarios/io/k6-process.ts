/**
 * k6 on this machine: which script a scenario name means, where the k6 binary is, running it
 * with its output passed through, and the facts a run manifest records about the checkout.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { delimiter, dirname, join, resolve } from "node:path";
import { SHAPE_KINDS, type ShapeKind } from "../plan/k6-plan.js";
import { UsageError } from "../../sim/vocab/errors.js";
import { redactSecrets } from "../../sim/vocab/redact.js";
import type { Env, Io } from "../../sim/vocab/index.js";
import { PACKAGE_ROOT } from "../../sim/io/package-root.js";

/** A library scenario name → its file (the .ts source in a checkout, else the bundled .js). */
export function resolveScenario(scenario: string): { path: string; kind: ShapeKind | null } {
  if ((SHAPE_KINDS as readonly string[]).includes(scenario)) {
    const kind = scenario as ShapeKind;
    for (const p of [
      join(PACKAGE_ROOT, "scenarios", `${kind}.ts`),
      join(PACKAGE_ROOT, "dist", "scenarios", `${kind}.js`),
    ])
      if (existsSync(p)) return { path: p, kind };
  }
  const path = resolve(scenario);
  if (!existsSync(path))
    throw new UsageError(
      `scenario "${scenario}" is neither a file nor one of ${SHAPE_KINDS.join(", ")}.`,
      "missing-file",
    );
  const base = path.replace(/^.*[\\/]/, "").replace(/\.(ts|js)$/, "");
  const kind = (SHAPE_KINDS as readonly string[]).includes(base) ? (base as ShapeKind) : null;
  return { path, kind };
}

/** The k6 binary: K6_BIN, else `k6` on PATH. */
export function findK6(env: Env): string {
  const explicit = env.K6_BIN;
  if (explicit !== undefined && explicit !== "") {
    if (!existsSync(explicit))
      throw new UsageError(
        `K6_BIN points to ${explicit}, which does not exist; fix the path or unset it.`,
        "k6-missing",
      );
    return explicit;
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, process.platform === "win32" ? "k6.exe" : "k6");
    if (existsSync(candidate)) return candidate;
  }
  throw new UsageError(
    "k6 was not found on PATH; install it (https://grafana.com/docs/k6/latest/set-up/install-k6/) or set K6_BIN to the binary (the npm package named k6 is an empty placeholder).",
    "k6-missing",
  );
}

/**
 * Runs a process, passing its output through `io` line by line with credentials taken out
 * ({@link redactedLines}); resolves with its exit code. With
 * `interrupt`, the process runs in a process group of its own (a Ctrl-C at the terminal
 * reaches caplab only) and gets SIGINT once when `interrupt` aborts: k6 then ends the test,
 * writes its outputs and exits 105, exactly once however the signal reached caplab.
 */
export function runProcess(
  bin: string,
  args: readonly string[],
  env: Env,
  io: Io,
  echo = true,
  interrupt?: AbortSignal,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, {
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: interrupt !== undefined,
    });
    const forward = () => child.kill("SIGINT");
    interrupt?.addEventListener("abort", forward, { once: true });
    child.on("close", () => interrupt?.removeEventListener("abort", forward));
    let stdout = "";
    const out = redactedLines((text) => io.out(text));
    const err = redactedLines((text) => io.err(text));
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      if (echo) out.add(chunk);
    });
    child.stderr.on("data", (chunk: string) => {
      if (echo) err.add(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      out.end();
      err.end();
      resolvePromise({ code, stdout });
    });
  });
}

/**
 * The longest piece of a line held back waiting for its end: past it, the piece is written
 * (redacted on its own). @default 65,536 characters
 */
export const MAX_HELD_LINE_CHARS = 65_536;

/**
 * A writer that passes text on in whole lines, each with its credentials taken out
 * (redactSecrets, sim/vocab/redact.ts: URL userinfo, credential query parameters, and the
 * `Authorization:`, `Cookie:`, `Set-Cookie:`, `X-Api-Key:` … lines `k6 run --http-debug`
 * logs): a process's output arrives in chunks that may cut a line, and so a header, in two.
 * `end` passes on what is left.
 */
export function redactedLines(write: (text: string) => void): {
  add(chunk: string): void;
  end(): void;
} {
  let held = "";
  return {
    add(chunk) {
      held += chunk;
      const cut = held.lastIndexOf("\n");
      if (cut < 0 && held.length <= MAX_HELD_LINE_CHARS) return;
      const upTo = cut < 0 ? held.length : cut + 1;
      write(redactSecrets(held.slice(0, upTo)));
      held = held.slice(upTo);
    },
    end() {
      if (held !== "") write(redactSecrets(held));
      held = "";
    },
  };
}

/** "k6 v2.3.0 (…)" → "v2.3.0 (…)"; null when `k6 version` fails. */
export async function k6Version(bin: string, env: Env, io: Io): Promise<string | null> {
  try {
    const { code, stdout } = await runProcess(bin, ["version"], env, io, false);
    return code === 0 ? stdout.trim().replace(/^k6\s+/, "") : null;
  } catch {
    return null;
  }
}

/** The commit checked out at or above `dir`, read from .git (no git process); null if none. */
export async function gitCommit(dir: string): Promise<string | null> {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const head = join(d, ".git", "HEAD");
    if (existsSync(head)) {
      const text = (await readFile(head, "utf8")).trim();
      if (/^[0-9a-f]{40}$/.test(text)) return text;
      const ref = /^ref: (.+)$/.exec(text)?.[1];
      if (ref === undefined) return null;
      const loose = join(d, ".git", ref);
      if (existsSync(loose)) return (await readFile(loose, "utf8")).trim();
      const packed = join(d, ".git", "packed-refs");
      if (!existsSync(packed)) return null;
      const line = (await readFile(packed, "utf8")).split("\n").find((l) => l.endsWith(` ${ref}`));
      return line?.split(" ")[0] ?? null;
    }
    if (dirname(d) === d) return null;
  }
}
