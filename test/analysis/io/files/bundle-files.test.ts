/**
 * Issue #11 row 3: a bundle reads only its own files. Every path a manifest names, and every
 * symbolic link in a bundle, must lead inside the bundle; a violation is exit 2 with one
 * sentence naming the field and the bundle, and no file's content is echoed.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { main } from "../../../../cli/main.js";
import { writeBundle } from "../../../../analysis/io/files/bundle.js";
import { UsageError } from "../../../../sim/vocab/errors.js";
import { loadTraceSource } from "../../../../analysis/io/files/trace-file.js";
import {
  BUNDLE_FORMAT,
  TraceBundleManifestSchema,
  TraceSourceSchema,
} from "../../../../sim/vocab/index.js";
import { captureIo } from "../../../helpers/io.js";
import { writeRunBundle } from "../../../fixtures/runs/make-run-bundle.js";

/** What a secret file outside the bundle holds: a CSV the old readers took as a series. */
const SECRET_MARKER = "31337";
const SECRET = `time,value\n2026-11-02T00:00:00Z,${SECRET_MARKER}\n# aws_secret_access_key=SECRETSECRET\n`;

const START = Date.UTC(2026, 10, 2);

function manifest(file = "series/requests.csv", files: Record<string, string> = {}) {
  return TraceBundleManifestSchema.parse({
    format: BUNDLE_FORMAT,
    caplabVersion: "test",
    createdAt: "2026-11-29T00:00:00Z",
    source: { kind: "csv", detail: "test" },
    window: {
      from: new Date(START).toISOString(),
      to: new Date(START + 60 * 60_000).toISOString(),
    },
    stepSeconds: 60,
    series: [{ id: "requests", file, metricName: "RequestCount", periodSeconds: 60 }],
    files,
  });
}

/** A trace bundle of an hour at 60 s in `dir`. */
async function traceBundle(dir: string): Promise<string> {
  const values = Float64Array.from({ length: 60 }, (_, i) => 100 + i);
  await writeBundle(
    dir,
    manifest(),
    new Map([["requests", { startMs: START, stepSeconds: 60, values }]]),
  );
  return dir;
}

/** The manifest of `dir` with its fields replaced, written as JSON (not through the schema). */
async function tamper(dir: string, change: (m: Record<string, unknown>) => void): Promise<void> {
  const path = join(dir, "manifest.json");
  const m = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  change(m);
  await writeFile(path, JSON.stringify(m));
}

const source = (file: string) => TraceSourceSchema.parse({ file });

/** A case folder: `secret.csv` beside the bundle and one level up, the bundle in `bundle/`. */
async function caseDir(): Promise<{ root: string; bundle: string; secret: string }> {
  const root = await mkdtemp(join(tmpdir(), "caplab-confined-"));
  await mkdir(join(root, "inner"), { recursive: true });
  await writeFile(join(root, "secret.csv"), SECRET);
  await writeFile(join(root, "inner", "secret.csv"), SECRET);
  const bundle = await traceBundle(join(root, "inner", "bundle"));
  return { root, bundle, secret: join(root, "inner", "secret.csv") };
}

function expectOneSentence(text: string): void {
  expect(text.trim().split("\n")).toHaveLength(1);
  expect(text).not.toContain(SECRET_MARKER);
  expect(text).not.toContain("SECRETSECRET");
  expect(text).not.toMatch(/\n\s+at /); // no stack
}

describe("trace bundles are confined", () => {
  const segment = fc.constantFrom("series", "requests.csv", "x", ".", "..", "secret.csv", "inner");
  /** Paths that name something outside the bundle: `..` anywhere, absolute, drive or UNC. */
  const hostile = (secret: string) =>
    fc.oneof(
      fc
        .tuple(
          fc.array(segment, { maxLength: 3 }),
          fc.array(segment, { maxLength: 3 }),
          fc.constantFrom("/", "\\"),
        )
        .map(([a, b, sep]) => [...a, "..", ...b].join(sep)),
      fc.array(segment, { maxLength: 4 }).map((s) => `/${s.join("/")}`),
      fc.array(segment, { maxLength: 3 }).map((s) => `C:\\${s.join("\\")}`),
      fc.array(segment, { maxLength: 3 }).map((s) => `\\\\server\\${s.join("\\")}`),
      fc.constantFrom("../secret.csv", "../../secret.csv", "series/../../secret.csv", secret),
    );

  it("refuses every series path that is absolute or goes up, naming the field, never the content", async () => {
    const { root, bundle, secret } = await caseDir();
    await fc.assert(
      fc.asyncProperty(hostile(secret), async (path) => {
        await tamper(bundle, (m) => {
          (m.series as { file: string }[])[0]!.file = path;
        });
        const error = await loadTraceSource(source(bundle), root, () => {}).catch(
          (e: unknown) => e,
        );
        expect(error, path).toBeInstanceOf(UsageError);
        const message = (error as Error).message;
        expect(message).toContain("manifest.json: series[0].file");
        expectOneSentence(message);
      }),
      { numRuns: 80 },
    );
  });

  it("refuses a symbolic link in series/ that leads out of the bundle, and follows one that stays in", async () => {
    const { root, bundle, secret } = await caseDir();
    const file = join(bundle, "series", "requests.csv");
    const inside = await readFile(file, "utf8");
    await rm(file);
    await symlink(secret, file);
    const error = await loadTraceSource(source(bundle), root, () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe("bundle-path");
    expect((error as Error).message).toMatch(
      /manifest\.json: series\[0\]\.file \("series\/requests\.csv"\) is a symbolic link that leads out of the bundle .*inner\/bundle; /,
    );
    expectOneSentence((error as Error).message);

    // A link whose target is inside the bundle, and a bundle reached through a link, are fine.
    await rm(file);
    await mkdir(join(bundle, "data"));
    await writeFile(join(bundle, "data", "r.csv"), inside);
    await symlink("../data/r.csv", file);
    await symlink(bundle, join(root, "linked-bundle"));
    const { trace } = await loadTraceSource(source(join(root, "linked-bundle")), root, () => {});
    expect(trace.requests[0]).toBe(100);
  });

  it("refuses a manifest.json that is a link to a file outside", async () => {
    const { root, bundle } = await caseDir();
    await rm(join(bundle, "manifest.json"));
    await writeFile(join(root, "elsewhere.json"), JSON.stringify(manifest()));
    await symlink(join(root, "elsewhere.json"), join(bundle, "manifest.json"));
    const io = captureIo();
    await writeFile(join(root, "sim.yaml"), simulateConfig("inner/bundle"));
    expect(await main(["simulate", join(root, "sim.yaml"), "--out", join(root, "out")], io)).toBe(
      2,
    );
    expect(io.stderr()).toMatch(/manifest\.json is a symbolic link that leads out of the bundle/);
    expectOneSentence(io.stderr());
  });

  it("gives one sentence, exit 2, for /etc/passwd, a folder or a missing file as a series", async () => {
    const { root, bundle } = await caseDir();
    await writeFile(join(root, "sim.yaml"), simulateConfig("inner/bundle"));
    const run = async (): Promise<string> => {
      const io = captureIo();
      expect(await main(["simulate", join(root, "sim.yaml"), "--out", join(root, "o")], io)).toBe(
        2,
      );
      expect(io.stdout()).toBe("");
      expectOneSentence(io.stderr());
      return io.stderr();
    };
    await tamper(bundle, (m) => ((m.series as { file: string }[])[0]!.file = "/etc/passwd"));
    expect(await run()).toMatch(/series\[0\]\.file: it is an absolute path/);
    await tamper(bundle, (m) => ((m.series as { file: string }[])[0]!.file = "series"));
    expect(await run()).toMatch(/series\[0\]\.file \("series"\) is a folder, not a file/);
    await tamper(bundle, (m) => ((m.series as { file: string }[])[0]!.file = "series/gone.csv"));
    expect(await run()).toMatch(
      /series\[0\]\.file \("series\/gone\.csv"\) does not exist in the bundle/,
    );
    await tamper(
      bundle,
      (m) => ((m.series as { file: string }[])[0]!.file = "series/requests.csv"),
    );
    await rm(join(bundle, "series", "requests.csv"));
    await symlink("/dev/zero", join(bundle, "series", "requests.csv"));
    expect(await run()).toMatch(/is a symbolic link that leads out of the bundle/);
    expect(await readdir(root)).not.toContain("o");
  });
});

function simulateConfig(trace: string): string {
  return `trace: { file: ${trace} }
service: { cpuMsPerRequest: 10, latencyMs: 20, memoryMiB: { base: 300 } }
task: { cpu: "1024", memory: "2048" }
scaling:
  MinCapacity: 1
  MaxCapacity: 10
  policies:
    - TargetTrackingScalingPolicyConfiguration:
        TargetValue: 50
        PredefinedMetricSpecification: { PredefinedMetricType: ECSServiceAverageCPUUtilization }
`;
}

describe("run bundles are confined", () => {
  async function runCase(): Promise<{ root: string; run: string }> {
    const root = await mkdtemp(join(tmpdir(), "caplab-confined-run-"));
    await writeFile(join(root, "secret.json"), `{"token": "SECRETSECRET", "n": ${SECRET_MARKER}}`);
    await writeFile(join(root, "secret.csv"), SECRET);
    const run = await writeRunBundle(join(root, "run"), {
      seed: 7,
      seconds: 30,
      server: { tasks: 2, cpuPercent: 40, memoryPercent: 30, maxCapacity: 10 },
    });
    return { root, run };
  }

  it("refuses files.summaryExport outside the bundle in report and gate, writing nothing", async () => {
    for (const value of ["../secret.json", "/etc/passwd"]) {
      const { root, run } = await runCase();
      await tamper(run, (m) => ((m.files as Record<string, string>).summaryExport = value));
      for (const command of ["report", "gate"]) {
        const io = captureIo();
        const code = await main([command, run, "--out", join(root, "out")], io);
        expect(code, `${command} ${value}`).toBe(2);
        expect(io.stderr()).toMatch(
          /manifest\.json: files\.summaryExport \(".*"\) is not a file of the bundle/,
        );
        expectOneSentence(io.stderr());
        expect(await readdir(root)).not.toContain("out");
      }
    }
  });

  it("refuses a summary.json, k6.json.gz, server/ or server series that leads out through a link", async () => {
    const links: [string, (root: string) => string][] = [
      ["summary.json", (root) => join(root, "secret.json")],
      ["k6.json.gz", (root) => join(root, "secret.json")],
      ["server", (root) => root],
      ["server/series/requests.csv", (root) => join(root, "secret.csv")],
    ];
    for (const [name, target] of links) {
      const { root, run } = await runCase();
      await rm(join(run, name), { recursive: true, force: true });
      await symlink(target(root), join(run, name));
      const io = captureIo();
      expect(await main(["report", run, "--out", join(root, "out")], io), name).toBe(2);
      expect(io.stderr(), name).toMatch(/is a symbolic link that leads out of the bundle/);
      expectOneSentence(io.stderr());
    }
  });

  it("refuses calibrate on a run bundle whose server/ leads out", async () => {
    const { root, run } = await runCase();
    const server = await traceBundle(join(root, "elsewhere"));
    await rm(join(run, "server"), { recursive: true });
    await symlink(server, join(run, "server"));
    const io = captureIo();
    expect(await main(["calibrate", run], io)).toBe(2);
    expect(io.stderr()).toMatch(/server is a symbolic link that leads out of the bundle/);
    expectOneSentence(io.stderr());
  });

  it("quotes at most a short escaped excerpt of a bundle's own file in warnings and report.json", async () => {
    const { root, run } = await runCase();
    const hostile = `\u001b]0;pwned\u0007\u001b[2J${"A".repeat(5000)}`;
    await writeFile(join(run, "summary.json"), hostile);
    await writeFile(join(run, "plan.json"), `{"slo": ${hostile}`);
    const io = captureIo();
    const out = join(root, "out");
    expect(await main(["report", run, "--out", out, "--format", "json,md"], io)).toBe(0);
    const report = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as {
      warnings: { code: string; message: string }[];
    };
    const unreadable = report.warnings.filter((w) => w.code === "unreadable-file");
    expect(unreadable).toHaveLength(2);
    for (const text of [
      ...unreadable.map((w) => w.message),
      io.stderr(),
      await readFile(join(out, "report.md"), "utf8"),
    ]) {
      // eslint-disable-next-line no-control-regex -- the point of the test
      expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      expect(text).not.toContain("A".repeat(81));
    }
    expect(unreadable[0]!.message).toMatch(
      /summary\.json could not be read: not valid JSON .*\\u001b/,
    );
  });
});

describe("plan folders are confined", () => {
  it("refuses a plan-result.json that is a link to a file outside", async () => {
    const root = await mkdtemp(join(tmpdir(), "caplab-confined-plan-"));
    await writeFile(join(root, "secret.json"), `{"token": "SECRETSECRET"}`);
    const plan = join(root, "plan");
    await mkdir(plan);
    await writeFile(join(plan, "recommendation.json"), "{}");
    await symlink(join(root, "secret.json"), join(plan, "plan-result.json"));
    const io = captureIo();
    expect(await main(["report", plan], io)).toBe(2);
    expect(io.stderr()).toMatch(
      /plan-result\.json is a symbolic link that leads out of the bundle/,
    );
    expectOneSentence(io.stderr());
  });
});
