#!/usr/bin/env node
// The only place that calls process.exit: everything else returns an exit code.
import { inspect } from "node:util";
import { main } from "../dist/cli/main.js";
import { printable } from "../dist/reports/escape.js";
import { redactUserinfo } from "../dist/analysis/io/files/urls.js";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    // A bug: the stack, with any URL's user name and password taken out and any control
    // character in its message made visible.
    process.stderr.write(`${printable(redactUserinfo(inspect(error)))}\n`);
    process.exitCode = 1;
  },
);
