// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/*
 * The layout's import rules (README, "Layout"; DESIGN.md, "Rule of the house"):
 * - a folder named io/ is an edge: it may touch files, the network, AWS and the clock; the rest
 *   of sim/, analysis/, scenarios/plan/ and reports/ is the pure core, and imports no edge;
 * - the pure folders build on each other in one order, sim/ ← analysis/ ← scenarios/plan/ ←
 *   reports/; sim/ (its io/ too) imports only sim/, and sim/vocab/ only itself;
 * - nothing imports cli/ (the commands); k6 modules only in the k6 scripts (scenarios/*.ts,
 *   scenarios/lib/); the AWS SDK only in analysis/io/aws/, analysis/io/import/, scenarios/io/
 *   and cli/;
 * - a command imports no other command, what the commands share (cli/ but main.ts) imports no
 *   command, and only cli/context.ts reads `process` (the others get the outside world as a
 *   CliContext).
 * test/lint/pure-core.test.ts proves each rule with a snippet that breaks it.
 */

/** One `no-restricted-imports` pattern per rule, combined per folder below. */
const rule = {
  node: {
    // Anchored ("/http"), so that k6/http is not taken for Node's http.
    group: [
      "node:*",
      "/fs",
      "/fs/*",
      "/path",
      "/os",
      "/child_process",
      "/worker_threads",
      "/http",
      "/https",
      "/net",
      "/url",
      "/crypto",
    ],
    message: "The pure core takes no Node built-ins: do I/O in an io/ folder or in cli/.",
  },
  aws: {
    group: ["@aws-sdk/*", "@smithy/*", "aws-sdk"],
    message:
      "The AWS SDK is used in analysis/io/aws/, analysis/io/import/, scenarios/io/ and cli/ only.",
  },
  k6: {
    group: ["k6", "k6/*"],
    message: "k6 modules are imported by the k6 scripts (scenarios/*.ts, scenarios/lib/) only.",
  },
  cli: {
    group: ["**/cli/**"],
    message: "Nothing imports cli/ (the commands): move what both need into the library.",
  },
  edge: {
    group: ["**/io/**"],
    message: "The pure core imports no edge folder (io/): pass the data in.",
  },
  simOnly: {
    group: ["**/analysis/**", "**/scenarios/**", "**/reports/**"],
    message: "sim/ imports only sim/: it is the bottom of the house.",
  },
  vocabOnly: {
    group: ["../*"],
    message: "The vocabulary (sim/vocab/) imports nothing of ours but itself.",
  },
  analysisBelow: {
    group: ["**/scenarios/**", "**/reports/**"],
    message: "analysis/ sits below scenarios/ and reports/: it does not import them.",
  },
  planBelow: {
    group: ["**/reports/**"],
    message: "scenarios/plan/ sits below reports/: it does not import it.",
  },
  filesBelow: {
    group: ["../aws/*", "../import/*", "../history/*"],
    message: "analysis/io/files/ sits below the other edge folders: it does not import them.",
  },
  command: {
    group: ["./*-command.js"],
    message: "A command imports no other command: move what both need into the library.",
  },
  sharedCli: {
    group: ["./*-command.js"],
    message:
      "What the commands share (cli/ but main.ts) imports no command: only main.ts puts them together.",
  },
  k6Runtime: {
    group: ["**/sim/**", "**/analysis/**", "**/reports/**"],
    message:
      "k6 runs the scenarios as they are: they import only scenarios/lib/ and scenarios/plan/.",
  },
};

/** A folder's import rule: the patterns it may not import. */
const restrict = (...patterns) => ({ "no-restricted-imports": ["error", { patterns }] });

/** No clock, no randomness, no environment, no console in the pure core. */
const pureRuntime = {
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
      message: "Randomness comes in as a seeded source (sim/math/random.ts).",
    },
    { object: "Date", property: "now", message: "Time comes in as an argument." },
    { object: "performance", property: "now", message: "Time comes in as an argument." },
    { object: "console", message: "Warnings go to the sink that is passed in." },
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
  // The folders below do not overlap, so each file gets exactly one import rule.
  // sim/: the simulator and the vocabulary, pure, and its edge (the sweep's worker pool).
  {
    files: ["sim/vocab/**/*.ts"],
    rules: {
      ...restrict(rule.node, rule.aws, rule.k6, rule.cli, rule.edge, rule.simOnly, rule.vocabOnly),
      ...pureRuntime,
    },
  },
  {
    files: ["sim/**/*.ts"],
    ignores: ["sim/vocab/**", "sim/io/**"],
    rules: {
      ...restrict(rule.node, rule.aws, rule.k6, rule.cli, rule.edge, rule.simOnly),
      ...pureRuntime,
    },
  },
  { files: ["sim/io/**/*.ts"], rules: restrict(rule.aws, rule.k6, rule.cli, rule.simOnly) },
  // analysis/: pure, with its edge folders (files, AWS collection, import, history).
  {
    files: ["analysis/**/*.ts"],
    ignores: ["analysis/io/**"],
    rules: {
      ...restrict(rule.node, rule.aws, rule.k6, rule.cli, rule.edge, rule.analysisBelow),
      ...pureRuntime,
    },
  },
  {
    files: ["analysis/io/files/**/*.ts"],
    rules: restrict(rule.aws, rule.k6, rule.cli, rule.filesBelow),
  },
  { files: ["analysis/io/history/**/*.ts"], rules: restrict(rule.aws, rule.k6, rule.cli) },
  {
    files: ["analysis/io/aws/**/*.ts", "analysis/io/import/**/*.ts"],
    rules: restrict(rule.k6, rule.cli),
  },
  // scenarios/: the k6 scripts and their adapter, the pure load plan, the run orchestration.
  {
    files: ["scenarios/*.ts", "scenarios/lib/**/*.ts"],
    rules: restrict(rule.node, rule.aws, rule.cli, rule.edge, rule.k6Runtime),
  },
  {
    files: ["scenarios/plan/**/*.ts"],
    rules: {
      ...restrict(rule.node, rule.aws, rule.k6, rule.cli, rule.edge, rule.planBelow),
      ...pureRuntime,
    },
  },
  { files: ["scenarios/io/**/*.ts"], rules: restrict(rule.k6, rule.cli) },
  // reports/: pure specs, and the writers.
  {
    files: ["reports/**/*.ts"],
    ignores: ["reports/io/**"],
    rules: {
      ...restrict(rule.node, rule.aws, rule.k6, rule.cli, rule.edge),
      ...pureRuntime,
    },
  },
  { files: ["reports/io/**/*.ts"], rules: restrict(rule.aws, rule.k6, rule.cli) },
  // cli/: the commands, each in its own file, and what they share (context, flags, help).
  { files: ["cli/main.ts"], rules: restrict(rule.k6) },
  {
    files: ["cli/**/*.ts"],
    ignores: ["cli/*-command.ts", "cli/main.ts"],
    rules: restrict(rule.k6, rule.sharedCli),
  },
  { files: ["cli/*-command.ts"], rules: restrict(rule.k6, rule.command) },
  {
    files: ["cli/**/*.ts"],
    ignores: ["cli/context.ts"],
    rules: {
      "no-restricted-globals": [
        "error",
        {
          name: "process",
          message: "Commands read no process: take it from the CliContext (cli/context.ts).",
        },
      ],
    },
  },
);
