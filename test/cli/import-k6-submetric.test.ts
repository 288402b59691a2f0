/**
 * A sub-metric's samples are its parent's Points filtered by its tags, as k6's engine builds
 * them (k6 `internal/metrics/engine/ingester.go` `flushMetrics`): a hand-made `Metric` or
 * `Point` line named like a sub-metric (`http_req_duration{expected_response:true}`, which k6's
 * JSON output never writes) must not replace that data, so its threshold is judged on the
 * real file's 2,899 expected responses, not on none. And the gate does not pass on a threshold
 * judged on no samples: it is shown as not judged.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { loadRunBundle } from "../../analysis/io/files/run-bundle.js";
import { captureIo } from "../helpers/io.js";
import { fileURLToPath } from "node:url";

const NDJSON = fileURLToPath(
  new URL("../../../shared/data/k6/out-json.xk6-dashboard-result.ndjson", import.meta.url),
);
const SUB = "http_req_duration{expected_response:true}";
const TIME = "2023-09-08T21:03:11.000000000+02:00";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-k6-submetric-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function caplab(args: string[]) {
  const io = captureIo();
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** The real output with hand-made lines at its start (before any Point of the parent). */
async function crafted(name: string, lines: readonly object[]): Promise<string> {
  const real = await readFile(NDJSON, "utf8");
  const path = join(dir, name);
  await writeFile(path, lines.map((l) => JSON.stringify(l) + "\n").join("") + real);
  return path;
}

const subMetricLine = (thresholds: string[]) => ({
  type: "Metric",
  metric: SUB,
  data: { name: SUB, type: "trend", contains: "time", thresholds, submetrics: null },
});
const subPoint = { type: "Point", metric: SUB, data: { time: TIME, value: 0, tags: {} } };

describe("a sub-metric is always its parent's points filtered by its tags", () => {
  it("a Metric and a Point line named like the sub-metric change nothing (was: judged on them)", async () => {
    const input = await crafted("declared.ndjson", [subMetricLine([]), subPoint]);
    const thresholds = join(dir, "thresholds.json");
    await writeFile(thresholds, JSON.stringify({ thresholds: { [SUB]: ["p(95)<1"] } }));
    const out = join(dir, "declared");
    const r = await caplab(
      ["import", input, "--format", "k6", "--thresholds", thresholds].concat(["--out", out]),
    );
    expect(r.code, r.err).toBe(0);
    // The real expected responses' p95 is far above 1 ms: the threshold fails on them.
    expect(r.out).toMatch(/✗ http_req_duration\{expected_response:true\} p\(95\)<1: FAILED \(\d+/);
    expect(r.err).toMatch(/is refused: k6 writes a sub-metric's samples as Points of its parent/);
    const saved = JSON.parse(await readFile(join(out, "thresholds.json"), "utf8"));
    expect(saved.thresholds[0]).toMatchObject({ metric: SUB, ok: false, samples: 322 });
  });

  it("thresholds a hand-made Metric line declares for a sub-metric are judged on the parent's points", async () => {
    const input = await crafted("only-declared.ndjson", [subMetricLine(["p(95)<1"])]);
    const out = join(dir, "only-declared");
    const r = await caplab(["import", input, "--format", "k6", "--out", out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/✗ http_req_duration\{expected_response:true\} p\(95\)<1: FAILED/);
    const gate = await caplab(["gate", out]);
    expect(gate.code, gate.out + gate.err).toBe(1);
    expect(gate.out).toMatch(/FAIL/);
  });
});

describe("the gate does not pass on a threshold judged on no samples", () => {
  it("shows a threshold on an empty sub-metric as not judged, so it alone cannot pass the gate", async () => {
    const thresholds = join(dir, "empty.json");
    // No Point carries name:nowhere: k6 judges p(95) of the empty Trend as 0 and passes it,
    // and has no rate of an empty Rate (it does not judge it).
    await writeFile(
      thresholds,
      JSON.stringify({
        thresholds: {
          "http_req_duration{name:nowhere}": ["p(95)<500"],
          "http_req_failed{name:nowhere}": ["rate<0.01"],
        },
      }),
    );
    const out = join(dir, "empty");
    const r = await caplab(
      ["import", NDJSON, "--format", "k6", "--thresholds", thresholds].concat(["--out", out]),
    );
    expect(r.code, r.err).toBe(0);
    const run = await loadRunBundle(out);
    expect(run.thresholds.map((t) => [t.metric, t.ok, t.samples])).toEqual([
      ["http_req_duration{name:nowhere}", true, 0],
      ["http_req_failed{name:nowhere}", true, 0],
    ]);
    const gate = await caplab(["gate", out]);
    // Nothing else judges latency here: with those two not judged, the gate is inconclusive.
    expect(gate.code, gate.out + gate.err).toBe(1);
    expect(gate.out).toMatch(/INCONCLUSIVE/i);
    expect(gate.out).toMatch(
      /http_req_duration\{name:nowhere\}: p\(95\)<500.*not judged: no samples/,
    );
    expect(gate.out).toMatch(/http_req_failed\{name:nowhere\}: rate<0\.01.*not judged: no samples/);
  });
});

describe("the gate does not pass a latency threshold on too few samples", () => {
  it("k6's docs example holds one duration point: its avg<1000 is not judged, and the gate is inconclusive", async () => {
    const docs = fileURLToPath(
      new URL("../../../shared/data/k6/out-json.k6-docs-example.ndjson", import.meta.url),
    );
    const out = join(dir, "docs");
    const r = await caplab(["import", docs, "--format", "k6", "--no-record", "--out", out]);
    expect(r.code, r.err).toBe(0);
    // k6 itself passes it (459.866 ms < 1000), as the import says.
    expect(r.out).toMatch(/✓ http_req_duration avg<1000: passed \(459\.866 ms\)/);
    const gate = await caplab(["gate", out]);
    expect(gate.code, gate.out + gate.err).toBe(1);
    expect(gate.out).toContain(
      "k6 threshold http_req_duration: avg<1000: not judged: passed (459.866 ms; judged by caplab on the k6 output, as k6 judges), but on 1 sample only: a pass needs 5",
    );
    expect(gate.out).toMatch(/caplab gate: INCONCLUSIVE \(0 of 9 checks judged/);
    // gate.yaml latencySampleConfidence: 0 takes the run's one point as k6 does.
    const yaml = join(dir, "gate-off.yaml");
    await writeFile(yaml, "latencySampleConfidence: 0\n");
    const off = await caplab(["gate", out, "--config", yaml]);
    expect(off.code, off.out + off.err).toBe(0);
    expect(off.out).toMatch(/caplab gate: PASSED \(1 of 9 checks judged/);
  });
});
