// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Imports that would let the outside world into the pure core (DESIGN.md, "Rule of the house"). */
const impureImports = {
  patterns: [
    {
      group: ["node:*"],
      message: "The pure core takes no node:* imports; do I/O in cli/ or collect/.",
    },
    {
      group: [
        "fs",
        "fs/*",
        "path",
        "os",
        "child_process",
        "worker_threads",
        "http",
        "https",
        "net",
        "url",
        "crypto",
      ],
      message: "The pure core takes no Node built-ins; do I/O in cli/ or collect/.",
    },
    {
      group: ["@aws-sdk/*", "@smithy/*", "aws-sdk"],
      message: "AWS SDK calls live in collect/ only.",
    },
    { group: ["k6", "k6/*"], message: "k6 modules live in scenarios/ only." },
    {
      group: ["**/cli/*", "**/collect/*", "**/io/*", "**/scenarios/*"],
      message: "The pure core must not import the I/O layers.",
    },
  ],
};

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "caplab-out/**", "out/**", "coverage/**", ".venv/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: "readonly",
        process: "readonly",
        URL: "readonly",
        performance: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
    },
  },
  {
    files: [
      "src/sim/**/*.ts",
      "src/analysis/**/*.ts",
      "src/reports/spec/**/*.ts",
      "src/vocab/**/*.ts",
    ],
    rules: {
      "no-restricted-imports": ["error", impureImports],
      "no-restricted-globals": [
        "error",
        { name: "process", message: "The pure core reads no environment; pass values in." },
        { name: "setTimeout", message: "The pure core has no clock." },
        { name: "setInterval", message: "The pure core has no clock." },
      ],
      "no-restricted-properties": [
        "error",
        {
          object: "Math",
          property: "random",
          message: "Randomness comes in as a seeded source (sim/random.ts).",
        },
        { object: "Date", property: "now", message: "Time comes in as an argument." },
        { object: "performance", property: "now", message: "Time comes in as an argument." },
        { object: "console", message: "Warnings go to the sink that is passed in." },
      ],
    },
  },
  {
    // Layers: cli/ (commands) on collect/ (AWS and k6 I/O) on io/ (files, errors) on the core.
    files: ["src/collect/**/*.ts", "src/io/**/*.ts", "src/reports/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/cli/*"],
              message: "cli/ is the top layer: move what both need into io/.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/io/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/cli/*", "**/collect/*"], message: "io/ sits below cli/ and collect/." },
            { group: ["@aws-sdk/*", "@smithy/*"], message: "AWS SDK calls live in collect/ only." },
          ],
        },
      ],
    },
  },
  {
    files: ["src/vocab/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            ...impureImports.patterns,
            { group: ["../*", "!../vocab/*"], message: "The vocabulary imports nothing of ours." },
          ],
        },
      ],
    },
  },
);
