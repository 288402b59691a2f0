/**
 * The scenarios type-check with @types/k6 (and a wrong option does not), and the esbuild
 * bundle for older k6 keeps k6's modules as imports and pulls in nothing from Node.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../..", import.meta.url));
const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");

/** Runs tsc; resolves with its exit code and output (tsc exits 2 on type errors). */
async function typecheck(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(process.execPath, [tsc, ...args], { cwd: repo, timeout: 60_000 });
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    return { code: e.code ?? -1, output: e.stdout ?? "" };
  }
}

/** A scenario-like file in a scratch project that sees the repo's node_modules (@types/k6). */
async function fixture(source: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "caplab-k6-types-"));
  await symlink(join(repo, "node_modules"), join(dir, "node_modules"), "dir");
  await writeFile(join(dir, "script.ts"), source);
  await writeFile(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: join(repo, "scenarios", "tsconfig.json"),
      include: ["script.ts"],
    }),
  );
  return dir;
}

const script = (threshold: string): string => `
import http from "k6/http";
import type { Options } from "k6/options";
export const options: Options = {
  scenarios: { s: { executor: "constant-arrival-rate", rate: 1, duration: "1s", preAllocatedVUs: 1 } },
  thresholds: { http_req_duration: [${threshold}] },
};
export default function (): void {
  http.get(__ENV.CAPLAB_TARGET ?? "http://127.0.0.1");
}
`;

describe("types", () => {
  it("every scenario type-checks with @types/k6 (tsc -p scenarios/tsconfig.json)", async () => {
    const result = await typecheck(["-p", join(repo, "scenarios", "tsconfig.json")]);
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });

  it("a right option passes and abortOnFail: 'yes' fails with TS2322", async () => {
    const good = await fixture(script(`{ threshold: "p(95)<300", abortOnFail: true }`));
    expect(await typecheck(["-p", join(good, "tsconfig.json")])).toEqual({ code: 0, output: "" });
    const bad = await fixture(script(`{ threshold: "p(95)<300", abortOnFail: "yes" }`));
    const result = await typecheck(["-p", join(bad, "tsconfig.json")]);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/script\.ts\(\d+,\d+\): error TS2322:/);
  });
});

describe("bundle for older k6 (scripts/build-scenarios.mjs)", () => {
  it("one ESM file per scenario, k6 imports kept, no Node imports", async () => {
    const out = await mkdtemp(join(tmpdir(), "caplab-k6-bundle-"));
    await run(process.execPath, [join(repo, "scripts", "build-scenarios.mjs"), out], {
      timeout: 60_000,
    });
    const files = (await readdir(out)).sort();
    expect(files).toEqual([
      "breakpoint.js",
      "constant.js",
      "smoke.js",
      "soak.js",
      "spike.js",
      "trace-replay.js",
    ]);
    for (const f of files) {
      const js = await readFile(join(out, f), "utf8");
      expect(js).toMatch(/from "k6\/http"/);
      expect(js).toMatch(/from "k6"/);
      expect(js).not.toMatch(/from "node:|require\(|from "(fs|path|os)"/);
      expect(js).toMatch(/export \{[^}]*handleSummary/);
    }
  });
});
