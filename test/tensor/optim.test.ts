import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/tensor/index.js';
import { Rng } from '../../src/core/rng.js';

function param(values: number[], grad: number[]): T.NamedParameter {
  const t = T.parameter([values.length], Float32Array.from(values));
  t.grad = Float32Array.from(grad);
  return { name: 'p', tensor: t };
}

const close = (a: number, b: number, tol = 1e-6): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('Adam: first two steps match the hand-computed bias-corrected update', () => {
  const p = param([1, -2], [0.5, -1]);
  const opt = new T.Adam([p], { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  opt.step();
  // Step 1: m = 0.1 g, v = 0.001 g^2, mhat = g, vhat = g^2 -> update = lr * sign(g).
  close(p.tensor.f32[0], 1 - 0.1);
  close(p.tensor.f32[1], -2 + 0.1);
  p.tensor.grad = Float32Array.of(1, 1);
  opt.step();
  // Step 2 for element 0: m = 0.9*0.05 + 0.1*1 = 0.145; v = 0.999*0.00025 + 0.001*1 = 0.00124975
  const m = 0.145 / (1 - 0.81);
  const v = 0.00124975 / (1 - 0.999 ** 2);
  close(p.tensor.f32[0], 0.9 - (0.1 * m) / (Math.sqrt(v) + 1e-8), 1e-5);
});

test('Adam L2 vs AdamW decoupled weight decay', () => {
  const a = param([2], [0]);
  new T.AdamW([a], { lr: 0.1, weightDecay: 0.5 }).step();
  // Zero gradient: Adam part is 0 / (0 + eps) = 0; decoupled decay: 2 - 0.1*0.5*2.
  close(a.tensor.f32[0], 2 - 0.1);
  const b = param([2], [0]);
  new T.Adam([b], { lr: 0.1, weightDecay: 0.5 }).step();
  // L2: g = 0 + 0.5 * 2 = 1 -> first Adam step moves by lr.
  close(b.tensor.f32[0], 2 - 0.1);
  const c = param([2], [4]);
  new T.AdamW([c], { lr: 0.1, weightDecay: 0.5 }).step();
  close(c.tensor.f32[0], 2 - 0.1 - 0.1 * 0.5 * 2);
  const d = param([2], [4]);
  new T.Adam([d], { lr: 0.1, weightDecay: 0.5 }).step();
  close(d.tensor.f32[0], 2 - 0.1); // L2 only changes the gradient's size, not the first step's sign-like update
});

test('SGD with momentum', () => {
  const p = param([1], [2]);
  const opt = new T.SGD([p], { lr: 0.1, momentum: 0.9 });
  opt.step();
  close(p.tensor.f32[0], 0.8);
  opt.step();
  close(p.tensor.f32[0], 0.8 - 0.1 * (0.9 * 2 + 2));
});

test('clipGradNorm scales to the max norm and reports the pre-clip norm', () => {
  const a = param([0, 0], [3, 0]);
  const b = { name: 'b', tensor: T.parameter([1], Float32Array.of(0)) };
  b.tensor.grad = Float32Array.of(4);
  const norm = T.clipGradNorm([a, b], 1);
  close(norm, 5);
  close(a.tensor.grad![0], 3 / (5 + 1e-6));
  close(b.tensor.grad![0], 4 / (5 + 1e-6));
  assert.equal(T.clipGradNorm([a, b], 10) < 1.0001, true);
  close(a.tensor.grad![0], 0.6, 1e-5); // unchanged under a larger max
});

test('warmupCosine: linear warm-up, cosine decay to the floor', () => {
  const lr = T.warmupCosine({ peakLr: 1, warmupSteps: 10, totalSteps: 110, minLr: 0.1 });
  close(lr(0), 0);
  close(lr(5), 0.5);
  close(lr(10), 1);
  close(lr(60), 0.1 + 0.9 * 0.5);
  close(lr(110), 0.1);
  close(lr(500), 0.1);
});

test('init helpers are seeded and have the right ranges', () => {
  const a = T.initNormal(T.zeros([1000]), new Rng(1), 0.02);
  const b = T.initNormal(T.zeros([1000]), new Rng(1), 0.02);
  assert.deepEqual(a.toArray(), b.toArray());
  const sd = Math.sqrt(a.toArray().reduce((s, v) => s + v * v, 0) / 1000);
  assert.ok(Math.abs(sd - 0.02) < 0.003);
  const x = T.initXavierUniform(T.zeros([30, 70]), new Rng(2));
  const bound = Math.sqrt(6 / 100);
  assert.ok(x.toArray().every((v) => Math.abs(v) <= bound) && x.toArray().some((v) => Math.abs(v) > bound * 0.9));
  assert.ok(
    T.initUniform(T.zeros([50]), new Rng(3), 2, 3)
      .toArray()
      .every((v) => v >= 2 && v < 3),
  );
});

test('parameter groups: lrScale scales the step (and the decoupled decay) of that parameter only; 0 freezes it', () => {
  const a = param([1, 1], [0.5, -1]);
  const b = { ...param([1, 1], [0.5, -1]), name: 'b', lrScale: 0.01 };
  const c = { ...param([1, 1], [0.5, -1]), name: 'c', lrScale: 0 };
  new T.AdamW([a, b, c], { lr: 0.1, weightDecay: 0.5 }).step();
  // AdamW's first step: p -= lr (sign(g) + wd p).
  close(a.tensor.f32[0], 1 - 0.1 * (1 + 0.5));
  close(b.tensor.f32[0], 1 - 0.001 * (1 + 0.5));
  close(b.tensor.f32[1], 1 + 0.001 * (1 - 0.5));
  assert.deepEqual(Array.from(c.tensor.f32), [1, 1]);
  const s = { ...param([1], [2]), lrScale: 0.5 };
  new T.SGD([s], { lr: 0.1 }).step();
  close(s.tensor.f32[0], 1 - 0.05 * 2);
});
