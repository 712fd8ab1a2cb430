/**
 * The device facts the WGSL code generator needs. `requestKilnDevice` fills them from the device
 * it creates; code generation alone (e.g. `jit(f).lower(...).asText('wgsl')` or AOT) can use
 * DEFAULT_DEVICE_LIMITS, the limits every WebGPU implementation guarantees.
 */
export interface DeviceLimits {
  /** Storage buffers one kernel may bind; a kernel needing more is a codegen error. */
  readonly maxStorageBuffersPerShaderStage: number;
  readonly maxComputeWorkgroupSizeX: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  /** Bytes of var<workgroup> memory. */
  readonly maxComputeWorkgroupStorageSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  /** Bytes one storage binding may cover. */
  readonly maxStorageBufferBindingSize: number;
  /**
   * The device has the 'subgroups' feature (and the WGSL `subgroup_id` builtins): cooperative
   * reductions then combine within subgroups first.
   */
  readonly subgroups: boolean;
  /** The smallest subgroup size the device may use (at least 4, WebGPU's minimum). */
  readonly subgroupMinSize: number;
  /**
   * The adapter runs invocations as SIMD lanes on CPU cores (Mesa lavapipe, SwiftShader): workgroup
   * memory is ordinary memory and a load from a computed address is a loop over the lanes, so the
   * tiled kernels load straight into registers instead of staging tiles (see tiling.ts).
   */
  readonly cpuAdapter: boolean;
}

/** The WebGPU spec's default limits, no subgroups. */
export const DEFAULT_DEVICE_LIMITS: DeviceLimits = {
  maxStorageBuffersPerShaderStage: 8,
  maxComputeWorkgroupSizeX: 256,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBufferBindingSize: 134217728,
  subgroups: false,
  subgroupMinSize: 4,
  cpuAdapter: false,
};

/** The largest power of two workgroup size the limits allow, capped at 256. */
export function maxWorkgroupSize(limits: DeviceLimits): number {
  const cap = Math.min(256, limits.maxComputeWorkgroupSizeX, limits.maxComputeInvocationsPerWorkgroup);
  let size = 1;
  while (size * 2 <= cap) size *= 2;
  return size;
}
