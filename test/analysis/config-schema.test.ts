import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { CONFIG_SCHEMA_KINDS, configJsonSchema } from "../../analysis/config-schema.js";
import { DEFAULT_PLAN_CONFIG } from "../../analysis/default-plan.js";
import { PLATFORM_DEFAULTS, US_EAST_1_PRICES } from "../../sim/vocab/index.js";

type JsonSchema = {
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $defs?: Record<string, JsonSchema>;
};

/** Paths of every property (nested objects, array items, unions) that has no description. */
function undescribed(schema: JsonSchema, path: string): string[] {
  const missing: string[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (typeof property.description !== "string" || property.description.length < 10)
      missing.push(`${path}.${name}`);
    missing.push(...undescribed(property, `${path}.${name}`));
  }
  if (schema.items) missing.push(...undescribed(schema.items, `${path}[]`));
  for (const key of ["anyOf", "oneOf", "allOf"] as const)
    for (const [i, s] of (schema[key] ?? []).entries())
      missing.push(...undescribed(s, `${path}|${i}`));
  for (const [name, s] of Object.entries(schema.$defs ?? {}))
    missing.push(...undescribed(s, `$defs.${name}`));
  return missing;
}

describe("the config JSON Schemas", () => {
  it("describe every field of the simulate, plan and gate configs", () => {
    for (const kind of ["simulate", "plan", "gate"] as const) {
      const schema = configJsonSchema(kind) as JsonSchema;
      expect(undescribed(schema, kind), kind).toEqual([]);
      expect(schema.description).toMatch(/config|gate\.yaml/);
    }
  });

  it("carry the defaults filled in outside the schema (platform, prices) and in it (slo)", () => {
    const plan = configJsonSchema("plan") as JsonSchema;
    const platform = plan.properties!.platform!.properties!;
    expect(platform.launchSeconds).toMatchObject({
      default: PLATFORM_DEFAULTS.launchSeconds,
      description: expect.stringContaining("image pull"),
    });
    for (const [field, value] of Object.entries(PLATFORM_DEFAULTS))
      expect(platform[field]?.default, field).toEqual(value);
    for (const [field, value] of Object.entries(US_EAST_1_PRICES))
      expect(plan.properties!.prices!.properties![field]?.default, field).toEqual(value);
    expect(plan.properties!.slo!.properties!.latencyP95Ms!.default).toBe(300);
    expect(plan.properties!.service!.properties!.cpuMsPerRequest!.description).toContain(
      "vCPU-milliseconds",
    );
  });

  it("are JSON Schemas an editor can use: the embedded plan validates, a typo does not", () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(configJsonSchema("plan"));
    expect(validate(DEFAULT_PLAN_CONFIG), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...DEFAULT_PLAN_CONFIG, servce: {} })).toBe(false);
  });

  it("has a schema for a row of timeline.csv too", () => {
    expect(CONFIG_SCHEMA_KINDS).toEqual(["simulate", "plan", "gate", "timeline"]);
    const timeline = configJsonSchema("timeline") as JsonSchema;
    expect(undescribed(timeline, "timeline")).toEqual([]);
  });
});
