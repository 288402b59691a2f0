/** k6's exit codes and what each means to someone reading caplab's output. */

/** What k6's exit codes mean (reference/k6.md §3.6; k6 `errext/exitcodes/codes.go`). */
export const K6_EXIT_CODES: Readonly<Record<number, string>> = {
  0: "success: thresholds passed (or none defined)",
  97: "cloud test run failed",
  98: "lost progress sync with the cloud",
  99: "thresholds crossed: the SLO was not met (or abortOnFail stopped the test)",
  100: "setup() timed out",
  101: "teardown() timed out",
  102: "a timeout (handleSummary or other)",
  103: "stopped through the REST API",
  104: "invalid config: bad options, thresholds or flags",
  105: "aborted by SIGINT or SIGTERM",
  106: "the REST API address could not be bound",
  107: "script exception while loading the script (bad plan, missing CAPLAB_TARGET, syntax error)",
  108: "the script called exec.test.abort()",
  109: "k6 panicked",
  110: "the script called exec.test.fail(): the run finished but is marked failed",
  255: "an error without a specific exit code",
};

/** "k6 exited 99: thresholds crossed: …". */
export function explainK6Exit(code: number | null): string {
  if (code === null) return "k6 did not report an exit code (killed by a signal?)";
  return `k6 exited ${code}: ${K6_EXIT_CODES[code] ?? "an exit code caplab does not know"}`;
}
