/** Transformer building blocks shared by SASRec, RPG and TIGER. */
export { Module, EVAL, type ForwardContext } from './module.js';
export { Linear, LayerNorm, Embedding, type LinearOptions } from './basic.js';
export { attentionWidth, MultiHeadAttention, type AttentionLayerOptions, type AttendOptions } from './attention.js';
export { MLP, TransformerBlock, type BlockOptions, type BlockInputs } from './block.js';
