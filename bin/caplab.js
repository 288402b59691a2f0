#!/usr/bin/env node
// The only place that calls process.exit: everything else returns an exit code.
// Ctrl-C is said from the start: the listener goes in before the rest of the CLI loads (a second
// or two on a busy machine), from a module that loads little; the rest is imported after it.
import { sayWhenStopped } from "../dist/cli/context.js";

sayWhenStopped();
const [{ inspect }, { main }, { printable }, { maskSecrets, secretValuesOf }] = await Promise.all([
  import("node:util"),
  import("../dist/cli/main.js"),
  import("../dist/reports/escape.js"),
  import("../dist/sim/vocab/redact.js"),
]);
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    // A bug: the stack, with the credentials of URLs (user name and password, credential-named
    // query parameters) and of the environment taken out, and any control character in its
    // message made visible.
    const shown = maskSecrets(inspect(error), secretValuesOf(process.env));
    process.stderr.write(`${printable(shown)}\n`);
    process.exitCode = 1;
  },
);
