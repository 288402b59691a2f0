import { describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { captureIo } from "../helpers/io.js";

describe("caplab schema", () => {
  it("prints one schema, with descriptions: simulate by default, --plan, --gate", async () => {
    for (const [args, field] of [
      [[], "task"],
      [["--plan"], "space"],
      [["--gate"], "regression"],
    ] as const) {
      const io = captureIo();
      expect(await main(["schema", ...args], { io })).toBe(0);
      const schema = JSON.parse(io.stdout()) as {
        properties: Record<string, { description?: string }>;
      };
      expect(schema.properties[field]?.description, args.join(" ")).toMatch(/\w+ \w+/);
    }
  });

  it("refuses two schemas at once in one sentence instead of printing one of them", async () => {
    for (const args of [
      ["--plan", "--gate"],
      ["--gate", "--timeline"],
    ]) {
      const io = captureIo();
      expect(await main(["schema", ...args], { io })).toBe(2);
      expect(io.stdout()).toBe("");
      const lines = io.stderr().trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^caplab: schema prints one schema at a time: give ${args.join(" or ")}, not both`,
        ),
      );
    }
  });
});
