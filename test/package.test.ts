/**
 * The library as a user gets it: the package built (tsc -p tsconfig.build.json, with its
 * declarations) into a temporary folder, installed into another one as node_modules/caplab,
 * and `import … from "caplab"` resolved through package.json `exports`, in JavaScript and in
 * TypeScript. The consumer runs `simulate` on a small trace; the result must be what the
 * sources give.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { simulate } from "../sim/engine.js";
import { SimulateConfigSchema, simulationContext, type Trace } from "../sim/vocab/index.js";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("..", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/** Two hours of a step from 30 to 90 requests a second, in 1-minute steps. */
const CONSUMER = `
import { SimulateConfigSchema, simulate, simulationContext } from "caplab";

const config = SimulateConfigSchema.parse({
  trace: { generate: "default-week" },
  service: { cpuMsPerRequest: 20, latencyMs: 10, memoryMiB: { base: 300 } },
  task: { cpu: "1024", memory: "2048" },
  scaling: {
    MinCapacity: 1,
    MaxCapacity: 10,
    policies: [{ TargetTrackingScalingPolicyConfiguration: { TargetValue: 50,
      PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" } } }],
  },
});
const steps = 120;
const requests = new Float64Array(steps).map((_, i) => (i < 60 ? 30 : 90) * 60);
const trace = { source: "step", startMs: Date.UTC(2026, 0, 1), stepSeconds: 60, requests, gap: new Uint8Array(steps) };
const { kpis } = simulate(trace, { task: config.task, scaling: config.scaling }, simulationContext(config));
process.stdout.write(JSON.stringify(kpis));
`;

let consumer = "";
beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), "caplab-package-"));
  // The package: what `files` ships (dist, package.json), built from the sources now.
  const pkg = join(root, "caplab");
  await mkdir(pkg);
  await run(process.execPath, [
    tsc,
    "-p",
    join(repo, "tsconfig.build.json"),
    "--outDir",
    join(pkg, "dist"),
  ]);
  await cp(join(repo, "package.json"), join(pkg, "package.json"));
  await symlink(join(repo, "node_modules"), join(pkg, "node_modules"), "dir");
  // The user's project, with caplab installed.
  consumer = join(root, "study");
  await mkdir(join(consumer, "node_modules", "@types"), { recursive: true });
  await symlink(pkg, join(consumer, "node_modules", "caplab"), "dir");
  await symlink(
    join(repo, "node_modules", "@types", "node"),
    join(consumer, "node_modules", "@types", "node"),
    "dir",
  );
  await writeFile(join(consumer, "package.json"), '{ "type": "module" }\n');
  await writeFile(join(consumer, "study.mjs"), CONSUMER);
  await writeFile(join(consumer, "study.ts"), CONSUMER);
  await writeFile(
    join(consumer, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        module: "NodeNext",
        moduleResolution: "NodeNext",
        target: "ES2022",
        strict: true,
        noEmit: true,
        types: ["node"],
      },
      files: ["study.ts"],
    }),
  );
}, 240_000);

describe('import … from "caplab"', () => {
  it("resolves through package.json exports and simulates a trace as the sources do", async () => {
    const { stdout } = await run(process.execPath, ["study.mjs"], { cwd: consumer });
    const kpis = JSON.parse(stdout) as Record<string, number>;

    const config = SimulateConfigSchema.parse({
      trace: { generate: "default-week" },
      service: { cpuMsPerRequest: 20, latencyMs: 10, memoryMiB: { base: 300 } },
      task: { cpu: "1024", memory: "2048" },
      scaling: {
        MinCapacity: 1,
        MaxCapacity: 10,
        policies: [
          {
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: 50,
              PredefinedMetricSpecification: {
                PredefinedMetricType: "ECSServiceAverageCPUUtilization",
              },
            },
          },
        ],
      },
    });
    const requests = new Float64Array(120).map((_, i) => (i < 60 ? 30 : 90) * 60);
    const trace: Trace = {
      source: "step",
      startMs: Date.UTC(2026, 0, 1),
      stepSeconds: 60,
      requests,
      gap: new Uint8Array(120),
    };
    const expected = simulate(
      trace,
      { task: config.task, scaling: config.scaling },
      simulationContext(config),
    ).kpis;
    expect(kpis).toEqual(JSON.parse(JSON.stringify(expected)));
    // The step is scaled out to: more tasks after it than before.
    expect(kpis.maxTasks!).toBeGreaterThan(kpis.minTasks!);
  });

  // A whole type check of the consumer and of every declaration it reaches (no skipLibCheck):
  // most of this file's 19 s in CI, but 56-60 s on two cores under load, past the default
  // 60-s timeout once vitest runs two files at once.
  it(
    "comes with TypeScript declarations that a NodeNext project type-checks against",
    { timeout: 240_000 },
    async () => {
      await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: consumer });
      const declarations = await readFile(
        join(consumer, "node_modules", "caplab", "dist", "index.d.ts"),
        "utf8",
      );
      for (const name of ["simulate", "plan", "parseAlbLogLine", "evaluateThreshold"])
        expect(declarations).toMatch(new RegExp(`\\b${name}\\b`));
    },
  );

  it("runs the README's capacity study as it is written", async () => {
    const readme = await readFile(join(repo, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Library API"));
    const script = /```js\n([^]*?)```/.exec(section)?.[1];
    expect(script).toContain('from "caplab"');
    await writeFile(join(consumer, "capacity-study.mjs"), script!);
    const { stdout } = await run(process.execPath, ["capacity-study.mjs"], { cwd: consumer });
    const lines = stdout.trim().split("\n");
    expect(lines.slice(0, 4)).toEqual([
      expect.stringMatching(
        /^MinCapacity 1, CPU 40 %: \$\d+ a month, \d+ SLO-violating minutes, up to \d+ tasks desired$/,
      ),
      expect.stringMatching(/^MinCapacity 1, CPU 60 %: /),
      expect.stringMatching(/^MinCapacity 2, CPU 40 %: /),
      expect.stringMatching(/^MinCapacity 2, CPU 60 %: /),
    ]);
    // Then the plan's pick, named as caplab names candidates (or that none meets the SLO), and
    // its reasons.
    expect(lines[4]).toMatch(
      /^(?:[\d.]+ vCPU \/ \d+ GiB \w+ · CPU \d+% · \d+-\d+ tasks · cooldown|no candidate meets the SLO)/,
    );
    expect(lines.length).toBeGreaterThan(5);
  });

  it("exports what the README's API section lists", async () => {
    const entry = pathToFileURL(join(consumer, "node_modules", "caplab", "dist", "index.js")).href;
    const api = (await import(entry)) as Record<string, unknown>;
    const readme = await readFile(join(repo, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Library API"));
    const listed = [...section.slice(0, section.indexOf("\n## ", 3)).matchAll(/^\| `(\w+)`/gm)].map(
      (m) => m[1]!,
    );
    expect(listed.length).toBeGreaterThan(20);
    for (const name of listed) expect(api[name], name).toBeDefined();
  });
});
