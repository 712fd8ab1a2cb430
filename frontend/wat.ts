/**
 * WebAssembly text for `lower().asText('wat')`, through the `wabt` package. wabt loads
 * asynchronously, so `init('wasm')` starts loading it; asText stays synchronous.
 */
import { KilnError } from '../ir/index.js';

type WabtFactory = typeof import('wabt');
type Wabt = Awaited<ReturnType<WabtFactory>>;

let wabt: Wabt | undefined;
let loading: Promise<void> | undefined;

export function loadWabt(): Promise<void> {
  loading ??= import('wabt').then(async (mod) => {
    // A CommonJS module: the factory is the default export at run time.
    const factory = ((mod as { default?: WabtFactory }).default ?? mod) as WabtFactory;
    wabt = await factory();
  });
  return loading;
}

export function watOf(bytes: Uint8Array): string {
  if (!wabt) throw new KilnError("asText('wat') needs the wasm backend initialised: `await init('wasm')` first");
  const module = wabt.readWasm(bytes, { readDebugNames: true, simd: true, sat_float_to_int: true, sign_extension: true, bulk_memory: true, mutable_globals: true });
  try {
    module.generateNames();
    module.applyNames();
    return module.toText({ foldExprs: false, inlineExport: false });
  } finally {
    module.destroy();
  }
}
