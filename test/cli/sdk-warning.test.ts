/**
 * The AWS SDK's NodeVersionSupportWarning (nine lines on Node.js 20, aws/aws-sdk-js-v3#7983) is
 * off unless the environment asks for it (cli/main.ts quietSdkNodeWarning), so an AWS command's
 * one sentence comes alone. A process of its own: the SDK emits the warning once per process.
 */
import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../helpers/caplab-cli.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const SWITCH = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";

/** `caplab collect` against a port nothing listens on, with `extra` in its environment. */
async function collectNowhere(extra: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), "caplab-sdk-warning-"));
  const env: Record<string, string | undefined> = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "not-a-secret-at-all",
    AWS_REGION: "us-east-1",
    CAPLAB_HISTORY: join(dir, "history.duckdb"),
    ...extra,
  };
  if (!(SWITCH in extra)) delete env[SWITCH];
  const args = ["collect", "--cluster", "c", "--service", "s", "--from", "now-1h", "--to", "now"];
  const child = spawn(
    process.execPath,
    [
      "--import",
      TSX,
      CLI,
      ...args,
      "--out",
      join(dir, "out"),
      "--endpoint-url",
      "http://127.0.0.1:9",
    ],
    { cwd: dir, env },
  );
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  return { code, stderr };
}

const node20 = Number(process.versions.node.split(".")[0]) < 22;

describe("the AWS SDK's Node.js version warning", () => {
  it("is not printed before an AWS command's sentence", async () => {
    const { code, stderr } = await collectNowhere({});
    expect(code).toBe(2);
    expect(stderr).not.toMatch(/NodeVersionSupportWarning|node >=22/);
    expect(stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^caplab: nothing answers at --endpoint-url http:\/\/127\.0\.0\.1:9 /),
    ]);
  });

  it.runIf(node20)("is printed when the environment asks for it (Node.js 20)", async () => {
    const { stderr } = await collectNowhere({ [SWITCH]: "false" });
    expect(stderr).toMatch(/NodeVersionSupportWarning/);
  });
});
