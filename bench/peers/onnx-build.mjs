// A tiny ONNX model encoder: builds ModelProto messages in code with the generated schemas of
// onnx-buf and serializes them with @bufbuild/protobuf. No model files are read or written.
// Only what the benchmark needs: float32 tensors, int64 initializers, a handful of attribute kinds.
import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as AT,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProto_DataType as DT,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
} from 'onnx-buf';

export const OPSET = 17;
const IR_VERSION = 8n; // ONNX 1.13+, the IR version that goes with opset 17

/** An attribute value: a JS number is an int unless given as { f: x }; arrays of ints; strings. */
function attribute(name, value) {
  if (typeof value === 'string') return create(AttributeProtoSchema, { name, type: AT.STRING, s: new TextEncoder().encode(value) });
  if (typeof value === 'object' && value !== null && 'f' in value) return create(AttributeProtoSchema, { name, type: AT.FLOAT, f: value.f });
  if (Array.isArray(value)) return create(AttributeProtoSchema, { name, type: AT.INTS, ints: value.map(BigInt) });
  if (Number.isInteger(value)) return create(AttributeProtoSchema, { name, type: AT.INT, i: BigInt(value) });
  throw new Error(`onnx-build: unsupported attribute ${name}=${JSON.stringify(value)}`);
}

function valueInfo(name, shape, elemType = DT.FLOAT) {
  const dims = shape.map((d) => create(TensorShapeProto_DimensionSchema, { value: { case: 'dimValue', value: BigInt(d) } }));
  const tensorType = create(TypeProto_TensorSchema, { elemType, shape: create(TensorShapeProtoSchema, { dim: dims }) });
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }) });
}

function rawBytes(typed) {
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength).slice();
}

/**
 * Collects nodes, initializers, inputs and outputs; `build()` returns the serialized model.
 * Value names are generated (`t0`, `t1`, ...) unless given.
 */
export class OnnxGraph {
  #nodes = [];
  #inits = [];
  #inputs = [];
  #outputs = [];
  #counter = 0;

  constructor(name) {
    this.name = name;
  }

  fresh(prefix = 't') {
    return `${prefix}${this.#counter++}`;
  }

  input(name, shape) {
    this.#inputs.push(valueInfo(name, shape));
    return name;
  }

  output(name, shape) {
    this.#outputs.push(valueInfo(name, shape));
    return name;
  }

  /** A float32 initializer (a model constant). */
  constF32(data, shape, name = this.fresh('c')) {
    const f = data instanceof Float32Array ? data : Float32Array.from(Array.isArray(data) ? data : [data]);
    if (f.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`onnx-build: ${name}: ${f.length} values for shape [${shape}]`);
    this.#inits.push(create(TensorProtoSchema, { name, dims: shape.map(BigInt), dataType: DT.FLOAT, rawData: rawBytes(f) }));
    return name;
  }

  /** An int64 initializer (shapes, axes). */
  constI64(values, name = this.fresh('c')) {
    const v = BigInt64Array.from(values.map(BigInt));
    this.#inits.push(create(TensorProtoSchema, { name, dims: [BigInt(v.length)], dataType: DT.INT64, rawData: rawBytes(v) }));
    return name;
  }

  /** Adds one node; returns its (single) output name, or `out` if given. */
  node(opType, inputs, attrs = {}, out = this.fresh()) {
    this.#nodes.push(create(NodeProtoSchema, {
      opType,
      name: `${opType}_${this.#nodes.length}`,
      input: inputs,
      output: [out],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    }));
    return out;
  }

  /** The serialized ModelProto bytes. */
  build() {
    const graph = create(GraphProtoSchema, {
      name: this.name,
      node: this.#nodes,
      initializer: this.#inits,
      input: this.#inputs,
      output: this.#outputs,
    });
    const model = create(ModelProtoSchema, {
      irVersion: IR_VERSION,
      producerName: 'kiln-bench',
      opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(OPSET) })],
      graph,
    });
    return toBinary(ModelProtoSchema, model);
  }
}
