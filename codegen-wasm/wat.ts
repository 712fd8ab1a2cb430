/**
 * WebAssembly text of a compiled module, via the `wabt` package. wabt loads asynchronously:
 * `loadWabt()` once (the wasm backend's init does it), then `watOf` is synchronous.
 */
import { KilnError } from '../ir/index.js';

type WabtFactory = typeof import('wabt');
type Wabt = Awaited<ReturnType<WabtFactory>>;

let wabt: Wabt | undefined;
let loading: Promise<Wabt> | undefined;

export function loadWabt(): Promise<Wabt> {
  loading ??= import('wabt').then(async (mod) => {
    // A CommonJS module: the factory is the default export at run time.
    const factory = ((mod as { default?: WabtFactory }).default ?? mod) as WabtFactory;
    wabt = await factory();
    return wabt;
  });
  return loading;
}

function print(w: Wabt, bytes: Uint8Array): string {
  const features = { simd: true, threads: true, sat_float_to_int: true, sign_extension: true, bulk_memory: true, mutable_globals: true };
  const module = w.readWasm(bytes, { readDebugNames: true, ...features });
  try {
    module.generateNames();
    module.applyNames();
    return module.toText({ foldExprs: false, inlineExport: false });
  } finally {
    module.destroy();
  }
}

/** WAT of `bytes`; needs `loadWabt()` to have finished. */
export function watOf(bytes: Uint8Array): string {
  if (!wabt) throw new KilnError("WebAssembly text needs wabt loaded: `await init('wasm')` (or loadWabt()) first");
  return print(wabt, bytes);
}

export async function toWat(bytes: Uint8Array): Promise<string> {
  return print(await loadWabt(), bytes);
}
