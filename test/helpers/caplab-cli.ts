/**
 * bin/caplab.js for the sources: `node --import tsx test/helpers/caplab-cli.ts ARGS` runs the
 * CLI from src/ in a process of its own, as bin/caplab.js runs it from dist/ (which a test
 * cannot rely on being fresh).
 */
import { sayWhenStopped } from "../../cli/context.js";

// Before the rest of the CLI loads, as bin/caplab.js does.
sayWhenStopped();
const [{ inspect }, { main }, { maskSecrets, secretValuesOf }] = await Promise.all([
  import("node:util"),
  import("../../cli/main.js"),
  import("../../sim/vocab/redact.js"),
]);
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(maskSecrets(inspect(error), secretValuesOf(process.env)));
    process.exitCode = 1;
  },
);
