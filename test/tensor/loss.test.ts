import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import * as T from '../../src/tensor/index.js';
import { gradCheck, randn, type GradInput } from './gradcheck.js';

const rng = new Rng(3);
const inp = (shape: number[], scale = 1): GradInput => ({ shape, data: randn(shape, rng, scale) });

test('grad: crossEntropy (mean, sum, none; groups; ignored targets; chunked)', () => {
  const t = T.intTensor([1, 4, -1, 0]);
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    gradCheck(`ce ${reduction}`, [inp([4, 5])], ([x]) => T.crossEntropy(x, t, { reduction, chunkRows: 3 }));
  }
  const tg = T.intTensor([1, 2, 0, -1, 2, 2], [3, 2]);
  gradCheck('ce grouped', [inp([3, 6])], ([x]) => T.crossEntropy(x, tg, { groups: 2, chunkRows: 2 }));
  gradCheck('ce grouped none', [inp([3, 6])], ([x]) => T.crossEntropy(x, tg, { groups: 2, reduction: 'none', groupReduction: 'sum' }));
});

test('crossEntropy equals -mean(gather(logSoftmax))', () => {
  const x = T.tensor(randn([5, 7], rng), [5, 7]);
  const targets = [3, 0, 6, 2, 2];
  const lsm = T.logSoftmax(x).f32;
  const ref = -targets.reduce((s, c, r) => s + lsm[r * 7 + c], 0) / 5;
  assert.ok(Math.abs(T.crossEntropy(x, T.intTensor(targets)).item() - ref) < 1e-5);
});

test('grad: linearCrossEntropy (bias, transposed weight, groups, reductions)', () => {
  const t = T.intTensor([1, 5, -1, 0, 2]);
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    gradCheck(`lce ${reduction}`, [inp([5, 3]), inp([3, 6]), inp([6])], ([h, w, b]) => T.linearCrossEntropy(h, w, b, t, { reduction, chunkRows: 2 }));
  }
  gradCheck('lce transposed', [inp([5, 3]), inp([6, 3])], ([h, w]) => T.linearCrossEntropy(h, w, null, t, { transposeWeight: true, chunkRows: 3 }));
  const tg = T.intTensor([0, 2, 1, 1, 2, 0, -1, 1], [4, 2]);
  gradCheck('lce grouped', [inp([4, 3]), inp([3, 6]), inp([6])], ([h, w, b]) =>
    T.linearCrossEntropy(h, w, b, tg, { groups: 2, groupReduction: 'sum', chunkRows: 3 }),
  );
  gradCheck('lce grouped none', [inp([4, 3]), inp([6, 3])], ([h, w]) =>
    T.linearCrossEntropy(h, w, null, tg, { groups: 2, reduction: 'none', transposeWeight: true, chunkRows: 1 }),
  );
});

test('linearCrossEntropy equals unfused linear + log-softmax + gather for several chunk sizes', () => {
  const [N, D, G, C] = [37, 8, 4, 16];
  const V = G * C;
  const targetsArr = Int32Array.from({ length: N * G }, () => (rng.next() < 0.1 ? -1 : rng.int(C)));
  const targets = T.intTensor(targetsArr, [N, G]);
  const hData = randn([N, D], rng);
  const wData = randn([D, V], rng, 0.5);
  const bData = randn([V], rng, 0.1);
  const run = (fused: boolean, chunkRows: number): { loss: number; grads: Float32Array[] } =>
    T.tidy(() => {
      const h = T.tensor(new Float32Array(hData), [N, D], { requiresGrad: true });
      const w = T.tensor(new Float32Array(wData), [D, V], { requiresGrad: true });
      const b = T.tensor(new Float32Array(bData), [V], { requiresGrad: true });
      let loss: T.Tensor;
      if (fused) loss = T.linearCrossEntropy(h, w, b, targets, { groups: G, groupReduction: 'sum', chunkRows });
      else {
        // Unfused: logits (N, G, C) -> log-softmax -> gather targets with a one-hot mask -> sum / valid rows.
        const lsm = T.logSoftmax(T.reshape(T.linear(h, w, b), [N, G, C]));
        const onehot = new Float32Array(N * G * C);
        let valid = 0;
        targetsArr.forEach((c, i) => {
          if (c >= 0) {
            onehot[i * C + c] = 1;
            valid++;
          }
        });
        loss = T.mulScalar(T.sumAll(T.mul(lsm, T.tensor(onehot, [N, G, C]))), -G / valid);
      }
      loss.backward();
      return { loss: loss.item(), grads: [h, w, b].map((t) => new Float32Array(t.grad!)) };
    });
  const ref = run(false, 0);
  for (const chunk of [1, 5, 16, 37, 1000]) {
    const got = run(true, chunk);
    assert.ok(Math.abs(got.loss - ref.loss) < 1e-4 * Math.abs(ref.loss), `chunk ${chunk}: loss ${got.loss} vs ${ref.loss}`);
    got.grads.forEach((g, k) => {
      for (let i = 0; i < g.length; i++) assert.ok(Math.abs(g[i] - ref.grads[k][i]) < 1e-5, `chunk ${chunk}: grad ${k}[${i}] ${g[i]} vs ${ref.grads[k][i]}`);
    });
  }
});

test('linearCrossEntropy under noGrad computes the loss without gradients', () => {
  const h = T.tensor(randn([4, 3], rng), [4, 3], { requiresGrad: true });
  const w = T.tensor(randn([3, 5], rng), [3, 5], { requiresGrad: true });
  const t = T.intTensor([0, 1, 2, 3]);
  const a = T.linearCrossEntropy(h, w, null, t);
  const b = T.noGrad(() => T.linearCrossEntropy(h, w, null, t));
  assert.equal(a.item(), b.item());
  assert.equal(b.requiresGrad, false);
});
