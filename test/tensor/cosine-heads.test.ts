/**
 * The fused RPG head + loss (`cosineHeadsCrossEntropy`) against the same computation written with the unfused
 * autodiff ops (linear, SiLU, add, L2-normalise, batched matmul, grouped cross-entropy): loss and every gradient,
 * for several chunk sizes, with ignored targets; plus finite differences on a tiny case and the inference logits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import * as T from '../../src/tensor/index.js';
import { gradCheck, randn, type GradInput } from './gradcheck.js';

const rng = new Rng(21);

/** The unfused graph: q = normalize(h + silu(h W + b)) per head, logits = q . normalize(E_d)^T / tau, grouped CE. */
function unfused(h: T.Tensor, w: T.Tensor, b: T.Tensor | null, table: T.Tensor, targets: T.Tensor, tau: number): T.Tensor {
  const [N, D] = h.shape;
  const m = w.shape[1] / D;
  const C = table.shape[0] / m;
  const proj = T.reshape(T.silu(T.linear(h, w, b)), [N, m, D]);
  const q = T.l2Normalize(T.add(T.reshape(h, [N, 1, D]), proj)); // (N, m, D)
  const e = T.reshape(T.l2Normalize(table), [m, C, D]);
  const logits = T.mulScalar(T.matmul(T.permute(q, [1, 0, 2]), e, { transB: true }), 1 / tau); // (m, N, C)
  const perRow = T.permute(logits, [1, 0, 2]); // (N, m, C)
  return T.crossEntropy(T.reshape(perRow, [N, m * C]), targets, { groups: m });
}

const maxRelDiff = (a: Float32Array, b: Float32Array): number => {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / Math.max(scale, 1e-12);
};

test('cosineHeadsCrossEntropy equals the unfused graph (loss and all gradients, several chunk sizes)', () => {
  const [N, D, m, C, tau] = [23, 8, 4, 6, 0.1];
  const targetsArr = Int32Array.from({ length: N * m }, () => (rng.next() < 0.15 ? -1 : rng.int(C)));
  const data = { h: randn([N, D], rng), w: randn([D, m * D], rng, 0.3), b: randn([m * D], rng, 0.1), e: randn([m * C, D], rng) };
  const run = (fused: boolean, chunkRows?: number): { loss: number; grads: Float32Array[] } =>
    T.tidy(() => {
      const h = T.tensor(new Float32Array(data.h), [N, D], { requiresGrad: true });
      const w = T.tensor(new Float32Array(data.w), [D, m * D], { requiresGrad: true });
      const b = T.tensor(new Float32Array(data.b), [m * D], { requiresGrad: true });
      const e = T.tensor(new Float32Array(data.e), [m * C, D], { requiresGrad: true });
      const targets = T.intTensor(targetsArr, [N, m]);
      const loss = fused ? T.cosineHeadsCrossEntropy(h, w, b, e, targets, { temperature: tau, chunkRows }) : unfused(h, w, b, e, targets, tau);
      loss.backward();
      return { loss: loss.item(), grads: [h, w, b, e].map((t) => Float32Array.from(t.grad!)) };
    });
  const ref = run(false);
  for (const chunkRows of [1, 5, 23, undefined]) {
    const got = run(true, chunkRows);
    assert.ok(Math.abs(got.loss - ref.loss) < 1e-5 * Math.abs(ref.loss), `chunk ${chunkRows}: loss ${got.loss} vs ${ref.loss}`);
    ['hidden', 'weight', 'bias', 'table'].forEach((name, i) => {
      const rel = maxRelDiff(got.grads[i], ref.grads[i]);
      assert.ok(rel < 1e-4, `chunk ${chunkRows}: d${name} differs by ${rel}`);
    });
  }
});

test('grad: cosineHeadsCrossEntropy against finite differences (with and without bias)', () => {
  const [N, D, m, C] = [5, 4, 2, 3];
  const targets = T.intTensor([0, 2, 1, -1, 2, 2, 0, 1, -1, -1], [N, m]);
  const inp = (shape: number[], scale = 1): GradInput => ({ shape, data: randn(shape, rng, scale) });
  gradCheck('cosine heads', [inp([N, D]), inp([D, m * D], 0.5), inp([m * D], 0.2), inp([m * C, D])], ([h, w, b, e]) =>
    T.cosineHeadsCrossEntropy(h, w, b, e, targets, { temperature: 0.5, chunkRows: 2 }),
  );
  gradCheck('cosine heads, no bias', [inp([N, D]), inp([D, m * D], 0.5), inp([m * C, D])], ([h, w, e]) =>
    T.cosineHeadsCrossEntropy(h, w, null, e, targets, { temperature: 0.5 }),
  );
});

test('cosineHeadsLogits: (N, m, C) logits of the same heads, chunked or not; shape errors are named', () => {
  const [N, D, m, C, tau] = [9, 6, 3, 5, 0.2];
  const h = T.tensor(randn([N, D], rng), [N, D]);
  const w = T.tensor(randn([D, m * D], rng, 0.3), [D, m * D]);
  const b = T.tensor(randn([m * D], rng, 0.1), [m * D]);
  const e = T.tensor(randn([m * C, D], rng), [m * C, D]);
  const want = T.noGrad(() => {
    const q = T.l2Normalize(T.add(T.reshape(h, [N, 1, D]), T.reshape(T.silu(T.linear(h, w, b)), [N, m, D])));
    const en = T.reshape(T.l2Normalize(e), [m, C, D]);
    return T.permute(T.mulScalar(T.matmul(T.permute(q, [1, 0, 2]), en, { transB: true }), 1 / tau), [1, 0, 2]).f32;
  });
  for (const chunkRows of [2, undefined]) {
    const got = T.cosineHeadsLogits(h, w, b, e, { temperature: tau, chunkRows });
    assert.ok(maxRelDiff(got, want) < 1e-5, `chunk ${chunkRows}`);
  }
  assert.throws(() => T.cosineHeadsLogits(h, T.tensor(randn([D, 7], rng), [D, 7]), null, e, { temperature: tau }), /weight \[6,7\] must be \(6, m \* 6\)/);
  assert.throws(() => T.cosineHeadsCrossEntropy(h, w, b, e, T.intTensor(new Int32Array(N * m).fill(C), [N, m]), { temperature: tau }), /target 5 out of range/);
});
