/**
 * Issue #12's thin CLI: each command file parses flags and calls the library, in about 150
 * lines; the flags several commands share are built once (cli/options.ts) and read alike in
 * each; the steps they share (cli/common.ts) behave as the commands did when each wrote its own;
 * every command's help prose (cli/help-text.ts) is on its command.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Command, CommanderError, type Option } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { FORCE_HELP } from "../../analysis/io/files/output.js";
import { HISTORY_LOCK_TIMEOUT_SECONDS } from "../../analysis/io/history/history-db.js";
import { UsageError } from "../../sim/vocab/errors.js";
import { warnings as vocabWarnings } from "../../sim/vocab/warnings.js";
import { setupBacktestCommand } from "../../cli/backtest-command.js";
import { setupCalibrateCommand } from "../../cli/calibrate-command.js";
import { setupCollectCommand } from "../../cli/collect-command.js";
import { historyAccess, jsonText, notifier, recordRun, warningList } from "../../cli/common.js";
import type { CommandSetup } from "../../cli/context.js";
import { setupGateCommand } from "../../cli/gate-command.js";
import { COMMAND_HELP } from "../../cli/help-text.js";
import { setupHistoryCommand } from "../../cli/history-command.js";
import { setupImportCommand } from "../../cli/import-command.js";
import {
  addOutputOptions,
  HISTORY_FLAG_HELP,
  numberOption,
  wholeNumberOption,
} from "../../cli/options.js";
import { setupPlanCommand } from "../../cli/plan-command.js";
import { setupReportCommand } from "../../cli/report-command.js";
import { setupRightsizeCommand } from "../../cli/rightsize-command.js";
import { setupRunCommand } from "../../cli/run-command.js";
import { setupSchemaCommand } from "../../cli/schema-command.js";
import { setupSimulateCommand } from "../../cli/simulate-command.js";
import { captureIo, cliContext } from "../helpers/io.js";

const SETUPS: Readonly<Record<string, CommandSetup>> = {
  simulate: setupSimulateCommand,
  plan: setupPlanCommand,
  collect: setupCollectCommand,
  import: setupImportCommand,
  run: setupRunCommand,
  calibrate: setupCalibrateCommand,
  rightsize: setupRightsizeCommand,
  backtest: setupBacktestCommand,
  report: setupReportCommand,
  gate: setupGateCommand,
  history: setupHistoryCommand,
  schema: setupSchemaCommand,
};

/** Every command (and `history`'s subcommands) as commander holds it after its setup. */
function commands(): Map<string, Command> {
  const program = new Command("caplab");
  const all = new Map<string, Command>();
  for (const [name, setup] of Object.entries(SETUPS)) {
    const command = program.command(name);
    setup(command, cliContext(), () => undefined);
    all.set(name, command);
    for (const sub of command.commands) all.set(`${name} ${sub.name()}`, sub);
  }
  return all;
}

/** The options named `flag` across every command, by command. */
function optionsNamed(flag: string): [string, Option][] {
  return [...commands()]
    .map(([name, c]) => [name, c.options.find((o) => o.long === flag)] as const)
    .filter((pair): pair is [string, Option] => pair[1] !== undefined);
}

const temp = mkdtempSync(join(tmpdir(), "caplab-thin-cli-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe("the command files (issue #12)", () => {
  it("are each at most about 150 lines: flags, help and a call into the library", () => {
    const dir = resolve(import.meta.dirname, "../../cli");
    const files = readdirSync(dir).filter((f) => f.endsWith("-command.ts"));
    expect(files.length).toBe(Object.keys(SETUPS).length);
    const long = files
      .map((f) => [f, readFileSync(join(dir, f), "utf8").split("\n").length - 1] as const)
      .filter(([, lines]) => lines > 155);
    expect(long).toEqual([]);
  });

  it("carry every help entry of cli/help-text.ts, summary and description, on their command", () => {
    const all = commands();
    const byKey: Record<keyof typeof COMMAND_HELP, string> = {
      simulate: "simulate",
      plan: "plan",
      collect: "collect",
      import: "import",
      run: "run",
      calibrate: "calibrate",
      rightsize: "rightsize",
      backtest: "backtest",
      report: "report",
      gate: "gate",
      schema: "schema",
      history: "history",
      historyList: "history list",
      historyExport: "history export",
    };
    for (const [key, name] of Object.entries(byKey)) {
      const help = COMMAND_HELP[key as keyof typeof COMMAND_HELP];
      const command = all.get(name)!;
      expect(command.summary(), name).toBe(help.summary);
      expect(command.description(), name).toBe(help.description);
    }
    expect(all.size).toBe(Object.keys(byKey).length);
  });
});

describe("flags several commands share (cli/options.ts)", () => {
  it("--force says what it replaces in words of output.ts, wherever it appears", () => {
    const forces = optionsNamed("--force");
    expect(forces.length).toBeGreaterThanOrEqual(10);
    const said = [...Object.values(FORCE_HELP), FORCE_HELP.folder.replace("--out", "--parquet")];
    for (const [name, option] of forces) expect(said, name).toContain(option.description);
  });

  it("--connect-timeout, --request-timeout and --slo-p95 read and parse alike in each command", () => {
    for (const flag of ["--connect-timeout", "--request-timeout"]) {
      const found = optionsNamed(flag);
      expect(found.map(([name]) => name).sort()).toEqual(["collect", "import", "run"]);
      expect(new Set(found.map(([, o]) => o.description)).size).toBe(1);
      for (const [, option] of found) {
        expect(() => option.parseArg!("soon", undefined)).toThrow(UsageError);
        expect(() => option.parseArg!("soon", undefined)).toThrow(flag);
      }
    }
    const slo = optionsNamed("--slo-p95");
    expect(slo.map(([name]) => name).sort()).toEqual(["calibrate", "report", "rightsize"]);
    for (const [, option] of slo) {
      expect(option.parseArg!("250", undefined)).toBe(250);
      expect(() => option.parseArg!("0", undefined)).toThrow(
        '--slo-p95 takes a number of milliseconds above 0, not "0".',
      );
    }
  });

  it("--history says the same where it takes the project's history", () => {
    const found = optionsNamed("--history");
    expect(found.map(([name]) => name).sort()).toEqual([
      "gate",
      "history export",
      "history list",
      "import",
    ]);
    for (const [name, option] of found)
      if (name !== "import") expect(option.description, name).toBe(HISTORY_FLAG_HELP);
  });

  it("addOutputOptions: --out with its default, or required, then --force", async () => {
    const run = async (out: Parameters<typeof addOutputOptions>[1], argv: string[]) => {
      const command = addOutputOptions(new Command("x").exitOverride(), out);
      command.configureOutput({ writeErr: () => undefined });
      let seen: Record<string, unknown> = {};
      command.action((opts: Record<string, unknown>) => {
        seen = opts;
      });
      await command.parseAsync(argv, { from: "user" });
      return { names: command.options.map((o) => o.long), seen };
    };
    const byDefault = await run({ help: "h", default: "caplab-out/x", force: "folder" }, []);
    expect(byDefault.names).toEqual(["--out", "--force"]);
    expect(byDefault.seen).toEqual({ out: "caplab-out/x" });
    expect((await run({ help: "h", force: "files" }, ["--out", "d", "--force"])).seen).toEqual({
      out: "d",
      force: true,
    });
    await expect(run({ help: "h", required: true, force: "folder" }, [])).rejects.toThrow(
      CommanderError,
    );
  });

  it("wholeNumberOption and numberOption take the flag's name from its flags", () => {
    const workers = wholeNumberOption("--workers <n>", "h", { unit: "threads" });
    expect(workers.parseArg!("3", undefined)).toBe(3);
    expect(() => workers.parseArg!("1.5", undefined)).toThrow(
      '--workers takes a whole number of threads (0 or more), not "1.5".',
    );
    const scale = numberOption("--scale <x>", "h", { positive: true });
    expect(scale.parseArg!("0.5", undefined)).toBe(0.5);
    expect(() => scale.parseArg!("-1", undefined)).toThrow(
      '--scale takes a number above 0, not "-1".',
    );
  });
});

describe("steps several commands share (cli/common.ts)", () => {
  it("warningList keeps the warnings it is given, in order", () => {
    const { warnings, warn } = warningList();
    const first = vocabWarnings.gapInSeries("a.csv", 0, 60_000);
    const second = vocabWarnings.moreGapsInSeries("a.csv", 2, 5);
    warn(first);
    warn(second);
    expect(warnings).toEqual([first, second]);
  });

  it("notifier and jsonText write what the commands wrote by hand", () => {
    const io = captureIo();
    notifier(io)("--out holds files");
    expect(io.stderr()).toBe("caplab: --out holds files\n");
    expect(io.stdout()).toBe("");
    expect(jsonText({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}\n');
  });

  it("historyAccess: --history, else $CAPLAB_HISTORY, against cwd; the lock timeout from the environment", () => {
    const cwd = join(temp, "project");
    expect(historyAccess({ env: {}, cwd }, "h.duckdb")).toEqual({
      historyPath: join(cwd, "h.duckdb"),
      lockTimeoutMs: HISTORY_LOCK_TIMEOUT_SECONDS * 1000,
    });
    const env = { CAPLAB_HISTORY: "env.duckdb", CAPLAB_HISTORY_LOCK_TIMEOUT: "2" };
    expect(historyAccess({ env, cwd })).toEqual({
      historyPath: join(cwd, "env.duckdb"),
      lockTimeoutMs: 2000,
    });
    expect(historyAccess({ env, cwd }, "flag.duckdb").historyPath).toBe(join(cwd, "flag.duckdb"));
  });

  it("recordRun keeps the run's code and says why when the bundle cannot be read", async () => {
    const io = captureIo();
    const code = await recordRun(
      { io, env: {}, cwd: temp },
      join(temp, "no-such-bundle"),
      99,
      join(temp, "h.duckdb"),
    );
    expect(code).toBe(99);
    expect(io.stderr()).toMatch(/^caplab: run not recorded in history: /);
  });
});
