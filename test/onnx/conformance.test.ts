// ONNX node conformance for the subset in ../shared/onnx/subset.txt: every case runs through
// Kiln's public frontend eagerly and under `jit`, and is compared with ONNX's expected outputs.
// A case either passes both ways or is listed in UNSUPPORTED with its reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jit, numpy as np, type Tensor } from '../../frontend/index.js';
import { BACKENDS, useBackend } from '../helpers.js';
import { type Tolerance, ONNX_TOLERANCE, describeMismatch } from './compare.js';
import { type OnnxCase, type OnnxTensor, loadCase, readSubset } from './load.js';
import { NodeArgs, ONNX_OPS, isDynamicInput } from './ops.js';
import { TOLERANCE_OVERRIDES, UNSUPPORTED } from './unsupported.js';

type Mode = 'eager' | 'jit';

/** Throws (fails the file) if ../shared/onnx is missing: CI must clone it beside the repo. */
const subset = readSubset();

function toKilnTensor(t: OnnxTensor): Tensor {
  if (t.dtype === 'float32') return np.array(t.data as Float32Array, { dtype: 'float32', shape: t.shape });
  if (t.dtype === 'bool') return np.array(t.data as Uint8Array, { dtype: 'bool', shape: t.shape });
  throw new Error(`input ${t.name}: ${t.dtype} inputs are not fed to Kiln as tensors`);
}

/** Runs one case; float/bool inputs are tensors (jit arguments), integer inputs and attributes static. */
function runCase(c: OnnxCase, mode: Mode): Tensor[] {
  const mapping = ONNX_OPS[c.opType];
  if (!mapping) throw new Error(`no Kiln mapping for ONNX op ${c.opType}`);
  const dynamic = c.inputs.flatMap((t, i) => (t && isDynamicInput(mapping, i, t) ? [i] : []));
  const build = (...tensors: Tensor[]): Tensor[] => {
    const slots: (Tensor | undefined)[] = [];
    dynamic.forEach((inputIndex, k) => (slots[inputIndex] = tensors[k]));
    const out = mapping.run(new NodeArgs(c, slots));
    return Array.isArray(out) ? out : [out];
  };
  const inputs = dynamic.map((i) => toKilnTensor(c.inputs[i]!));
  return mode === 'eager' ? build(...inputs) : jit(build)(...inputs);
}

async function checkCase(name: string, mode: Mode, tol: Tolerance): Promise<void> {
  const c = loadCase(name);
  const outputs = runCase(c, mode);
  expect(outputs.length, `${name} (${mode}): number of outputs`).toBe(c.outputs.length);
  const problems: string[] = [];
  for (const [i, expected] of c.outputs.entries()) {
    const got = outputs[i]!;
    const mismatch = describeMismatch({ dtype: got.dtype, shape: got.shape, data: await got.data() }, expected, tol);
    if (mismatch) problems.push(`output ${i} (${expected.name}): ${mismatch}`);
  }
  expect(problems, `${name} (${mode})`).toEqual([]);
}

describe('ONNX conformance subset bookkeeping', () => {
  it('lists only subset cases as unsupported or with looser tolerances', () => {
    const names = new Set(subset.map((e) => e.name));
    expect(Object.keys(UNSUPPORTED).filter((n) => !names.has(n))).toEqual([]);
    expect(Object.keys(TOLERANCE_OVERRIDES).filter((n) => !names.has(n))).toEqual([]);
  });

  it('maps every op type that has a supported case', () => {
    const missing = subset.filter((e) => !UNSUPPORTED[e.name] && !ONNX_OPS[e.opType]).map((e) => `${e.name} (${e.opType})`);
    expect(missing).toEqual([]);
  });
});

describe.each(BACKENDS)('ONNX conformance subset on %s', (backend) => {
  const tally = { eager: { passed: 0, failed: 0 }, jit: { passed: 0, failed: 0 } };
  useBackend(backend);

  for (const entry of subset) {
    const reason = UNSUPPORTED[entry.name];
    if (reason) {
      it.skip(`${entry.name}: unsupported, ${reason}`, () => {});
      continue;
    }
    const tol = TOLERANCE_OVERRIDES[entry.name] ?? ONNX_TOLERANCE;
    for (const mode of ['eager', 'jit'] as const) {
      it(`${entry.name} (${entry.opType}, ${mode})`, async () => {
        try {
          await checkCase(entry.name, mode, tol);
          tally[mode].passed++;
        } catch (e) {
          tally[mode].failed++;
          throw e;
        }
      });
    }
  }

  afterAll(() => {
    const unsupported = subset.filter((e) => UNSUPPORTED[e.name]).length;
    const line = (m: Mode) => `${m}: ${tally[m].passed} passed, ${tally[m].failed} failed`;
    console.log(`ONNX conformance on ${backend}: ${subset.length} cases, ${unsupported} unsupported (see test/onnx/unsupported.ts); ${line('eager')}; ${line('jit')}`);
  });
});
