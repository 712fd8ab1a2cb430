/** WebAssembly text of a compiled module, via the `wabt` package (loaded on first use). */
import type wabtFactory from 'wabt';

type Wabt = Awaited<ReturnType<typeof wabtFactory>>;

let wabt: Promise<Wabt> | undefined;

export async function toWat(bytes: Uint8Array): Promise<string> {
  wabt ??= import('wabt').then((mod) => mod.default());
  const w = await wabt;
  const features = { simd: true, sat_float_to_int: true, sign_extension: true, bulk_memory: true, mutable_globals: true };
  const module = w.readWasm(bytes, { readDebugNames: true, ...features });
  try {
    module.generateNames();
    module.applyNames();
    return module.toText({ foldExprs: false, inlineExport: false });
  } finally {
    module.destroy();
  }
}
