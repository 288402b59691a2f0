/** Shim of `k6/execution` for vitest. */
const execution = {
  scenario: { name: "default", iterationInTest: 0 },
  vu: { idInTest: 1 },
  test: {
    abort(message?: string): never {
      throw new Error(`test aborted: ${message ?? ""}`);
    },
    fail(_message?: string): void {},
  },
};
export default execution;
