import { test } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import * as T from '../../src/tensor/index.js';
import { gradCheck, randn, type GradInput } from './gradcheck.js';

const rng = new Rng(1);
const inp = (shape: number[], scale = 1): GradInput => ({ shape, data: randn(shape, rng, scale) });
/** Values bounded away from 0 (kinks, log, division). */
const away = (shape: number[], lo = 0.3): GradInput => {
  const d = randn(shape, rng);
  for (let i = 0; i < d.length; i++) d[i] = Math.sign(d[i] || 1) * (lo + Math.abs(d[i]));
  return { shape, data: d };
};
const positive = (shape: number[]): GradInput => {
  const d = away(shape).data.map(Math.abs);
  return { shape, data: d };
};

test('grad: add, sub, mul, div with and without broadcasting', () => {
  for (const [sa, sb] of [
    [
      [3, 4],
      [3, 4],
    ],
    [[2, 3, 4], [4]],
    [
      [2, 1, 4],
      [3, 1],
    ],
    [[3, 4], []],
    [[1], [2, 3]],
  ] as number[][][]) {
    gradCheck(`add ${sa}+${sb}`, [inp(sa), inp(sb)], ([a, b]) => T.add(a, b));
    gradCheck(`sub ${sa}-${sb}`, [inp(sa), inp(sb)], ([a, b]) => T.sub(a, b));
    gradCheck(`mul ${sa}*${sb}`, [inp(sa), inp(sb)], ([a, b]) => T.mul(a, b));
    gradCheck(`div ${sa}/${sb}`, [inp(sa), away(sb, 0.8)], ([a, b]) => T.div(a, b));
  }
  gradCheck('affine', [inp([5])], ([a]) => T.affine(a, -1.5, 2));
});

test('grad: exp, log, tanh, sigmoid, gelu, silu, relu', () => {
  gradCheck('exp', [inp([4, 5], 0.5)], ([x]) => T.exp(x));
  gradCheck('log', [positive([4, 5])], ([x]) => T.log(x));
  gradCheck('tanh', [inp([4, 5])], ([x]) => T.tanh(x));
  gradCheck('sigmoid', [inp([4, 5])], ([x]) => T.sigmoid(x));
  gradCheck('gelu', [inp([4, 5], 2)], ([x]) => T.gelu(x));
  gradCheck('silu', [inp([4, 5], 2)], ([x]) => T.silu(x));
  gradCheck('relu', [away([4, 5], 0.1)], ([x]) => T.relu(x));
});

test('grad: matmul with every transpose combination, batched and shared right operand', () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const a = transA ? [4, 3] : [3, 4];
      const b = transB ? [5, 4] : [4, 5];
      gradCheck(`matmul 2d ${transA}/${transB}`, [inp(a), inp(b)], ([x, y]) => T.matmul(x, y, { transA, transB }));
      const ab = transA ? [2, 4, 3] : [2, 3, 4];
      const bb = transB ? [2, 5, 4] : [2, 4, 5];
      gradCheck(`matmul batched ${transA}/${transB}`, [inp(ab), inp(bb)], ([x, y]) => T.matmul(x, y, { transA, transB }));
      gradCheck(`matmul shared-B ${transA}/${transB}`, [inp([2, ...a]), inp(b)], ([x, y]) => T.matmul(x, y, { transA, transB }));
    }
  }
  gradCheck('linear', [inp([2, 3, 4]), inp([4, 5]), inp([5])], ([x, w, b]) => T.linear(x, w, b));
  gradCheck('linear no bias', [inp([3, 4]), inp([4, 2])], ([x, w]) => T.linear(x, w));
});

test('grad: sum, mean, max along axes; sumAll, meanAll', () => {
  for (const axis of [0, 1, -1]) {
    gradCheck(`sum ${axis}`, [inp([2, 3, 4])], ([x]) => T.sum(x, axis));
    gradCheck(`mean ${axis} keepDims`, [inp([2, 3, 4])], ([x]) => T.mean(x, axis, true));
    gradCheck(`max ${axis}`, [inp([2, 3, 4])], ([x]) => T.max(x, axis), { eps: 1e-3 });
  }
  gradCheck('sumAll', [inp([3, 4])], ([x]) => T.sumAll(x));
  gradCheck('meanAll', [inp([3, 4])], ([x]) => T.meanAll(x));
});

test('grad: reshape, permute, transpose, slice, concat', () => {
  gradCheck('reshape', [inp([2, 6])], ([x]) => T.mul(T.reshape(x, [3, -1]), T.reshape(x, [3, 4])));
  gradCheck('permute', [inp([2, 3, 4, 5])], ([x]) => T.permute(x, [0, 2, 1, 3]));
  gradCheck('permute full', [inp([2, 3, 4])], ([x]) => T.permute(x, [2, 0, 1]));
  gradCheck('transpose', [inp([3, 4])], ([x]) => T.transpose(x));
  gradCheck('slice', [inp([3, 5, 2])], ([x]) => T.slice(x, 1, 1, 4));
  gradCheck('concat', [inp([2, 3]), inp([2, 1]), inp([2, 2])], (xs) => T.concat(xs, 1));
  gradCheck('concat axis 0', [inp([1, 3]), inp([2, 3])], (xs) => T.concat(xs, 0));
});

test('gradCheck itself rejects a wrong backward', async () => {
  const { makeResult, gradOf } = await import('../../src/tensor/tensor.js');
  const assert = (await import('node:assert/strict')).default;
  // y = x^2 with a backward that forgets the factor 2.
  const square = (x: T.Tensor): T.Tensor => {
    const X = x.f32;
    return makeResult(
      X.map((v) => v * v),
      x.shape,
      [x],
      (g) => {
        const gx = gradOf(x);
        for (let i = 0; i < g.length; i++) gx[i] += g[i] * X[i];
      },
    );
  };
  assert.throws(() => gradCheck('wrong square', [inp([4])], ([x]) => square(x)), /relative gradient error/);
});
