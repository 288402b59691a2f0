/**
 * A deployment of a revision whose memory differs from the one it replaces
 * (`deployments[].newRevision.memoryMiB`; sim/memory.ts `RevisionMemory`, sim/engine.ts
 * `memoryOf`, sim/MODEL-AUDIT.md D11): the new revision's tasks run with its memory (OOM kills, a
 * base that does not fit, memory utilization), the old revision's with theirs, also after a
 * rollback, and after a completed deployment the new memory is in force for the rest of the trace.
 *
 * The service: 1-vCPU, 2-GiB tasks of 10 ms of CPU and 500 ms of latency per request, 1024 MiB
 * at rest and 64 MiB per request in flight (16 fit); oomModel meanTask, so a group dies whole
 * when its mean task passes the limit. Four tasks at 5 requests a second each (about 2.5 in
 * flight), 20 a second in the spike minutes (about 10 in flight: under the old revision's 16, over
 * the 8 of a revision at 128 MiB per request). 60-s steps, SIMPLE_PLATFORM's timings, a 300-s
 * deregistration delay; the deployment starts at minute 10.
 */
import { describe, expect, it } from "vitest";
import { type ScalingEvent } from "../../sim/vocab/index.js";
import { MONDAY, SIMPLE_PLATFORM, runSim, traceOf } from "../helpers/sim.js";

const at = (minute: number) => new Date(MONDAY + minute * 60_000).toISOString();
const SERVICE = {
  cpuMsPerRequest: 10,
  idleCpuPercent: 0,
  latencyMs: 500,
  memoryMiB: { base: 1024, perInflightRequest: 64 },
};
const PLATFORM = { ...SIMPLE_PLATFORM, deregistrationDelaySeconds: 300, oomModel: "meanTask" };
const FOUR = { MinCapacity: 4, MaxCapacity: 4, DesiredCount: 4 };
/** 40 minutes at 5 requests a second per task of four, 20 a second in the minutes `spikes`. */
const traceWith = (...spikes: number[]) =>
  traceOf(Array.from({ length: 40 }, (_, m) => 60 * 4 * (spikes.includes(m) ? 20 : 5)));
const run = (deployments: Record<string, unknown>[], ...spikes: number[]) =>
  runSim(traceWith(...spikes), {
    service: SERVICE,
    scaling: FOUR,
    platform: PLATFORM,
    deployments,
  });
const of = (events: readonly ScalingEvent[], kind: ScalingEvent["kind"]) =>
  events.filter((e) => e.kind === kind);
const BREAKER = { enable: true, rollback: true };

describe("a new revision whose base memory does not fit (4096 MiB at rest in a 2-GiB task) while the old one's does", () => {
  it("with the circuit breaker: its four tasks trip it and the rollback completes, the old revision fitting as before", () => {
    const r = run([
      {
        at: at(10),
        deploymentCircuitBreaker: BREAKER,
        newRevision: { memoryMiB: { base: 4096 } },
      },
    ]);
    expect(r.kpis.deployments![0]).toMatchObject({
      outcome: "rolled-back",
      failedTasks: 4,
      failedRequests: 0,
    });
    expect(r.kpis.deployments![0]!.durationMinutes).toBe(1);
    // Only the new revision's first four died; the old revision's tasks never did.
    expect(r.kpis.oomKills).toBe(4);
    expect(of(r.events, "oom-kill").map((e) => e.step)).toEqual([10]);
    // Both revisions run the service's memory before p14: the old revision crash-looped too and
    // the rollback never completed ("unfinished", test/sim/deploy-oom.test.ts).
  });

  it("without it, at 100 % / 200 %: the new revision crash-loops beside the old one, which serves everything; the deployment never completes", () => {
    const r = run([{ at: at(10), newRevision: { memoryMiB: { base: 4096 } } }]);
    const d = r.kpis.deployments![0]!;
    expect(d.outcome).toBe("unfinished");
    // Four at each RUNNING, every 30 s (the launch time: each dies at its runningAt and its
    // replacement starts at once), from 10:30 to 39:30.
    expect(d.failedTasks).toBe(4 * 59);
    expect(r.kpis.failedRequests).toBe(0);
    const kills = of(r.events, "oom-kill");
    expect(kills.map((e) => (e.timeMs - MONDAY) / 1000)).toEqual(
      Array.from({ length: 59 }, (_, k) => 630 + 30 * k),
    );
    for (const e of kills)
      expect(e.reason).toMatch(
        /tasks of its revision 1 \(a deployment runs\); never having passed a health check, each is a failed task of the deployment \(its circuit breaker is off\)\.$/,
      );
    expect(r.timeline!.deployment!.activeRunningCount[39]).toBe(4);
  });

  it("is none of the old revision's business: the same service without newRevision deploys in a minute and kills nothing", () => {
    const r = run([{ at: at(10), deploymentCircuitBreaker: BREAKER }]);
    expect(r.kpis.deployments![0]).toMatchObject({ outcome: "completed", failedTasks: 0 });
    expect(r.kpis.oomKills).toBe(0);
  });
});

describe("a new revision that needs more memory per request (128 MiB: 8 requests in flight fit, not 16)", () => {
  const more = { at: at(10), newRevision: { memoryMiB: { perInflightRequest: 128 } } };

  it("deploys at quiet traffic, and from then on its memory is in force: the spike the old revision survived at minute 5 kills every task at minute 25", () => {
    const r = run([more], 5, 25);
    expect(r.kpis.deployments![0]!.outcome).toBe("completed");
    const kills = of(r.events, "oom-kill");
    expect(kills.map((e) => e.step)).toEqual([25]);
    expect(kills[0]).toMatchObject({ tasks: 4 });
    expect(kills[0]!.reason).toMatch(/\(8 fit; mean task\)/);
    expect(r.kpis.failedRequests).toBeGreaterThan(0);
  });

  it("leaves the old revision's tasks their memory while they run: a spike during the deployment kills only the new revision's tasks", () => {
    // At 100 % / 150 %, two tasks at a time: in minute 11 two new tasks serve beside two old
    // ones; all four take the spike, and only the new ones pass their limit. ECS replaces them by
    // their own revision and the deployment completes.
    const r = run([{ ...more, maximumPercent: 150 }], 11);
    const kills = of(r.events, "oom-kill");
    expect(kills).toHaveLength(1);
    expect(kills[0]).toMatchObject({ step: 11, tasks: 2 });
    expect(kills[0]!.reason).toMatch(/\(8 fit; mean task\).*tasks of its revision 1/);
    expect(r.kpis.deployments![0]!.outcome).toBe("completed");
  });

  it("without newRevision, the same spikes kill nothing", () => {
    const r = run([{ at: at(10) }], 5, 11, 25);
    expect(r.kpis.oomKills).toBe(0);
  });
});

describe("memory utilization follows each revision's memory", () => {
  it("a new revision 512 MiB heavier at rest reads 25 points more once the old tasks have drained, at the same traffic", () => {
    const r = run([{ at: at(10), newRevision: { memoryMiB: { base: 1536 } } }]);
    const mem = r.timeline!.memoryUtilization;
    expect(r.kpis.deployments![0]!.outcome).toBe("completed");
    expect(mem[30]! - mem[5]!).toBeCloseTo((100 * 512) / 2048, 9);
    // While the old tasks drain (300 s) they count in the average with their own memory.
    expect(mem[13]!).toBeGreaterThan(mem[5]!);
    expect(mem[13]!).toBeLessThan(mem[30]!);
  });

  it("a later deployment without newRevision keeps the memory in force (the first's), and one after a rollback the old revision's", () => {
    const heavier = run([
      { at: at(5), newRevision: { memoryMiB: { base: 1536 } } },
      { at: at(20) },
    ]);
    expect(heavier.kpis.deployments!.map((d) => d.outcome)).toEqual(["completed", "completed"]);
    const mem = heavier.timeline!.memoryUtilization;
    expect(mem[35]! - mem[3]!).toBeCloseTo(25, 9);
    const back = run([
      { at: at(5), deploymentCircuitBreaker: BREAKER, newRevision: { memoryMiB: { base: 4096 } } },
      { at: at(20) },
    ]);
    expect(back.kpis.deployments!.map((d) => d.outcome)).toEqual(["rolled-back", "completed"]);
    expect(back.kpis.oomKills).toBe(4);
    expect(back.timeline!.memoryUtilization[35]).toBeCloseTo(
      back.timeline!.memoryUtilization[3]!,
      9,
    );
  });
});
