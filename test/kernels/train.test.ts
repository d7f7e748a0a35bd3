/**
 * Training-loop kernel agreement (layer norm forward / backward, Adam and AdamW, embedding bags, RPG's residual
 * heads and item-score gather-sum) for the OpenBLAS addon, the only optional provider implementing them, against
 * the plain-TypeScript reference: odd widths, accumulation into existing dx / dgamma / dbeta, each optional output
 * left out, several Adam steps with bias correction, saturated sigmoids.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainKernels } from '../../src/tensor/kernels/plain.js';
import type { Kernels } from '../../src/tensor/kernels/types.js';
import { assertClose, providerKernels, random } from './helpers.js';

const plain = plainKernels.kernels as Kernels;
const TRAINING = ['layerNormForward', 'layerNormBackward', 'adamStep'] as const;

test('openblas: layerNormForward / layerNormBackward agree with plain', (t) => {
  const k = providerKernels('openblas', TRAINING);
  if (typeof k === 'string') return t.skip(k);
  for (const [rows, cols] of [
    [1, 1],
    [3, 7],
    [129, 448],
    [300, 33],
  ] as const) {
    const x = random(rows * cols, rows + cols, -3, 5);
    const gamma = random(cols, 2, 0.5, 1.5),
      beta = random(cols, 3);
    const fwd = () => ({ out: new Float32Array(rows * cols), mean: new Float32Array(rows), rstd: new Float32Array(rows) });
    const want = fwd(),
      got = fwd();
    plain.layerNormForward({ x, gamma, beta, ...want, rows, cols, eps: 1e-5 });
    k.layerNormForward({ x, gamma, beta, ...got, rows, cols, eps: 1e-5 });
    const what = `layerNorm ${rows}x${cols}`;
    assertClose(got.out, want.out, 2e-5, `${what} out`);
    assertClose(got.mean, want.mean, 2e-5, `${what} mean`);
    assertClose(got.rstd, want.rstd, 2e-5, `${what} rstd`);

    const dy = random(rows * cols, 9);
    for (const which of ['all', 'dx', 'params'] as const) {
      const start = () => ({
        dx: which !== 'params' ? random(rows * cols, 4) : undefined,
        dgamma: which !== 'dx' ? random(cols, 5) : undefined,
        dbeta: which !== 'dx' ? random(cols, 6) : undefined,
      });
      const w = start(),
        g = start();
      plain.layerNormBackward({ x, gamma, mean: want.mean, rstd: want.rstd, dy, ...w, rows, cols });
      k.layerNormBackward({ x, gamma, mean: want.mean, rstd: want.rstd, dy, ...g, rows, cols });
      if (w.dx) assertClose(g.dx!, w.dx, 5e-5, `${what} ${which} dx`);
      if (w.dgamma) assertClose(g.dgamma!, w.dgamma, 5e-5 * Math.sqrt(rows), `${what} ${which} dgamma`);
      if (w.dbeta) assertClose(g.dbeta!, w.dbeta, 5e-5 * Math.sqrt(rows), `${what} ${which} dbeta`);
    }
  }
});

test('openblas: adamStep agrees with plain over several steps (Adam and AdamW)', (t) => {
  const k = providerKernels('openblas', TRAINING);
  if (typeof k === 'string') return t.skip(k);
  for (const [n, weightDecay] of [
    [1, 0],
    [1001, 0],
    [70_001, 0.01],
  ] as const) {
    const state = () => ({ param: random(n, n), m: new Float32Array(n), v: new Float32Array(n) });
    const want = state(),
      got = state();
    for (let step = 1; step <= 3; step++) {
      const grad = random(n, n + step, -2, 2);
      const h = { n, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, biasCorrection1: 1 - 0.9 ** step, biasCorrection2: 1 - 0.999 ** step };
      plain.adamStep({ ...want, grad, ...h });
      k.adamStep({ ...got, grad, ...h });
    }
    assertClose(got.param, want.param, 1e-6, `adam n=${n} wd=${weightDecay} param`);
    assertClose(got.m, want.m, 1e-6, `adam n=${n} m`);
    assertClose(got.v, want.v, 1e-6, `adam n=${n} v`);
  }
});

test('openblas: embeddingBagForward / embeddingBagBackward agree with plain (padding ids, weights, shared ids)', (t) => {
  const k = providerKernels('openblas', ['embeddingBagForward', 'embeddingBagBackward']);
  if (typeof k === 'string') return t.skip(k);
  for (const [rows, dim, bag, positions, weighted] of [
    [5, 1, 1, 3, false],
    [64, 7, 4, 33, true],
    [300, 448, 32, 60, false],
    [9, 130, 3, 500, true],
  ] as const) {
    // few distinct ids so positions share rows (the backward's scatter-add collides); every 5th id is padding
    const ids = Int32Array.from(random(positions * bag, rows * 3 + dim, 0, rows), (v, i) => (i % 5 === 4 ? -1 : Math.floor(v)));
    const table = random(rows * dim, rows);
    const weights = weighted ? random(positions, 8, 0.1, 1) : undefined;
    const args = { table, dim, ids, bag, positions, weights };
    const want = new Float32Array(positions * dim),
      got = random(positions * dim, 77);
    plain.embeddingBagForward({ ...args, out: want });
    k.embeddingBagForward({ ...args, out: got });
    const what = `embeddingBag rows=${rows} dim=${dim} bag=${bag} positions=${positions} weighted=${weighted}`;
    assertClose(got, want, 1e-5, `${what} forward`);
    const dOut = random(positions * dim, 12);
    const wantGrad = random(rows * dim, 13),
      gotGrad = wantGrad.slice();
    plain.embeddingBagBackward({ ...args, table: wantGrad, dOut });
    k.embeddingBagBackward({ ...args, table: gotGrad, dOut });
    assertClose(gotGrad, wantGrad, 1e-5, `${what} backward`);
  }
});

test('openblas: residualSiluNormalize (+ backward) agree with plain (with and without dh, large pre-activations)', (t) => {
  const k = providerKernels('openblas', ['residualSiluNormalize', 'residualSiluNormalizeBackward']);
  if (typeof k === 'string') return t.skip(k);
  for (const [rows, heads, dim, withDh] of [
    [1, 1, 1, true],
    [3, 4, 7, false],
    [37, 32, 448, true],
    [200, 16, 130, true],
  ] as const) {
    const n = rows * heads * dim;
    const h = random(rows * dim, rows + 1, -2, 2);
    const p = random(n, heads + 2, -30, 30); // saturated sigmoids at both ends
    const out = () => ({ s: new Float32Array(n), q: new Float32Array(n), inv: new Float32Array(rows * heads) });
    const want = out(),
      got = out();
    plain.residualSiluNormalize({ h, p, ...want, rows, heads, dim });
    k.residualSiluNormalize({ h, p, ...got, rows, heads, dim });
    const what = `heads rows=${rows} heads=${heads} dim=${dim}`;
    for (const name of ['s', 'q', 'inv'] as const) assertClose(got[name], want[name], 1e-5, `${what} ${name}`);
    const dq = random(n, 5);
    const dhWant = withDh ? random(rows * dim, 6) : null,
      dhGot = dhWant?.slice() ?? null;
    const pWant = p.slice(),
      pGot = p.slice();
    plain.residualSiluNormalizeBackward({ p: pWant, ...want, dq, dh: dhWant, rows, heads, dim });
    k.residualSiluNormalizeBackward({ p: pGot, ...want, dq, dh: dhGot, rows, heads, dim });
    assertClose(pGot, pWant, 1e-5, `${what} dP`);
    if (dhGot && dhWant) assertClose(dhGot, dhWant, 1e-5, `${what} dh`);
  }
});

test('openblas: gatherSum agrees with plain (one row, many rows, bag 1 and 32) and rejects an id past the row', (t) => {
  const k = providerKernels('openblas', ['gatherSum']);
  if (typeof k === 'string') return t.skip(k);
  for (const [rows, rowLength, count, bag] of [
    [1, 1, 1, 1],
    [1, 8192, 12101, 32],
    [37, 4096, 999, 16],
    [5, 7, 3, 0],
  ] as const) {
    const table = random(rows * rowLength, rows + rowLength, -9, 0);
    const ids = Int32Array.from(random(count * bag, count + 3, 0, rowLength), Math.floor);
    const want = new Float32Array(rows * count),
      got = random(rows * count, 4);
    plain.gatherSum({ table, rows, rowLength, ids, count, bag, out: want });
    k.gatherSum({ table, rows, rowLength, ids, count, bag, out: got });
    assertClose(got, want, 1e-5, `gatherSum rows=${rows} rowLength=${rowLength} count=${count} bag=${bag}`);
  }
  assert.throws(
    () => k.gatherSum({ table: new Float32Array(4), rows: 1, rowLength: 4, ids: Int32Array.of(4), count: 1, bag: 1, out: new Float32Array(1) }),
    /id outside/,
  );
});

test('dropout kernel: plain drops a p share at the 1/(1-p) scale, the mask depends only on the seed, openblas draws the same mask', (t) => {
  const n = 200_003; // odd, above the addon's OpenMP threshold
  const x = random(n, 9, -2, 2);
  const run = (k: Kernels, seed: number, p: number) => {
    const out = new Float32Array(n),
      mask = new Float32Array(n);
    k.dropout({ x, out, mask, n, seed, threshold: Math.round(p * 2 ** 32), scale: 1 / (1 - p) });
    return { out, mask };
  };
  for (const p of [0.1, 0.5, 0.9]) {
    const { out, mask } = run(plain, 12345, p);
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      if (mask[i] === 0) dropped++;
      else assert.equal(mask[i], Math.fround(1 / (1 - p)));
      assert.equal(out[i], Math.fround(x[i] * mask[i]));
    }
    assert.ok(Math.abs(dropped / n - p) < 0.005, `p ${p}: dropped ${dropped / n}`);
    let sameAsNext = 0; // neighbouring elements are independent: P(both kept or both dropped) = p^2 + (1-p)^2
    for (let i = 1; i < n; i++) if ((mask[i] === 0) === (mask[i - 1] === 0)) sameAsNext++;
    assert.ok(Math.abs(sameAsNext / (n - 1) - (p * p + (1 - p) ** 2)) < 0.01, `p ${p}: neighbours agree ${sameAsNext / (n - 1)}`);
  }
  assert.deepEqual(run(plain, 7, 0.3).mask, run(plain, 7, 0.3).mask);
  assert.notDeepEqual(run(plain, 7, 0.3).mask, run(plain, 8, 0.3).mask);
  const k = providerKernels('openblas', ['dropout']);
  if (typeof k === 'string') return t.skip(k);
  for (const seed of [0, 1, 0xffffffff]) {
    for (const p of [0.1, 0.5]) {
      const want = run(plain, seed, p),
        got = run(k, seed, p);
      assert.deepEqual(got.mask, want.mask, `mask seed ${seed} p ${p}`);
      assert.deepEqual(got.out, want.out, `out seed ${seed} p ${p}`);
    }
  }
});

test('openblas: relu / reluBackward agree with plain (zeros, negatives, accumulate and overwrite)', (t) => {
  const k = providerKernels('openblas', ['relu', 'reluBackward']);
  if (typeof k === 'string') return t.skip(k);
  for (const n of [1, 17, 200_001]) {
    const x = random(n, n, -1, 1);
    x[0] = 0; // the subgradient at 0 is 0, as PyTorch's
    const dy = random(n, n + 1);
    const want = new Float32Array(n),
      got = new Float32Array(n);
    plain.relu(x, want, n);
    k.relu(x, got, n);
    assert.deepEqual(got, want, `relu n=${n}`);
    for (const accumulate of [true, false]) {
      const dxWant = random(n, 5),
        dxGot = dxWant.slice();
      plain.reluBackward(x, dy, dxWant, n, accumulate);
      k.reluBackward(x, dy, dxGot, n, accumulate);
      assert.deepEqual(dxGot, dxWant, `reluBackward n=${n} accumulate=${accumulate}`);
    }
  }
});
