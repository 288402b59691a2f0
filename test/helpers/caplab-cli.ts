/**
 * bin/caplab.js for the sources: `node --import tsx test/helpers/caplab-cli.ts ARGS` runs the
 * CLI from src/ in a process of its own, as bin/caplab.js runs it from dist/ (which a test
 * cannot rely on being fresh).
 */
import { inspect } from "node:util";
import { sayWhenStopped } from "../../cli/context.js";
import { main } from "../../cli/main.js";
import { maskSecrets, secretValuesOf } from "../../sim/vocab/redact.js";

sayWhenStopped();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(maskSecrets(inspect(error), secretValuesOf(process.env)));
    process.exitCode = 1;
  },
);
