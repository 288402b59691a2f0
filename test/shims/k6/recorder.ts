/**
 * What the k6 shims saw: tests read and reset it. Kept on globalThis so that it survives
 * `vi.resetModules()` (tests re-import scenario files with a fresh `__ENV`).
 */
export interface HttpCall {
  readonly method: string;
  readonly url: string;
  readonly body: unknown;
  readonly params: { headers?: Record<string, string>; tags?: Record<string, string> } | undefined;
}

interface Recorder {
  readonly http: HttpCall[];
  readonly sleeps: number[];
  reset(): void;
}

const key = Symbol.for("caplab.k6-shim.recorder");
const store = globalThis as unknown as Record<symbol, Recorder | undefined>;

function create(): Recorder {
  const r: Recorder = {
    http: [],
    sleeps: [],
    reset() {
      r.http.length = 0;
      r.sleeps.length = 0;
    },
  };
  return r;
}

export const recorder: Recorder = (store[key] ??= create());
