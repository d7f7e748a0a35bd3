import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/tensor/index.js';
import { SidrecError } from '../../src/core/errors.js';

test('tidy disposes intermediates, keeps returned tensors (moved to the parent scope) and kept ones', () => {
  const before = T.memoryStats();
  let inner: T.Tensor | undefined;
  let kept: T.Tensor | undefined;
  const outer = T.tidy(() => {
    const r = T.tidy(() => {
      const a = T.ones([4]);
      inner = T.add(a, a);
      kept = T.keep(T.mulScalar(a, 3));
      return { result: T.mulScalar(inner, 2) };
    });
    assert.equal(inner!.disposed, true);
    assert.equal(r.result.disposed, false);
    return T.sumAll(r.result);
  });
  assert.equal(outer.item(), 16);
  assert.equal(kept!.disposed, false);
  assert.deepEqual(T.memoryStats(), { tensors: before.tensors + 2, bytes: before.bytes + 4 + 16 });
  outer.dispose();
  kept!.dispose();
  assert.deepEqual(T.memoryStats(), before);
  assert.throws(
    () => kept!.f32,
    (e: unknown) => e instanceof SidrecError && e.code === 'E_STATE',
  );
});

test('tidy disposes on throw as well', () => {
  const before = T.memoryStats();
  assert.throws(
    () =>
      T.tidy(() => {
        T.zeros([10]);
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.deepEqual(T.memoryStats(), before);
});

test('backward accumulates through shared subexpressions; noGrad records nothing', () => {
  const x = T.tensor([1, 2, 3], [3], { requiresGrad: true });
  const y = T.mul(x, x); // x used twice
  const z = T.sumAll(T.add(y, y)); // y used twice, same tensor as both operands
  z.backward();
  assert.deepEqual(Array.from(x.grad!), [4, 8, 12]);
  const w = T.noGrad(() => T.mul(x, x));
  assert.equal(w.requiresGrad, false);
  assert.equal(w.node, null);
  assert.throws(() => w.backward(), /does not require grad/);
  assert.throws(() => T.add(T.zeros([2, 3]), T.zeros([4])), /broadcast/);
  assert.throws(() => T.matmul(T.zeros([2, 3]), T.zeros([4, 2])), /inner dims/);
});

test('selection: argmax, argmin, topk, nearestCentroid', () => {
  const x = T.tensor([1, 5, 3, 5, -2, 0, 7, 7], [2, 4]);
  assert.deepEqual(T.argmax(x).toArray(), [1, 2]);
  assert.deepEqual(T.argmin(x).toArray(), [0, 0]);
  const { values, indices } = T.topk(x, 3);
  assert.deepEqual(values.toArray(), [5, 5, 3, 7, 7, 0]);
  assert.deepEqual(indices.toArray(), [1, 3, 2, 2, 3, 1]);
  assert.deepEqual(values.shape, [2, 3]);
  const pts = T.tensor([0, 0, 10, 10, 9, 11, 1, -1], [4, 2]);
  const cents = T.tensor([10, 10, 0, 0], [2, 2]);
  const { indices: ci, distances } = T.nearestCentroid(pts, cents);
  assert.deepEqual(ci.toArray(), [1, 0, 0, 1]);
  assert.deepEqual(distances.toArray(), [0, 0, 2, 2]);
});

test('describeKernels lists the appended kernels', () => {
  const { chosen } = T.describeKernels();
  for (const k of ['layerNormForward', 'layerNormBackward', 'adamStep', 'embeddingBagForward', 'embeddingBagBackward', 'silu', 'siluBackward'])
    assert.ok(k in chosen, k);
});

test('a tensor returned from tidy keeps its graph for backward; disposing it releases that graph', () => {
  const before = T.memoryStats();
  const w = T.tensor([0.5, -1, 2], [3], { requiresGrad: true });
  const loss = T.tidy(() => T.sumAll(T.mul(T.tanh(T.mulScalar(w, 2)), T.exp(w))));
  loss.backward();
  const expected = [0.5, -1, 2].map((v) => 2 * (1 - Math.tanh(2 * v) ** 2) * Math.exp(v) + Math.tanh(2 * v) * Math.exp(v));
  w.grad!.forEach((g, i) => assert.ok(Math.abs(g - expected[i]) < 1e-5));
  loss.dispose();
  assert.equal(w.disposed, false); // created outside the tidy: not the loss's to release
  w.dispose();
  assert.deepEqual(T.memoryStats(), before);
});
