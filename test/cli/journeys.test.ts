/**
 * A new user's mistakes on the real files in shared/data: each ends in one sentence that
 * names the file and says what to do, with exit 2 and nothing written.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { captureIo, cliContext } from "../helpers/io.js";
import { startCaplab } from "../helpers/processes.js";

const data = (name: string): string =>
  fileURLToPath(new URL(`../../../shared/data/${name}`, import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-journeys-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs caplab in `dir`; expects exit 2, one `caplab: …` sentence matching `message`, no --out. */
async function refused(argv: readonly string[], message: RegExp): Promise<string> {
  const io = captureIo();
  const out = join(dir, `out-${Math.random().toString(16).slice(2)}`);
  const code = await main([...argv, "--out", out], cliContext(io, { cwd: dir }));
  expect(code, `${argv.join(" ")}\n${io.text()}`).toBe(2);
  const lines = io.stderr().trim().split("\n");
  expect(lines, io.stderr()).toHaveLength(1);
  expect(lines[0]).toMatch(/^caplab: .*\.$/);
  expect(lines[0]).toMatch(message);
  expect(existsSync(out)).toBe(false);
  return lines[0]!;
}

describe("import: a file of another kind than --format says what it is and what to do", () => {
  it("k6 --out json given as CloudWatch, ALB or CSV asks for --format k6", async () => {
    const k6 = data("k6/out-json.xk6-dashboard-result.ndjson");
    for (const format of ["cloudwatch", "alb", "nginx", "csv"])
      await refused(
        ["import", k6, "--format", format],
        /out-json\.xk6-dashboard-result\.ndjson is k6 --out json output, not --format \w+ input; import it with --format k6\./,
      );
  });

  it("k6 --out csv output given as --format csv says to import it with --format k6", async () => {
    await refused(
      ["import", data("k6/csv-output.k6-test-fixture.csv"), "--format", "csv"],
      /csv-output\.k6-test-fixture\.csv is k6 --out csv output, not --format csv input; import it with --format k6\./,
    );
  });

  it("a k6 summary among k6 outputs asks for --summary-export, in both formats and both files", async () => {
    for (const name of [
      "k6/summary-export.k6-html-reporter-perf.json",
      "k6/handleSummary-data.k6-reporter-simple.json",
      "k6/summary-export-legacy.k6-test-fixture.json",
      "k6/handlesummary-data-legacy.k6-test-fixture.json",
    ])
      await refused(
        [
          "import",
          data("k6/out-json.k6-docs-example.ndjson"),
          data(name),
          "--format",
          "k6",
          "--no-record",
        ],
        /is a k6 end-of-test summary \(--summary-export, handleSummary data or the machine-readable summary\), which holds no per-request points; give it as --summary-export FILE beside the run's --out json output, or import it alone \(as the only SOURCE\)\./,
      );
  });

  it("saved CloudWatch JSON given as CSV or k6, and access logs of the other kind, name the right --format", async () => {
    await refused(
      [
        "import",
        data("cloudwatch/get-metric-statistics.awscli-example-cpu.json"),
        "--format",
        "csv",
      ],
      /is saved CloudWatch JSON, not --format csv input; import it with --format cloudwatch\./,
    );
    await refused(
      [
        "import",
        data("cloudwatch/ecs-container-insights-performance-events.aws-docs.jsonl"),
        "--format",
        "k6",
        "--no-record",
      ],
      /import it with --format cloudwatch\./,
    );
    await refused(
      ["import", data("nginx/nginx_logs.elastic-examples.first14575.log"), "--format", "alb"],
      /is an nginx or Apache access log \(combined format\), not --format alb input; import it with --format nginx\./,
    );
    await refused(
      ["import", data("alb/dmastrop-tomcat-alb-50-targets.log"), "--format", "nginx"],
      /is an ALB access log, not --format nginx input; import it with --format alb\./,
    );
    await refused(
      ["import", data("traces/nasa-http-1995-requests-per-minute.csv"), "--format", "alb"],
      /is a CSV file, not --format alb input; a series of request counts over time imports with --format csv\./,
    );
  });

  it("looks inside gzip, and lets through every sample in its own format", async () => {
    const gz = join(dir, "k6-output.gz");
    await writeFile(gz, gzipSync(await readFile(data("k6/out-json.xk6-dashboard-result.ndjson"))));
    await refused(["import", gz, "--format", "cloudwatch"], /import it with --format k6\./);
    const own: [string, string, string[]][] = [
      ["k6/out-json.xk6-dashboard-result.ndjson", "k6", ["--no-record"]],
      ["nginx/apache_logs.elastic-examples.combined.log", "nginx", []],
      ["alb/elastic-integrations-test-alb.log", "alb", []],
      ["traces/nab-nyc_taxi.csv", "csv", []],
      ["cloudwatch/ecs-container-insights-performance-events.aws-docs.json", "cloudwatch", []],
    ];
    for (const [name, format, extra] of own) {
      const io = captureIo();
      const out = join(dir, `own-${format}`);
      const code = await main(
        ["import", data(name), "--format", format, "--out", out, "--quiet", ...extra],
        cliContext(io, { cwd: dir }),
      );
      expect(code, `${name}\n${io.text()}`).toBe(0);
    }
  });
});

describe("a gzip cut short is refused, not read as a quiet end", () => {
  /** The first half of `name` gzipped, as a copy that stopped part way leaves it. */
  async function cut(name: string, as: string): Promise<string> {
    const gz = gzipSync(await readFile(data(name)));
    const path = join(dir, as);
    await writeFile(path, gz.subarray(0, gz.length >> 1));
    return path;
  }
  const sentence = (file: string): RegExp =>
    new RegExp(
      `${file.replace(/[.]/g, "\\.")} cannot be read to its end: its gzip data ends early.*; copy or download it again \\(gzip -t checks a file\\)`,
    );

  it("in every import format", async () => {
    const cases: [string, string, string[]][] = [
      ["nginx/apache_logs.elastic-examples.combined.log", "nginx", []],
      ["alb/dmastrop-tomcat-alb-50-targets.log", "alb", []],
      ["traces/nasa-http-1995-requests-per-minute.csv", "csv", []],
      ["k6/out-json.xk6-dashboard-result.ndjson", "k6", ["--no-record"]],
      ["cloudwatch/ecs-container-insights-performance-events.aws-docs.jsonl", "cloudwatch", []],
      ["cloudwatch/get-metric-statistics.awscli-example-cpu.json", "cloudwatch", []],
    ];
    for (const [i, [name, format, extra]] of cases.entries()) {
      const file = await cut(name, `cut-${i}-${format}.gz`);
      await refused(["import", file, "--format", format, ...extra], sentence(file));
    }
  });

  it("as a config's trace file", async () => {
    const file = await cut("traces/nasa-http-1995-requests-per-minute.csv", "nasa.csv.gz");
    const config = join(dir, "cut-trace.yaml");
    await writeFile(
      config,
      [
        "trace: { file: nasa.csv.gz }",
        "service: { cpuMsPerRequest: 10, latencyMs: 20, memoryMiB: { base: 300, perInflightRequest: 0.5 } }",
        'task: { cpu: "1024", memory: "2048" }',
        "scaling: { MinCapacity: 2, MaxCapacity: 10 }",
      ].join("\n"),
    );
    const line = await refused(["simulate", config], sentence(file));
    expect(line).toMatch(/or point trace\.file at a whole one\.$/);
  });
});

describe("import --format k6 with a summary export", () => {
  it("warns when the summary counts other requests than the output, and words a threshold without an aggregation", async () => {
    const io = captureIo();
    const out = join(dir, "k6-other-run");
    const code = await main(
      [
        "import",
        data("k6/out-json.xk6-dashboard-result.ndjson"),
        "--format",
        "k6",
        "--summary-export",
        data("k6/summary-export-legacy.k6-test-fixture.json"),
        "--no-record",
        "--out",
        out,
      ],
      cliContext(io, { cwd: dir }),
    );
    expect(code, io.text()).toBe(0);
    expect(io.stderr()).toMatch(
      /warning: --summary-export .*summary-export-legacy\.k6-test-fixture\.json counts 3 requests \(http_reqs\), the k6 output 322: they look like two different runs/,
    );
    // k6's fixture has `my_trend<1000`, which names no aggregation: k6's verdict, said in words.
    expect(io.stdout()).toContain(
      "my_trend my_trend<1000: FAILED (k6's verdict; no value: the expression names no aggregation caplab reads)",
    );
    expect(io.stdout()).not.toMatch(/\(no :/);
  });
});

describe("a CSV without a time column", () => {
  it("is refused, not read as traffic in January 1970", async () => {
    const csv = join(dir, "two-numbers.csv");
    await writeFile(csv, "a,b\n1,2\n3,4\n");
    await refused(
      ["import", csv, "--format", "csv"],
      /two-numbers\.csv has no column that reads as a time \(named timestamp, time, period…, or holding ISO 8601 times or Unix seconds since 1973\); name it with --time-column \(timeColumn in a config\)\./,
    );
    // Named, any number is a time: the user said so.
    const io = captureIo();
    const code = await main(
      [
        "import",
        csv,
        "--format",
        "csv",
        "--time-column",
        "a",
        "--out",
        join(dir, "named"),
        "--quiet",
      ],
      cliContext(io, { cwd: dir }),
    );
    expect(code, io.text()).toBe(0);
  });
});

describe("output piped to a reader that stops early (caplab plan --help | head)", () => {
  it("exits 0 without an EPIPE stack", async () => {
    const running = startCaplab(["plan", "--help"]);
    running.child.stdout!.destroy(); // the reader is gone before caplab writes a byte
    const { code, stderr } = await running.finished;
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  });
});

describe("a simulate config given to plan", () => {
  it("says that today's task and scaling go under current:", async () => {
    const simulate = fileURLToPath(new URL("../../examples/simulate-nasa.yaml", import.meta.url));
    await refused(
      ["plan", simulate],
      /simulate-nasa\.yaml: task, scaling are not known fields here; a plan config takes today's task size and scaling under current: \(current: \{ task, scaling \}\), to compare its pick with, and searches the rest \(see caplab plan --help\)\./,
    );
  });
});

describe("simulate and plan on imported bundles", () => {
  const service =
    "service: { cpuMsPerRequest: 10, latencyMs: 20, memoryMiB: { base: 300, perInflightRequest: 0.5 } }";

  async function imported(name: string, args: readonly string[]): Promise<string> {
    const out = join(dir, name);
    const io = captureIo();
    const code = await main(
      ["import", ...args, "--out", out, "--quiet"],
      cliContext(io, { cwd: dir }),
    );
    expect(code, io.text()).toBe(0);
    return out;
  }

  it("refuses an hourly bundle in words that say why and what to do", async () => {
    await imported("hourly", [
      data("cloudwatch/get-metric-statistics.awscli-example-cpu.json"),
      "--format",
      "cloudwatch",
      "--requests",
      "CPUUtilization.Maximum",
    ]);
    const config = join(dir, "hourly.yaml");
    await writeFile(
      config,
      [
        "trace: { file: hourly }",
        service,
        'task: { cpu: "1024", memory: "2048" }',
        "scaling: { MinCapacity: 2, MaxCapacity: 10 }",
      ].join("\n"),
    );
    await refused(
      ["simulate", config],
      /hourly holds 3600-s steps \(its requests series' period\); simulate and plan take 1, 5, 10, 15, 20, 30, 60, 120, 300 s, since a coarser series hides the peaks scaling must follow: fetch the series again at one of those periods, or give it as a CSV \(trace\.file\)/,
    );
  });

  it("simulate names the next step; plan says plainly when no finished candidate lies past the front", async () => {
    await imported("nginx", [
      data("nginx/nginx_logs.elastic-examples.first14575.log"),
      "--format",
      "nginx",
    ]);
    const sim = join(dir, "nginx-simulate.yaml");
    await writeFile(
      sim,
      [
        "trace: { file: nginx }",
        service,
        'task: { cpu: "256", memory: "512" }',
        "scaling: { MinCapacity: 2, MaxCapacity: 4 }",
      ].join("\n"),
    );
    const io = captureIo();
    const out = join(dir, "nginx-simulated");
    expect(await main(["simulate", sim, "--out", out], cliContext(io, { cwd: dir }))).toBe(0);
    expect(io.stdout()).toContain(`Next: caplab report ${out}`);
    expect(io.stdout()).toMatch(/SLO {13}0 violating minutes/);

    const plan = join(dir, "nginx-plan.yaml");
    await writeFile(plan, ["trace: { file: nginx }", service].join("\n"));
    const planned = captureIo();
    const code = await main(
      ["plan", plan, "--out", join(dir, "nginx-plan"), "--workers", "1", "--quiet"],
      cliContext(planned, { cwd: dir }),
    );
    expect(code, planned.text()).toBe(0);
    expect(planned.stdout()).toMatch(
      /The Pareto front is drawn up to 2× the SLO budget \([\d.]+ violating minutes\); no candidate (simulated to the end )?lies past it/,
    );
    expect(planned.stdout()).not.toContain("at least 0");
    // The span as the report says it, one pair of brackets.
    expect(planned.stderr()).toMatch(
      /Planning 300 candidates over 5 days of \S+ at 60-s steps on 1 thread…/,
    );
  });
});

describe("the traffic report of Container Insights events alone", () => {
  it("says why simulate and plan cannot use it, and shows no empty frame or invented 0", async () => {
    const out = join(dir, "ci");
    const io = captureIo();
    const ctx = cliContext(io, { cwd: dir });
    const events = data("cloudwatch/ecs-container-insights-performance-events.aws-docs.json");
    expect(
      await main(["import", events, "--format", "cloudwatch", "--out", out, "--quiet"], ctx),
    ).toBe(0);
    expect(await main(["report", out, "--format", "html,md"], ctx), io.text()).toBe(0);
    const md = await readFile(join(out, "report.md"), "utf8");
    expect(md).toContain("It has no requests series, so simulate and plan cannot replay it");
    expect(md).not.toContain("Point a simulate or plan config at it");
    expect(md).toMatch(/\| Target 5xx \(ALB\) \| — \|/);
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html).toMatch(
      /id="chart-server-utilization"[^]*?The bundle has no AWS\/ECS CPUUtilization or MemoryUtilization series/,
    );
    // Container Insights reports 0 for the idle sample task: the axis runs 0 to 1.
    expect(html).toContain('"domain":[0,1]');
  });
});

describe("a config with a typo", () => {
  it("names the misspelt field and the one it means, not only that one is missing", async () => {
    const example = await readFile(
      fileURLToPath(new URL("../../examples/simulate-nasa.yaml", import.meta.url)),
      "utf8",
    );
    const config = join(dir, "typo.yaml");
    await writeFile(
      config,
      example
        .replace("cpuMsPerRequest", "cpuMsPerReqest")
        .replace("../../shared/data/", `${data("")}/`),
    );
    await refused(
      ["simulate", config],
      /typo\.yaml: service\.cpuMsPerReqest is not a known field, and service\.cpuMsPerRequest is missing; fix the spelling\./,
    );
  });
});

describe("calibrate, rightsize and backtest on a run bundle without server/", () => {
  it("say where the server side goes and how to get it", async () => {
    const run = join(dir, "run-no-server");
    const io = captureIo();
    expect(
      await main(
        [
          "import",
          data("k6/out-json.xk6-dashboard-result.ndjson"),
          "--format",
          "k6",
          "--no-record",
          "--quiet",
          "--out",
          run,
        ],
        cliContext(io, { cwd: dir }),
      ),
      io.text(),
    ).toBe(0);
    for (const command of [
      ["calibrate"],
      ["rightsize", "--task-cpu", "256", "--task-memory", "512"],
      ["backtest"],
    ]) {
      const err = captureIo();
      expect(
        await main([command[0]!, run, ...command.slice(1)], cliContext(err, { cwd: dir })),
      ).toBe(2);
      expect(err.stderr()).toContain(
        `is a run bundle without server-side data (server/), which this command reads; collect the run's window into it (caplab collect --cluster C --service S --from T1 --to T2 --out ${join(run, "server")}), or run the next test with --collect CLUSTER/SERVICE.`,
      );
    }
  });
});

describe("backtest of a bundle with nothing observed to compare", () => {
  it("says that nothing was scored and which bundle would be", async () => {
    const out = join(dir, "cpu-hourly");
    const io = captureIo();
    const ctx = cliContext(io, { cwd: dir });
    expect(
      await main(
        [
          "import",
          data("cloudwatch/get-metric-statistics.awscli-example-cpu.json"),
          "--format",
          "cloudwatch",
          "--requests",
          "CPUUtilization.Maximum",
          "--quiet",
          "--out",
          out,
        ],
        ctx,
      ),
      io.text(),
    ).toBe(0);
    const simulate = fileURLToPath(new URL("../../examples/simulate-nasa.yaml", import.meta.url));
    const run = captureIo();
    expect(await main(["backtest", out, simulate], cliContext(run, { cwd: dir })), run.text()).toBe(
      0,
    );
    expect(run.stdout()).toContain("fidelity score (mean MAPE): n/a");
    expect(run.stdout()).toContain(
      "Nothing was scored: the bundle has no observed running tasks, CPU, RequestCountPerTarget or p95 response time",
    );
  });
});

describe("a bad flag value", () => {
  it("points at the command's own help", async () => {
    const io = captureIo();
    const code = await main(
      ["import", "x.log", "--format", "json", "--out", join(dir, "never")],
      cliContext(io, { cwd: dir }),
    );
    expect(code).toBe(2);
    expect(io.stderr()).toContain("Allowed choices are alb, nginx, csv, k6, cloudwatch.");
    expect(io.stderr()).toContain("(run caplab import --help for usage)");
  });
});

describe("k6 output given as --summary-export", () => {
  it("says it is the output and where each file goes", async () => {
    const k6 = data("k6/out-json.k6-docs-example.ndjson");
    await refused(
      [
        "import",
        data("k6/out-json.xk6-dashboard-result.ndjson"),
        "--format",
        "k6",
        "--no-record",
        "--summary-export",
        k6,
      ],
      /--summary-export .*out-json\.k6-docs-example\.ndjson is k6 --out json output \(a JSON object per line\), not a summary; give it as SOURCE, and the file k6 --summary-export wrote \(or handleSummary's data\) as --summary-export\./,
    );
  });
});

describe("a plan config given to simulate, and a file given to report", () => {
  it("says which command takes it", async () => {
    const plan = fileURLToPath(new URL("../../examples/plan-nasa.yaml", import.meta.url));
    await refused(
      ["simulate", plan],
      /plan-nasa\.yaml is a plan config \(it has space and current, and no task or scaling\): run caplab plan .*plan-nasa\.yaml, or give simulate one setting with task: and scaling:/,
    );
    await refused(
      ["report", data("traces/nab-nyc_taxi.csv")],
      /nab-nyc_taxi\.csv is a file; caplab report takes the folder caplab run, import, collect, plan or simulate wrote \(a CSV of request counts: caplab import FILE --format csv --out DIR first\)\./,
    );
    await refused(
      ["report", dir],
      /is not a run or trace bundle \(manifest\.json\), a plan folder \(recommendation\.json\) or a simulate folder .*; pass the folder caplab run, import, collect, plan or simulate wrote \(its --out\)\./,
    );
  });
});
