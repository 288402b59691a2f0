/**
 * A plan config small enough for the commands' tests: the generated week (seed 3), two task
 * sizes, one metric, two targets; the robustness section and any further lines as each test
 * needs them.
 */
export function tinyPlanYaml(robustness: string, ...more: readonly string[]): string {
  return [
    "trace: { generate: default-week, seed: 3 }",
    "service: { cpuMsPerRequest: 8, latencyMs: 25, memoryMiB: { base: 350, perInflightRequest: 0.05 } }",
    "slo: { latencyP95Ms: 250 }",
    "space:",
    '  taskSizes: [{ cpu: "1024", memory: "2048" }, { cpu: "2048", memory: "4096" }]',
    "  metrics: [ECSServiceAverageCPUUtilization]",
    "  utilizationTargets: [40, 60]",
    "  MinCapacity: [2]",
    "  ScaleOutCooldown: [300]",
    `robustness: ${robustness}`,
    ...more,
  ].join("\n");
}
