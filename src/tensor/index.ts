/**
 * sidrec's tensor engine: float32 tensors with explicit lifetimes (tidy/dispose), reverse-mode autodiff over the
 * ops a recommender transformer and a quantiser need, optimisers, and safetensors checkpoints. Heavy loops run
 * through the kernel seam (`kernels/`), so providers can be swapped per kernel.
 */
export { Tensor, tidy, keep, disposeAll, noGrad, isGradEnabled, memoryStats, type DType, type Shape, type MemoryStats } from './tensor.js';
export { configurePool, clearPool, pooledBytesNow, type PoolOptions } from './pool.js';
export { tensor, intTensor, zeros, ones, full, scalar, parameter } from './create.js';
export * from './ops/index.js';
export { Optimizer, type NamedParameter, type OptimizerState } from './optim/optimizer.js';
export { Adam, AdamW, type AdamOptions } from './optim/adam.js';
export { SGD, type SgdOptions } from './optim/sgd.js';
export { clipGradNorm } from './optim/clip.js';
export { warmupCosine, type WarmupCosineOptions } from './optim/schedule.js';
export { initNormal, initUniform, initXavierUniform, initConstant, initZeros } from './optim/init.js';
export { encodeSafetensors, decodeSafetensors, saveSafetensors, loadSafetensors, type StoredTensor, type SafetensorsFile } from './io/safetensors.js';
export { saveCheckpoint, loadCheckpoint, loadMatchingParameters, type MatchedParameters } from './io/checkpoint.js';
export { kernels, describeKernels, registerProvider, setKernelPreference } from './kernels/registry.js';
export { denormalMode, providersLoaded } from './kernels/load.js';
export type { Kernels, KernelName, KernelProvider, ProviderName } from './kernels/types.js';
