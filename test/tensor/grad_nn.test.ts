import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import * as T from '../../src/tensor/index.js';
import { gradCheck, randn, type GradInput } from './gradcheck.js';

const rng = new Rng(2);
const inp = (shape: number[], scale = 1): GradInput => ({ shape, data: randn(shape, rng, scale) });

test('grad: softmax, logSoftmax', () => {
  gradCheck('softmax', [inp([3, 5])], ([x]) => T.softmax(x));
  gradCheck('logSoftmax', [inp([2, 3, 5])], ([x]) => T.logSoftmax(x));
});

test('grad: layerNorm, l2Normalize, cosineSimilarity', () => {
  gradCheck('layerNorm', [inp([3, 6]), inp([6]), inp([6])], ([x, g, b]) => T.layerNorm(x, g, b));
  gradCheck('l2Normalize', [inp([3, 4])], ([x]) => T.l2Normalize(x));
  gradCheck('cosine', [inp([3, 4]), inp([3, 4])], ([a, b]) => T.cosineSimilarity(a, b));
  gradCheck('cosine broadcast', [inp([3, 1, 4]), inp([5, 4])], ([a, b]) => T.cosineSimilarity(a, b));
});

test('grad: embedding and embeddingBag scatter-add (repeated and padding ids)', () => {
  const ids = T.intTensor([0, 2, 2, -1, 1, 0], [2, 3]);
  gradCheck('embedding', [inp([3, 4])], ([w]) => T.embedding(w, ids));
  const bag = T.intTensor([0, 2, 2, 1, -1, 3, 3, 3], [2, 2, 2]);
  gradCheck('embeddingBag mean', [inp([4, 3])], ([w]) => T.embeddingBag(w, bag, 'mean'));
  gradCheck('embeddingBag sum', [inp([4, 3])], ([w]) => T.embeddingBag(w, bag, 'sum'));
  const out = T.embeddingBag(T.tensor([1, 2, 3, 4], [2, 2]), T.intTensor([0, 1, 1, -1], [2, 2]), 'mean');
  assert.deepEqual(out.toArray(), [2, 3, 3, 4]);
});

test('grad: maskedFill, dropout (seeded), gumbel straight-through', () => {
  const mask = T.intTensor([0, 1, 0, 0, 0, 1], [2, 1, 3]);
  gradCheck('maskedFill', [inp([2, 2, 3])], ([x]) => T.maskedFill(x, mask, -5));
  gradCheck('dropout', [inp([4, 5])], ([x]) => T.dropout(x, 0.3, new Rng(5)));
  const d = T.dropout(T.ones([1000]), 0.25, new Rng(3)).f32;
  const zerosCount = d.filter((v) => v === 0).length;
  assert.ok(zerosCount > 200 && zerosCount < 300, `dropout zeroed ${zerosCount}`);
  assert.ok(d.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6));
  // Straight-through: forward is one-hot; gradient equals that of softmax(logits / tau) when noise is off.
  const logits = T.tensor(randn([3, 4], rng), [3, 4], { requiresGrad: true });
  const hard = T.gumbelSoftmaxST(logits, new Rng(1), { tau: 2, noiseScale: 0 });
  assert.deepEqual(
    hard.toArray().reduce((s, v) => s + v, 0),
    3,
  );
  const R = T.tensor(randn([3, 4], rng), [3, 4]);
  T.sumAll(T.mul(hard, R)).backward();
  const gST = new Float32Array(logits.grad!);
  logits.grad = null;
  T.sumAll(T.mul(T.softmax(T.mulScalar(logits, 0.5)), R)).backward();
  for (let i = 0; i < 12; i++) assert.ok(Math.abs(gST[i] - logits.grad![i]) < 1e-6);
  const noisy = T.gumbelSoftmaxST(logits, new Rng(1), { tau: 2, noiseScale: 1 });
  assert.equal(noisy.toArray().filter((v) => v === 1).length, 3);
  // Both faces of one draw: the same hard one-hot as gumbelSoftmaxST from the same generator state, and the soft
  // probabilities softmax((logits + s g) / tau) themselves, differentiable (finite differences, noise fixed by the seed).
  const both = T.gumbelSoftmax(logits, new Rng(1), { tau: 2, noiseScale: 1 });
  assert.deepEqual(both.hard.toArray(), noisy.toArray());
  const soft = both.soft!.toArray();
  for (let r = 0; r < 3; r++) assert.ok(Math.abs(soft.slice(r * 4, r * 4 + 4).reduce((a, b) => a + b, 0) - 1) < 1e-6);
  assert.equal(soft.indexOf(Math.max(...soft.slice(0, 4))), noisy.toArray().indexOf(1), 'the hard choice is the soft argmax');
  gradCheck('gumbel soft face', [inp([3, 4])], ([x]) => T.gumbelSoftmax(x, new Rng(1), { tau: 2, noiseScale: 1 }).soft!);
});

test('grad: fused attention (causal, key padding, cross with Tq != Tk, dropout)', () => {
  const [B, H, Tq, Tk, hd] = [2, 2, 3, 4, 3];
  gradCheck('self causal', [inp([B, H, Tq, hd]), inp([B, H, Tq, hd]), inp([B, H, Tq, hd])], ([q, k, v]) => T.attention(q, k, v, { causal: true }));
  const pad = T.intTensor([0, 0, 1, 1, 0, 0, 0, 1], [B, Tk]);
  gradCheck('cross padded', [inp([B, H, Tq, hd]), inp([B, H, Tk, hd]), inp([B, H, Tk, hd])], ([q, k, v]) => T.attention(q, k, v, { keyPaddingMask: pad }));
  gradCheck('causal Tq<Tk + dropout', [inp([B, H, Tq, hd]), inp([B, H, Tk, hd]), inp([B, H, Tk, hd])], ([q, k, v]) =>
    T.attention(q, k, v, { causal: true, dropout: 0.2, rng: new Rng(4) }),
  );
  gradCheck('score bias', [inp([B, H, Tq, hd]), inp([B, H, Tk, hd]), inp([B, H, Tk, hd]), inp([H, Tq, Tk])], ([q, k, v, bias]) =>
    T.attention(q, k, v, { keyPaddingMask: pad, bias }),
  );
  // Reference: attention equals the composite of matmul, masked softmax and matmul.
  const q = T.tensor(randn([1, 1, 3, 2], rng), [1, 1, 3, 2]);
  const k = T.tensor(randn([1, 1, 3, 2], rng), [1, 1, 3, 2]);
  const v = T.tensor(randn([1, 1, 3, 2], rng), [1, 1, 3, 2]);
  const fused = T.attention(q, k, v, { causal: true });
  const causalMask = T.intTensor([0, 1, 1, 0, 0, 1, 0, 0, 0], [3, 3]);
  const s = T.maskedFill(T.mulScalar(T.matmul(q, k, { transB: true }), 1 / Math.sqrt(2)), causalMask, -1e9);
  const ref = T.matmul(T.softmax(s), v);
  fused.toArray().forEach((x, i) => assert.ok(Math.abs(x - ref.f32[i]) < 1e-5));
});

test('grad: packed self- and cross-attention read heads in place and match the head-split reference', () => {
  const [B, Tn, H, hd] = [2, 3, 2, 2];
  const D = H * hd;
  gradCheck('packed self causal', [inp([B, Tn, 3 * D])], ([qkv]) => T.packedSelfAttention(qkv, H, { causal: true }));
  const pad = T.intTensor([0, 1, 0, 0, 0, 0, 1, 1], [B, 4]);
  gradCheck('packed cross padded', [inp([B, Tn, D]), inp([B, 4, 2 * D])], ([q, kv]) => T.packedCrossAttention(q, kv, H, { keyPaddingMask: pad }));
  // Reference by explicit head split: (B, T, 3, H, hd) -> (3, B, H, T, hd).
  const qkv = T.tensor(randn([B, Tn, 3 * D], rng), [B, Tn, 3 * D]);
  const parts = T.permute(T.reshape(qkv, [B, Tn, 3, H, hd]), [2, 0, 3, 1, 4]);
  const [q, k, v] = [0, 1, 2].map((i) => T.reshape(T.slice(parts, 0, i, i + 1), [B, H, Tn, hd]));
  const ref = T.reshape(T.permute(T.attention(q, k, v, { causal: true }), [0, 2, 1, 3]), [B, Tn, D]);
  const got = T.packedSelfAttention(qkv, H, { causal: true });
  got.toArray().forEach((x, i) => assert.ok(Math.abs(x - ref.f32[i]) < 1e-5));
});

test('attention and linear-CE gradients also hold on the plain reference kernels', () => {
  T.setKernelPreference({ gemm: 'plain', gemmBatched: 'plain', softmaxRows: 'plain', softmaxCrossEntropy: 'plain' });
  try {
    gradCheck('plain packed self', [inp([2, 3, 12])], ([qkv]) => T.packedSelfAttention(qkv, 2, { causal: true }));
    gradCheck('plain attention', [inp([1, 2, 3, 2]), inp([1, 2, 4, 2]), inp([1, 2, 4, 2])], ([q, k, v]) => T.attention(q, k, v));
    const t = T.intTensor([1, 0, 2]);
    gradCheck('plain lce', [inp([3, 4]), inp([4, 3])], ([h, w]) => T.linearCrossEntropy(h, w, null, t, { chunkRows: 2 }));
  } finally {
    T.setKernelPreference({});
  }
});
