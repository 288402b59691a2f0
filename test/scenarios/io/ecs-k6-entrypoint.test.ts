/**
 * examples/ecs-k6/entrypoint.sh under /bin/sh (POSIX; the image's is busybox ash), with a
 * stand-in `k6` and `aws` on PATH: k6's exit code is kept, the output is uploaded where
 * caplab looks for it, and StopTask's SIGTERM reaches k6.
 */
import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const entrypoint = fileURLToPath(
  new URL("../../../examples/ecs-k6/entrypoint.sh", import.meta.url),
);

/** Writes its arguments one a line, its output file, then exits FAKE_EXIT (105 on SIGTERM). */
const FAKE_K6 = `#!/bin/sh
trap 'kill "$sleeper" 2>/dev/null; echo stopped > "$CAPLAB_K6_OUTPUT"; exit 105' TERM
printf '%s\\n' "$@" > "$FAKE_DIR/k6-args"
if [ -n "\${FAKE_SUMMARY:-}" ]; then echo '{}' > "$CAPLAB_K6_SUMMARY"; fi
if [ -n "\${FAKE_WAIT:-}" ]; then sleep 30 & sleeper=$!; touch "$FAKE_DIR/k6-started"; wait $sleeper; fi
if [ -z "\${FAKE_NO_OUTPUT:-}" ]; then echo '{"type":"Point"}' > "$CAPLAB_K6_OUTPUT"; fi
exit "\${FAKE_EXIT:-0}"
`;

/** Records `aws` calls; fails with FAKE_AWS_EXIT. */
const FAKE_AWS = `#!/bin/sh
echo "$*" >> "$FAKE_DIR/aws-calls"
exit "\${FAKE_AWS_EXIT:-0}"
`;

let bin: string;

beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), "caplab-entrypoint-bin-"));
  await writeFile(join(bin, "k6"), FAKE_K6);
  await writeFile(join(bin, "aws"), FAKE_AWS);
  await chmod(join(bin, "k6"), 0o755);
  await chmod(join(bin, "aws"), 0o755);
});

interface Run {
  code: number | null;
  stderr: string;
  awsCalls: string[];
  k6Args: string[];
  dir: string;
}

async function run(
  args: readonly string[],
  env: Record<string, string>,
  whileRunning?: (pid: number, dir: string) => Promise<void>,
): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), "caplab-entrypoint-"));
  const child = spawn("/bin/sh", [entrypoint, ...args], {
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      FAKE_DIR: dir,
      CAPLAB_K6_OUTPUT: join(dir, "k6.json.gz"),
      CAPLAB_K6_SUMMARY: join(dir, "summary.json"),
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  if (whileRunning !== undefined) await whileRunning(child.pid!, dir);
  const code = await closed;
  const lines = async (name: string) =>
    (await readFile(join(dir, name), "utf8").catch(() => "")).split("\n").filter((l) => l !== "");
  return { code, stderr, awsCalls: await lines("aws-calls"), k6Args: await lines("k6-args"), dir };
}

describe("examples/ecs-k6/entrypoint.sh", () => {
  it("runs k6 with the task's arguments, uploads output and summary to CAPLAB_RESULTS_URI, keeps k6's exit code", async () => {
    const r = await run(["run", "--tag", "testid=caplab-1 x", "/scenarios/smoke.js"], {
      CAPLAB_RESULTS_URI: "s3://results/k6/caplab-1/2/",
      FAKE_EXIT: "99",
      FAKE_SUMMARY: "1",
    });
    expect(r.code).toBe(99);
    expect(r.k6Args).toEqual(["run", "--tag", "testid=caplab-1 x", "/scenarios/smoke.js"]);
    expect(r.awsCalls).toEqual([
      `s3 cp --only-show-errors ${join(r.dir, "k6.json.gz")} s3://results/k6/caplab-1/2/k6.json.gz`,
      `s3 cp --only-show-errors ${join(r.dir, "summary.json")} s3://results/k6/caplab-1/2/summary.json`,
    ]);
    await rm(r.dir, { recursive: true });
  });

  it("uploads nothing without CAPLAB_RESULTS_URI (--results logs) and exits with k6's code", async () => {
    const r = await run(["run", "x.js"], { FAKE_EXIT: "107" });
    expect(r.code).toBe(107);
    expect(r.awsCalls).toEqual([]);
  });

  it("a failed upload is said on stderr and does not hide k6's exit code", async () => {
    const r = await run(["run", "x.js"], {
      CAPLAB_RESULTS_URI: "s3://results/k6/caplab-1/0",
      FAKE_AWS_EXIT: "1",
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /could not upload .*k6\.json\.gz to s3:\/\/results\/k6\/caplab-1\/0\/k6\.json\.gz; caplab will report this segment's output as missing/,
    );
    const none = await run(["run", "x.js"], {
      CAPLAB_RESULTS_URI: "s3://results/k6/caplab-1/0",
      FAKE_NO_OUTPUT: "1",
      FAKE_EXIT: "104",
    });
    expect(none.code).toBe(104);
    expect(none.awsCalls).toEqual([]);
    expect(none.stderr).toMatch(/k6 \(exit 104\) wrote no .*; nothing to upload/);
  });

  it("passes SIGTERM (StopTask) on to k6, uploads what k6 wrote, and exits with k6's code", async () => {
    const r = await run(
      ["run", "x.js"],
      { CAPLAB_RESULTS_URI: "s3://results/k6/caplab-1/1/", FAKE_WAIT: "1" },
      async (pid, dir) => {
        // Wait until the stand-in k6 is running, then stop the "container".
        for (let i = 0; i < 200; i++) {
          if (
            await readFile(join(dir, "k6-started")).then(
              () => true,
              () => false,
            )
          )
            break;
          await new Promise((r) => setTimeout(r, 25));
        }
        process.kill(pid, "SIGTERM");
      },
    );
    expect(r.code).toBe(105);
    expect(await readFile(join(r.dir, "k6.json.gz"), "utf8")).toBe("stopped\n");
    expect(r.awsCalls).toEqual([
      `s3 cp --only-show-errors ${join(r.dir, "k6.json.gz")} s3://results/k6/caplab-1/1/k6.json.gz`,
    ]);
  });
});
