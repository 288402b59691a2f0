#!/usr/bin/env node
// The only place that calls process.exit: everything else returns an exit code.
import { inspect } from "node:util";
import { sayWhenStopped } from "../dist/cli/context.js";
import { main } from "../dist/cli/main.js";
import { printable } from "../dist/reports/escape.js";
import { maskSecrets, secretValuesOf } from "../dist/sim/vocab/redact.js";

sayWhenStopped();
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
