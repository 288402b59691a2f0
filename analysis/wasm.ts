/**
 * The part of the WebAssembly JavaScript API caplab uses, for its two hand-written modules
 * (analysis/k6-match.wat, analysis/io/import/alb-scan.wat, assembled into checked-in base64 by
 * scripts/assemble-wasm.mjs). The project's libs (ES2023, Node's types) declare none of it:
 * https://webassembly.github.io/spec/js-api/
 */

/** A compiled module (opaque here). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

/** An instance's exports: functions and memories, by name. */
export type WasmExports = Readonly<Record<string, unknown>>;

interface WasmApi {
  validate(code: Uint8Array): boolean;
  Memory: new (size: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
  Module: new (code: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports?: object) => { readonly exports: WasmExports };
}

/** The runtime's WebAssembly; null without one. */
const api: WasmApi | null =
  (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly ?? null;

/**
 * A module from its base64 bytes; null when this runtime has no WebAssembly or cannot run the
 * module (e.g. no SIMD): the caller falls back to JavaScript, or says so.
 */
export function compileWasm(base64: string): WasmModule | null {
  if (api === null) return null;
  const code = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return api.validate(code) ? new api.Module(code) : null;
}

/** An instance of a module from {@link compileWasm}, with its imports. */
export function instantiateWasm(module: WasmModule, imports?: object): WasmExports {
  return new api!.Instance(module, imports).exports;
}

/** A memory of `pages` 64-KiB pages that never grows, to import into a module. */
export function wasmMemory(pages: number): { readonly buffer: ArrayBuffer } {
  return new api!.Memory({ initial: pages, maximum: pages });
}
