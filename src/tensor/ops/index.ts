/** All differentiable and selection ops, one import away. */
export { add, sub, mul, div, affine, mulScalar, addScalar, neg } from './binary.js';
export { exp, log, tanh, sigmoid, silu, relu, gelu } from './unary.js';
export { matmul, linear, type MatmulOptions } from './matmul.js';
export { sum, mean, max, sumAll, meanAll } from './reduce.js';
export { softmax, logSoftmax } from './softmax.js';
export { layerNorm, l2Normalize, cosineSimilarity, normalizeRowsInto } from './norm.js';
export { reshape, permute, transpose, slice, concat } from './shape.js';
export { embedding, embeddingBag, type BagMode } from './gather.js';
export { maskedFill, dropout, gumbelSoftmax, gumbelSoftmaxST, type GumbelOptions } from './random.js';
export { attention, packedSelfAttention, packedCrossAttention, type AttentionOptions } from './attention.js';
export { crossEntropy, linearCrossEntropy, type CrossEntropyOptions, type LinearCrossEntropyOptions } from './loss.js';
export { cosineHeadsCrossEntropy, cosineHeadsLogits, type CosineHeadsOptions } from './cosine-heads.js';
export { argmax, argmin, topk, nearestCentroid } from './select.js';
