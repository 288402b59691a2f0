/**
 * `caplab report` on a trace bundle (`caplab import` of real logs from ../shared/data): the
 * report shows the bundle's traffic (requests, 5xx, TargetResponseTime), not a load test's
 * zeros, and says there is nothing to judge unless --slo-p95 / --slo-errors give an SLO to judge
 * its traffic against; `caplab gate` refuses it, as the run or as the
 * baseline, saying what to do.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runImportCommand } from "../../cli/import-command.js";
import { runReportCommand } from "../../cli/report-command.js";
import { runGateCommand } from "../../cli/gate-command.js";
import { UsageError } from "../../sim/vocab/errors.js";
import { captureIo, cliContext } from "../helpers/io.js";

const data = (name: string) =>
  fileURLToPath(new URL(`../../../shared/data/${name}`, import.meta.url));

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-report-traffic-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function importThenReport(source: string, format: string, name: string) {
  const bundle = join(dir, name);
  expect(await runImportCommand([source], { format, out: bundle }, cliContext(captureIo()))).toBe(
    0,
  );
  const out = join(dir, `${name}-report`);
  const io = captureIo();
  expect(await runReportCommand(bundle, { out, format: "html,md,json" }, cliContext(io))).toBe(0);
  return {
    md: await readFile(join(out, "report.md"), "utf8"),
    html: await readFile(join(out, "report.html"), "utf8"),
    json: JSON.parse(await readFile(join(out, "report.json"), "utf8")) as {
      traffic: { stepSeconds: number; steps: { requests: number }[] } | null;
      requests: number | null;
      status5xx: number | null;
      latency: unknown;
      capacity: unknown;
    },
  };
}

describe("caplab report on a trace bundle", () => {
  it("shows an nginx log's requests and 5xx over its days, with a request-rate chart", async () => {
    const r = await importThenReport(
      data("nginx/nginx_logs.elastic-examples.first14575.log"),
      "nginx",
      "nginx",
    );
    expect(r.md).toMatch(/^# caplab traffic: trace bundle \(nginx\)/);
    expect(r.md).toContain("| Requests | 14,575 over 5 days (7,261 steps of 60 s)");
    expect(r.md).toMatch(/\| 5xx responses \| 0 \(0\.000 % of requests\) \|/);
    expect(r.md).toContain("NO VERDICT: a trace bundle holds traffic, not a load test");
    // No k6 sections for a bundle without k6.
    expect(r.md).not.toContain("## Thresholds");
    expect(r.md).not.toContain("Dropped iterations");
    expect(r.html).toContain("<h1>Traffic</h1>");
    expect(r.html).toContain('id="chart-traffic-requests"');
    // The nginx log has no response times: no latency chart.
    expect(r.html).not.toContain('id="chart-traffic-latency"');
    expect(r.json.traffic?.stepSeconds).toBe(60);
    expect(r.json.traffic?.steps.reduce((a, s) => a + s.requests, 0)).toBe(14575);
    // No load test ran: its figures are null, not 0 (which read as an empty run).
    expect([r.json.requests, r.json.status5xx, r.json.latency, r.json.capacity]).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });

  it("is refused by the gate, as the run and as the baseline, with what to do instead", async () => {
    const bundle = join(dir, "nginx");
    const gate = (run: string, baseline?: string) =>
      runGateCommand(
        run,
        { out: join(dir, "gate"), history: join(dir, "history.duckdb"), baseline },
        cliContext(captureIo()),
      );
    const refused = await gate(bundle).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as UsageError).message).toBe(
      `${bundle} is a trace bundle (nginx): it holds traffic, not a load test's results, so the gate has nothing to judge; gate a run bundle (caplab run, or caplab import --format k6), see this traffic with caplab report ${bundle}, or replay it with trace: { file: ${bundle} } in a simulate or plan config.`,
    );
    // As a baseline too (a real k6 import as the run); nothing is written either way.
    const k6 = join(dir, "k6-run");
    const ctx = cliContext(captureIo());
    const k6Output = data("k6/out-json.xk6-dashboard-result.ndjson");
    expect(await runImportCommand([k6Output], { format: "k6", out: k6, record: false }, ctx)).toBe(
      0,
    );
    await expect(gate(k6, bundle)).rejects.toThrow(`${bundle} is a trace bundle (nginx)`);
    await expect(readFile(join(dir, "gate", "gate.json"), "utf8")).rejects.toThrow(/ENOENT/);
  });

  it("shows an ALB log's TargetResponseTime p95 and average in ms, and its 5xx series", async () => {
    const r = await importThenReport(data("alb/dmastrop-tomcat-alb-50-targets.log"), "alb", "alb");
    expect(r.md).toContain("| Requests | 23 over 1 min (1 step of 60 s)");
    expect(r.md).toMatch(/\| Response time p95 per step \| median [\d.]+ ms, worst [\d.]+ ms at /);
    expect(r.md).toMatch(/\| Response time, average \| [\d.]+ ms \(weighted by requests\) \|/);
    expect(r.md).toContain("elb-5xx (HTTPCode_ELB_5XX_Count) + target-5xx");
    expect(r.html).toContain('id="chart-traffic-latency"');
    // The 5xx counts are the traffic's; no server side is made of them alone.
    expect(r.md).toContain("The bundle has no server-side series.");
  });

  it("judges the traffic against --slo-p95 and --slo-errors: PASS, FAIL with its worst step, no pass on an unjudged limit", async () => {
    const report = async (bundle: string, opts: Record<string, number>, name: string) => {
      const out = join(dir, name);
      const io = captureIo();
      expect(
        await runReportCommand(bundle, { out, format: "md,json", ...opts }, cliContext(io)),
      ).toBe(0);
      return {
        md: await readFile(join(out, "report.md"), "utf8"),
        json: JSON.parse(await readFile(join(out, "report.json"), "utf8")) as {
          verdict: { pass: boolean | null };
          trafficVerdict?: { violatingMinutes: number; thinData: boolean; thin: string | null };
        },
      };
    };
    // The ALB log's one minute: p95 3 ms, no 5xx.
    const alb = join(dir, "alb");
    const pass = await report(alb, { sloP95: 5, sloErrors: 0.1 }, "alb-slo-pass");
    // One minute is less than the day a plan needs: a pass, but not a plain one.
    expect(pass.md).toContain(
      "**PASS: the traffic meets the SLO over 1 min of trace data only: too little to rest a decision on (a plan needs 24 h: guardrails.minTraceHours). Its figures: 0 SLO-violating minutes of 1, budget 0.005 (0.50 %); 0 with p95 above 5 ms; 0 with 5xx above 0.100 % of requests.**",
    );
    expect(pass.json.trafficVerdict).toMatchObject({ thinData: true });
    expect(pass.md).toContain(
      "| SLO (--slo-…) | p95 ≤ 5 ms, 5xx ≤ 0.100 % per step; at most 0.50 % of the minutes violating |",
    );
    expect(pass.json.verdict.pass).toBe(true);
    const fail = await report(alb, { sloP95: 2, sloBudget: 10 }, "alb-slo-fail");
    expect(fail.md).toMatch(
      /\*\*FAIL: the traffic misses the SLO over 1 min of trace data only: a real miss, but too little to rest a decision on \(a plan needs 24 h: guardrails\.minTraceHours\)\. Its figures: 1 SLO-violating minute of 1, budget 0\.100 \(10\.00 %\); 1 with p95 above 2 ms\.\*\*/,
    );
    expect(fail.md).toMatch(/- ❌ worst p95 [\d.]+ ms at 2025-04-08 00:42Z/);
    expect(fail.json.trafficVerdict?.violatingMinutes).toBe(1);
    // A limit that is not a whole number is said as given, and drawn on the response-time chart.
    const html = join(dir, "alb-slo-html");
    expect(
      await runReportCommand(
        alb,
        { out: html, format: "html,md", sloP95: 2.5 },
        cliContext(captureIo()),
      ),
    ).toBe(0);
    expect(await readFile(join(html, "report.md"), "utf8")).toContain("1 with p95 above 2.5 ms");
    expect(await readFile(join(html, "report.html"), "utf8")).toContain("SLO p95 2.5 ms");

    // nginx logs have no response time: p95 is not judged, so 5xx alone cannot pass it.
    const nginx = join(dir, "nginx");
    const unjudged = await report(nginx, { sloP95: 300, sloErrors: 0.1 }, "nginx-slo");
    expect(unjudged.md).toContain(
      "NO VERDICT: within the budget on what could be judged (0 SLO-violating minutes of 7,261",
    );
    expect(unjudged.json.verdict.pass).toBeNull();
    const errorsOnly = await report(nginx, { sloErrors: 0.1 }, "nginx-slo-errors");
    expect(errorsOnly.json.verdict.pass).toBe(true);
    expect(errorsOnly.json.trafficVerdict).toMatchObject({ thinData: false, thin: null });

    // A series of request counts alone (a CSV, CloudWatch RequestCount) judges nothing: the
    // verdict names the way to one, a plan over its requests.
    const counts = join(dir, "elb-counts");
    expect(
      await runImportCommand(
        [data("traces/nab-elb_request_count_8c0756.csv")],
        { format: "csv", out: counts },
        cliContext(captureIo()),
      ),
    ).toBe(0);
    const none = await report(counts, { sloP95: 300, sloErrors: 0.1 }, "elb-counts-slo");
    expect(none.md).toContain(
      "NO VERDICT: the SLO cannot be judged on this bundle (p95: the bundle has no TargetResponseTime p95 series; errors: the bundle has no 5xx series). Its requests are what caplab plan and simulate replay: name this folder as a plan config's trace: { file: … } to judge service settings against the SLO on it.",
    );
    expect(none.json.verdict.pass).toBeNull();
  });

  it("refuses --slo-… where they cannot apply, writing nothing", async () => {
    const refused = async (bundle: string, opts: Record<string, number>, message: RegExp) => {
      const out = join(dir, `refused-${Math.random().toString(16).slice(2)}`);
      await expect(
        runReportCommand(bundle, { out, format: "md", ...opts }, cliContext(captureIo())),
      ).rejects.toThrow(message);
      await expect(readFile(join(out, "report.md"))).rejects.toThrow();
    };
    await refused(join(dir, "alb"), { sloBudget: 1 }, /--slo-budget needs a limit/);
    const run = join(dir, "k6-run");
    expect(
      await runImportCommand(
        [data("k6/out-json.k6-docs-example.ndjson")],
        { format: "k6", out: run, record: false },
        cliContext(captureIo()),
      ),
    ).toBe(0);
    await refused(
      run,
      { sloP95: 300 },
      /judge a trace bundle's traffic, and .* is a run bundle; judge a load test with caplab gate/,
    );
  });
});
