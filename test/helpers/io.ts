/** An Io that keeps what a command writes, for assertions. */
import type { Io } from "../../cli/main.js";

export function captureIo(): Io & { stdout: () => string; stderr: () => string } {
  let out = "";
  let err = "";
  return {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTty: false,
    stdout: () => out,
    stderr: () => err,
  };
}
