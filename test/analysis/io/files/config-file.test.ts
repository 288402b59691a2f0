import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  formatZodIssue,
  loadConfig,
  MAX_YAML_ALIAS_COUNT,
  readYamlFile,
} from "../../../../analysis/io/files/config-file.js";
import { UsageError } from "../../../../sim/vocab/errors.js";
import { SimulateConfigSchema } from "../../../../sim/vocab/index.js";

/** The example from the simulate docs. */
const EXAMPLE = `trace:
  file: ../shared/data/traces/nasa-http-1995-requests-per-minute.csv
  scale: 20
  from: 1995-07-03T00:00:00-04:00
  to: 1995-07-10T00:00:00-04:00
service:
  cpuMsPerRequest: 10
  latencyMs: 20
  memoryMiB: { base: 300, perInflightRequest: 0.5 }
task: { cpu: "1024", memory: "2048", architecture: X86_64 }
scaling:
  MinCapacity: 2
  MaxCapacity: 50
  policies:
    - TargetTrackingScalingPolicyConfiguration:
        TargetValue: 50
        PredefinedMetricSpecification: { PredefinedMetricType: ECSServiceAverageCPUUtilization }
slo: { latencyP95Ms: 300, errorRatePercent: 0.1 }
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-config-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** The UsageError that loading `text` as `name` throws. */
async function usageError(name: string, text: string): Promise<UsageError> {
  const path = await write(name, text);
  const error = await loadConfig(path, SimulateConfigSchema).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  const usage = error as UsageError;
  expect(usage.exitCode).toBe(2);
  // One sentence: no line breaks, one full stop at the end.
  expect(usage.message).not.toContain("\n");
  expect(usage.message).toMatch(/\.$/);
  expect(usage.message.startsWith(path)).toBe(true);
  return usage;
}

describe("loadConfig", () => {
  it("parses the example YAML, fills defaults and returns the file's directory", async () => {
    const path = await write("simulate.yaml", EXAMPLE);
    const { config, baseDir } = await loadConfig(path, SimulateConfigSchema);
    expect(baseDir).toBe(dir);
    expect(config.trace.file).toBe("../shared/data/traces/nasa-http-1995-requests-per-minute.csv");
    expect(config.trace.from).toBe("1995-07-03T00:00:00-04:00"); // a string, not a YAML date
    expect(config.trace.scale).toBe(20);
    expect(config.task).toEqual({
      cpu: "1024",
      memory: "2048",
      architecture: "X86_64",
      capacityProvider: "FARGATE",
    });
    const policy = config.scaling.policies[0]!.TargetTrackingScalingPolicyConfiguration!;
    expect(policy.TargetValue).toBe(50);
    expect(policy.ScaleOutCooldown).toBe(300);
    expect(config.seed).toBe(1);
  });

  it("reads JSON too", async () => {
    const { config: yaml } = await loadConfig(await write("a.yaml", EXAMPLE), SimulateConfigSchema);
    const path = await write("a.json", JSON.stringify(yaml, null, 2));
    const { config } = await loadConfig(path, SimulateConfigSchema);
    expect(config).toEqual(yaml);
  });

  it("names the field path of a bad TargetValue", async () => {
    const error = await usageError(
      "tv.yaml",
      EXAMPLE.replace("TargetValue: 50", "TargetValue: -5"),
    );
    expect(error.code).toBe("bad-config");
    expect(error.message).toContain(
      "scaling.policies[0].TargetTrackingScalingPolicyConfiguration.TargetValue is -5",
    );
    expect(error.message).toMatch(/TargetValue is -5: it must be greater than 0\.$/);
    const text = await usageError(
      "tv2.yaml",
      EXAMPLE.replace("TargetValue: 50", "TargetValue: fifty"),
    );
    expect(text.message).toContain('TargetValue is "fifty": TargetValue must be a number.');
  });

  it("names task.memory for an invalid Fargate pair and lists the valid memories", async () => {
    const error = await usageError(
      "fargate.yaml",
      EXAMPLE.replace('cpu: "1024", memory: "2048"', 'cpu: "256", memory: "4096"'),
    );
    expect(error.message).toBe(
      `${join(dir, "fargate.yaml")}: task.memory: memory "4096" is not valid with cpu "256" on Fargate; use one of 512, 1024, 2048 (MiB).`,
    );
  });

  it("names task.cpu, not task.memory, for a CPU value Fargate does not have", async () => {
    const error = await usageError("cpu3000.yaml", EXAMPLE.replace('cpu: "1024"', 'cpu: "3000"'));
    expect(error.message).toBe(
      `${join(dir, "cpu3000.yaml")}: task.cpu: cpu "3000" is not a Fargate CPU value; use one of 256, 512, 1024, 2048, 4096, 8192, 16384.`,
    );
  });

  it("names scaling.MinCapacity when it is above MaxCapacity", async () => {
    const error = await usageError(
      "minmax.yaml",
      EXAMPLE.replace("MinCapacity: 2", "MinCapacity: 60"),
    );
    expect(error.message).toContain("scaling.MinCapacity");
    expect(error.message).toContain("MinCapacity must not be greater than MaxCapacity");
  });

  it("gives the line of a YAML syntax error", async () => {
    const error = await usageError(
      "syntax.yaml",
      EXAMPLE.replace('task: { cpu: "1024"', 'task: { cpu: "1024",, '),
    );
    expect(error.code).toBe("config-syntax");
    expect(error.message).toMatch(
      /^.*syntax\.yaml line 10, column \d+: .+; fix the YAML syntax there\.$/,
    );
  });

  it("gives the line of a JSON syntax error and of a repeated key", async () => {
    const json = await usageError(
      "bad.json",
      '{\n  "trace": {\n    "generate": "default-week",\n  }}\n}\n',
    );
    expect(json.message).toMatch(/bad\.json line \d+, column \d+: /);
    const dup = await usageError(
      "dup.yaml",
      EXAMPLE.replace("  scale: 20\n", "  scale: 20\n  scale: 30\n"),
    );
    expect(dup.message).toMatch(
      /dup\.yaml line 4, column 3: map keys must be unique; fix the YAML syntax there\.$/,
    );
  });

  it("names an unknown field and a missing one", async () => {
    const unknown = await usageError(
      "unknown.yaml",
      EXAMPLE.replace("MinCapacity: 2", "MinCapacity: 2\n  MinCapacty: 3"),
    );
    expect(unknown.message).toContain(
      "scaling.MinCapacty is not a known field; remove it or fix the spelling.",
    );
    const missing = await usageError(
      "missing.yaml",
      EXAMPLE.replace("  cpuMsPerRequest: 10\n", ""),
    );
    expect(missing.message).toContain("service.cpuMsPerRequest is missing; add it");
    const neither = await usageError(
      "neither.yaml",
      EXAMPLE.replace("  file: ../shared/data/traces/nasa-http-1995-requests-per-minute.csv\n", ""),
    );
    expect(neither.message).toContain(': trace: give exactly one of "file" or "generate".');
  });

  it("says so when the file is empty", async () => {
    const error = await usageError("empty.yaml", "# nothing yet\n");
    expect(error.message).toBe(
      `${join(dir, "empty.yaml")} is empty; write the config in YAML or JSON (caplab schema prints its fields).`,
    );
  });

  it("reports a missing file", async () => {
    const path = join(dir, "nope.yaml");
    const error = await loadConfig(path, SimulateConfigSchema).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe("missing-file");
    expect((error as UsageError).message).toBe(
      `config file ${path} does not exist; check the path.`,
    );
  });
});

/** A "billion laughs" document: each level aliases the one before nine times. */
function aliasBomb(levels: number): string {
  const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let k = 1; k <= levels; k++)
    lines.push(`a${k}: &a${k} [${Array.from({ length: 9 }, () => `*a${k - 1}`).join(", ")}]`);
  return `${lines.join("\n")}\n`;
}

describe("YAML aliases", () => {
  it("refuses an alias bomb with one sentence instead of expanding it", async () => {
    const error = await usageError("bomb.yaml", aliasBomb(8));
    expect(error.code).toBe("config-syntax");
    expect(error.message).toBe(
      `${join(dir, "bomb.yaml")}: its YAML aliases (*name) expand to more than ${MAX_YAML_ALIAS_COUNT} nodes; write the values out instead of aliasing aliases.`,
    );
  });

  it("still reads a config that uses an alias or two", async () => {
    const path = await write(
      "anchors.yaml",
      EXAMPLE.replace("  latencyMs: 20", "  latencyMs: &latency 20").replace(
        "slo: { latencyP95Ms: 300",
        "x-unused: *latency\nslo: { latencyP95Ms: 300",
      ),
    );
    const data = (await readYamlFile(path)) as Record<string, unknown>;
    expect(data["x-unused"]).toBe(20);
  });

  it("names an alias without its anchor", async () => {
    const error = await usageError("unresolved.yaml", "service: *nope\n");
    expect(error.code).toBe("config-syntax");
    expect(error.message).toMatch(/unresolved\.yaml: .*nope.*; define the anchor/);
  });
});

describe("config encodings", () => {
  const utf16 = (text: string, order: "le" | "be", bom: boolean): Buffer => {
    const le = Buffer.from(text, "utf16le");
    const bytes = order === "le" ? le : Buffer.from(le).swap16();
    const mark = order === "le" ? [0xff, 0xfe] : [0xfe, 0xff];
    return bom ? Buffer.concat([Buffer.from(mark), bytes]) : bytes;
  };

  it("reads UTF-16 in either byte order, with or without a byte order mark, and UTF-8 with one", async () => {
    const { config: expected } = await loadConfig(
      await write("utf8.yaml", EXAMPLE),
      SimulateConfigSchema,
    );
    const cases: [string, Buffer][] = [
      ["utf16le-bom.yaml", utf16(EXAMPLE, "le", true)],
      ["utf16be-bom.yaml", utf16(EXAMPLE, "be", true)],
      ["utf16le.yaml", utf16(EXAMPLE, "le", false)],
      ["utf16be.yaml", utf16(EXAMPLE, "be", false)],
      ["utf8-bom.yaml", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(EXAMPLE)])],
    ];
    for (const [name, bytes] of cases) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      const { config } = await loadConfig(path, SimulateConfigSchema);
      expect(config, name).toEqual(expected);
    }
  });

  it("refuses UTF-32, invalid UTF-8 and NUL characters with one sentence", async () => {
    const cases: [string, Buffer, RegExp][] = [
      [
        "utf32.yaml",
        Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from("a\0\0\0")]),
        /is UTF-32 text, which caplab does not read; save it as UTF-8/,
      ],
      ["latin1.yaml", Buffer.from("service: caf\xe9\n", "latin1"), /is not valid UTF-8 text/],
      ["nul.yaml", Buffer.from("a: 1\nb: \0\n"), /line 2 holds a NUL character/],
    ];
    for (const [name, bytes, message] of cases) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      const error = await loadConfig(path, SimulateConfigSchema).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(UsageError);
      expect((error as UsageError).code).toBe("bad-encoding");
      expect((error as UsageError).message).toMatch(message);
      expect((error as UsageError).message).not.toContain("\n");
    }
  });
});

describe("formatZodIssue", () => {
  it("writes the path in the config's own spelling", () => {
    const schema = z.object({ a: z.array(z.object({ b: z.number().max(3) })) });
    const result = schema.safeParse({ a: [{ b: 1 }, { b: 9 }] }, { reportInput: true });
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0]!;
    expect(formatZodIssue("x.yaml", issue)).toBe("x.yaml: a[1].b is 9: it must be at most 3.");
  });
});
