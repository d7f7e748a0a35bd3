import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { symmetricEigen, orthonormalizeColumns, gram } from '../../src/features/linalg.js';
import { csrOperator, denseOperator, randomizedSvd } from '../../src/features/svd.js';
import { CsrBuilder, csrMulDense, csrTranspose, csrTransposeMulDense } from '../../src/features/sparse.js';

test('symmetricEigen: A V = V diag(lambda), V orthonormal, values descending', () => {
  const rng = new Rng(3);
  const n = 40;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
  const { values, vectors } = symmetricEigen(a, n);
  for (let c = 1; c < n; c++) assert.ok(values[c] <= values[c - 1]);
  for (let c = 0; c < n; c++) {
    for (let r = 0; r < n; r++) {
      let av = 0;
      for (let k = 0; k < n; k++) av += a[r * n + k] * vectors[k * n + c];
      assert.ok(Math.abs(av - values[c] * vectors[r * n + c]) < 1e-9);
    }
    for (let c2 = 0; c2 < n; c2++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += vectors[r * n + c] * vectors[r * n + c2];
      assert.ok(Math.abs(dot - (c === c2 ? 1 : 0)) < 1e-9);
    }
  }
});

test('orthonormalizeColumns gives Q^T Q = I on a rank-deficient-free random matrix', () => {
  const rng = new Rng(4);
  const rows = 300;
  const cols = 12;
  const y = new Float32Array(rows * cols).map(() => rng.normal());
  orthonormalizeColumns(y, rows, cols);
  const g = gram(y, rows, cols);
  for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) assert.ok(Math.abs(g[i * cols + j] - (i === j ? 1 : 0)) < 1e-4);
});

test('randomized SVD recovers the singular values of a planted low-rank matrix', () => {
  const rng = new Rng(5);
  const rows = 400;
  const cols = 250;
  const rank = 6;
  const sigma = [50, 30, 20, 10, 5, 2];
  // A = U diag(sigma) V^T with orthonormal U, V, plus tiny noise.
  const u = new Float32Array(rows * rank).map(() => rng.normal());
  const v = new Float32Array(cols * rank).map(() => rng.normal());
  orthonormalizeColumns(u, rows, rank);
  orthonormalizeColumns(v, cols, rank);
  const a = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let r = 0; r < rank; r++) s += u[i * rank + r] * sigma[r] * v[j * rank + r];
      a[i * cols + j] = s + 1e-4 * rng.normal();
    }
  }
  const svd = randomizedSvd(denseOperator(a, rows, cols), { rank: 4, powerIters: 2, seed: 1 });
  for (let r = 0; r < 4; r++) assert.ok(Math.abs(svd.singularValues[r] - sigma[r]) / sigma[r] < 1e-3, `${svd.singularValues[r]} vs ${sigma[r]}`);
  // Left vectors span the planted ones: |u_r . u_hat_r| ~ 1.
  for (let r = 0; r < 4; r++) {
    let dot = 0;
    for (let i = 0; i < rows; i++) dot += u[i * rank + r] * svd.u[i * 4 + r];
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-3, `u_${r} alignment ${dot}`);
  }
  // A V = U diag(sigma): projecting a training row reproduces its embedding.
  let maxErr = 0;
  for (let r = 0; r < 4; r++) {
    let av = 0;
    for (let j = 0; j < cols; j++) av += a[j] * svd.v[j * 4 + r];
    maxErr = Math.max(maxErr, Math.abs(av - svd.u[r] * svd.singularValues[r]));
  }
  assert.ok(maxErr < 1e-3, `projection error ${maxErr}`);
});

test('sparse products agree with dense, transpose included; SVD of a sparse operator matches dense', () => {
  const rng = new Rng(6);
  const rows = 60;
  const cols = 40;
  const dense = new Float32Array(rows * cols);
  const builder = new CsrBuilder(cols);
  for (let i = 0; i < rows; i++) {
    const cs: number[] = [];
    const vs: number[] = [];
    for (let j = 0; j < cols; j++) {
      if (rng.next() < 0.2) {
        const val = rng.normal();
        cs.push(j);
        vs.push(val);
        dense[i * cols + j] = val;
      }
    }
    builder.addRow(cs, vs);
  }
  const a = builder.build();
  const b = new Float32Array(cols * 3).map(() => rng.normal());
  const out = new Float32Array(rows * 3);
  csrMulDense(a, b, 3, out);
  const bt = new Float32Array(rows * 3).map(() => rng.normal());
  const outT = new Float32Array(cols * 3);
  const outT2 = new Float32Array(cols * 3);
  csrTransposeMulDense(a, bt, 3, outT);
  csrMulDense(csrTranspose(a), bt, 3, outT2);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += dense[i * cols + j] * b[j * 3 + c];
      assert.ok(Math.abs(s - out[i * 3 + c]) < 1e-5);
    }
  }
  for (let j = 0; j < cols * 3; j++) assert.ok(Math.abs(outT[j] - outT2[j]) < 1e-5);
  const s1 = randomizedSvd(csrOperator(a), { rank: 5, seed: 2, powerIters: 4 }).singularValues;
  const s2 = randomizedSvd(denseOperator(dense, rows, cols), { rank: 5, seed: 2, powerIters: 4 }).singularValues;
  for (let r = 0; r < 5; r++) assert.ok(Math.abs(s1[r] - s2[r]) < 1e-3 * s2[0]);
});

/** Per column c of a (rows, cols) row-major matrix: the entry of largest magnitude. */
function columnPeaks(m: ArrayLike<number>, rows: number, cols: number): number[] {
  return Array.from({ length: cols }, (_, c) => {
    let peak = 0;
    for (let r = 0; r < rows; r++) if (Math.abs(m[r * cols + c]) > Math.abs(peak)) peak = m[r * cols + c];
    return peak;
  });
}

test('signs are fixed (largest-magnitude entry positive): rounding, another GEMM or thread count, cannot flip a feature column', () => {
  const rng = new Rng(8);
  const n = 24;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
  for (const peak of columnPeaks(symmetricEigen(a, n).vectors, n, n)) assert.ok(peak > 0, `eigenvector peak ${peak}`);

  const rows = 300;
  const cols = 80;
  const dense = new Float32Array(rows * cols).map(() => rng.normal());
  const svd = randomizedSvd(denseOperator(dense, rows, cols), { rank: 12, seed: 1 });
  for (const peak of columnPeaks(svd.u, rows, 12)) assert.ok(peak > 0, `u peak ${peak}`);
  // v follows u: A v_c = sigma_c u_c still holds after the flip.
  for (let c = 0; c < 12; c++) {
    let dot = 0;
    for (let r = 0; r < rows; r++) {
      let av = 0;
      for (let k = 0; k < cols; k++) av += dense[r * cols + k] * svd.v[k * 12 + c];
      dot += av * svd.u[r * 12 + c];
    }
    assert.ok(Math.abs(dot - svd.singularValues[c]) < 1e-2 * svd.singularValues[c], `u_${c}^T A v_${c} = ${dot}, sigma ${svd.singularValues[c]}`);
  }
  // A perturbation at float32 rounding's scale leaves every column's sign where it was.
  const nudged = dense.map((x, i) => x * (1 + 1e-6 * Math.sin(i)));
  const again = randomizedSvd(denseOperator(nudged, rows, cols), { rank: 12, seed: 1 });
  for (let c = 0; c < 12; c++) {
    let dot = 0;
    for (let r = 0; r < rows; r++) dot += svd.u[r * 12 + c] * again.u[r * 12 + c];
    assert.ok(dot > 0.99, `column ${c}: u . u' = ${dot}`);
  }
});
