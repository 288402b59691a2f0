/**
 * `caplab run` with a fake k6 (a Node script as K6_BIN) and, for --on ecs, the real
 * @aws-sdk/client-ecs against a local server speaking ECS's JSON 1.1 wire protocol.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { ECSClient } from "@aws-sdk/client-ecs";
import { S3Client } from "@aws-sdk/client-s3";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { executionSegments } from "../../scenarios/plan/k6-plan.js";
import { launchSegments, waitForSegments } from "../../scenarios/io/ecs-segments.js";
import { defaultRunDeps, runRunCommand, type RunDeps } from "../../cli/run-command.js";
import { captureIo, cliContext } from "../helpers/io.js";
import { startFakeS3 } from "../analysis/io/import/s3-server.js";

const traces = fileURLToPath(new URL("../../../shared/data/traces/", import.meta.url));

const capture = captureIo;

/** A stand-in for k6: `version`, and `run` that records what it got and exits FAKE_K6_EXIT. */
const FAKE_K6 = `#!${process.execPath}
const fs = require("node:fs");
(function () {
const args = process.argv.slice(2);
if (args[0] === "version") { console.log("k6 v2.3.0 (fake)"); process.exit(0); }
if (process.env.FAKE_K6_NOTHING) {
  // Like k6 with a script that does not load: an error, no outputs, exit 107.
  process.stderr.write("ERRO[0000] SyntaxError: Unexpected token\\n");
  process.exit(107);
}
const json = args[args.indexOf("--out") + 1].slice("json=".length);
const summary = args[args.indexOf("--summary-export") + 1];
if (process.env.FAKE_K6_WAIT) {
  // Like k6 on Ctrl-C: end the test, write the outputs, exit 105.
  process.on("SIGINT", () => {
    fs.writeFileSync(json, "");
    fs.writeFileSync(summary, "{}");
    process.exit(105);
  });
  process.stdout.write("running, waiting for Ctrl-C\\n");
  setInterval(() => {}, 1000);
  return;
}
fs.writeFileSync(json, process.env.FAKE_K6_JSON ? require("node:zlib").gzipSync(process.env.FAKE_K6_JSON) : "");
fs.writeFileSync(summary, "{}");
fs.writeFileSync(process.env.FAKE_K6_RECORD, JSON.stringify({ args, env: {
  CAPLAB_TARGET: process.env.CAPLAB_TARGET, CAPLAB_PLAN: process.env.CAPLAB_PLAN,
  CAPLAB_SUMMARY: process.env.CAPLAB_SUMMARY } }));
process.stdout.write("running (00m01.0s), 0/2 VUs, 10 complete and 0 interrupted iterations\\n");
process.stderr.write("time=... level=info msg=progress\\n");
process.exit(Number(process.env.FAKE_K6_EXIT ?? 0));
})();
`;

let dir: string;
let fakeK6: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-run-"));
  fakeK6 = join(dir, "k6");
  await writeFile(fakeK6, FAKE_K6);
  await chmod(fakeK6, 0o755);
});

function deps(env: Record<string, string>, extra: Partial<RunDeps> = {}): RunDeps {
  return { ...defaultRunDeps, env: { PATH: "", ...env }, sleep: async () => {}, ...extra };
}

describe("caplab run (local)", () => {
  it("exits 2 with a clear sentence when k6 is missing", async () => {
    const io = capture();
    await expect(
      runRunCommand(
        "smoke",
        { target: "http://127.0.0.1:1", out: join(dir, "missing") },
        cliContext(io),
        deps({}),
      ),
    ).rejects.toMatchObject({
      code: "k6-missing",
      exitCode: 2,
      message: expect.stringMatching(/K6_BIN/),
    });
    // A run that failed before k6 ran leaves nothing (it used to leave a lone plan.json).
    expect(existsSync(join(dir, "missing"))).toBe(false);
    expect((await readdir(dir)).filter((n) => n.includes("missing"))).toEqual([]);
  });

  it("runs a script without --plan into a new nested folder, created before k6 starts", async () => {
    const script = join(dir, "custom.js");
    await writeFile(script, "export default function () {}\n");
    const out = join(dir, "new", "nested", "run");
    const code = await runRunCommand(
      script,
      { target: "http://127.0.0.1:1", out },
      cliContext(capture()),
      deps({ K6_BIN: fakeK6, FAKE_K6_RECORD: join(dir, "custom-record.json") }),
    );
    expect(code).toBe(0);
    expect((await readdir(out)).sort()).toEqual([
      ".caplab-output.json",
      "k6.json.gz",
      "manifest.json",
      "summary.json",
    ]);
    expect(JSON.parse(await readFile(join(out, "manifest.json"), "utf8")).plan).toBeNull();
  });

  it("keeps k6's output in the bundle without the credentials of its URLs", async () => {
    const script = join(dir, "secret-urls.js");
    await writeFile(script, "export default function () {}\n");
    const out = join(dir, "secret-urls");
    const url = "https://api.example.com/x?page=1\\u0026api_key=RUNSECRET";
    const lines = [0, 1, 2].map(
      (s) =>
        `{"type":"Point","data":{"time":"2026-11-01T00:00:0${s}Z","value":1,"tags":{"method":"GET","url":"${url}"}},"metric":"http_reqs"}`,
    );
    const code = await runRunCommand(
      script,
      { target: "http://127.0.0.1:1", out },
      cliContext(capture()),
      deps({
        K6_BIN: fakeK6,
        FAKE_K6_RECORD: join(dir, "secret-record.json"),
        FAKE_K6_JSON: `${lines.join("\n")}\n`,
      }),
    );
    expect(code).toBe(0);
    const kept = gunzipSync(await readFile(join(out, "k6.json.gz"))).toString("utf8");
    expect(kept).not.toContain("RUNSECRET");
    expect(kept.split("\n")).toHaveLength(4);
    expect(kept).toContain('"url":"https://api.example.com/x?page=1&api_key=***"');
  });

  it("Ctrl-C during the test: k6 stops once, the bundle is whole and says interrupted, exit 105", async () => {
    const out = join(dir, "interrupted");
    let sent = false;
    const base = capture();
    const io = {
      ...base,
      out: (text: string) => {
        base.out(text);
        if (!sent && text.includes("waiting for Ctrl-C")) {
          sent = true;
          process.emit("SIGINT", "SIGINT");
        }
      },
    };
    const code = await runRunCommand(
      "smoke",
      { target: "http://127.0.0.1:1", out, collect: "prod/web" },
      cliContext(io),
      deps({ K6_BIN: fakeK6, FAKE_K6_WAIT: "1" }),
    );
    expect(code).toBe(105);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({
      k6ExitCode: 105,
      interrupted: true,
      serverSide: { collected: false, reason: expect.stringMatching(/interrupted/) },
    });
    expect((await readdir(dir)).filter((n) => n.includes("interrupted."))).toEqual([]);
    expect(process.listenerCount("SIGINT")).toBe(0);
  });

  it("runs k6 with JSON output and a summary export, passes its progress through, writes the manifest", async () => {
    const io = capture();
    const out = join(dir, "ok");
    const record = join(dir, "ok-record.json");
    const code = await runRunCommand(
      "smoke",
      { target: "https://svc.example.com/api", out },
      cliContext(io),
      deps({ K6_BIN: fakeK6, FAKE_K6_RECORD: record, CAPLAB_TOKEN: "t0ps3cret" }),
    );
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(/running \(00m01\.0s\)/);
    expect(io.stderr()).toMatch(/level=info msg=progress/);
    expect(io.stderr()).toMatch(/k6 exited 0: success/);
    const seen = JSON.parse(await readFile(record, "utf8"));
    // k6 writes into a fresh temporary folder beside --out, swapped in when the run is over.
    const staged = dirname(String(seen.args[2]).slice("json=".length));
    expect(dirname(staged)).toBe(dir);
    expect(basename(staged)).toMatch(/^\.ok\.caplab-new-\d+-[0-9a-f]{8}$/);
    expect(existsSync(staged)).toBe(false);
    expect(seen.args).toEqual([
      "run",
      "--out",
      `json=${join(staged, "k6.json.gz")}`,
      "--summary-export",
      join(staged, "summary.json"),
      "--tag",
      expect.stringMatching(/^testid=caplab-[0-9a-f]{8}$/),
      expect.stringMatching(/scenarios\/smoke\.ts$/),
    ]);
    expect(seen.env).toEqual({
      CAPLAB_TARGET: "https://svc.example.com/api",
      CAPLAB_PLAN: join(staged, "plan.json"),
      CAPLAB_SUMMARY: join(staged, "caplab-summary.json"),
    });
    expect((await readdir(out)).sort()).toEqual([
      ".caplab-output.json",
      "k6.json.gz",
      "manifest.json",
      "plan.json",
      "summary.json",
    ]);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({
      format: "caplab-run-bundle/1",
      scenario: { name: "smoke", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      target: "https://svc.example.com",
      k6Version: "v2.3.0 (fake)",
      caplabVersion: "0.1.0",
      k6ExitCode: 0,
      serverSide: { collected: false },
    });
    expect(Date.parse(manifest.endedAt)).toBeGreaterThanOrEqual(Date.parse(manifest.startedAt));
    expect(manifest.gitCommit === null || /^[0-9a-f]{40}$/.test(manifest.gitCommit)).toBe(true);
    expect(await readFile(join(out, "manifest.json"), "utf8")).not.toContain("t0ps3cret");
  });

  it("leaves --out as it was when k6 wrote no results (a script that does not load): exit 107", async () => {
    const out = join(dir, "no-results");
    // The folder holds an earlier run's bundle, which stays as it is.
    expect(
      await runRunCommand(
        "smoke",
        { target: "http://127.0.0.1:1", out },
        cliContext(capture()),
        deps({ K6_BIN: fakeK6, FAKE_K6_RECORD: join(dir, "r-before.json") }),
      ),
    ).toBe(0);
    const before = await readFile(join(out, "manifest.json"), "utf8");
    const io = capture();
    const code = await runRunCommand(
      "smoke",
      { target: "http://127.0.0.1:1", out },
      cliContext(io),
      deps({ K6_BIN: fakeK6, FAKE_K6_NOTHING: "1" }),
    );
    expect(code).toBe(107);
    expect(io.stderr()).toMatch(/k6 exited 107: script exception/);
    expect(io.stderr()).toContain(
      `caplab: k6 wrote no results, so there is no run bundle; ${out} was left as it was.\n`,
    );
    expect(io.stderr()).not.toMatch(/recorded/);
    expect(await readFile(join(out, "manifest.json"), "utf8")).toBe(before);
    // Nothing else is left behind: no plan.json alone, no temporary folder.
    expect((await readdir(dir)).filter((n) => n.includes("no-results"))).toEqual(["no-results"]);

    const fresh = join(dir, "no-results-fresh");
    await runRunCommand(
      "smoke",
      { target: "http://127.0.0.1:1", out: fresh },
      cliContext(capture()),
      deps({ K6_BIN: fakeK6, FAKE_K6_NOTHING: "1" }),
    );
    expect(existsSync(fresh)).toBe(false);
  });

  it("keeps and explains exit 99 (thresholds crossed); --collect without a collector says so", async () => {
    const io = capture();
    const out = join(dir, "fail");
    const code = await runRunCommand(
      "constant",
      { target: "http://127.0.0.1:1", out, collect: "prod/web" },
      cliContext(io),
      deps({ K6_BIN: fakeK6, FAKE_K6_RECORD: join(dir, "r2.json"), FAKE_K6_EXIT: "99" }),
    );
    expect(code).toBe(99);
    expect(io.stderr()).toMatch(/k6 exited 99: thresholds crossed/);
    expect(io.stderr()).toMatch(/server side not collected/);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest.serverSide).toMatchObject({
      collected: false,
      cluster: "prod",
      service: "web",
    });
    expect(manifest.k6Exit).toMatch(/^k6 exited 99/);
  });

  it("--collect waits for CloudWatch's publication delay, then calls the collector", async () => {
    const sleep = vi.fn(async () => {});
    const collector = vi.fn(async () => ({
      collected: true as const,
      files: { series: "server/series" },
    }));
    const out = join(dir, "collect");
    await runRunCommand(
      "smoke",
      { target: "http://127.0.0.1:1", out, collect: "prod/web" },
      cliContext(capture()),
      deps({ K6_BIN: fakeK6, FAKE_K6_RECORD: join(dir, "r3.json") }, { sleep, collector }),
    );
    expect(sleep).toHaveBeenCalledWith(180_000);
    expect(collector).toHaveBeenCalledWith(
      expect.objectContaining({ cluster: "prod", service: "web" }),
    );
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest.serverSide.collected).toBe(true);
    expect(manifest.files.series).toBe("server/series");
  });

  it("trace-replay turns --trace into plan.json stages (scaled, compressed)", async () => {
    const out = join(dir, "replay");
    await runRunCommand(
      "trace-replay",
      {
        target: "http://127.0.0.1:1",
        out,
        trace: join(traces, "nasa-http-1995-requests-per-minute.csv"),
        scale: 2,
        compress: 60,
      },
      cliContext(capture()),
      deps({ K6_BIN: fakeK6, FAKE_K6_RECORD: join(dir, "r4.json") }),
    );
    const plan = JSON.parse(await readFile(join(out, "plan.json"), "utf8"));
    expect(plan.shape.kind).toBe("trace-replay");
    expect(plan.shape.stages.length).toBeGreaterThan(100);
    await expect(
      runRunCommand(
        "trace-replay",
        { target: "http://h", out },
        cliContext(capture()),
        deps({ K6_BIN: fakeK6 }),
      ),
    ).rejects.toMatchObject({ message: expect.stringMatching(/--trace/) });
  });
});

describe("caplab run --on k8s", () => {
  it("writes a k6-operator TestRun with the parallelism asked for", async () => {
    const io = capture();
    const out = join(dir, "k8s");
    expect(
      await runRunCommand(
        "spike",
        { target: "http://svc", out, segments: 4, on: "k8s" },
        cliContext(io),
        deps({}),
      ),
    ).toBe(0);
    const testRun = parseYaml(await readFile(join(out, "testrun.yaml"), "utf8"));
    expect(testRun).toMatchObject({
      apiVersion: "k6.io/v1alpha1",
      kind: "TestRun",
      spec: { parallelism: 4, script: { configMap: { name: "caplab-spike", file: "spike.js" } } },
    });
    expect(testRun.spec.runner.env[0]).toEqual({ name: "CAPLAB_TARGET", value: "http://svc" });
    expect(io.stdout()).toMatch(/kubectl apply -f/);
  });

  it("never writes CAPLAB_TOKEN or CAPLAB_HEADER_* into testrun.yaml, and says how to give them", async () => {
    const io = capture();
    const out = join(dir, "k8s-secrets");
    const env = { CAPLAB_TOKEN: "tok-never-written", CAPLAB_HEADER_X_API_KEY: "key-never-written" };
    expect(
      await runRunCommand(
        "smoke",
        { target: "http://svc", out, segments: 2, on: "k8s" },
        cliContext(io),
        deps(env),
      ),
    ).toBe(0);
    const yaml = await readFile(join(out, "testrun.yaml"), "utf8");
    expect(yaml).not.toContain("never-written");
    expect(yaml).not.toMatch(/CAPLAB_TOKEN|CAPLAB_HEADER/);
    expect(io.stderr()).toContain(
      "caplab: CAPLAB_HEADER_X_API_KEY, CAPLAB_TOKEN are not written into testrun.yaml",
    );
    expect(io.stderr()).toMatch(/Kubernetes Secret .*valueFrom\.secretKeyRef/);
  });
});

// ---------------------------------------------------------------------------------------------
// A local ECS: JSON 1.1 over HTTP, X-Amz-Target AmazonEC2ContainerServiceV20141113.<Op>

interface FakeEcs {
  server: Server;
  endpoint: string;
  calls: { op: string; body: Record<string, unknown> }[];
  /** Polls a task stays RUNNING before it stops; exit codes by segment. */
  pollsBeforeStop: number;
  exitCodes: Record<string, number>;
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return JSON.parse(text || "{}");
}

async function startFakeEcs(): Promise<FakeEcs> {
  const tasks = new Map<string, { segment: string; polls: number }>();
  const fake = { calls: [], pollsBeforeStop: 2, exitCodes: {} } as unknown as FakeEcs;
  fake.server = createServer(async (req, res) => {
    const op = String(req.headers["x-amz-target"] ?? "").replace(
      "AmazonEC2ContainerServiceV20141113.",
      "",
    );
    const input = await body(req);
    fake.calls.push({ op, body: input });
    res.setHeader("Content-Type", "application/x-amz-json-1.1");
    if (op === "RunTask") {
      const overrides = input.overrides as {
        containerOverrides: { environment: { name: string; value: string }[] }[];
      };
      const segment =
        overrides.containerOverrides[0]?.environment.find((e) => e.name === "CAPLAB_SEGMENT")
          ?.value ?? "?";
      const arn = `arn:aws:ecs:us-east-1:123456789012:task/c/${tasks.size + 1}`;
      tasks.set(arn, { segment, polls: 0 });
      res.end(
        JSON.stringify({ tasks: [{ taskArn: arn, lastStatus: "PROVISIONING" }], failures: [] }),
      );
    } else if (op === "DescribeTasks") {
      const out = (input.tasks as string[]).map((arn) => {
        const t = tasks.get(arn);
        if (t === undefined) return { taskArn: arn, lastStatus: "MISSING" };
        t.polls++;
        if (t.polls <= fake.pollsBeforeStop) return { taskArn: arn, lastStatus: "RUNNING" };
        return {
          taskArn: arn,
          lastStatus: "STOPPED",
          stoppedReason: "Essential container in task exited",
          containers: [{ name: "k6", exitCode: fake.exitCodes[t.segment] ?? 0 }],
        };
      });
      res.end(JSON.stringify({ tasks: out, failures: [] }));
    } else {
      res.statusCode = 400;
      res.end(JSON.stringify({ __type: "InvalidParameterException", message: `unknown op ${op}` }));
    }
  });
  await new Promise<void>((r) => fake.server.listen(0, "127.0.0.1", r));
  fake.endpoint = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  return fake;
}

describe("caplab run --on ecs (real SDK, local wire-protocol server)", () => {
  let ecs: FakeEcs;
  const client = (): ECSClient =>
    new ECSClient({
      endpoint: ecs.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      maxAttempts: 1,
    });
  beforeAll(async () => {
    ecs = await startFakeEcs();
  });
  afterAll(() => new Promise<void>((r) => ecs.server.close(() => r())));

  it("launches one task per segment, waits for STOPPED with backoff, keeps k6's exit codes", async () => {
    ecs.calls.length = 0;
    ecs.exitCodes = { "1/3:2/3": 99 };
    const sleeps: number[] = [];
    const io = capture();
    const out = join(dir, "ecs");
    // An empty bucket: the tasks uploaded nothing (the outputs are tested in run-ecs.test.ts).
    const s3 = await startFakeS3("results", new Map());
    const code = await runRunCommand(
      "smoke",
      {
        target: "https://svc.example.com",
        out,
        segments: 3,
        on: "ecs",
        cluster: "load",
        taskDefinition: "k6:3",
        subnets: ["subnet-1", "subnet-2"],
        securityGroups: ["sg-1"],
        results: "s3://results/k6",
      },
      cliContext(io),
      deps(
        { CAPLAB_TOKEN: "never-sent", CAPLAB_HEADER_X_TENANT: "never-sent-either" },
        {
          ecs: client,
          sleep: async (ms) => void sleeps.push(ms),
          s3: () =>
            new S3Client({
              endpoint: s3.endpoint,
              forcePathStyle: true,
              region: "us-east-1",
              credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
            }),
        },
      ),
    ).finally(() => s3.close());
    // A segment's own exit code wins over missing outputs.
    expect(code).toBe(99);
    const runs = ecs.calls.filter((c) => c.op === "RunTask");
    expect(runs).toHaveLength(3);
    expect(runs[0]?.body).toMatchObject({
      cluster: "load",
      taskDefinition: "k6:3",
      launchType: "FARGATE",
      count: 1,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ["subnet-1", "subnet-2"],
          securityGroups: ["sg-1"],
          assignPublicIp: "DISABLED",
        },
      },
    });
    const commands = runs.map(
      (r) =>
        (r.body as { overrides: { containerOverrides: { command: string[] }[] } }).overrides
          .containerOverrides[0]?.command ?? [],
    );
    expect(commands.map((c) => c[c.indexOf("--execution-segment") + 1])).toEqual([
      "0:1/3",
      "1/3:2/3",
      "2/3:1",
    ]);
    for (const c of commands) {
      expect(c[c.indexOf("--execution-segment-sequence") + 1]).toBe("0,1/3,2/3,1");
      expect(c.at(-1)).toBe("/scenarios/smoke.js");
    }
    expect(JSON.stringify(runs)).not.toContain("never-sent");
    expect(JSON.stringify(runs)).not.toMatch(/never-sent-either|CAPLAB_HEADER|CAPLAB_TOKEN/);
    expect(io.stderr()).toMatch(
      /CAPLAB_HEADER_X_TENANT, CAPLAB_TOKEN are not forwarded to ECS .*containerDefinitions\[\]\.secrets/,
    );
    const describes = ecs.calls.filter((c) => c.op === "DescribeTasks");
    expect(describes).toHaveLength(3);
    expect(sleeps).toEqual([5000, 10000]);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest.segments.map((s: { exitCode: number }) => s.exitCode)).toEqual([0, 99, 0]);
    expect(manifest.outputs).toMatchObject({ gathered: false, merged: [], missing: [0, 1, 2] });
    expect(io.stderr()).toMatch(/segment 2 \(2\/3:1\): no k6\.json\.gz under s3:\/\/results\/k6\//);
  });

  it("gives up at the deadline and says the tasks were left running", async () => {
    ecs.pollsBeforeStop = 1_000;
    const c = client();
    const launched = await launchSegments(
      c,
      {
        cluster: "load",
        taskDefinition: "k6:3",
        subnets: ["s"],
        securityGroups: [],
        command: () => ["run"],
        environment: {},
        startedBy: "t",
      },
      executionSegments(2),
    );
    let now = 0;
    await expect(
      waitForSegments(c, "load", launched, {
        timeoutMs: 60_000,
        now: () => now,
        sleep: async (ms) => void (now += ms),
      }),
    ).rejects.toThrow(/2 of 2 k6 tasks were still running after 60 s/);
    ecs.pollsBeforeStop = 2;
  });
});
