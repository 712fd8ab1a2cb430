// Reads the ONNX node-test data shipped in ../shared/onnx (beside the repo root): one-node
// models, their serialized input/output tensors and the subset list. Decoding only; no Kiln here.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fromBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType,
  ModelProtoSchema,
  TensorProtoSchema,
  TensorProto_DataType,
  type AttributeProto,
  type TensorProto,
} from 'onnx-buf';

/** test/onnx/ → repo root is ../../, and shared/ sits beside the repo root. */
export const ONNX_DATA_DIR = new URL('../../../shared/onnx/', import.meta.url);

export type OnnxDtype = 'float32' | 'float64' | 'int32' | 'int64' | 'bool' | 'uint8' | 'int8' | 'other';
export type OnnxData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

/** A decoded TensorProto: row-major data, shape as plain numbers. */
export interface OnnxTensor {
  name: string;
  dtype: OnnxDtype;
  shape: number[];
  data: OnnxData;
}

export type OnnxAttribute = number | string | number[] | string[] | OnnxTensor;

export interface OnnxCase {
  name: string;
  opType: string;
  opset: number;
  attributes: Record<string, OnnxAttribute>;
  /** Aligned with the node's inputs; an optional input left empty (`""`) is `undefined`. */
  inputs: (OnnxTensor | undefined)[];
  outputs: OnnxTensor[];
}

export interface SubsetEntry {
  name: string;
  opType: string;
  dtypeClass: string;
}

/** Throws (rather than letting suites skip) when the shared data folder is absent. */
export function requireOnnxDataDir(): URL {
  if (!existsSync(ONNX_DATA_DIR)) {
    throw new Error(`ONNX conformance data not found at ${ONNX_DATA_DIR.pathname}: clone shared/ beside the repo root`);
  }
  return ONNX_DATA_DIR;
}

export function readSubset(): SubsetEntry[] {
  const text = readFileSync(new URL('subset.txt', requireOnnxDataDir()), 'utf8');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map((line) => {
      const [name, opType, dtypeClass] = line.split('\t');
      if (!name || !opType) throw new Error(`subset.txt: malformed line ${JSON.stringify(line)}`);
      return { name, opType, dtypeClass: dtypeClass ?? '' };
    });
}

const DTYPE_NAMES: Partial<Record<number, OnnxDtype>> = {
  [TensorProto_DataType.FLOAT]: 'float32',
  [TensorProto_DataType.DOUBLE]: 'float64',
  [TensorProto_DataType.INT32]: 'int32',
  [TensorProto_DataType.INT64]: 'int64',
  [TensorProto_DataType.BOOL]: 'bool',
  [TensorProto_DataType.UINT8]: 'uint8',
  [TensorProto_DataType.INT8]: 'int8',
};

/** Copies bytes into a fresh, aligned ArrayBuffer (raw_data may be unaligned or pooled). */
function alignedCopy(bytes: Uint8Array): ArrayBuffer {
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  return buffer;
}

function decodeTensorData(t: TensorProto, dtype: OnnxDtype, size: number): OnnxData {
  const raw = t.rawData.byteLength > 0 ? alignedCopy(t.rawData) : undefined;
  const data = ((): OnnxData => {
    switch (dtype) {
      case 'float32':
        return raw ? new Float32Array(raw) : Float32Array.from(t.floatData);
      case 'float64':
        return raw ? new Float64Array(raw) : Float64Array.from(t.doubleData);
      case 'int32':
        return raw ? new Int32Array(raw) : Int32Array.from(t.int32Data);
      case 'int64':
        return raw ? new BigInt64Array(raw) : BigInt64Array.from(t.int64Data);
      case 'bool':
      case 'uint8':
        // bool/uint8 without raw_data are stored in int32_data, one element per entry.
        return raw ? new Uint8Array(raw) : Uint8Array.from(t.int32Data);
      case 'int8':
        return raw ? new Int8Array(raw) : Int8Array.from(t.int32Data);
      case 'other':
        throw new Error(`tensor ${t.name}: unsupported ONNX data type ${t.dataType}`);
    }
  })();
  if (data.length !== size) {
    throw new Error(`tensor ${t.name}: ${data.length} elements for shape [${t.dims.join(',')}] (expected ${size})`);
  }
  return data;
}

export function decodeTensor(t: TensorProto): OnnxTensor {
  const dtype = DTYPE_NAMES[t.dataType] ?? 'other';
  const shape = t.dims.map((d) => Number(d));
  const size = shape.reduce((a, b) => a * b, 1);
  return { name: t.name, dtype, shape, data: decodeTensorData(t, dtype, size) };
}

export function readTensorFile(url: URL): OnnxTensor {
  return decodeTensor(fromBinary(TensorProtoSchema, new Uint8Array(readFileSync(url))));
}

function decodeAttribute(a: AttributeProto): OnnxAttribute {
  switch (a.type) {
    case AttributeProto_AttributeType.FLOAT:
      return a.f;
    case AttributeProto_AttributeType.INT:
      return Number(a.i);
    case AttributeProto_AttributeType.STRING:
      return new TextDecoder().decode(a.s);
    case AttributeProto_AttributeType.FLOATS:
      return [...a.floats];
    case AttributeProto_AttributeType.INTS:
      return a.ints.map((i) => Number(i));
    case AttributeProto_AttributeType.STRINGS:
      return a.strings.map((s) => new TextDecoder().decode(s));
    case AttributeProto_AttributeType.TENSOR:
      if (!a.t) throw new Error(`attribute ${a.name}: TENSOR without a value`);
      return decodeTensor(a.t);
    default:
      throw new Error(`attribute ${a.name}: unsupported attribute type ${a.type}`);
  }
}

/** Loads `node/<name>/`: the single node, its attributes, opset, and test_data_set_0. */
export function loadCase(name: string): OnnxCase {
  const caseDir = new URL(`node/${name}/`, requireOnnxDataDir());
  const model = fromBinary(ModelProtoSchema, new Uint8Array(readFileSync(new URL('model.onnx', caseDir))));
  const graph = model.graph;
  if (!graph || graph.node.length !== 1) throw new Error(`${name}: expected a one-node graph`);
  const node = graph.node[0]!;
  const opsetEntry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  const opset = opsetEntry ? Number(opsetEntry.version) : 0;

  const attributes: Record<string, OnnxAttribute> = {};
  for (const a of node.attribute) attributes[a.name] = decodeAttribute(a);

  const dataDir = new URL('test_data_set_0/', caseDir);
  const files = readdirSync(dataDir);
  const readNumbered = (prefix: string): OnnxTensor[] =>
    files
      .filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
      .map((f) => ({ f, n: Number(f.slice(prefix.length, -3)) }))
      .sort((a, b) => a.n - b.n)
      .map(({ f }) => readTensorFile(new URL(f, dataDir)));

  // input_N.pb follows the graph's input order (initializers excluded); match node inputs by name.
  const initializerNames = new Set(graph.initializer.map((t) => t.name));
  const graphInputNames = graph.input.map((v) => v.name).filter((n) => !initializerNames.has(n));
  const inputFiles = readNumbered('input_');
  if (inputFiles.length !== graphInputNames.length) {
    throw new Error(`${name}: ${inputFiles.length} input files for ${graphInputNames.length} graph inputs`);
  }
  const byName = new Map<string, OnnxTensor>();
  graphInputNames.forEach((n, i) => byName.set(n, { ...inputFiles[i]!, name: n }));
  for (const t of graph.initializer) byName.set(t.name, decodeTensor(t));
  const inputs = node.input.map((n) => {
    if (n === '') return undefined;
    const t = byName.get(n);
    if (!t) throw new Error(`${name}: node input ${n} is neither a graph input nor an initializer`);
    return t;
  });

  const outputs = readNumbered('output_').map((t, i) => ({ ...t, name: graph.output[i]?.name ?? t.name }));
  return { name, opType: node.opType, opset, attributes, inputs, outputs };
}

/** int64/int32 tensor (shapes, axes, pads, indices) → plain JS numbers; throws if not exact. */
export function tensorToNumbers(t: OnnxTensor): number[] {
  const out: number[] = [];
  for (const v of t.data) {
    const n = Number(v);
    if (typeof v === 'bigint' && BigInt(n) !== v) throw new Error(`tensor ${t.name}: ${v} does not fit a JS number`);
    out.push(n);
  }
  return out;
}
