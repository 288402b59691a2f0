/**
 * Sharing a simulation between candidates that differ only in price (sim/siblings.ts; issue #17,
 * "share work"): the classes, and the premise that one run re-priced per member gives each
 * member, bit for bit, what its own simulation gives, stopped early or not.
 */
import fc from "fast-check";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { simulate } from "../../sim/engine.js";
import { deploymentPlans } from "../../sim/deploy.js";
import { stopRule, type Finished } from "../../sim/prune.js";
import { COST_TIE_FRACTION, expandSpace, violationBudgetMinutes } from "../../sim/search.js";
import { sharedOrder, siblingClasses } from "../../sim/siblings.js";
import { taskCostPerSecond } from "../../sim/vocab/fargate.js";
import {
  DeploymentSchema,
  type Candidate,
  type Kpis,
  type PlanCandidate,
} from "../../sim/vocab/index.js";
import { MONDAY, planConfigOf, simSetup, traceOf } from "../helpers/sim.js";

const PRICE_VARIANTS = [
  { architecture: "X86_64", capacityProvider: "FARGATE" },
  { architecture: "ARM64", capacityProvider: "FARGATE" },
  { architecture: "X86_64", capacityProvider: "FARGATE_SPOT" },
  { architecture: "ARM64", capacityProvider: "FARGATE_SPOT" },
] as const;

const SIZES = [
  { cpu: "256", memory: "512" },
  { cpu: "512", memory: "1024" },
  { cpu: "1024", memory: "2048" },
  { cpu: "2048", memory: "4096" },
] as const;

/** A small random service, candidate and trace: OOM kills, scheduled actions, deployments, 10-s steps. */
const scenarioArb = fc.record({
  stepSeconds: fc.constantFrom(10, 60),
  steps: fc.integer({ min: 20, max: 150 }),
  level: fc.integer({ min: 200, max: 20_000 }),
  wave: fc.array(fc.double({ min: 0.2, max: 3, noNaN: true }), { minLength: 3, maxLength: 8 }),
  size: fc.constantFrom(...SIZES),
  perInflightRequest: fc.constantFrom(0, 2, 8, 40),
  oomModel: fc.constantFrom("poisson", "meanTask"),
  min: fc.integer({ min: 1, max: 3 }),
  extra: fc.integer({ min: 0, max: 8 }),
  target: fc.integer({ min: 30, max: 85 }),
  /** When, as a share of the trace. */
  scheduledAt: fc.option(fc.double({ min: 0.05, max: 0.9, noNaN: true }), { nil: undefined }),
  deployAt: fc.option(fc.double({ min: 0, max: 0.7, noNaN: true }), { nil: undefined }),
  spotDiscount: fc.double({ min: 0.1, max: 0.9, noNaN: true }),
  /** Finished candidates for a stop rule, as factors of the representative's cost; none: no rule. */
  finished: fc.option(
    fc.array(
      fc.record({
        factor: fc.double({ min: 0.3, max: 3, noNaN: true }),
        minutes: fc.integer({ min: 0, max: 30 }),
        eligible: fc.boolean(),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    { nil: undefined },
  ),
  keepRanks: fc.integer({ min: 0, max: 3 }),
  unstoppable: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function setup(x: Scenario) {
  const perStep = (r: number) => (r * x.stepSeconds) / 60;
  const requests = Array.from({ length: x.steps }, (_, i) =>
    Math.round(perStep(x.level * x.wave[i % x.wave.length]!)),
  );
  const trace = traceOf(requests, { stepSeconds: x.stepSeconds });
  const at = (share: number) =>
    new Date(MONDAY + Math.floor(share * x.steps * x.stepSeconds) * 1000).toISOString();
  const { candidate, context } = simSetup({
    service: {
      cpuMsPerRequest: 10,
      idleCpuPercent: 0,
      memoryMiB: { base: 256, perInflightRequest: x.perInflightRequest },
    },
    task: x.size,
    platform: { oomModel: x.oomModel },
    prices: { spotDiscount: x.spotDiscount },
    scaling: {
      MinCapacity: x.min,
      MaxCapacity: x.min + x.extra,
      policies: [
        {
          PolicyName: "cpu",
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: x.target,
            PredefinedMetricSpecification: {
              PredefinedMetricType: "ECSServiceAverageCPUUtilization",
            },
          },
        },
      ],
      ...(x.scheduledAt !== undefined
        ? {
            scheduledActions: [
              {
                Schedule: `at(${at(x.scheduledAt).slice(0, 19)})`,
                ScalableTargetAction: { MinCapacity: x.min + 2, MaxCapacity: x.min + x.extra + 2 },
              },
            ],
          }
        : {}),
    },
  });
  const deployments =
    x.deployAt !== undefined
      ? deploymentPlans(z.array(DeploymentSchema).parse([{ at: at(x.deployAt) }]), trace)
      : [];
  const members: Candidate[] = PRICE_VARIANTS.map((v) => ({
    ...candidate,
    task: { ...candidate.task, ...v },
    ...(deployments.length > 0 ? { deployments } : {}),
  }));
  return { trace, context, members };
}

describe("a shared run re-priced per sibling", () => {
  it("gives each member, stopped early or not, what its own simulation gives (Object.is on every number)", () => {
    let stoppedApart = 0;
    let withDeployments = 0;
    let oom = 0;
    fc.assert(
      fc.property(scenarioArb, (x) => {
        const { trace, context, members } = setup(x);
        const rates = members.map((m) => taskCostPerSecond(m.task, context.prices));
        const ids = members.map((_, k) => 10 + k);
        let rep = 0;
        for (let k = 1; k < members.length; k++) if (rates[k]! < rates[rep]!) rep = k;
        const full = simulate(trace, members[rep]!, context, { record: false });
        const finished: Finished[] = (x.finished ?? []).map((f, i) => ({
          id: i,
          kpis: {
            ...full.kpis,
            monthlyCostUsd: full.kpis.monthlyCostUsd * f.factor,
            sloViolationMinutes: f.minutes,
          } satisfies Kpis,
          eligible: f.eligible,
        }));
        const minutes = (trace.requests.length * trace.stepSeconds) / 60;
        const rule =
          x.finished === undefined
            ? null
            : stopRule(
                finished,
                { ...trace, stepSeconds: trace.stepSeconds },
                context.slo,
                violationBudgetMinutes(context.slo, minutes),
                x.keepRanks,
                COST_TIE_FRACTION,
              );
        // Every 3 steps, so that short traces are checked too.
        const everyFew = rule && { ...rule, everySteps: 3 };
        const stoppable = members.map((_, k) => k !== x.unstoppable);
        const shared = simulate(trace, members[rep]!, context, {
          record: false,
          ...(everyFew ? { stop: { rule: everyFew, id: ids[rep]! } } : {}),
          siblings: { ids, rates, stoppable },
        });
        const own = members.map((m, k) => {
          const r = simulate(trace, m, context, {
            record: false,
            ...(everyFew && stoppable[k] ? { stop: { rule: everyFew, id: ids[k]! } } : {}),
          });
          return { kpis: r.kpis, pruned: r.pruned };
        });
        expect(shared.siblings).toStrictEqual(own);
        const steps = new Set(own.map((o) => o.pruned?.step ?? -1));
        if (steps.size > 1) stoppedApart++;
        if (own[0]!.kpis.deployments) withDeployments++;
        if (own[0]!.kpis.oomKills > 0) oom++;
      }),
      { numRuns: 150 },
    );
    // The runs took the paths that matter: members stopped at different steps, deployments, OOM.
    expect(stoppedApart).toBeGreaterThan(0);
    expect(withDeployments).toBeGreaterThan(0);
    expect(oom).toBeGreaterThan(0);
  });

  it("refuses to record a shared run (its timeline would hold one member's cost)", () => {
    const { trace, context, members } = setup(fc.sample(scenarioArb, { numRuns: 1, seed: 1 })[0]!);
    expect(() =>
      simulate(trace, members[0]!, context, { siblings: { ids: [1], rates: [1] } }),
    ).toThrow(/record: false/);
  });
});

describe("siblingClasses", () => {
  const config = planConfigOf({
    service: { cpuMsPerRequest: 10, memoryMiB: { base: 256 } },
    space: {
      architectures: ["X86_64", "ARM64"],
      capacityProviders: ["FARGATE", "FARGATE_SPOT"],
    },
  });
  const trace = traceOf(Array.from({ length: 60 }, () => 3000));
  const candidates: PlanCandidate[] = expandSpace(config.space, trace, config.service);
  const { context } = simSetup();

  it("puts the four price variants of one size and policy together, the cheapest (ARM Spot) as representative", () => {
    const classes = siblingClasses(candidates, context.prices);
    expect(classes.length * 4).toBe(candidates.length);
    for (const c of classes) {
      expect(c.members.length).toBe(4);
      expect(c.members).toContain(c.rep);
      const rep = candidates[c.rep]!;
      expect(rep.task).toMatchObject({ architecture: "ARM64", capacityProvider: "FARGATE_SPOT" });
      for (const m of c.members) {
        const o = candidates[m]!;
        expect({ ...o.task, architecture: "", capacityProvider: "" }).toEqual({
          ...rep.task,
          architecture: "",
          capacityProvider: "",
        });
        expect(o.scaling).toEqual(rep.scaling);
      }
    }
  });

  it("keeps candidates apart that differ in anything but price; ties go to the lowest index", () => {
    const base = candidates[0]!;
    const other = { ...base, id: 1, scaling: { ...base.scaling, MinCapacity: 9 } };
    const twin = { ...base, id: 2, label: "twin" };
    const classes = siblingClasses([base, other, twin], context.prices);
    expect(classes).toEqual([
      { rep: 0, members: [0, 2], rates: [expect.any(Number), expect.any(Number)] },
      { rep: 1, members: [1], rates: [expect.any(Number)] },
    ]);
  });

  it("orders representatives where the first of their members comes", () => {
    const classes = [
      { rep: 1, members: [0, 1], rates: [2, 1] },
      { rep: 2, members: [2, 3], rates: [1, 1] },
    ];
    expect(sharedOrder([3, 0, 1, 2], classes)).toEqual([2, 1]);
  });
});
