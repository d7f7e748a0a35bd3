/**
 * Row and elementwise kernel agreement: softmax cross-entropy (loss, gradient, in-place gradient, ignored negative
 * targets, large logits), GELU forward / backward (accumulate or overwrite, NaN in an overwritten dx), and row
 * softmax, for every optional provider against the plain-TypeScript reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainKernels } from '../../src/tensor/kernels/plain.js';
import type { Kernels } from '../../src/tensor/kernels/types.js';
import { OPTIONAL_PROVIDERS, assertClose, providerKernels, random } from './helpers.js';

const plain = plainKernels.kernels as Kernels;

function targetsFor(rows: number, cols: number, seed: number): Int32Array {
  const r = random(rows, seed, 0, cols);
  // every fourth row is padding, with assorted negative markers
  return Int32Array.from(r, (v, i) => (i % 4 === 3 ? -1 - (i % 3) * 50 : Math.floor(v)));
}

for (const provider of OPTIONAL_PROVIDERS) {
  test(`${provider}: softmaxCrossEntropy agrees with plain`, (t) => {
    const k = providerKernels(provider);
    if (typeof k === 'string') return t.skip(k);
    for (const [rows, cols, spread] of [
      [1, 1, 1],
      [7, 13, 3],
      [33, 256, 40],
      [64, 50, 8],
    ] as const) {
      const logits = random(rows * cols, rows + cols, -spread, spread);
      const targets = targetsFor(rows, cols, rows * 7 + 1);
      const what = `${provider} softmaxCE ${rows}x${cols}`;
      const lossOnly = k.softmaxCrossEntropy({ logits, rows, cols, targets });
      const expectedGrad = new Float32Array(rows * cols);
      const expected = plain.softmaxCrossEntropy({ logits, rows, cols, targets, grad: expectedGrad, scale: 0.3 });
      assert.ok(Math.abs(lossOnly - expected) <= 1e-4 * (1 + Math.abs(expected)), `${what}: loss ${lossOnly} vs ${expected}`);

      const grad = new Float32Array(rows * cols).fill(NaN);
      const loss = k.softmaxCrossEntropy({ logits, rows, cols, targets, grad, scale: 0.3 });
      assert.ok(Math.abs(loss - expected) <= 1e-4 * (1 + Math.abs(expected)), `${what}: loss with grad`);
      assertClose(grad, expectedGrad, 1e-5, `${what}: grad`);

      const inPlace = logits.slice();
      const loss2 = k.softmaxCrossEntropy({ logits: inPlace, rows, cols, targets, grad: inPlace, scale: 0.3 });
      assert.ok(Math.abs(loss2 - expected) <= 1e-4 * (1 + Math.abs(expected)), `${what}: loss in place`);
      assertClose(inPlace, expectedGrad, 1e-5, `${what}: grad in place`);
    }
  });

  test(`${provider}: gelu and geluBackward agree with plain`, (t) => {
    const k = providerKernels(provider);
    if (typeof k === 'string') return t.skip(k);
    for (const n of [1, 5, 1001, 70_001]) {
      const x = random(n, n, -8, 8);
      x[0] = n > 1 ? 25 : -25;
      const want = new Float32Array(n);
      plain.gelu(x, want, n);
      const got = new Float32Array(n);
      k.gelu(x, got, n);
      assertClose(got, want, 1e-5, `${provider} gelu n=${n}`);
      const inPlace = x.slice();
      k.gelu(inPlace, inPlace, n);
      assertClose(inPlace, want, 1e-5, `${provider} gelu in place n=${n}`);

      const dy = random(n, n + 1);
      for (const accumulate of [false, true]) {
        const start = accumulate ? random(n, n + 2) : new Float32Array(n).fill(NaN);
        const wantDx = accumulate ? start.slice() : new Float32Array(n);
        plain.geluBackward(x, dy, wantDx, n, accumulate);
        const dx = start.slice();
        k.geluBackward(x, dy, dx, n, accumulate);
        assertClose(dx, wantDx, 1e-5, `${provider} geluBackward n=${n} accumulate=${accumulate}`);
      }
    }
  });

  test(`${provider}: softmaxRows agrees with plain`, (t) => {
    const k = providerKernels(provider);
    if (typeof k === 'string') return t.skip(k);
    for (const [rows, cols] of [
      [1, 1],
      [9, 50],
      [3, 1],
      [257, 33],
      [2, 1000],
    ] as const) {
      const x = random(rows * cols, rows * cols, -30, 30);
      const want = x.slice();
      plain.softmaxRows(want, rows, cols);
      const tail = new Float32Array(rows * cols + 3).fill(7);
      tail.set(x);
      k.softmaxRows(tail, rows, cols);
      assertClose(tail.subarray(0, rows * cols), want, 1e-5, `${provider} softmaxRows ${rows}x${cols}`);
      assert.deepEqual(Array.from(tail.subarray(rows * cols)), [7, 7, 7], `${provider} softmaxRows wrote past rows*cols`);
    }
  });
}
