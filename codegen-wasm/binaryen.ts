/**
 * Lazy, single loading of binaryen (the WebAssembly optimizer and code generator Kiln builds
 * modules with). Loading costs ~300-500 ms and ~150 MB, so nothing imports it eagerly: callers
 * `await loadBinaryen()` (or the frontend's `init()`) once, after which compilation is synchronous.
 */
import type binaryenNamespace from 'binaryen';

export type Binaryen = typeof binaryenNamespace;
export type Module = binaryenNamespace.Module;
/** A binaryen expression handle (an index into binaryen's arena). */
export type Ref = binaryenNamespace.ExpressionRef;
export type WasmType = binaryenNamespace.Type;

let loaded: Binaryen | undefined;
let loading: Promise<Binaryen> | undefined;

/** Loads binaryen on the first call; later calls return the same promise. */
export function loadBinaryen(): Promise<Binaryen> {
  loading ??= import('binaryen').then((mod) => {
    loaded = mod.default;
    return loaded;
  });
  return loading;
}

/** The loaded binaryen, for synchronous compilation; throws a readable error before loading. */
export function binaryenOrThrow(): Binaryen {
  if (!loaded) {
    throw new Error(
      'Kiln: the WebAssembly code generator is not loaded yet. Call `await init()` (or `await loadBinaryen()` ' +
        'from codegen-wasm) once before compiling for the wasm backend.',
    );
  }
  return loaded;
}

/** Whether binaryen has finished loading. */
export function isBinaryenLoaded(): boolean {
  return loaded !== undefined;
}

/**
 * The feature set Kiln's modules use, read from binaryen's runtime `Features` object by name: the
 * bundled typings list different bit values than the runtime for some features, so never use the
 * enum's compile-time values. SIMD128, saturating float-to-int, sign extension, bulk memory and
 * mutable globals are all in Node 20 and current browsers; relaxed SIMD is deliberately not used.
 */
export function kilnFeatures(b: Binaryen): number {
  const table = b.Features as unknown as Record<string, number | undefined>;
  const names = ['MutableGlobals', 'NontrappingFPToInt', 'SIMD128', 'BulkMemory', 'SignExt'];
  let bits = 0;
  for (const name of names) {
    const bit = table[name];
    if (typeof bit !== 'number') throw new Error(`Kiln: this binaryen build has no feature flag ${name}`);
    bits |= bit;
  }
  return bits;
}
