/**
 * The Fargate task-size menu and price table.
 *
 * Source: shared/reference/aws-ecs-scaling.md §6 (AWS "Task CPU and memory" page;
 * us-east-1 prices as published by third-party summaries, March 2026). Re-check the
 * official pricing page before quoting a figure to a customer.
 */

/** CPU architecture, as in a task definition's `runtimePlatform.cpuArchitecture`. */
export const ARCHITECTURES = ["X86_64", "ARM64"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** Capacity provider: On-Demand Fargate or Fargate Spot. */
export const CAPACITY_PROVIDERS = ["FARGATE", "FARGATE_SPOT"] as const;
export type CapacityProvider = (typeof CAPACITY_PROVIDERS)[number];

/** A task size as the task definition states it: `cpu` in CPU units, `memory` in MiB, both strings. */
export interface TaskSize {
  readonly cpu: string;
  readonly memory: string;
  /** @default "X86_64" */
  readonly architecture: Architecture;
  /** @default "FARGATE" */
  readonly capacityProvider: CapacityProvider;
}

/** Valid memory values (MiB) for each Fargate CPU value (CPU units), Linux. §6.2. */
export const FARGATE_MEMORY_BY_CPU: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

/** The Fargate CPU values, ascending. */
export const FARGATE_CPUS: readonly number[] = Object.keys(FARGATE_MEMORY_BY_CPU)
  .map(Number)
  .sort((a, b) => a - b);

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** vCPUs of a task: CPU units / 1024. */
export function vcpusOf(size: Pick<TaskSize, "cpu">): number {
  return Number(size.cpu) / 1024;
}

/** Memory of a task in GiB (AWS bills "GB" = GiB of the task's memory setting / 1024). */
export function memoryGiBOf(size: Pick<TaskSize, "memory">): number {
  return Number(size.memory) / 1024;
}

/**
 * Checks a cpu/memory pair against the Fargate menu.
 * Returns null when valid, else the field at fault (`cpu` when it is not a Fargate CPU value,
 * else `memory`) and one sentence that says what to change.
 */
export function fargateSizeIssue(
  cpu: string,
  memory: string,
): { readonly field: "cpu" | "memory"; readonly message: string } | null {
  const c = Number(cpu);
  const m = Number(memory);
  const allowed = FARGATE_MEMORY_BY_CPU[c];
  if (!Number.isInteger(c) || allowed === undefined) {
    return {
      field: "cpu",
      message: `cpu "${cpu}" is not a Fargate CPU value; use one of ${FARGATE_CPUS.join(", ")}.`,
    };
  }
  if (!allowed.includes(m)) {
    return {
      field: "memory",
      message: `memory "${memory}" is not valid with cpu "${cpu}" on Fargate; use one of ${allowed.join(", ")} (MiB).`,
    };
  }
  return null;
}

/** {@link fargateSizeIssue}'s sentence, or null when the pair is valid. */
export function fargateSizeProblem(cpu: string, memory: string): string | null {
  return fargateSizeIssue(cpu, memory)?.message ?? null;
}

/** Every valid Fargate size between two CPU bounds (inclusive), one architecture and provider. */
export function fargateMenu(
  minCpu: number,
  maxCpu: number,
  architecture: Architecture = "X86_64",
  capacityProvider: CapacityProvider = "FARGATE",
): TaskSize[] {
  const out: TaskSize[] = [];
  for (const cpu of FARGATE_CPUS) {
    if (cpu < minCpu || cpu > maxCpu) continue;
    for (const memory of FARGATE_MEMORY_BY_CPU[cpu] ?? []) {
      out.push({ cpu: String(cpu), memory: String(memory), architecture, capacityProvider });
    }
  }
  return out;
}

/** Fargate prices for one Region, in USD. */
export interface PriceTable {
  /** USD per vCPU-hour, Linux/x86 On-Demand. @default 0.04048 (us-east-1) */
  readonly x86VcpuHour: number;
  /** USD per GB-hour, Linux/x86 On-Demand. @default 0.004445 (us-east-1) */
  readonly x86GbHour: number;
  /** USD per vCPU-hour, Linux/ARM On-Demand. @default 0.03238 (us-east-1) */
  readonly armVcpuHour: number;
  /** USD per GB-hour, Linux/ARM On-Demand. @default 0.00356 (us-east-1) */
  readonly armGbHour: number;
  /**
   * Fargate Spot discount off On-Demand, as a fraction. AWS says "up to 70 %"; the
   * actual discount varies by Region and time. @default 0.7
   */
  readonly spotDiscount: number;
  /** Minimum billed duration per task, seconds. @default 60 */
  readonly minimumBilledSeconds: number;
}

/** USD per second of one running task of this size. */
export function taskCostPerSecond(size: TaskSize, prices: PriceTable): number {
  const arm = size.architecture === "ARM64";
  const perHour =
    vcpusOf(size) * (arm ? prices.armVcpuHour : prices.x86VcpuHour) +
    memoryGiBOf(size) * (arm ? prices.armGbHour : prices.x86GbHour);
  const spot = size.capacityProvider === "FARGATE_SPOT" ? 1 - prices.spotDiscount : 1;
  return (perHour * spot) / 3600;
}

/** A short label for a size, e.g. "1 vCPU / 2 GiB x86" or "0.5 vCPU / 1 GiB ARM Spot". */
export function sizeLabel(size: TaskSize): string {
  const arch = size.architecture === "ARM64" ? "ARM" : "x86";
  const spot = size.capacityProvider === "FARGATE_SPOT" ? " Spot" : "";
  return `${vcpusOf(size)} vCPU / ${memoryGiBOf(size)} GiB ${arch}${spot}`;
}
