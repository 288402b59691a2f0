/** Starting worker threads from compiled code and from TypeScript sources alike. */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * Starts the worker module `name` (without extension) that sits beside the module whose
 * `import.meta.url` is `siblingOf`. From compiled code that is `name.js`; from source (tests
 * run TypeScript through tsx) a small bootstrap registers tsx in the worker first, since
 * worker threads do not inherit the loader.
 */
export function startSiblingWorker(siblingOf: string, name: string, workerData: unknown): Worker {
  if (!siblingOf.endsWith(".ts")) {
    return new Worker(new URL(`./${name}.js`, siblingOf), { workerData });
  }
  // The ESM entry of tsx's register API (require.resolve finds the CommonJS one).
  const tsx = pathToFileURL(createRequire(siblingOf).resolve("tsx/esm/api")).href.replace(
    /\.cjs$/,
    ".mjs",
  );
  const worker = new URL(`./${name}.ts`, siblingOf).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(worker)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
