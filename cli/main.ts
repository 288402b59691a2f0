/**
 * The `caplab` command. `main(argv)` returns the exit code and can run inside a test; only
 * bin/caplab.js calls process.exit. User mistakes are UsageErrors (exit 2, one sentence); a
 * history that cannot be used is a HistoryError (exit 74, one sentence); anything else shows
 * its stack (exit 1).
 */
import { Command, CommanderError, Option } from "commander";
import { z } from "zod";
import {
  PlanConfigSchema,
  SimulateConfigSchema,
  TimelineRowSchema,
  type Warning,
} from "../sim/vocab/index.js";
import { HistoryError, Interrupted, UsageError } from "../sim/vocab/errors.js";
import { FORCE_HELP } from "../analysis/io/files/output.js";
import { redactUserinfo } from "../analysis/io/files/urls.js";
import { printable } from "../reports/escape.js";
import { GateConfigSchema } from "../analysis/gate.js";
import { runBacktestCommand, type BacktestCommandOptions } from "./backtest-command.js";
import { runCalibrateCommand, type CalibrateCommandOptions } from "./calibrate-command.js";
import {
  addCollectCommand,
  connectTimeoutOption,
  requestTimeoutOption,
} from "./collect-command.js";
import { runGateCommand, type GateOptions } from "./gate-command.js";
import {
  runHistoryExportCommand,
  runHistoryListCommand,
  type HistoryListOptions,
} from "./history-command.js";
import { runReportCommand, type ReportOptions } from "./report-command.js";
import { runRightsizeCommand, type RightsizeCommandOptions } from "./rightsize-command.js";
import { IMPORT_FORMATS, runImportCommand, type ImportCommandOptions } from "./import-command.js";
import { runPlanCommand } from "./plan-command.js";
import { runRunCommand, type RunOptions } from "./run-command.js";
import { K6_API_PORT, SYNC_START_TIMEOUT_SECONDS } from "../scenarios/io/segment-start.js";
import { runSimulateCommand } from "./simulate-command.js";
import { numberFlag, wholeNumberFlag } from "./flags.js";

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether stderr is a terminal (progress bars). */
  readonly isTty: boolean;
}

/**
 * The Io every command writes through: each piece of text passes through {@link printable},
 * so a control character that came from outside (a log field, a scenario or threshold name, a
 * path in an error) shows as `\uXXXX` instead of acting on the terminal. Tab and line feed
 * pass. Progress bars, which write caplab's own control sequences, write to the terminal
 * directly.
 */
export function printableIo(io: Io): Io {
  return {
    out: (text) => io.out(printable(text)),
    err: (text) => io.err(printable(text)),
    isTty: io.isTty,
  };
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTty: Boolean(process.stderr.isTTY),
};

/** Prints warnings as one line each. */
export function printWarnings(io: Io, warnings: readonly Warning[]): void {
  const shown = warnings.slice(0, 20);
  for (const w of shown) io.err(`warning: ${w.message}\n`);
  if (warnings.length > shown.length)
    io.err(`warning: … and ${warnings.length - shown.length} more\n`);
}

function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command("caplab")
    .description(
      "Load tests and scaling simulation for ECS Fargate services behind an ALB: replay traffic against target-tracking policies and task sizes, and pick the cheapest that meets the SLO.",
    )
    .configureOutput({ writeOut: io.out, writeErr: (t) => io.err(redactUserinfo(t)) })
    .exitOverride()
    .showHelpAfterError("(run caplab --help for usage)");

  program
    .command("simulate")
    .summary(
      "replay a trace against one service configuration and predict scaling, latency, errors and cost",
    )
    .description(
      "Replays the config's trace against one ECS service configuration (task size, scaling policies) and writes\n" +
        "timeline.csv (one row per step), events.json (every scaling decision with its reason) and summary.json (Kpis).\n\n" +
        "Example: caplab simulate examples/simulate-nasa.yaml --out out/nasa",
    )
    .argument("<config>", "YAML or JSON config (see `caplab schema`)")
    .option("--out <dir>", "output folder", "caplab-out/simulate")
    .option("--force", FORCE_HELP.folder)
    .option("--json", "print the summary (Kpis) as JSON on stdout")
    .action(async (config: string, opts: { out: string; json?: boolean; force?: boolean }) => {
      setCode(await runSimulateCommand(config, opts, io));
    });

  program
    .command("plan")
    .summary(
      "search task sizes and scaling policies for the cheapest that meets the SLO (npm start runs it)",
    )
    .description(
      "Sweeps the config's candidate space (task sizes × target-tracking metrics × target values × capacities ×\n" +
        "cooldowns) on all cores, ranks candidates by cost within the SLO, re-runs the best under perturbations, and\n" +
        "writes recommendation.json, candidates.csv, pareto.json, snippets (CloudFormation, Terraform, AWS CLI),\n" +
        "report.html and report.md.\n\n" +
        "Examples:\n  caplab plan --default                 # the embedded example week, no files needed\n" +
        "  caplab plan examples/plan-nasa.yaml --out out/plan --workers 2",
    )
    .argument("[config]", "YAML or JSON plan config (see `caplab schema --plan`)")
    .option(
      "--default",
      "plan the embedded default: a generated week of traffic and an example service",
    )
    .option("--out <dir>", "output folder", "caplab-out/plan")
    .option("--force", FORCE_HELP.folder)
    .addOption(
      new Option("--workers <n>", "worker threads (0 = in this thread)").argParser(
        wholeNumberFlag("--workers", { unit: "threads" }),
      ),
    )
    .option("--quiet", "no progress bar")
    .option("--json", "print recommendation.json on stdout instead of the summary")
    .option(
      "--allow-short-trace",
      "plan on a trace shorter than guardrails.minTraceHours (default 24 h); every risk rating is then medium or higher",
    )
    .option(
      "--exhaustive",
      "simulate every candidate to the end (by default one stops once it can no longer change the plan)",
    )
    .action(
      async (
        config: string | undefined,
        opts: {
          default?: boolean;
          out: string;
          workers?: number;
          quiet?: boolean;
          json?: boolean;
          force?: boolean;
          allowShortTrace?: boolean;
          exhaustive?: boolean;
        },
      ) => {
        setCode(await runPlanCommand(config, opts, io));
      },
    );

  addCollectCommand(program, io, setCode);

  program
    .command("import")
    .summary(
      "turn k6 results into a run bundle, or ALB/nginx logs, a CSV series or saved CloudWatch JSON into a trace bundle",
    )
    .description(
      "Reads per-request logs (plain or .gz; files, folders walked recursively, or s3://bucket/prefix) and writes a " +
        "trace bundle: series/requests.csv per step plus the format's other series (5xx counts, latency) and a " +
        "manifest whose notes count bad lines. simulate and plan read it with `trace: { file: DIR }`.\n\n" +
        "--format k6 reads k6's --out json NDJSON (plain or .gz) and writes a RUN bundle that report, gate and " +
        "history take like one from caplab run: the thresholds (--thresholds FILE, the --summary-export's, the " +
        "output's Metric lines) judged on the points as k6 judges them, each with its observed value (k6's own " +
        "verdict where the summary export has one; exit 104 for a threshold k6 would refuse), the run recorded " +
        "in the history, and trace/ at --step for simulate and plan.\n\n" +
        "--format cloudwatch reads saved AWS CLI JSON, recognized by its shape:\n" +
        "  get-metric-data output: with --queries FILE (the --metric-data-queries\n" +
        "    JSON) each Id gets its namespace, metric, dimensions, stat, unit and\n" +
        "    Period; several outputs (pages, NextToken runs) merge by Id.\n" +
        "  get-metric-statistics output: one series per statistic.\n" +
        "  Container Insights performance events (log group\n" +
        "    /aws/ecs/containerinsights/CLUSTER/performance) as a JSON array, one per\n" +
        "    line (JSONL, streamed) or `aws logs filter-log-events` output: series\n" +
        "    task.<TaskId>.*, container.<TaskId>.<Container>.* and ci.<Metric>.Average,\n" +
        "    as caplab collect writes them.\n" +
        "The requests series is the one --requests names (query Id, Label or series\n" +
        "id), else the AWS/ApplicationELB RequestCount series. Each series keeps its\n" +
        "CloudWatch period: the query's Period, else --step, else the datapoints'\n" +
        "spacing. A JSON document may be at most 64 MiB; JSONL is read as a stream.\n\n" +
        "Examples:\n  caplab import ./alb-logs --format alb --out bundles/alb\n" +
        "  caplab import s3://my-logs/AWSLogs/123456789012/elasticloadbalancing/us-east-1/2025/04/ --format alb --out bundles/apr\n" +
        "  caplab import /var/log/nginx/access.log.gz --format nginx --out bundles/nginx\n" +
        "  caplab import k6.json --format k6 --summary-export summary.json --out runs/today   # a run bundle for report and gate\n" +
        "  caplab import page1.json page2.json --format cloudwatch --queries queries.json --out bundles/cw\n" +
        "  caplab import cw.json performance.jsonl --format cloudwatch --requests m1 --out bundles/cw",
    )
    .argument(
      "<source...>",
      "log or JSON files, folders (walked recursively) or s3://bucket/prefix URLs",
    )
    .addOption(
      new Option("--format <format>", "what the sources are written in")
        .choices(IMPORT_FORMATS)
        .makeOptionMandatory(),
    )
    .option(
      "--step <seconds>",
      "step of the series, seconds: 1, 5, 10, 15, 20, 30, 60, 120, 300 (default 60); cloudwatch: the period of " +
        "series whose query states none (1, 5, 10, 20, 30 or a multiple of 60; default: the datapoints' spacing)",
    )
    .option(
      "--from <time>",
      "window start, ISO 8601 or unix seconds (default: the first request's step)",
    )
    .option("--to <time>", "window end, exclusive (default: the end of the last request's step)")
    .option("--time-column <name>", "CSV only: the time column (default: detected)")
    .option("--value-column <name>", "CSV only: the count column (default: detected)")
    .option(
      "--queries <file>",
      "cloudwatch only: the --metric-data-queries JSON the get-metric-data output came from",
    )
    .option(
      "--requests <name>",
      "cloudwatch only: the series that counts requests: query Id, Label or series id (default: the RequestCount series)",
    )
    .option(
      "--load-balancer <name>",
      "alb only: import this load balancer's lines (app/NAME/ID or NAME); default: each load balancer into its own bundle, the others beside --out as OUT-NAME",
    )
    .option(
      "--summary-export <file>",
      "k6 only: the run's k6 --summary-export file (or handleSummary data): k6's verdicts and numbers",
    )
    .option(
      "--thresholds <file>",
      'k6 only: the script\'s thresholds as JSON ({"thresholds": {...}} as in k6 options), judged on the points',
    )
    .option(
      "--scenario <name>",
      "k6 only: the scenario name the history pools runs by (default: the points' scenario tag)",
    )
    .option("--run-id <id>", "k6 only: the run's id (default: import- and 8 random hex digits)")
    .option("--history <path>", "k6 only: history database the run is recorded in")
    .option("--no-record", "k6 only: do not record the run in the history")
    .option("--endpoint-url <url>", "S3 endpoint, path-style (e.g. a local S3 for tests)")
    .option("--region <region>", "S3 region (default: AWS_REGION, else us-east-1)")
    .addOption(connectTimeoutOption())
    .addOption(requestTimeoutOption())
    .requiredOption("--out <dir>", "bundle folder to write (replaced atomically)")
    .option("--force", FORCE_HELP.folder)
    .option("--quiet", "no progress and no summary; warnings still go to stderr")
    .action(async (sources: string[], opts: ImportCommandOptions) => {
      setCode(await runImportCommand(sources, opts, io));
    });

  program
    .command("run")
    .summary("run a k6 scenario against a target and write a run bundle (k6's exit code is kept)")
    .description(
      "Runs k6 (from PATH or K6_BIN) on a library scenario (smoke, constant, breakpoint, spike, soak, trace-replay)\n" +
        "or a script file, with --out json=DIR/k6.json.gz and --summary-export DIR/summary.json, and writes\n" +
        "DIR/manifest.json. Exit code = k6's (99: thresholds crossed), or 74 when k6 passed but the history\n" +
        "could not be written.\n\n" +
        "With --segments N --on ecs: one Fargate task per execution segment (RunTask), each with --no-thresholds;\n" +
        "their k6 JSON outputs are gathered (--results), merged into DIR/k6.json.gz, and the plan's thresholds are\n" +
        "judged on the merged points (DIR/thresholds.json; exit 99 when one fails, 1 when a segment's output is missing).\n\n" +
        "Examples:\n  caplab run smoke --target https://my-alb.example.com\n" +
        "  caplab run trace-replay --trace traces/nasa.csv --scale 2 --compress 60 --target https://alb --out out/replay\n" +
        "  caplab run spike --target https://alb --segments 3 --on ecs --cluster load --task-definition k6:3 --subnets subnet-a,subnet-b --results s3://my-bucket/k6\n" +
        "  caplab run constant --target https://alb --segments 4 --on ecs --cluster load --task-definition k6:3 --subnets subnet-a --results logs --sync-start",
    )
    .argument("<scenario>", "library scenario name or path to a k6 script")
    .requiredOption(
      "--target <url>",
      "base URL of the service (tokens: CAPLAB_TOKEN, headers: CAPLAB_HEADER_<NAME>)",
    )
    .option("--out <dir>", "run bundle folder", "caplab-out/run")
    .option("--force", FORCE_HELP.folder)
    .option("--collect <cluster/service>", "collect the server side for the run's window")
    .option("--plan <file>", "plan JSON (shape, mix, slo)")
    .option("--trace <file>", "trace CSV or bundle to replay (trace-replay)")
    .addOption(
      new Option("--scale <x>", "multiplier on the trace's requests").argParser(
        numberFlag("--scale", { positive: true }),
      ),
    )
    .addOption(
      new Option("--compress <x>", "time compression of the trace").argParser(
        numberFlag("--compress", { positive: true }),
      ),
    )
    .addOption(
      new Option("--segments <n>", "execution segments (with --on)").argParser(
        wholeNumberFlag("--segments", { min: 1 }),
      ),
    )
    .addOption(new Option("--on <engine>", "where the segments run").choices(["ecs", "k8s"]))
    .option("--cluster <name>", "ECS cluster for the k6 tasks")
    .option("--task-definition <td>", "task definition with a k6 container")
    .option("--subnets <ids>", "comma-separated subnets", (v: string) => v.split(","))
    .option("--security-groups <ids>", "comma-separated security groups", (v: string) =>
      v.split(","),
    )
    .option("--container <name>", "k6 container name in the task definition", "k6")
    .option(
      "--script-in-image <path>",
      "scenario path inside the k6 image (default /scenarios/<name>.js)",
    )
    .option(
      "--results <where>",
      "where segment outputs are gathered from (--on ecs): s3://bucket/prefix (each task's entrypoint uploads " +
        "its k6 JSON to prefix/<run id>/<segment>/, see examples/ecs-k6) or logs (k6 writes JSON to stdout; read " +
        "from the task definition's awslogs log group)",
    )
    .option(
      "--sync-start",
      "start every segment paused and resume them together through k6's REST API (--on ecs; caplab must " +
        "reach the tasks' private IPs: run it inside the VPC)",
    )
    .addOption(
      new Option(
        "--sync-port <port>",
        `k6 REST API port in the tasks (--sync-start; default ${K6_API_PORT})`,
      ).argParser(wholeNumberFlag("--sync-port", { min: 1, max: 65535 })),
    )
    .addOption(
      new Option(
        "--sync-timeout <seconds>",
        `how long to wait for every k6 to be ready once the tasks run (default ${SYNC_START_TIMEOUT_SECONDS})`,
      ).argParser(wholeNumberFlag("--sync-timeout", { min: 1, unit: "seconds" })),
    )
    .addOption(connectTimeoutOption())
    .addOption(requestTimeoutOption())
    .action(async (scenario: string, opts: RunOptions) => {
      setCode(await runRunCommand(scenario, opts, io));
    });

  program
    .command("calibrate")
    .summary("fit the service model (the service: and platform: YAML) from a trace or run bundle")
    .description(
      "Fits CPU per request and idle CPU (regression of CPU used per task on requests per task), memory base and " +
        "per in-flight request, non-CPU latency, the knee and launch-to-healthy time, with fit quality; warns when " +
        "the data cannot support a parameter. Writes the service: and platform: sections caplab simulate takes.\n\n" +
        "Example: caplab calibrate traces/api-week --out model.yaml",
    )
    .argument("<bundle>", "trace bundle (caplab collect or import) or run bundle with server/")
    .option("--out <file>", "write the YAML here (default: stdout)")
    .option("--force", FORCE_HELP.file)
    .addOption(
      new Option("--slo-p95 <ms>", "p95 limit that defines the knee").argParser(
        numberFlag("--slo-p95", { unit: "milliseconds", positive: true }),
      ),
    )
    .option(
      "--config <file>",
      "today's simulate config: its task size, and its service values kept where the data cannot fit them",
    )
    .option("--task-cpu <units>", "today's task cpu, when the bundle records none (e.g. 512)")
    .option("--task-memory <MiB>", "today's task memory, when the bundle records none (e.g. 1024)")
    .action(async (bundle: string, opts: CalibrateCommandOptions) => {
      setCode(await runCalibrateCommand(bundle, opts, io));
    });

  program
    .command("rightsize")
    .summary(
      "task CPU/memory from Container Insights usage, checked with the scaling policy by simulation",
    )
    .argument(
      "<bundle>",
      "trace bundle (caplab collect or import) or run bundle with Container Insights or AWS/ECS CPU series",
    )
    .option(
      "--config <file>",
      "today's simulate config (service, task, scaling), when the bundle records none",
    )
    .option(
      "--task-cpu <units>",
      "today's task cpu (e.g. 512); overrides the bundle's and --config's",
    )
    .option("--task-memory <MiB>", "today's task memory (e.g. 1024)")
    .addOption(
      new Option("--slo-p95 <ms>", "p95 SLO, ms").argParser(
        numberFlag("--slo-p95", { unit: "milliseconds", positive: true }),
      ),
    )
    .addOption(
      new Option("--headroom <percent>", "headroom over the usage percentiles").argParser(
        numberFlag("--headroom", { unit: "percent", positive: false }),
      ),
    )
    .option("--json", "print the result as JSON")
    .action(async (bundle: string, opts: RightsizeCommandOptions) => {
      setCode(await runRightsizeCommand(bundle, opts, io));
    });

  program
    .command("backtest")
    .summary(
      "replay a bundle's traffic with its actual configuration and score the simulator (MAPE, scale-out lag)",
    )
    .argument("<bundle>", "trace bundle")
    .argument("[config]", "simulate config (service, task, scaling; its trace is ignored)")
    .option("--out <dir>", "folder for backtest.json (default: the bundle)")
    .option("--force", FORCE_HELP.files)
    .option("--json", "print backtest.json on stdout")
    .action(async (bundle: string, config: string | undefined, opts: BacktestCommandOptions) => {
      setCode(await runBacktestCommand(bundle, config, opts, io));
    });

  program
    .command("report")
    .summary(
      "write the report of a run bundle, plan folder or simulate folder (HTML, Markdown, PNG, JSON)",
    )
    .description(
      "For a run bundle: request rate, latency percentiles and errors per second, k6 thresholds and their verdicts, " +
        "dropped iterations and the server side (tasks, CPU, memory, RequestCountPerTarget) when collected. " +
        "For a plan folder: re-renders report.html, report.md, report.json and plan-*.png from its plan-result.json. " +
        "For a simulate folder: the verdict against the SLO, traffic, tasks with scaling events, metric against target, " +
        "p95 against the SLO, cost, the worst minutes and the events table.\n\n" +
        "Example: caplab report caplab-out/run --format html,md,png",
    )
    .argument("<dir>", "run bundle (caplab run --out), plan folder or simulate folder")
    .option("--format <list>", "comma-separated: html, md, png, json", "html,md,json")
    .option("--out <dir>", "output folder (default: the bundle)")
    .option("--force", FORCE_HELP.files)
    .action(async (dir: string, opts: ReportOptions) => {
      setCode(await runReportCommand(dir, opts, io));
    });

  program
    .command("gate")
    .summary(
      "pass or fail a run: SLO, k6 thresholds, server headroom, and regression against a baseline",
    )
    .description(
      "Absolute checks (SLO, k6 thresholds, 5xx, CPU/memory headroom, tasks below MaxCapacity) and, with a baseline, " +
        "regression checks (bootstrap CI of the p95 difference, Mann-Whitney on per-second p95, two-proportion test on " +
        "errors, capacity). Writes gate-junit.xml, gate.md, gate.json; records the run and verdict in the history. " +
        "Exit 0 pass, 1 fail, 2 usage error, 74 history not recorded (a failed gate stays 1).\n\n" +
        "Examples:\n  caplab gate out/run --baseline out/last-release\n" +
        "  caplab gate out/run --baseline-from-history 10 --config gate.yaml",
    )
    .argument("<run>", "run bundle")
    .option("--baseline <run>", "baseline run bundle")
    .addOption(
      new Option(
        "--baseline-from-history <n>",
        "pool the last N runs of the same scenario in the history",
      ).argParser(wholeNumberFlag("--baseline-from-history", { min: 1, unit: "runs" })),
    )
    .option("--config <file>", "gate.yaml (see caplab schema --gate)")
    .option(
      "--history <path>",
      "history database (default $CAPLAB_HISTORY, else .caplab/history.duckdb)",
    )
    .option(
      "--out <dir>",
      "where gate-junit.xml, gate.md and gate.json go (default: the run bundle)",
    )
    .option("--force", FORCE_HELP.files)
    .option("--no-record", "do not record the run and the verdict in the history")
    .action(async (run: string, opts: GateOptions) => {
      setCode(await runGateCommand(run, opts, io));
    });

  const history = program
    .command("history")
    .summary("list recorded runs with trends and p95 change points; export the history as Parquet");
  history
    .command("list", { isDefault: true })
    .description(
      "Runs (oldest first) with p95, errors, CPU-seconds per request, cost and gate verdict; trends; E-divisive change points in p95.",
    )
    .addOption(
      new Option("--last <n>", "runs to list").argParser(
        wholeNumberFlag("--last", { min: 1, unit: "runs" }),
      ),
    )
    .option("--scenario <name>", "only this scenario")
    .option("--history <path>", "history database")
    .option("--json", "print JSON")
    .action(async (opts: HistoryListOptions) => {
      setCode(await runHistoryListCommand(opts, io));
    });
  history
    .command("export")
    .description(
      "Writes runs, run_seconds, run_latency_sample, gates and plans as DIR/<table>.parquet.",
    )
    .requiredOption("--parquet <dir>", "output folder")
    .option("--history <path>", "history database")
    .option("--force", FORCE_HELP.folder.replace("--out", "--parquet"))
    .action(async (opts: { parquet: string; history?: string; force?: boolean }) => {
      setCode(await runHistoryExportCommand(opts, io));
    });

  program
    .command("schema")
    .summary("print the JSON Schema of the simulate (or, with --plan, the plan) config")
    .option("--plan", "the plan config's schema")
    .option("--gate", "the gate.yaml schema")
    .option("--timeline", "a row of simulate's timeline.csv, each column described")
    .action((opts: { plan?: boolean; gate?: boolean; timeline?: boolean }) => {
      const schema = z.toJSONSchema(
        opts.timeline
          ? TimelineRowSchema
          : opts.gate
            ? GateConfigSchema
            : opts.plan
              ? PlanConfigSchema
              : SimulateConfigSchema,
        {
          io: "input",
        },
      );
      io.out(`${JSON.stringify(schema, null, 2)}\n`);
      setCode(0);
    });
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], terminal: Io = processIo): Promise<number> {
  const io = printableIo(terminal);
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; parse errors were already printed by commander.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof Interrupted) {
      io.err(`caplab: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof UsageError) {
      io.err(`caplab: ${redactUserinfo(error.message)}\n`);
      return error.exitCode;
    }
    if (error instanceof HistoryError) {
      io.err(`caplab: ${redactUserinfo(error.message)}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
