/**
 * What each command's help says besides its flags: a one-line summary (in `caplab --help`),
 * the description and the examples (in `caplab COMMAND --help`). Prose kept here so that each
 * command file reads as its flags and its call into the library; {@link describeCommand} puts
 * an entry on its command.
 */
import type { CommandHelp } from "./help.js";

/** Every command's (and `history`'s subcommands') summary, description and examples. */
export const COMMAND_HELP = {
  simulate: {
    summary:
      "replay a trace against one service configuration and predict scaling, latency, errors and cost",
    description:
      "Replays the config's trace against one ECS service configuration (task size, scaling policies) and writes timeline.csv (one row per step; caplab schema --timeline describes each column), events.json (every scaling decision with its reason) and summary.json (the Kpis and how much trace they rest on). A trace with less data than a plan needs (24 h, guardrails.minTraceHours) is simulated, not refused, but the summary, the warnings and the report's verdict say it is too little to rest a decision on. Everything but trace, service, task and scaling has a default (caplab schema).",
    examples: [{ command: "caplab simulate examples/simulate-nasa.yaml --out out/nasa" }],
  },
  plan: {
    summary:
      "search task sizes and scaling policies for the cheapest that meets the SLO (npm start runs it)",
    description:
      "Sweeps the config's candidate space (task sizes × target-tracking metrics × target values × capacities × cooldowns) on all cores, ranks candidates by cost within the SLO, re-runs the best under perturbations (traffic ×1.2 and ×1.5, launch time ×1.5, CPU per request ×1.2, a ×3 spike, the AWS/ECS average without draining tasks, a deployment at the peak), and writes recommendation.json, candidates.csv, pareto.json (the cost vs SLO-minutes front, drawn over the candidates within pareto.maxBudgetMultiple × the SLO's violation budget, twice by default; null: every candidate), snippets (CloudFormation, Terraform, AWS CLI), report.html, report.md and plan-result.json. The plan is recorded in the project's history. Exit 0, 3 when no candidate meets the SLO (the outputs are still written). Every field but trace and service has a default (caplab schema --plan); today's setting, to compare the pick with, goes under current: { task, scaling } (a simulate config's task and scaling, as they are), or comes from a bundle caplab collect wrote.",
    examples: [
      { note: "the embedded example week, no files needed", command: "caplab plan --default" },
      { command: "caplab plan examples/plan-nasa.yaml --out out/plan --workers 2" },
    ],
    flags: {
      default: "plan the embedded default: a generated week of traffic and an example service",
      workers: "worker threads, at most one per core (0 = in this thread; default: every core)",
      allowShortTrace:
        "plan on a trace shorter than guardrails.minTraceHours (default 24 h); every risk rating is then medium or higher",
      exhaustive:
        "simulate every candidate on its own and to the end (by default one stops once it can no longer change the plan, and candidates that differ only in architecture or capacity provider share one simulation, priced for each)",
    },
  },
  collect: {
    summary: "pull a service's CloudWatch metrics and scaling configuration into a trace bundle",
    description:
      "Reads, for the window, the ALB's request, latency, error and host metrics, the service's AWS/ECS and Container Insights metrics (per task and per container too, with enhanced observability; AWS/ECS CPU and memory at 20 s too where the service publishes them and the data is under 3 hours old), and snapshots the service, its task definition, its target group (health check, deregistration delay, slow start, routing algorithm) and its Application Auto Scaling target, policies, scheduled actions and activities. The ALB is --load-balancer, else the ResourceLabel of an ALBRequestCountPerTarget policy, else the one load balancer ELBv2 DescribeTargetGroups lists for the target group. Writes a trace bundle that simulate and plan take wherever they take a trace file. An interrupted run resumes where it stopped when run again. Read-only: the IAM actions it needs are in examples/iam/collect-policy.json.",
    examples: [
      {
        note: "a week of the service api in the cluster prod, then a plan on it",
        command:
          "caplab collect --cluster prod --service api --from now-7d --to now --out traces/api-week",
      },
      {
        note: "a load test's window, right after it (20-s CPU and memory are kept for 3 hours)",
        command:
          "caplab collect --cluster prod --service api --from 2026-03-01T10:00:00Z --to 2026-03-01T11:00:00Z --out out/run/server",
      },
    ],
    flags: {
      period:
        "step, 60 s or more; raised to what the data's age allows (older than 15 days: 300, 63 days: 3600)",
      maxTasks:
        "per-task and per-container series (enhanced observability) for at most this many tasks",
      highResolution:
        "skip the 20-s AWS/ECS CPU and memory series (collected by default where the service has them, last 3 h only)",
    },
  },
  import: {
    summary:
      "turn k6 results into a run bundle, or ALB/nginx logs, a CSV series or saved CloudWatch JSON into a trace bundle",
    description:
      "Reads per-request logs (plain or .gz; files, folders walked recursively, or s3://bucket/prefix) and writes a trace bundle: series/requests.csv per step plus the format's other series (5xx counts, latency) and a manifest whose notes count bad lines. simulate and plan read it with `trace: { file: DIR }`.\n\n" +
      "--format k6 reads k6's --out json NDJSON or --out csv output (plain or .gz; a CSV has no Metric lines, so custom metrics' types and the thresholds come from --summary-export or --thresholds) and writes a RUN bundle that report, gate and history take like one from caplab run: the thresholds (--thresholds FILE, the --summary-export's, the output's Metric lines) judged on the points as k6 judges them, each with its observed value (k6's own verdict where the summary export has one; exit 104 for a threshold k6 would refuse), the run recorded in the history, and trace/ at --step for simulate and plan. k6's end-of-test summary alone (--summary-export FILE without SOURCE, or the summary as the only SOURCE) makes a run bundle of k6's run-wide figures: the report shows them and the gate judges the SLO on k6's own p95 (p99 when summaryTrendStats has it); no 5xx, per-second series or trace.\n\n" +
      "Without --format the sources are sniffed: each file's first 64 KiB (un-gzipped), a folder's files (at most 16), never an S3 prefix. When every one reads unambiguously as the same format (every one of its first 20 lines an ALB, nginx/Apache combined or k6 --out json line; a whole k6 summary or CloudWatch JSON document; k6 --out csv's header; a CSV whose header names its time and count columns), caplab says so in one line and imports it as that --format would; anything else (two formats, a file that reads as one only mostly, an empty file) is refused with one sentence naming the source and the --format to add; a --metric-data-queries file given as a source is refused with one saying to give it as --queries. --format, when given, is used as it is.\n\n" +
      "--format cloudwatch reads saved AWS CLI JSON, recognized by its shape:\n" +
      "  - get-metric-data output: with --queries FILE (the --metric-data-queries JSON) each Id gets its namespace, metric, dimensions, stat, unit and Period; several outputs (pages, NextToken runs) merge by Id.\n" +
      "  - get-metric-statistics output: one series per statistic.\n" +
      "  - Container Insights performance events (log group /aws/ecs/containerinsights/CLUSTER/performance) as a JSON array, one per line (JSONL, streamed) or `aws logs filter-log-events` output: series task.<TaskId>.*, container.<TaskId>.<Container>.* and ci.<Metric>.Average, as caplab collect writes them.\n" +
      "The requests series is the one --requests names (query Id, Label or series id), else the AWS/ApplicationELB RequestCount series. Each series keeps its CloudWatch period: the query's Period, else --step, else the datapoints' spacing. A JSON document may be at most 64 MiB; JSONL is read as a stream.",
    examples: [
      { command: "caplab import ./alb-logs --format alb --out bundles/alb" },
      {
        note: 'without --format: sniffed, and said so ("Read access.log as an ALB access log …")',
        command: "caplab import access.log --out bundles/alb",
      },
      {
        note: "every object under an S3 prefix, one day of it",
        command:
          "caplab import s3://my-logs/alb/2025/04/08/ --format alb --from 2025-04-08T00:00:00Z --to 2025-04-09T00:00:00Z --out bundles/apr8",
      },
      { command: "caplab import /var/log/nginx/access.log.gz --format nginx --out bundles/nginx" },
      {
        note: "a run bundle for report and gate",
        command: "caplab import k6.json --format k6 --summary-export summary.json --out runs/today",
      },
      {
        note: "k6 --out csv=results.csv output, with the thresholds from the summary export",
        command:
          "caplab import results.csv --format k6 --summary-export summary.json --out runs/today",
      },
      {
        note: "k6's end-of-test summary alone (a CI job that keeps no --out json)",
        command: "caplab import summary.json --format k6 --out runs/today",
      },
      {
        command:
          "caplab import page1.json page2.json --format cloudwatch --queries queries.json --out bundles/cw",
      },
      {
        command:
          "caplab import cw.json performance.jsonl --format cloudwatch --requests m1 --out bundles/cw",
      },
    ],
    flags: {
      source:
        "log or JSON files, folders (walked recursively) or s3://bucket/prefix URLs (k6: none with --summary-export alone)",
      format:
        "what the sources are written in (default: sniffed from the files when they read unambiguously as one format; needed for S3)",
      step:
        "step of the series, seconds: 1, 5, 10, 15, 20, 30, 60, 120, 300 (default 60); cloudwatch: the period of " +
        "series whose query states none (1, 5, 10, 20, 30 or a multiple of 60; default: the datapoints' spacing)",
      from: "window start, ISO 8601 or unix seconds (default: the first request's step)",
      queries:
        "cloudwatch only: the --metric-data-queries JSON the get-metric-data output came from",
      requests:
        "cloudwatch only: the series that counts requests: query Id, Label or series id (default: the RequestCount series)",
      loadBalancer:
        "alb only: import this load balancer's lines (app/NAME/ID or NAME); default: each load balancer into its own bundle, the others beside --out as OUT-NAME",
      summaryExport:
        "k6 only: the run's k6 --summary-export file (or handleSummary data): k6's verdicts and numbers",
      thresholds:
        'k6 only: the script\'s thresholds as JSON ({"thresholds": {...}} as in k6 options), judged on the points',
      scenario:
        "k6 only: the scenario name the history pools runs by (default: the points' scenario tag)",
    },
  },
  run: {
    summary: "run a k6 scenario against a target and write a run bundle (k6's exit code is kept)",
    description:
      "Runs k6 (from PATH or K6_BIN) on a library scenario (smoke, constant, breakpoint, spike, soak, trace-replay) or a script file, with --out json=DIR/k6.json.gz and --summary-export DIR/summary.json, and writes DIR/manifest.json. The exit code is k6's (99: thresholds crossed), or 74 when k6 passed but the history could not be written. A k6 that wrote no results leaves --out as it was.\n\n" +
      "With --segments N --on ecs: one Fargate task per execution segment (RunTask), each with --no-thresholds; their k6 JSON outputs are gathered (--results), merged into DIR/k6.json.gz, and the plan's thresholds are judged on the merged points (DIR/thresholds.json; exit 99 when one fails, 1 when a segment's output is missing). With --on k8s: a k6-operator TestRun in DIR/testrun.yaml.",
    examples: [
      { command: "caplab run smoke --target https://my-alb.example.com" },
      {
        note: "a trace replayed at twice its traffic, an hour in a minute",
        command:
          "caplab run trace-replay --trace traces/nasa.csv --scale 2 --compress 60 --target https://alb --out out/replay",
      },
      {
        note: "three Fargate tasks; their outputs uploaded to S3",
        command:
          "caplab run spike --target https://alb --segments 3 --on ecs --cluster load --task-definition k6:3 --subnets subnet-a,subnet-b --results s3://my-bucket/k6",
      },
      {
        command:
          "caplab run constant --target https://alb --segments 4 --on ecs --cluster load --task-definition k6:3 --subnets subnet-a --results logs --sync-start",
      },
    ],
    flags: {
      target: "base URL of the service (tokens: CAPLAB_TOKEN, headers: CAPLAB_HEADER_<NAME>)",
      results:
        "where segment outputs are gathered from (--on ecs): s3://bucket/prefix (each task's entrypoint uploads its k6 JSON to prefix/<run id>/<segment>/, see examples/ecs-k6) or logs (k6 writes JSON to stdout; read from the task definition's awslogs log group)",
      syncStart:
        "start every segment paused and resume them together through k6's REST API (--on ecs; caplab must reach the tasks' private IPs: run it inside the VPC)",
    },
  },
  calibrate: {
    summary: "fit the service model (the service: and platform: YAML) from a trace or run bundle",
    description:
      "Fits CPU per request and idle CPU (regression of CPU used per task on requests per task), memory base and per in-flight request, non-CPU latency, the knee and launch-to-healthy time, with fit quality; warns when the data cannot support a parameter (it then keeps --config's value, else the documented default). Writes the service: and platform: sections caplab simulate takes.",
    examples: [
      { command: "caplab calibrate traces/api-week --out model.yaml" },
      {
        note: "an imported bundle that records no task size",
        command: "caplab calibrate bundles/cw --task-cpu 512 --task-memory 1024",
      },
    ],
  },
  rightsize: {
    summary:
      "task CPU/memory from Container Insights usage, checked with the scaling policy by simulation",
    description:
      "Takes p95 of the CPU and p99 of the memory each task used (Container Insights), adds headroom, maps them to the smallest valid Fargate size, then replays the bundle's traffic with that size, its neighbours and today's under today's scaling policy (a smaller task runs more copies; the service model is --config's, else calibrated from the bundle) and recommends the cheapest that meets the SLO without OOM kills. Today's task size and policy come from the bundle (caplab collect records them), else from --config and --task-cpu/--task-memory; without a policy, traffic or a model it gives the per-task answer, priced, and says why.",
    examples: [
      { command: "caplab rightsize traces/api-week --slo-p95 300 --headroom 25" },
      {
        note: "an imported bundle: today's task size and policy from a config",
        command: "caplab rightsize bundles/ci --config examples/simulate-nasa.yaml",
      },
    ],
  },
  backtest: {
    summary:
      "replay a bundle's traffic with its actual configuration and score the simulator (MAPE, scale-out lag)",
    description:
      "Replays the bundle's observed traffic through the simulator with the service's recorded configuration (manifest.current, and a service model calibrated from the bundle), or with a simulate config's service, task and scaling, and compares the result with what was observed: the mean absolute percentage error (MAPE) of running tasks, CPU, RequestCountPerTarget and p95 response time, their mean as one fidelity score, and the lag of each matched scale-out. Writes backtest.json (into the bundle unless --out).",
    examples: [
      { command: "caplab backtest traces/api-week" },
      {
        note: "with a model of your own instead of the calibrated one",
        command: "caplab backtest traces/api-week model.yaml --out out/backtest",
      },
    ],
  },
  report: {
    summary:
      "write the report of a run bundle, trace bundle, plan folder or simulate folder (HTML, Markdown, PNG, JSON)",
    description:
      "For a run bundle: request rate, latency percentiles and errors per second, k6 thresholds and their verdicts, dropped iterations and the server side (tasks, CPU, memory, RequestCountPerTarget) when collected. A trace bundle (caplab collect or import) reports its traffic (requests, 5xx, response time per step) and server side; with --slo-p95 and/or --slo-errors it also judges that traffic: a step with requests violates when its p95 (TargetResponseTime) or its 5xx share is over the limit, and the traffic PASSES when its violating minutes stay within --slo-budget (default 0.5 % of its minutes), counted as plan and simulate count them. The exit code stays 0 (a report, not a gate). For a plan folder: re-renders report.html, report.md, report.json and plan-*.png from its plan-result.json. For a simulate folder: the verdict against the SLO, traffic, tasks with scaling events, metric against target, p95 against the SLO, cost, the worst minutes and the events table. PNG charts need Chromium (else they are skipped with a warning).",
    examples: [
      { command: "caplab report caplab-out/run --format html,md,png" },
      {
        note: "re-render a plan's report, with PNG charts",
        command: "caplab report caplab-out/plan --format html,png",
      },
      {
        note: "charts of one what-if (caplab simulate --out out/nasa)",
        command: "caplab report out/nasa",
      },
      {
        note: "the traffic of imported ALB logs (caplab import logs/ --format alb --out bundles/alb)",
        command: "caplab report bundles/alb",
      },
      {
        note: "did the service hold a 300-ms p95 and 0.1 % of 5xx on that traffic?",
        command: "caplab report bundles/alb --slo-p95 300 --slo-errors 0.1",
      },
    ],
  },
  gate: {
    summary:
      "pass or fail a run: SLO, k6 thresholds, server headroom, and regression against a baseline",
    description:
      "Absolute checks (SLO, k6 thresholds, 5xx, CPU/memory headroom, tasks below MaxCapacity) and, with a baseline, regression checks (bootstrap CI of the p95 difference, Mann-Whitney on per-second p95, two-proportion test on errors, capacity). Writes gate-junit.xml, gate.md, gate.json; records the run and verdict in the history. Exit 0 pass, 1 fail or inconclusive (no check failed, but fewer judged than gate.yaml's minJudgedChecks, default 1, or none of latency: a performance gate that judged only 5xx or headroom does not pass; requireLatencyCheck: false allows it; a latency pass on fewer samples than its percentile needs, 59 for a p95, is not judged: latencySampleConfidence), 2 usage error, 74 history not recorded (a failed gate stays 1). Every check's limit has a default (caplab schema --gate).",
    examples: [
      { command: "caplab gate out/run --baseline out/last-release" },
      {
        note: "against the last 10 runs of the same scenario in the history",
        command: "caplab gate out/run --baseline-from-history 10 --config gate.yaml",
      },
    ],
  },
  schema: {
    summary: "print the JSON Schema of the simulate, plan or gate config, every field described",
    description:
      "Prints the JSON Schema of the simulate config (default), the plan config (--plan) or gate.yaml (--gate), generated from the one schema in code, with each field's description, unit and default; or, with --timeline, a row of simulate's timeline.csv with what each column holds. Point your editor's YAML language server at it to get completion and descriptions while writing a config.",
    examples: [
      {
        note: "for the YAML language server: # yaml-language-server: $schema=plan.schema.json",
        command: "caplab schema --plan > plan.schema.json",
      },
      { command: "caplab schema --timeline" },
    ],
  },
  history: {
    summary: "list recorded runs and plans with trends and p95 change points; export as Parquet",
    description:
      "Every caplab run, gate and plan is recorded in one DuckDB database per project (--history, else $CAPLAB_HISTORY, else .caplab/history.duckdb in the project's root folder). `history` (or `history list`) shows the runs, their trends and change points, and the plans; `history export` writes every table as Parquet.",
    examples: [
      { command: "caplab history" },
      { command: "caplab history export --parquet out/history" },
    ],
  },
  historyList: {
    summary: "runs with trends and p95 change points, then plans (the default)",
    description:
      "Runs (oldest first) with p95, errors, CPU-seconds per request, cost and gate verdict; the trend of each; E-divisive change points in p95 (Apache Otava's method, seeded); then the plans with their pick and its monthly cost.",
    examples: [
      { command: "caplab history" },
      { command: "caplab history --scenario constant --last 10 --json" },
    ],
  },
  historyExport: {
    summary: "every table as Parquet",
    description:
      "Writes runs, run_seconds, run_latency_sample, gates and plans as DIR/<table>.parquet, which DuckDB or Athena read from S3.",
    examples: [{ command: "caplab history export --parquet out/history" }],
  },
} as const satisfies Record<string, CommandHelp>;
